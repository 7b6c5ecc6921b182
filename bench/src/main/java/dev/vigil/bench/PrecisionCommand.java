package dev.vigil.bench;

import dev.vigil.bench.throughput.PrecisionComparison;
import dev.vigil.engine.model.Precision;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./vigil bench precision}: a reduced precision against FP32, speed and agreement side by side. */
@Command(name = "precision", mixinStandardHelpOptions = true,
        description = {
            "One model in FP32 and in a reduced precision (BF16), in one process:",
            "the ops TensorFlow ran in each (evidence of the rewrite), images per second of the model session alone on the same"
                    + " pre-made batch tensors (the two alternate window by window, --rounds times per batch size), and on real photos"
                    + " the largest |difference| of each class probability, top-class changes and crossings of the default policies'"
                    + " sexual/suggestive thresholds."})
final class PrecisionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", description = "Classifier from the repository (default: ${DEFAULT-VALUE}).")
    String model = "nsfw-mobilenet-v2-mid";

    @Option(names = "--precision", paramLabel = "P", description = "The reduced precision compared with FP32 (default: ${DEFAULT-VALUE}).")
    Precision precision = Precision.BF16;

    @Option(names = "--batch", paramLabel = "N", split = ",", description = "Batch sizes timed (default: 16,32).")
    List<Integer> batches = new ArrayList<>(List.of(16, 32));

    @Option(names = "--rounds", paramLabel = "N", description = "Timed windows per precision and batch size (default: ${DEFAULT-VALUE}).")
    int rounds = 3;

    @Option(names = "--seconds", paramLabel = "S", description = "Length of each timed window (default: ${DEFAULT-VALUE}).")
    double seconds = 4;

    @Option(names = "--warmup-seconds", paramLabel = "S", description = "Calls before each window, not counted (default: ${DEFAULT-VALUE}).")
    double warmupSeconds = 1;

    @Option(names = "--intra-op", paramLabel = "N", description = "TensorFlow intra-op threads of both sessions (default: one per core, as the gate).")
    Integer intraOp;

    @Mixin
    PhotosOption photos;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (precision == Precision.FP32) {
            throw new IllegalArgumentException("--precision: FP32 (expected: a reduced precision, BF16)");
        }
        if (rounds < 1 || batches.isEmpty() || batches.stream().anyMatch(b -> b < 1) || (intraOp != null && intraOp < 1)) {
            throw new IllegalArgumentException("--rounds: " + rounds + ", --batch: " + batches + ", --intra-op: " + intraOp + " (expected: >= 1)");
        }
        if (!(seconds > 0) || warmupSeconds < 0) {
            throw new IllegalArgumentException("--seconds: " + seconds + ", --warmup-seconds: " + warmupSeconds + " (expected: > 0 and >= 0)");
        }
        List<Path> files = photos.files();
        PrecisionComparison.Result r = PrecisionComparison.run(model, precision, batches, rounds, intraOp == null ? 0 : intraOp,
                Duration.ofMillis(Math.round(warmupSeconds * 1000)), Duration.ofMillis(Math.round(seconds * 1000)), files);
        out.println(json ? BenchCommand.JSON.writeValueAsString(r) : describe(r));
        return 0;
    }

    static String describe(PrecisionComparison.Result r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%s, %s against FP32; intra-op threads %d, %d cores, %s%n", r.model(), r.precision(), r.intraOpThreads(), r.hostCores(), r.jvm()));
        for (var e : r.conversions().entrySet()) {
            Map<String, Integer> byType = new TreeMap<>();
            e.getValue().forEach((op, n) -> byType.merge(op.endsWith(" ") ? "(no T)" : op.substring(op.lastIndexOf(' ') + 1), n, Integer::sum));
            s.append(String.format(Locale.ROOT, "ops run in the %s session, by dtype: %s%n", e.getKey(), byType));
            e.getValue().forEach((op, n) -> {
                if (op.endsWith("DT_BFLOAT16") || op.startsWith("Cast")) {
                    s.append(String.format(Locale.ROOT, "  %-48s %3d%n", op, n));
                }
            });
        }
        s.append("images/s, model session on a pre-made batch (noisy on a shared host; compare within this run):\n");
        for (var speed : r.speeds()) {
            s.append(String.format(Locale.ROOT, "  round %d  batch %3d  %-5s %8.1f  (%d calls)%n", speed.round(), speed.batch(), speed.precision(), speed.imagesPerSecond(), speed.calls()));
        }
        for (var e : r.ratios().entrySet()) {
            double[] sorted = e.getValue().clone();
            Arrays.sort(sorted);
            s.append(String.format(Locale.ROOT, "batch %d: %s / FP32 = %.2fx median (%.2f-%.2f over %d rounds)%n",
                    e.getKey(), r.precision(), sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1], sorted.length));
        }
        s.append(String.format(Locale.ROOT, "agreement on %d photos: top class changed on %d, a default policy threshold crossed on %d%n",
                r.photos().size(), r.topClassChanges(), r.thresholdCrossings()));
        s.append("  max |delta p| per class:");
        r.maxAbsDelta().forEach((label, d) -> s.append(String.format(Locale.ROOT, " %s %.4f", label, d)));
        s.append('\n');
        for (var p : r.photos()) {
            s.append(String.format(Locale.ROOT, "  %-14s top %-8s %-8s max|dp| %.4f  sexual %.4f %.4f  suggestive %.4f %.4f%n",
                    p.photo(), p.fp32Top(), p.reducedTop(), p.maxAbsDelta(), p.sexualFp32(), p.sexualReduced(), p.suggestiveFp32(), p.suggestiveReduced()));
        }
        return s.toString().stripTrailing();
    }
}
