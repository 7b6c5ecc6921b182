package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.bench.throughput.BareSession;
import dev.vigil.bench.throughput.GateThroughput;
import dev.vigil.bench.throughput.TensorThroughput;
import dev.vigil.bench.throughput.ThroughputResult;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./vigil bench peers}: Vigil's default classifier beside its peers, one after another
 * in one run on the same photos, and the ratios between them (see {@link PeerComparison}).
 * Everything runs in sequence, so no two measurements share the cores.
 */
@Command(name = "peers", mixinStandardHelpOptions = true,
        description = {
            "nsfw-mobilenet-v2-mid four ways, in one run on the same photos, with ratios (above 1: Vigil faster):",
            "  bare session: TensorFlow Java alone (SavedModelBundle, session.runner) on pre-made tensors, over"
                    + " intra-op threads x concurrent callers x batch: the ceiling;",
            "  engine tensors: Vigil's model session on pre-made tensors with the gate's default threads and concurrent batches,"
                    + " per batch size;",
            "  gate images: the whole gate from the encoded photos (as ./vigil bench throughput);",
            "  nsfwjs: the same model in Node + TensorFlow.js on every backend that loads (model-only per batch size,"
                    + " and decode + classify on the photos)."})
final class PeersCommand implements Callable<Integer> {
    static final String MODEL = "nsfw-mobilenet-v2-mid";

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", paramLabel = "S", description = "Measured window of each run (default: ${DEFAULT-VALUE}).")
    double seconds = 5;

    @Option(names = "--warmup-seconds", paramLabel = "S", description = "Traffic before each window, not counted (default: ${DEFAULT-VALUE}).")
    double warmupSeconds = 2;

    @Option(names = "--batch", paramLabel = "N", description = "The gate's maximum batch size (default: ${DEFAULT-VALUE}).")
    int batch = BatchingConfig.DEFAULT_MAX_BATCH_SIZE;

    @Option(names = "--batches", paramLabel = "N,...", split = ",", description = "Batch sizes of the bare session and engine runs (default: 1,8,16,32,64).")
    List<Integer> batches = new ArrayList<>(List.of(1, 8, 16, 32, 64));

    @Option(names = "--bare-intra-op", paramLabel = "N,...", split = ",", description = "Intra-op threads of the bare session sweep (default: 1,2).")
    List<Integer> bareIntraOp = new ArrayList<>(List.of(1, 2));

    @Option(names = "--bare-callers", paramLabel = "N,...", split = ",", description = "Concurrent callers of the bare session sweep (default: 1,2).")
    List<Integer> bareCallers = new ArrayList<>(List.of(1, 2));

    @Option(names = "--nsfwjs-batches", paramLabel = "N,...", split = ",", description = "Batch sizes of the nsfwjs model-only runs (default: 1,8,32).")
    List<Integer> nsfwjsBatches = new ArrayList<>(List.of(1, 8, 32));

    @Option(names = "--node", paramLabel = "PATH", description = "The Node executable (default: ${DEFAULT-VALUE}).")
    String node = "node";

    @Option(names = "--skip-nsfwjs", description = "Leave the nsfwjs peer out.")
    boolean skipNsfwjs;

    @Mixin
    PhotosOption photos;

    @Option(names = "--json", description = "Print everything as one JSON document instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        MachineFacts machine = MachineFacts.capture();
        List<Path> files = photos.files();
        Settings settings = new Settings(Duration.ofMillis(Math.round(warmupSeconds * 1000)), Duration.ofMillis(Math.round(seconds * 1000)),
                batch, batches, bareIntraOp, bareCallers, skipNsfwjs ? null : nsfwjsBatches, node);
        PeerComparison comparison = measure(settings, files, err);
        out.println(json ? BenchCommand.JSON.writeValueAsString(machine.ended().attachTo(comparison)) : describe(comparison));
        return 0;
    }

    /**
     * What one peers run measures.
     *
     * @param nsfwjsBatches null leaves the nsfwjs peer out
     */
    record Settings(Duration warmUp, Duration measured, int gateBatch, List<Integer> batches, List<Integer> bareIntraOp,
                    List<Integer> bareCallers, List<Integer> nsfwjsBatches, String node) {
    }

