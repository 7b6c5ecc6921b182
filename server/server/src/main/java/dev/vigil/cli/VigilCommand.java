package dev.vigil.cli;

import dev.vigil.engine.GateException;
import dev.vigil.models.ModelException;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vigil} command line: {@code ./vigil <command>}. Errors from the modules reach the
 * user as one line on stderr and a non-zero exit status, never as a stack trace.
 */
@Command(name = "vigil", mixinStandardHelpOptions = true, version = "vigil 0.1.0",
        description = "Safety gate for generated images.",
        subcommands = {ServeCommand.class, ModelsCommand.class, PeopleCommand.class, ScoreCommand.class, FacesCommand.class, HashCommand.class, HashesCommand.class, AuditCommand.class, EvalCommand.class, GpuCommand.class, ScanCommand.class, CommandLine.HelpCommand.class})
public final class VigilCommand {

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new VigilCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ModelException || e instanceof GateException || e instanceof IllegalArgumentException
                    || e instanceof IllegalStateException || e instanceof UncheckedIOException) {
                err.println("vigil: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
