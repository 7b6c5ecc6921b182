package dev.vigil.bench;

import dev.vigil.bench.load.ArrivalSchedule;
import dev.vigil.bench.load.BinaryTarget;
import dev.vigil.bench.load.ClosedLoop;
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
import dev.vigil.bench.report.ServerMemory;
import dev.vigil.bench.report.SocketComparison;
import dev.vigil.bench.report.StageBreakdown;
import dev.vigil.bench.report.Target;
import dev.vigil.bench.throughput.GateThroughput;
import dev.vigil.bench.throughput.PrecisionComparison;
import dev.vigil.bench.throughput.ThroughputResult;
import dev.vigil.bench.trace.BatchTrace;
import dev.vigil.bench.trace.TraceFile;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.model.Precision;
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
import picocli.CommandLine.Mixin;
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
                   double loadWarmup, double loadSeconds, double runWarmup, double runSeconds, List<Integer> peerBatches) {
    }

    static final Profile QUICK = new Profile("quick", List.of(1, 2, 4, 8, 16, 32, 64), Duration.ofMillis(1500), 3, "10:160:x1.5", 1, 4, 3, 20,
            1, 3, List.of(1, 16));
    static final Profile FULL = new Profile("full", List.of(1, 2, 4, 8, 16, 32, 64), Duration.ofSeconds(5), 5, "20:300:20", 3, 10, 5, 60,
            2, 10, List.of(1, 8, 16, 32, 64));
    /** Requests kept in flight for the in-process against loopback comparison: enough for full batches from two workers. */
    static final int SOCKET_CONCURRENCY = 32;
    /** The fp32 ceiling the bench issue calculates for nsfw-mobilenet-v2-mid on this machine: 466 GFLOP/s over 1.16 GFLOP per image. */
    static final double FP32_CEILING_IMAGES_PER_S = 400;
    static final double MEMORY_LIMIT_MIB = 2048;

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

    @Mixin
    PhotosOption photos;

    @Option(names = "--node", paramLabel = "PATH", description = "The Node executable for the nsfwjs peer (default: ${DEFAULT-VALUE}).")
    String node = "node";

    @Option(names = "--skip-nsfwjs", description = "Leave the nsfwjs peer out (its ratios are then not judged).")
    boolean skipNsfwjs;

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
        List<Path> photoFiles = photos.files();
        List<byte[]> images = BenchPhotos.read(photoFiles);
        Files.createDirectories(out);
        Map<String, String> files = new LinkedHashMap<>();

        // 1. throughput against batch size, alone on the machine (no server yet)
        List<BatchCurve.Point> curve = new ArrayList<>();
        for (String m : models) {
            err.printf(Locale.ROOT, "vigil bench: throughput vs batch size, %s ...%n", m);
            curve.addAll(BatchCurve.measure(m, p.batches(), p.minTime(), p.minCalls(), pt -> err.printf(Locale.ROOT,
                    "vigil bench:   batch %d: %.1f images/s (%.1f ms per batch, %d calls)%n", pt.batch(), pt.imagesPerSecond(), pt.msPerBatch(), pt.calls())));
        }

        // 1b. the peers, one after another: the bare session sweep, the engine, the gate, nsfwjs
        err.printf(Locale.ROOT, "vigil bench: peers (%s) ...%n", PeersCommand.MODEL);
        Duration runWarm = seconds(p.runWarmup());
        Duration runWindow = seconds(p.runSeconds());
        PeerComparison peers = PeersCommand.measure(new PeersCommand.Settings(runWarm, runWindow, batch, p.peerBatches(), List.of(1, 2), List.of(1, 2),
                skipNsfwjs ? null : List.of(1, 8, 32), node), photoFiles, err);

        // 1c. reduced precision against fp32, speed and agreement
        err.printf(Locale.ROOT, "vigil bench: bfloat16 against fp32 (%s) ...%n", PeersCommand.MODEL);
        PrecisionComparison.Result precision = null;
        String precisionError = null;
        try {
            precision = PrecisionComparison.run(PeersCommand.MODEL, Precision.BF16, List.of(16, 32), 2, 0, runWarm, runWindow, photoFiles);
        } catch (RuntimeException e) {
            precisionError = e.getMessage();
            err.println("vigil bench: no bfloat16 figures: " + precisionError);
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
        double maxThroughput;
        ThroughputResult inProcess;
        LoadResult loopback;
        LoadResult single;
        err.printf(Locale.ROOT, "vigil bench: starting a server in this process on loopback (classifier %s, batches up to %d) ...%n", model, batch);
        try (InProcessServer server = InProcessServer.start(model, batch);
             LoadTarget target = BinaryTarget.connect(server.tcpAddress(), VigilServer.DEFAULT_MAX_IN_FLIGHT, Duration.ofSeconds(10))) {
            // the JIT and connections warm on traffic that no figure counts, so the sweep's first step is not the cold one
            OpenLoop.run(target, "in-process", images, ArrivalSchedule.constant(20), null, VigilServer.DEFAULT_MAX_IN_FLIGHT,
                    new LoadWindow(Duration.ZERO, seconds(p.stepWarmup() + 2), 1_000_000, Duration.ofSeconds(12)));
            // the same gate in-process and over loopback TCP at the same concurrency, then one request at a time
            err.printf(Locale.ROOT, "vigil bench: %d in flight, in-process and over loopback TCP ...%n", SOCKET_CONCURRENCY);
            inProcess = GateThroughput.on(server.gate(), model, batch, SOCKET_CONCURRENCY, images, runWarm, runWindow).result();
            LoadWindow runLoad = new LoadWindow(runWarm, runWindow, 1_000_000, Duration.ofSeconds(12));
            loopback = ClosedLoop.run(target, "in-process", images, SOCKET_CONCURRENCY, null, runLoad);
            single = ClosedLoop.run(target, "in-process", images, 1, null, runLoad);
            err.printf(Locale.ROOT, "vigil bench:   in-process %.1f images/s, loopback %.1f verdicts/s, one at a time p50 %.2f ms%n",
                    inProcess.imagesPerSecond(), loopback.throughputPerSecond(), single.uncorrected().p50());
            LoadWindow stepWindow = new LoadWindow(seconds(p.stepWarmup()), seconds(p.stepSeconds()), 1_000_000, Duration.ofSeconds(12));
            List<Double> rates = SweepRates.parse(p.sweep());
            sweep = LoadSweep.run(target, "in-process", images, rates, null, VigilServer.DEFAULT_MAX_IN_FLIGHT, stepWindow, Knee.Criteria.DEFAULT, false,
                    r -> err.printf(Locale.ROOT, "vigil bench: sweep step %.0f/s: %.1f verdicts/s, p99 %.2f ms%n", r.offeredPerSecond(),
                            r.throughputPerSecond(), r.latency().p99()));
            sweep = LoadSweep.write(sweep, out.resolve("latency-vs-load"), machine.ended());
            files.put("sweep_svg", sweep.files().get("svg"));
            files.put("sweep_csv", sweep.files().get("csv"));
            files.put("sweep_json", sweep.files().get("json"));
            maxThroughput = Math.max(loopback.throughputPerSecond(), sweep.steps().stream().mapToDouble(LoadResult::throughputPerSecond).max().orElse(2));
            moderateRate = Math.max(1, Math.round(MODERATE_SHARE * maxThroughput));
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

        // 5. the resident memory of a server of its own with all five models
        err.println("vigil bench: resident memory of ./vigil serve with the five default models ...");
        ServerMemory memory = ServerMemory.measure(images.get(0), 8, err);
        err.printf(Locale.ROOT, "vigil bench:   resident %.0f MiB, peak %.0f MiB%n", memory.residentMiB(), memory.peakMiB());
        MachineFacts ended = machine.ended();

        List<Target> targets = targets(peers, inProcess, loopback, single, maxThroughput, moderate.result(), memory, precision, precisionError);
        SocketComparison socket = new SocketComparison(inProcess, loopback, single, maxThroughput);

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
        commands.put("peers", String.format(Locale.ROOT, "./vigil bench peers --seconds %s --warmup-seconds %s --batches %s", num(p.runSeconds()),
                num(p.runWarmup()), p.peerBatches().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","))));
        commands.put("precision", String.format(Locale.ROOT, "./vigil bench precision --model %s --batch 16,32 --rounds 2 --seconds %s",
                PeersCommand.MODEL, num(p.runSeconds())));
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
        settings.put("run_warmup_s", p.runWarmup());
        settings.put("run_seconds", p.runSeconds());
        settings.put("peer_batches", p.peerBatches());
        settings.put("socket_concurrency", SOCKET_CONCURRENCY);
        ReportResult result = new ReportResult(p.name(), label, commands, ended, settings, curve, sweep, load, cdf, stages, trace, targets, peers,
                socket, memory, precision, files, (System.nanoTime() - started) / 1e9);
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

    /** The share of the most the server answered at which the latency distribution and stages are taken (the p99 target's load). */
    static final double MODERATE_SHARE = 0.7;

    /** The bench issue's targets, each judged on what this run measured. */
    static List<Target> targets(PeerComparison peers, ThroughputResult inProcess, LoadResult loopback, LoadResult single, double maxThroughput,
                                LoadResult atSeventyPercent, ServerMemory memory, PrecisionComparison.Result precision, String precisionError) {
        PeerComparison.Ratios r = peers.ratios();
        List<Target> targets = new ArrayList<>();
        targets.add(Target.atLeast("engine on tensors / best bare TensorFlow Java session", 0.9, r.engineTensorsVsBestBare(),
                "engine " + r.bestEngineTensors() + "; bare " + r.bestBare(), "./vigil bench peers"));
        targets.add(Target.atLeast("engine on tensors / nsfwjs model-only (best backend)", 4.5, r.engineTensorsVsNsfwjs(),
                "engine " + r.bestEngineTensors() + "; nsfwjs " + r.bestNsfwjs(), "./vigil bench peers"));
        targets.add(Target.atLeast("whole gate on encoded photos / nsfwjs model-only", 3, r.gateImagesVsNsfwjs(),
                String.format(Locale.ROOT, "gate %.1f images/s (%d photos, batches up to %d); nsfwjs %s", peers.gateImages().imagesPerSecond(),
                        peers.gateImages().photos(), peers.gateImages().batch(), r.bestNsfwjs()), "./vigil bench peers"));
        targets.add(Target.atLeast("loopback TCP / in-process, same gate, " + SOCKET_CONCURRENCY + " in flight", 0.9,
                inProcess.imagesPerSecond() > 0 ? loopback.throughputPerSecond() / inProcess.imagesPerSecond() : null,
                String.format(Locale.ROOT, "loopback %.1f verdicts/s (binary protocol, %d clients, generator on the same cores); in-process %.1f images/s",
                        loopback.throughputPerSecond(), SOCKET_CONCURRENCY, inProcess.imagesPerSecond()),
                "./vigil bench load --clients " + SOCKET_CONCURRENCY + " and ./vigil bench throughput --concurrency " + SOCKET_CONCURRENCY));
        double service = single.uncorrected().p50();
        targets.add(Target.atMost("p99 at 70% of the most answered / single-image service time", 3, false,
                service > 0 ? atSeventyPercent.latency().p99() / service : null,
                String.format(Locale.ROOT, "p99 %.2f ms at %.0f/s offered (most answered %.1f/s); one request at a time: p50 %.2f ms, p99 %.2f ms"
                                + " (the photos differ: see bench/README.md, Tail latency)",
                        atSeventyPercent.latency().p99(), atSeventyPercent.offeredPerSecond(), maxThroughput, service, single.uncorrected().p99()),
                String.format(Locale.ROOT, "./vigil bench load --rate %.0f and ./vigil bench load --clients 1", atSeventyPercent.offeredPerSecond())));
        targets.add(Target.atMost("server resident memory, five default models loaded and warmed (MiB)", MEMORY_LIMIT_MIB, true, memory.residentMiB(),
                String.format(Locale.ROOT, "VmRSS %.0f MiB after %d requests per policy; peak (VmHWM, loading included) %.0f MiB", memory.residentMiB(),
                        memory.requestsPerPolicy(), memory.peakMiB()), "./vigil serve --policies bench/src/main/resources/" + ServerMemory.POLICIES));
        if (precision == null) {
            targets.add(new Target("bfloat16 images/s / fp32 ceiling (400 images/s)", "> 1", null, null, "not measured: " + precisionError,
                    "./vigil bench precision"));
        } else {
            double bf16 = precision.speeds().stream().filter(v -> v.precision() == Precision.BF16).mapToDouble(PrecisionComparison.Speed::imagesPerSecond)
                    .max().orElse(0);
            double fp32 = precision.speeds().stream().filter(v -> v.precision() == Precision.FP32).mapToDouble(PrecisionComparison.Speed::imagesPerSecond)
                    .max().orElse(0);
            targets.add(Target.atMost("fp32 ceiling (400 images/s) / bfloat16 images/s", 1, true, bf16 > 0 ? FP32_CEILING_IMAGES_PER_S / bf16 : null,
                    String.format(Locale.ROOT, "bfloat16 best %.1f images/s, fp32 best %.1f (same session settings, one caller); on %d photos the top class"
                                    + " changed on %d, a policy threshold was crossed on %d, largest |dp| %.4f", bf16, fp32, precision.photos().size(),
                            precision.topClassChanges(), precision.thresholdCrossings(),
                            precision.maxAbsDelta().values().stream().mapToDouble(Float::doubleValue).max().orElse(0)),
                    "./vigil bench precision"));
        }
        return targets;
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
