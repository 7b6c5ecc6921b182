package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.protocol.Decision;
import dev.vigil.protocol.HelloOkFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.LeakDetection;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import dev.vigil.server.RawClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vigil serve}: its flags, the --config file, and a real start with the default classifier. */
@ExtendWith(LeakDetection.class)
@Timeout(180)
class ServeCommandTest {
    static final String POLICIES = """
            version: "serve-test.1"
            default_policy: classify
            policies:
              classify:
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
            """;

    @TempDir
    Path dir;

    final StringWriter err = new StringWriter();

    /** {@code vigil serve ARGS} parsed as the launcher parses it, with --config applied. */
    ServeCommand parse(String... args) {
        CommandLine cli = new CommandLine(new VigilCommand());
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        ServeCommand command = (ServeCommand) cli.parseArgs(all).subcommand().commandSpec().userObject();
        return command.config == null ? command : command.withConfig();
    }

    @Test
    void helpDocumentsEveryKnob() {
        StringWriter out = new StringWriter();
        assertEquals(0, VigilCommand.run(new String[] {"serve", "--help"}, new PrintWriter(out, true), new PrintWriter(err, true)));
        for (String flag : List.of("--config", "--bind", "--port", "--http-port", "--socket", "--transport", "--io-threads", "--max-in-flight",
                "--max-in-flight-per-connection", "--max-frame", "--max-image-bytes", "--idle-timeout", "--shutdown-grace", "--timeout",
                "--max-timeout", "--tls-cert", "--tls-key", "--tls-client-ca", "--token", "--token-file", "--policies", "--repository",
                "--classifier", "--max-batch", "--max-queue-delay", "--queue-capacity", "--decode-threads", "--decode-queue",
                "--concurrent-batches", "--intra-op-threads", "--bf16")) {
            assertTrue(out.toString().contains(flag + "="), flag + " in:\n" + out);
        }
        String help = out.toString().replaceAll("\\s+", " ");
        assertTrue(help.contains("(default: 7461;"), help);
        assertTrue(help.contains("(default: 127.0.0.1, loopback only;"), help);
    }

    @Test
    void configFileSetsOptionsAndTheCommandLineWins() throws Exception {
        Path yaml = Files.writeString(dir.resolve("vigil.yaml"), """
                port: 0
                max-in-flight-per-connection: 3
                max-frame: 2000000
                idle-timeout: 250ms
                max-queue-delay: 0
                token: from-file
                """);
        ServeCommand c = parse("--config", yaml.toString(), "--max-in-flight-per-connection", "5");
        assertEquals(0, c.port);
        assertEquals(5, c.maxInFlightPerConnection);
        assertEquals(2_000_000, c.maxFrame);
        assertEquals(Duration.ofMillis(250), c.idleTimeout);
        assertEquals(Duration.ZERO, c.maxQueueDelay);
        assertEquals("from-file", c.token);
        assertEquals(64 << 19, c.maxImageBytes, "untouched options keep their defaults");
    }

    @Test
    void bf16NamesModelsOnTheCommandLineOrInTheConfigFile() throws Exception {
        assertEquals(List.of(), parse().bf16Models, "every model FP32 by default");
        assertEquals(List.of("nsfw-mobilenet-v2-mid", "nsfw-inception-v3"), parse("--bf16", "nsfw-mobilenet-v2-mid,nsfw-inception-v3").bf16Models);
        Path yaml = Files.writeString(dir.resolve("bf16.yaml"), "bf16: nsfw-mobilenet-v2-mid\n");
        assertEquals(List.of("nsfw-mobilenet-v2-mid"), parse("--config", yaml.toString()).bf16Models);
    }

    @Test
    void unknownConfigKeysAndBadValuesAreClearErrors() throws Exception {
        Path typo = Files.writeString(dir.resolve("typo.yaml"), "prot: 7461\n");
        var e = assertThrows(IllegalArgumentException.class, () -> parse("--config", typo.toString()));
        assertTrue(e.getMessage().startsWith(typo + ": prot (expected one of: allow-unauthenticated, audit-dir, audit-key, audit-segment-age, audit-segment-bytes, audit-sync,"
                + " audit-sync-interval, bf16, bind, classifier, concurrent-batches, decode-queue, "), e.getMessage());
        Path list = Files.writeString(dir.resolve("list.yaml"), "port: [1, 2]\n");
        assertEquals(list + ": port: [1,2] (expected: a single value)",
                assertThrows(IllegalArgumentException.class, () -> parse("--config", list.toString())).getMessage());
        var bad = assertThrows(CommandLine.ParameterException.class, () -> parse("--idle-timeout", "5x"));
        assertTrue(bad.getMessage().contains("'5x' (expected: a duration such as 250ms, 5s, 2m or 1h)"), bad.getMessage());
    }

