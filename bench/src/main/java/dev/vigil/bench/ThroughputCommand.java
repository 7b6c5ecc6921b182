package dev.vigil.bench;

import dev.vigil.bench.throughput.GateThroughput;
import dev.vigil.bench.throughput.TensorThroughput;
import dev.vigil.bench.throughput.ThroughputResult;
import dev.vigil.engine.batch.BatchingConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./vigil bench throughput}: one sustained run, images per second and the settings used. */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = {
            "Images per second for one sustained run.",
            "--input images (default): the whole gate in-process from encoded photos (decode, preprocessing, batching,"
                    + " inference, classifier-only policy), one submitter keeping --concurrency requests in flight.",
            "--input tensors: the engine's model session alone on a pre-made batch tensor (no decode, no preprocessing),"
                    + " called back to back by --threads callers at once (the gate's concurrent batches)."})
final class ThroughputCommand implements Callable<Integer> {
    enum Input { images, tensors }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", description = "Model from the repository (default: ${DEFAULT-VALUE}).")
    String model = "nsfw-mobilenet-v2-mid";

    @Option(names = "--batch", paramLabel = "N",
            description = "Images per model call (tensors), or the gate's maximum batch size (images) (default: ${DEFAULT-VALUE}, the gate's default).")
    int batch = BatchingConfig.DEFAULT_MAX_BATCH_SIZE;

    @Option(names = "--seconds", paramLabel = "S", description = "Length of the measured window (default: ${DEFAULT-VALUE}).")
    double seconds = 10;

    @Option(names = "--warmup-seconds", paramLabel = "S", description = "Traffic before the window, not counted (default: ${DEFAULT-VALUE}).")
    double warmupSeconds = 3;

    @Option(names = "--input", paramLabel = "KIND", description = "images or tensors (default: ${DEFAULT-VALUE}).")
    Input input = Input.images;

    @Option(names = "--threads", paramLabel = "N",
            description = "tensors only: concurrent callers of the session (default: the gate's concurrent batches per model, one per core, at most "
                    + BatchingConfig.MAX_DEFAULT_CONCURRENT_BATCHES + ").")
    Integer threads;

    @Option(names = "--intra-op", paramLabel = "N",
            description = "tensors only: TensorFlow intra-op threads (default: as the gate, cores / callers, at least 1; inter-op: one per caller).")
    Integer intraOp;

    @Option(names = "--concurrency", paramLabel = "N", description = "images only: requests kept in flight (default: twice --batch per concurrent batch, at least 32).")
    Integer concurrency;

    @Mixin
    PhotosOption photos;

    @Option(names = "--evidence",
            description = "images only: the gate also hashes every image (SHA-256, PDQ and its turned copies), as an audited serve and vigil scan do.")
    boolean evidence;

    @Option(names = "--json", description = "Print the result as JSON (images_per_s and every setting) instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        MachineFacts machine = MachineFacts.capture();
        positive("--batch", batch);
        if (!(seconds > 0) || warmupSeconds < 0) {
            throw new IllegalArgumentException("--seconds: " + seconds + ", --warmup-seconds: " + warmupSeconds + " (expected: > 0 and >= 0)");
        }
        Duration warm = Duration.ofMillis(Math.round(warmupSeconds * 1000));
        Duration measured = Duration.ofMillis(Math.round(seconds * 1000));
        ThroughputResult result;
        if (input == Input.tensors) {
            refuse("--concurrency", concurrency, "tensors");
            refuse("--photos", photos.given() ? photos.paths : null, "tensors");
            refuse("--evidence", evidence ? Boolean.TRUE : null, "tensors");
            result = TensorThroughput.run(model, batch, threads == null ? null : positive("--threads", threads),
                    intraOp == null ? null : positive("--intra-op", intraOp), warm, measured);
        } else {
            refuse("--threads", threads, "images");
            refuse("--intra-op", intraOp, "images");
            List<Path> files = photos.files();
            GateThroughput.Run run = GateThroughput.run(model, batch, concurrency == null ? GateThroughput.defaultConcurrency(batch) : positive("--concurrency", concurrency),
                    files, warm, measured, evidence);
            result = run.result();
            if (run.firstError() != null) {
                err.println("vigil bench: " + result.errors() + " requests failed closed, e.g. " + run.firstError());
            }
        }
        if (result.calls() != null && result.calls() < 5) {
            err.println("vigil bench: only " + result.calls() + " calls finished in the window; raise --seconds for a steadier number");
        }
        out.println(json ? BenchCommand.JSON.writeValueAsString(machine.ended().attachTo(result)) : result.describe());
        return result.errors() != null && result.errors() > 0 ? 1 : 0;
    }

    private static int positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + ": " + value + " (expected: >= 1)");
        }
        return value;
    }

    private static void refuse(String option, Object value, String input) {
        if (value != null) {
            throw new IllegalArgumentException(option + ": not used with --input " + input);
        }
    }
}
