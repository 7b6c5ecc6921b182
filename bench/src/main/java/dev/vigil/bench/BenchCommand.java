package dev.vigil.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vigil.engine.GateException;
import dev.vigil.models.ModelException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./vigil bench <command>}: Vigil's measurements. {@code jmh} runs the micro-benchmarks,
 * {@code throughput} one sustained run of the engine or the whole gate, {@code precision} a
 * reduced precision against FP32 (speed and agreement), {@code load} a server
 * under closed-loop, open-loop or swept load from a client, {@code peers} the same model in
 * other runtimes beside Vigil, with ratios. bench/README.md says what each measures
 * and holds the results. Errors reach the user as one line and exit status 1.
 */
@Command(name = "vigil bench", mixinStandardHelpOptions = true, version = "vigil-bench 0.1.0",
        description = "Measure Vigil: JMH micro-benchmarks, throughput, load on a server (latency percentiles), and peer runtimes on the same model.",
        subcommands = {ThroughputCommand.class, PrecisionCommand.class, LoadCommand.class, JmhCommand.class, PeersCommand.class, TraceCommand.class, ProfileCommand.class,
                ReportCommand.class, AuditBenchCommand.class, DatasetCommand.class, CommandLine.HelpCommand.class})
public final class BenchCommand {
    /** The one JSON writer of the bench commands: indented, keys as the result records declare them. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ModelException || e instanceof GateException || e instanceof IllegalArgumentException) {
                err.println("vigil bench: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