    @Test
    void inconsistentFlagsFailBeforeAnyModelLoads() throws Exception {
        assertEquals("tls-key: missing (expected: --tls-cert and --tls-key together)",
                assertThrows(IllegalArgumentException.class, () -> parse("--tls-cert", "cert.pem").start()).getMessage());
        Path tokenFile = Files.writeString(dir.resolve("token"), "t\n");
        assertEquals("token-file: " + tokenFile + " (expected: either --token or --token-file, not both)",
                assertThrows(IllegalArgumentException.class, () -> parse("--token", "a", "--token-file", tokenFile.toString()).start()).getMessage());
        String preprocessing = assertThrows(CommandLine.ParameterException.class, () -> parse("--preprocessing", "gpu")).getMessage();
        assertTrue(preprocessing.contains("preprocessing: gpu (expected: auto, native or java)"), preprocessing);
        assertEquals(dev.vigil.engine.model.Preprocessing.JAVA, parse("--preprocessing", "java").preprocessing);
        assertEquals(dev.vigil.engine.model.Preprocessing.AUTO, parse().preprocessing);
        String device = assertThrows(CommandLine.ParameterException.class, () -> parse("--device", "tpu")).getMessage();
        assertTrue(device.contains("device: tpu (expected: cpu or gpu:N"), device);
        assertEquals(new dev.vigil.engine.model.Device(true, 1), parse("--device", "gpu:1").device);
        assertEquals(dev.vigil.engine.model.Device.CPU, parse().device);
        assertEquals("transport: carrier-pigeon (expected: auto, epoll or nio)",
                assertThrows(IllegalArgumentException.class, () -> parse("--transport", "carrier-pigeon").start()).getMessage());
        long tooMuch = Runtime.getRuntime().maxMemory();
        String budget = assertThrows(IllegalArgumentException.class, () -> parse("--memory-budget", "" + tooMuch).start()).getMessage();
        assertTrue(budget.startsWith("memory-budget: " + tooMuch + " bytes (expected: <= " + (long) (tooMuch * ServeCommand.BUDGET_HEAP_SHARE)
                + ", 60% of the JVM's"), budget);
        assertTrue(budget.contains("-Xmx"), "says how to give the JVM more: " + budget);
        // none given: the default where the heap holds it, 60 % of a smaller heap (a small container) rather than a refusal
        assertEquals(dev.vigil.engine.MemoryBudget.DEFAULT_LIMIT, ServeCommand.budgetFittingHeap(null, 4L << 30));
        assertEquals((long) ((512L << 20) * 0.6), ServeCommand.budgetFittingHeap(null, 512L << 20));
        assertEquals(100L << 20, ServeCommand.budgetFittingHeap(100L << 20, 512L << 20), "a budget that fits is kept");
        assertEquals("", err.toString(), "nothing was started");
    }

    @Test
    void startsWithTheRealModelsServesAndStops() throws Exception {
        Path policies = Files.writeString(dir.resolve("policies.yaml"), POLICIES);
        Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
        Path socket = dir.resolve("vigil.sock");
        ServeCommand c = parse("--port", "0", "--http-port", "0", "--socket", socket.toString(), "--policies", policies.toString(), "--token-file", token.toString(),
                "--max-in-flight-per-connection", "5", "--max-batch", "4", "--decode-threads", "1", "--intra-op-threads", "1");
        ServeCommand.Running running = c.start();
        try (RawClient client = RawClient.unix(socket)) {
            HelloOkFrame ok = client.hello("s3cret");
            assertEquals(5, ok.maxInFlight());
            client.send(new ScoreFrame(1, 0, "", ImageData.Encoded.of(Files.readAllBytes(dev.vigil.engine.TestModels.photo("c.png"))), null));
            VerdictFrame v = client.read(VerdictFrame.class);
            assertEquals(Decision.ALLOW, v.decision());
            assertEquals("serve-test.1", v.details().policyVersion());
        } finally {
            running.stop();
        }
        String log = err.toString();
        for (String step : List.of("vigil: policies ", "vigil: loading models from ", "vigil: models ready in ", " on cpu; preprocessing: native (", "vigil: listening on tcp 127.0.0.1:",
                "vigil: listening on unix " + socket, "token required", "vigil: ready", "vigil: stopping: ", "vigil: stopped in ")) {
            assertTrue(log.contains(step), step + " in:\n" + log);
        }
    }
}
