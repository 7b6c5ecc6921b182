package dev.vigil.bench;

import dev.vigil.bench.load.ArrivalSchedule;
import dev.vigil.bench.load.BinaryTarget;
import dev.vigil.bench.load.InProcessServer;
import dev.vigil.bench.load.Knee;
import dev.vigil.bench.load.LoadResult;
import dev.vigil.bench.load.LoadSweep;
import dev.vigil.bench.load.LoadTarget;
import dev.vigil.bench.load.LoadWindow;
import dev.vigil.bench.load.OpenLoop;
import dev.vigil.bench.load.SweepRates;
import dev.vigil.bench.load.SweepResult;
import dev.vigil.bench.report.BatchCurve;
import dev.vigil.bench.report.PreprocessCost;
import dev.vigil.bench.report.ReportPlots;
import dev.vigil.bench.report.ReportResult;
import dev.vigil.bench.report.ResultsMarkdown;
import dev.vigil.bench.report.StageBreakdown;
import dev.vigil.bench.trace.BatchTrace;
import dev.vigil.bench.trace.TraceFile;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.server.VigilServer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./vigil bench report}: the measurements a reader of the results needs, in one bounded
 * run, with the machine they came from: throughput against batch size per classifier model,
 * a short latency-versus-load sweep, the latency distribution and per-stage breakdown at a
 * moderate load (from the in-process server's metrics), and a TensorFlow trace of one batch;
 * then the plots (SVG), {@code results.json} and {@code RESULTS.md}.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Measure and write the results report: throughput vs batch size per model (engine on pre-made tensors), latency vs load"
                    + " (short open-loop sweep), the latency CDF and per-stage breakdown at a moderate load, and a Chrome trace of one batch;",
            "SVG plots, results.json and RESULTS.md, each with the machine's facts. --quick finishes in a few minutes on 2 cores."})
final class ReportCommand implements Callable<Integer> {
    /** The profile's windows and sizes. */
    record Profile(String name, List<Integer> batches, Duration minTime, int minCalls, String sweep, double stepWarmup, double stepSeconds,
                   double loadWarmup, double loadSeconds) {
    }

    static final Profile QUICK = new Profile("quick", List.of(1, 2, 4, 8, 16, 32, 64), Duration.ofMillis(1500), 3, "10:160:x1.5", 1, 4, 3, 20);
    static final Profile FULL = new Profile("full", List.of(1, 2, 4, 8, 16, 32, 64), Duration.ofSeconds(5), 5, "10:200:10", 3, 10, 5, 60);

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Short windows: a few minutes on 2 cores; the shape of each curve, not numbers to decide on.")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the plots, results.json and the trace (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("bench", "results");

    @Option(names = "--markdown", paramLabel = "FILE", description = "The report page to write, linking the plots (default: ${DEFAULT-VALUE}).")
    Path markdown = Path.of("bench", "RESULTS.md");

    @Option(names = "--models", paramLabel = "NAME", split = ",",
            description = "Classifier models for throughput vs batch size (default: ${DEFAULT-VALUE}).")
    List<String> models = new ArrayList<>(List.of("nsfw-mobilenet-v2-mid", "nsfw-mobilenet-v2", "nsfw-inception-v3"));

    @Option(names = "--model", paramLabel = "NAME", description = "The server's classifier for the load runs and the traced model (default: ${DEFAULT-VALUE}).")
    String model = "nsfw-mobilenet-v2-mid";

    @Option(names = "--batch", paramLabel = "N", description = "The server's maximum batch size (default: ${DEFAULT-VALUE}, the gate's default).")
    int batch = BatchingConfig.DEFAULT_MAX_BATCH_SIZE;

    @Option(names = "--trace-batch", paramLabel = "N", description = "Images in the traced batch (default: ${DEFAULT-VALUE}).")
    int traceBatch = 8;

    @Option(names = "--label", paramLabel = "TEXT", description = "The conditions in words (shared machine, other processes), printed at the top of RESULTS.md.")
    String label = "";

    @Option(names = "--photos", paramLabel = "PATH", split = ",",
            description = "Photos for the load runs (default: the reference photos, <cache>/photos and $VIGIL_REFERENCE_PHOTOS).")
    List<Path> photos = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Profile p = quick ? QUICK : FULL;
        if (batch < 1 || traceBatch < 1) {
            throw new IllegalArgumentException("--batch: " + batch + ", --trace-batch: " + traceBatch + " (expected: >= 1)");
        }
        long started = System.nanoTime();
        MachineFacts machine = MachineFacts.capture();
        List<byte[]> images = BenchPhotos.read(BenchPhotos.list(photos));
        Files.createDirectories(out);
        Map<String, String> files = new LinkedHashMap<>();

