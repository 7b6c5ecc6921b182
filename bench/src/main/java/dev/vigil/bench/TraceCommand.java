package dev.vigil.bench;

import dev.vigil.bench.trace.BatchTrace;
import dev.vigil.bench.trace.TraceFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./vigil bench trace}: one batch of a model run with TensorFlow's FULL_TRACE, its
 * per-node step statistics written as a Chrome trace (open it in {@code chrome://tracing} or
 * https://ui.perfetto.dev) for people who want to see which ops the time goes to.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {
            "Run one batch of a model with TensorFlow's FULL_TRACE and write its per-node timeline as a Chrome trace JSON",
            "(open in chrome://tracing or https://ui.perfetto.dev). Two untraced runs go first, so the trace shows a warm batch."})
final class TraceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", description = "Model from the repository (default: ${DEFAULT-VALUE}, the default classifier).")
    String model = "nsfw-mobilenet-v2-mid";

    @Option(names = "--batch", paramLabel = "N", description = "Images in the batch (default: ${DEFAULT-VALUE}).")
    int batch = 8;

    @Option(names = "--intra-op", paramLabel = "N", description = "TensorFlow intra-op threads (default: one per core, as the gate).")
    Integer intraOp;

    @Option(names = "--out", paramLabel = "FILE", description = "Trace file to write (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("target", "bench-trace", "trace.json");

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        if (batch < 1) {
            throw new IllegalArgumentException("--batch: " + batch + " (expected: >= 1)");
        }
        if (intraOp != null && intraOp < 1) {
            throw new IllegalArgumentException("--intra-op: " + intraOp + " (expected: >= 1)");
        }
        MachineFacts machine = MachineFacts.capture();
        BatchTrace.Traced traced = BatchTrace.run(model, batch, intraOp == null ? machine.cores() : intraOp);
        int events = TraceFile.write(traced, machine.ended(), out);
        stdout.printf("%s: %d node events of one batch of %d through %s/%d (open in chrome://tracing or https://ui.perfetto.dev)%n",
                out, events, batch, traced.model(), traced.version());
        return events > 0 ? 0 : 1;
    }
}
