package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.TestModels;
import dev.vigil.protocol.GoAwayFrame;
import dev.vigil.server.RawClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil serve} as an operator runs it: a separate process with the real models, told
 * things by signals and by its descriptor limit. SIGHUP reloads the policies and keeps serving;
 * running out of file descriptors is logged once and the server accepts again once they free
 * up; SIGTERM closes the listeners first, sends GOAWAY, drains, and exits 0.
 */
@Timeout(300)
class ServeProcessTest {
    private static final String POLICIES = """
            version: "process-test.%d"
            default_policy: classify
            policies:
              classify:
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
            """;

    @TempDir
    Path dir;

    @Test
    void signalsAndDescriptorsOnARealProcess() throws Exception {
        Path repository = TestModels.paths().repository(); // the models are imported and converted before the process needs them
        Path policies = Files.writeString(dir.resolve("policies.yaml"), POLICIES.formatted(1));
        Path socket = dir.resolve("vigil.sock");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx768m", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.VigilCommand", "serve",
                "--port", "0", "--http-port", "0", "--socket", socket.toString(), "--policies", policies.toString(),
                "--hash-lists", dir.resolve("lists").toString(), "--audit-dir", dir.resolve("audit").toString(), "--repository", repository.toString(), "--no-fetch",
                "--memory-budget", "" + (256L << 20), "--shutdown-grace", "5s", "--decode-threads", "1", "--intra-op-threads", "1");
        pb.redirectErrorStream(true);
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        Process process = pb.start();
        ProcessLog log = new ProcessLog(process);
        try {
            String http = log.await(l -> l.startsWith("vigil: http on "), 180);
            Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/").matcher(http);
            assertTrue(m.find(), http);
            URI score = URI.create("http://127.0.0.1:" + m.group(1) + "/v1/score");
            log.await(l -> l.startsWith("vigil: ready"), 60);
            byte[] photo = Files.readAllBytes(TestModels.photo("q0746.jpg"));
            assertTrue(post(score, photo).body().contains("\"policy_version\":\"process-test.1\""), "scored under the first policies");

            // SIGHUP: the policies are read again; the process lives on and scores under the new ones
            Files.writeString(policies, POLICIES.formatted(2));
            signal(process, "HUP");
            String reloaded = log.await(l -> l.startsWith("vigil: SIGHUP: reloaded"), 30);
            assertTrue(reloaded.contains("version process-test.2"), reloaded);
            assertTrue(process.isAlive(), "SIGHUP reloads, it does not stop the server");
            assertTrue(post(score, photo).body().contains("\"policy_version\":\"process-test.2\""), "scored under the reloaded policies");

            // out of descriptors: the limit is lowered to what is open now plus a few, connections pile up
            long open = openDescriptors(process);
            String soft = softDescriptorLimit(process);
            run("prlimit", "--pid", "" + process.pid(), "--nofile=" + (open + 8) + ":"); // the soft limit only: raising it back needs no privilege
            List<Socket> hogs = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    hogs.add(new Socket(InetAddress.getLoopbackAddress(), score.getPort())); // the kernel's backlog takes them
                }
                log.await(l -> l.contains("cannot accept connections"), 30);
                Thread.sleep(1_000); // several failed accepts later, still one line
            } finally {
                for (Socket s : hogs) {
                    s.close();
                }
            }
            // the descriptors free up as the server sees the hogs close; then it accepts and serves again
            HttpResponse<String> again = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (again == null && System.nanoTime() < until) {
                try {
                    again = post(score, photo);
                } catch (IOException refused) {
                    Thread.sleep(200);
                }
            }
            assertTrue(again != null && again.statusCode() == 200, "serves again once descriptors are free: " + again);
            assertEquals(1, log.count(l -> l.contains("cannot accept connections")), "running out of descriptors is logged once:\n" + log);
            run("prlimit", "--pid", "" + process.pid(), "--nofile=" + soft + ":");

            // SIGTERM: listeners closed first, GOAWAY on the open connection, drained, exit 0
            try (RawClient idle = RawClient.unix(socket)) {
                idle.hello("");
                signal(process, "TERM");
                GoAwayFrame goAway = idle.read(GoAwayFrame.class);
                assertFalse(goAway.reason().isEmpty(), "GOAWAY says why: " + goAway);
                log.await(l -> l.startsWith("vigil: stopping: listeners closed"), 30);
                assertThrows(IOException.class, () -> new Socket(InetAddress.getLoopbackAddress(), score.getPort()).close(),
                        "the HTTP listener is closed once stopping starts");
            }
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stopped");
            assertEquals(0, process.exitValue(), "a clean drain exits 0:\n" + log);
            log.await(l -> l.startsWith("vigil: stopped in ") && l.contains("every request answered"), 10);
            assertFalse(Files.exists(socket), "the socket file is removed");
        } finally {
            process.destroyForcibly();
        }
    }

    private static HttpResponse<String> post(URI uri, byte[] body) throws IOException, InterruptedException {
        // a client of its own each time: a new connection, as the descriptor test needs
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void signal(Process process, String name) throws Exception {
        run("kill", "-" + name, "" + process.pid());
    }

    private static long openDescriptors(Process process) throws IOException {
        try (var fds = Files.list(Path.of("/proc", "" + process.pid(), "fd"))) {
            return fds.count();
        }
    }

    private static String softDescriptorLimit(Process process) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", "" + process.pid(), "limits"))) {
            if (line.startsWith("Max open files")) {
                return line.substring("Max open files".length()).trim().split("\\s+")[0];
            }
        }
        throw new AssertionError("no open-file limit in /proc/" + process.pid() + "/limits");
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }

    /** The process's output, line by line, read on a thread of its own. */
    static final class ProcessLog {
        private final List<String> lines = new ArrayList<>();

        ProcessLog(Process process) {
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        synchronized (this) {
                            lines.add(line);
                            notifyAll();
                        }
                    }
                } catch (IOException ended) {
                    // the process is gone
                }
            }, "serve-process-log");
            reader.setDaemon(true);
            reader.start();
        }

        /** The first line matching, waiting up to {@code seconds} for it. */
        synchronized String await(Predicate<String> match, int seconds) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                for (String l : lines) {
                    if (match.test(l)) {
                        return l;
                    }
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no such line within " + seconds + " s in:\n" + String.join("\n", lines));
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized long count(Predicate<String> match) {
            return lines.stream().filter(match).count();
        }

        @Override
        public synchronized String toString() {
            return String.join("\n", lines);
        }
    }
}