        // 1. throughput against batch size, alone on the machine (no server yet)
        List<BatchCurve.Point> curve = new ArrayList<>();
        for (String m : models) {
            err.printf(Locale.ROOT, "vigil bench: throughput vs batch size, %s ...%n", m);
            curve.addAll(BatchCurve.measure(m, p.batches(), p.minTime(), p.minCalls(), pt -> err.printf(Locale.ROOT,
                    "vigil bench:   batch %d: %.1f images/s (%.1f ms per batch, %d calls)%n", pt.batch(), pt.imagesPerSecond(), pt.msPerBatch(), pt.calls())));
        }

        // 2. what preprocessing one photo costs, so that the stage breakdown can show it apart from inference
        double preprocessUs = PreprocessCost.microsPerImage(model, images, p.minTime());
        err.printf(Locale.ROOT, "vigil bench: preprocessing for %s: %.0f us per image%n", model, preprocessUs);

        // 3. one traced batch
        err.printf(Locale.ROOT, "vigil bench: tracing one batch of %d through %s ...%n", traceBatch, model);
        Path traceFile = out.resolve("trace-" + model + "-batch" + traceBatch + ".json");
        BatchTrace.Traced traced = BatchTrace.run(model, traceBatch, machine.cores());
        int events = TraceFile.write(traced, machine, traceFile);
        Map<String, Object> trace = new LinkedHashMap<>();
        trace.put("model", traced.model() + "/" + traced.version());
        trace.put("batch", traceBatch);
        trace.put("events", events);
        trace.put("file", traceFile.toString());

        // 4. the server under load: a short sweep, then a moderate rate with the stage histograms read around it
        SweepResult sweep;
        OpenLoop.Sampled moderate;
        StageBreakdown stages;
        double moderateRate;
        err.printf(Locale.ROOT, "vigil bench: starting a server in this process on loopback (classifier %s, batches up to %d) ...%n", model, batch);
        try (InProcessServer server = InProcessServer.start(model, batch);
             LoadTarget target = BinaryTarget.connect(server.tcpAddress(), VigilServer.DEFAULT_MAX_IN_FLIGHT, Duration.ofSeconds(10))) {
            // the JIT and connections warm on traffic that no figure counts, so the sweep's first step is not the cold one
            OpenLoop.run(target, "in-process", images, ArrivalSchedule.constant(20), null, VigilServer.DEFAULT_MAX_IN_FLIGHT,
                    new LoadWindow(Duration.ZERO, seconds(p.stepWarmup() + 2), 1_000_000, Duration.ofSeconds(12)));
            LoadWindow stepWindow = new LoadWindow(seconds(p.stepWarmup()), seconds(p.stepSeconds()), 1_000_000, Duration.ofSeconds(12));
            List<Double> rates = SweepRates.parse(p.sweep());
            sweep = LoadSweep.run(target, "in-process", images, rates, null, VigilServer.DEFAULT_MAX_IN_FLIGHT, stepWindow, Knee.Criteria.DEFAULT, false,
                    r -> err.printf(Locale.ROOT, "vigil bench: sweep step %.0f/s: %.1f verdicts/s, p99 %.2f ms%n", r.offeredPerSecond(),
                            r.throughputPerSecond(), r.latency().p99()));
            sweep = LoadSweep.write(sweep, out.resolve("latency-vs-load"), machine.ended());
            files.put("sweep_svg", sweep.files().get("svg"));
            files.put("sweep_csv", sweep.files().get("csv"));
            files.put("sweep_json", sweep.files().get("json"));
            double best = sweep.steps().stream().mapToDouble(LoadResult::throughputPerSecond).max().orElse(2);
            moderateRate = Math.max(1, Math.round(best / 2));
            err.printf(Locale.ROOT, "vigil bench: moderate load, %.0f/s for %.0f s ...%n", moderateRate, p.loadSeconds());
            // warm-up at the same rate as its own run, so that the server's histograms and the client count the same requests
            OpenLoop.run(target, "in-process", images, ArrivalSchedule.constant(moderateRate), null, VigilServer.DEFAULT_MAX_IN_FLIGHT,
                    new LoadWindow(Duration.ZERO, seconds(p.loadWarmup()), 1_000_000, Duration.ofSeconds(12)));
            LoadWindow window = new LoadWindow(Duration.ZERO, seconds(p.loadSeconds()), 1_000_000, Duration.ofSeconds(12));
            Map<String, double[]> before = StageBreakdown.read(server.metrics());
            moderate = OpenLoop.runSampled(target, "in-process", images, ArrivalSchedule.constant(moderateRate), null,
                    VigilServer.DEFAULT_MAX_IN_FLIGHT, window);
            Map<String, double[]> after = StageBreakdown.read(server.metrics());
            stages = StageBreakdown.between(before, after, moderate.result().uncorrected().mean(), preprocessUs);
        }
        MachineFacts ended = machine.ended();