    /** The four runs, one after another, progress on {@code err}; also what {@code ./vigil bench report} runs. */
    static PeerComparison measure(Settings s, List<Path> files, PrintWriter err) throws InterruptedException {
        ModelRepository repository = new ModelRepository(VigilPaths.resolve(null, null).repository());
        ModelManifest manifest = repository.latest(MODEL);
        Path dir = repository.versionDir(manifest.name(), manifest.version());
        String output = manifest.output("probabilities").tensor();
        List<ThroughputResult> bare = new ArrayList<>();
        if (!BareSession.ownThreadPools()) {
            err.println("vigil bench: TF_OVERRIDE_GLOBAL_THREADPOOL is not true: every session shares the intra-op pool of the first,"
                    + " so the bare sweep's intra-op settings are not what they say (./vigil bench sets it)");
        }
        for (int intra : s.bareIntraOp()) {
            for (int callers : s.bareCallers()) {
                // One inter-op thread per caller: with fewer, concurrent calls take turns on it.
                try (BareSession session = new BareSession(MODEL, dir, manifest.input().tensor(), output,
                        manifest.input().height(), manifest.input().width(), intra, callers)) {
                    for (int b : s.batches()) {
                        ThroughputResult r = session.measure(b, callers, s.warmUp(), s.measured());
                        err.printf("bare session: batch %d, intra-op %d, inter-op %d, callers %d: %.1f images/s%n", b, intra, callers, callers,
                                r.imagesPerSecond());
                        bare.add(r);
                    }
                }
            }
        }
        List<ThroughputResult> engine = new ArrayList<>();
        for (int b : s.batches()) {
            ThroughputResult r = TensorThroughput.run(MODEL, b, null, null, s.warmUp(), s.measured());
            err.printf("engine tensors: batch %d, intra-op %d, inter-op %d, callers %d: %.1f images/s%n", b, r.intraOpThreads(), r.interOpThreads(),
                    r.threads(), r.imagesPerSecond());
            engine.add(r);
        }
        GateThroughput.Run gate = GateThroughput.run(MODEL, s.gateBatch(), GateThroughput.defaultConcurrency(s.gateBatch()), files, s.warmUp(), s.measured());
        err.printf("gate images: batch %d: %.1f images/s (%d errors)%n", s.gateBatch(), gate.result().imagesPerSecond(), gate.result().errors());
        if (gate.firstError() != null) {
            err.println("vigil bench: requests failed closed, e.g. " + gate.firstError());
        }
        JsonNode nsfwjs = s.nsfwjsBatches() == null ? null
                : NsfwjsPeer.run(s.node(), s.nsfwjsBatches(), s.measured().toMillis() / 1000.0, s.warmUp().toMillis() / 1000.0, files);
        return PeerComparison.of(bare, engine, gate.result(), nsfwjs);
    }

    private static String describe(PeerComparison c) {
        StringBuilder s = new StringBuilder();
        PeerComparison.Ratios r = c.ratios();
        s.append(String.format("%s, %d cores, JVM %s%n%n", MODEL, ThroughputResult.hostCores(), ThroughputResult.thisJvm()));
        s.append(String.format("%-16s %-6s %-9s %-8s %s%n", "run", "batch", "intra-op", "callers", "images/s"));
        for (ThroughputResult t : c.bareSession()) {
            s.append(String.format("%-16s %-6d %-9d %-8d %.1f%n", "bare session", t.batch(), t.intraOpThreads(), t.threads(), t.imagesPerSecond()));
        }
        for (ThroughputResult t : c.engineTensors()) {
            s.append(String.format("%-16s %-6d %-9d %-8d %.1f%n", "engine tensors", t.batch(), t.intraOpThreads(), t.threads(), t.imagesPerSecond()));
        }
        ThroughputResult g = c.gateImages();
        s.append(String.format("%-16s %-6d %-9d %-8s %.1f  (%d photos, in flight %d, mean batch %.1f, %d errors)%n", "gate images", g.batch(),
                g.intraOpThreads(), "-", g.imagesPerSecond(), g.photos(), g.concurrency(), g.meanBatch(), g.errors()));
        for (PeerComparison.NsfwjsRow n : c.nsfwjsRows()) {
            if (n.unavailable() != null) {
                s.append(n.backend() == null ? "nsfwjs: " + n.unavailable() + "\n"
                        : String.format("nsfwjs %-9s unavailable: %s%n", n.backend(), n.unavailable()));
            } else if (n.batch() != null) {
                s.append(String.format("%-16s %-6d %-9s %-8d %.1f%n", "nsfwjs " + n.backend(), n.batch(), n.threads(), 1, n.imagesPerSecond()));
            } else {
                s.append(String.format("%-16s %-6s %-9s %-8d %.1f  (decode + classify, %d photos)%n", "nsfwjs " + n.backend(), "1", "-", 1,
                        n.imagesPerSecond(), n.photos()));
            }
        }
        s.append(String.format("%nratios (above 1: Vigil faster)%n"));
        line(s, "engine tensors / best bare session", r.engineTensorsVsBestBare());
        if (r.engineVsBareSameSettings() != null) {
            for (Map.Entry<Integer, Double> e : r.engineVsBareSameSettings().entrySet()) {
                line(s, "engine / bare, same threads, batch " + e.getKey(), e.getValue());
            }
        }
        line(s, "engine tensors / best nsfwjs (model only)", r.engineTensorsVsNsfwjs());
        line(s, "gate images / best nsfwjs (model only)", r.gateImagesVsNsfwjs());
        line(s, "gate images / nsfwjs decode + classify", r.gateImagesVsNsfwjsImages());
        s.append(String.format("best bare: %s%nbest engine: %s%nbest nsfwjs: %s%nbest nsfwjs on photos: %s", r.bestBare(), r.bestEngineTensors(),
                r.bestNsfwjs(), r.bestNsfwjsImages()));
        return s.toString();
    }

    private static void line(StringBuilder s, String name, Double value) {
        s.append(String.format("  %-44s %s%n", name, value == null ? "n/a" : String.format("%.2f", value)));
    }
}