        // 5. plots, results.json, RESULTS.md
        String subtitle = String.format(Locale.ROOT, "%s, %d cores, %s profile, load average %s -> %s%s", ended.cpuModel(), ended.cores(), p.name(),
                ended.loadAverageStart(), ended.loadAverageEnd(), label.isBlank() ? "" : "\n" + label);
        List<double[]> cdf = cdf(moderate.correctedMicros());
        LoadResult load = moderate.result();
        Map<String, Double> percentiles = new LinkedHashMap<>();
        percentiles.put("p50", load.latency().p50());
        percentiles.put("p90", load.latency().p90());
        percentiles.put("p99", load.latency().p99());
        percentiles.put("p99.9", load.latency().p999());
        files.put("throughput_vs_batch_svg", write(out.resolve("throughput-vs-batch.svg"), ReportPlots.throughputVsBatch(curve, subtitle)));
        files.put("latency_cdf_svg", write(out.resolve("latency-cdf.svg"), ReportPlots.latencyCdf(cdf, percentiles,
                String.format(Locale.ROOT, "%.0f requests/s offered, open loop; %s", moderateRate, subtitle))));
        files.put("stages_svg", write(out.resolve("stages.svg"), ReportPlots.stageBar(stages, subtitle)));
        files.put("trace_json", traceFile.toString());
        Path json = out.resolve("results.json");
        files.put("results_json", json.toString());
        files.put("results_md", markdown.toString());

        Map<String, String> commands = new LinkedHashMap<>();
        commands.put("report", "./vigil bench report" + (quick ? " --quick" : "") + (out.equals(Path.of("bench", "results")) ? "" : " --out " + out));
        commands.put("throughput vs batch (one point)", "./vigil bench throughput --input tensors --model " + models.get(0) + " --batch 8");
        commands.put("latency vs load", String.format(Locale.ROOT, "./vigil bench load --sweep %s --warmup %s --seconds %s --out %s",
                p.sweep(), num(p.stepWarmup()), num(p.stepSeconds()), out.resolve("latency-vs-load")));
        commands.put("moderate load", String.format(Locale.ROOT, "./vigil bench load --rate %s --warmup %s --seconds %s --json",
                num(moderateRate), num(p.loadWarmup()), num(p.loadSeconds())));
        commands.put("stage metrics of a server started with ./vigil serve", "curl -s http://127.0.0.1:7462/metrics | grep vigil_stage_duration_seconds");
        commands.put("trace", "./vigil bench trace --model " + model + " --batch " + traceBatch + " --out " + traceFile);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("batches", p.batches());
        settings.put("min_seconds_per_batch_size", p.minTime().toMillis() / 1000.0);
        settings.put("min_calls_per_batch_size", p.minCalls());
        settings.put("sweep", p.sweep());
        settings.put("sweep_step_warmup_s", p.stepWarmup());
        settings.put("sweep_step_seconds", p.stepSeconds());
        settings.put("moderate_rate_per_s", moderateRate);
        settings.put("moderate_warmup_s", p.loadWarmup());
        settings.put("moderate_seconds", p.loadSeconds());
        settings.put("classifier", model);
        settings.put("gate_batch", batch);
        settings.put("photos", images.size());
        ReportResult result = new ReportResult(p.name(), label, commands, ended, settings, curve, sweep, load, cdf, stages, trace, files,
                (System.nanoTime() - started) / 1e9);
        Files.writeString(json, BenchCommand.JSON.writeValueAsString(result) + "\n", StandardCharsets.UTF_8);
        Path md = markdown.toAbsolutePath().getParent();
        if (md != null) {
            Files.createDirectories(md);
        }
        Files.writeString(markdown, ResultsMarkdown.of(result, markdown), StandardCharsets.UTF_8);
        stdout.printf(Locale.ROOT, "report written in %.0f s:%n", result.seconds());
        files.forEach((what, file) -> stdout.println("  " + what + ": " + file));
        return load.verdicts() > 0 ? 0 : 1;
    }

    /** The corrected latencies as {ms, fraction answered within} pairs, at most about 400 of them. */
    static List<double[]> cdf(Histogram micros) {
        List<double[]> points = new ArrayList<>();
        long total = micros.getTotalCount();
        if (total == 0) {
            return points;
        }
        List<double[]> all = new ArrayList<>();
        for (HistogramIterationValue v : micros.recordedValues()) {
            all.add(new double[] {micros.highestEquivalentValue(v.getValueIteratedTo()) / 1000.0, v.getTotalCountToThisValue() / (double) total});
        }
        int every = Math.max(1, all.size() / 400);
        for (int i = 0; i < all.size(); i++) {
            if (i % every == 0 || i == all.size() - 1) {
                points.add(all.get(i));
            }
        }
        return points;
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String write(Path file, String content) throws java.io.IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file.toString();
    }
}
