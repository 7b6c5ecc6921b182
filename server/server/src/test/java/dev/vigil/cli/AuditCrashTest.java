package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.audit.AuditKeys;
import dev.vigil.audit.AuditLog;
import dev.vigil.audit.AuditVerifier;
import dev.vigil.engine.TestModels;
import dev.vigil.protocol.Frame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import dev.vigil.server.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil serve} killed with SIGKILL under load over the binary protocol: every verdict a
 * client received has its record in the log, the log verifies as it was left (a torn last
 * record at most, reported), and a new start sets the torn record aside, signs what was not
 * yet signed, and goes on with a log that still verifies.
 */
@Timeout(300)
class AuditCrashTest {
    private static final int CLIENTS = 4;
    private static final int WINDOW = 8;
    private static final java.util.Map<String, AtomicInteger> ERRORS = new ConcurrentHashMap<>();

    @TempDir
    Path dir;

    @Test
    void killDashNineUnderLoadLosesNoAnsweredVerdict() throws Exception {
        Path repository = TestModels.paths().repository();
        Path audit = dir.resolve("audit");
        byte[] photo = Files.readAllBytes(TestModels.photo("small.jpg"));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx768m", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.VigilCommand", "serve",
                "--port", "0", "--http-port", "-1", "--audit-dir", audit.toString(), "--hash-lists", dir.resolve("lists").toString(),
                "--repository", repository.toString(), "--no-fetch", "--memory-budget", "" + (256L << 20), "--decode-threads", "1", "--intra-op-threads", "1");
        pb.redirectErrorStream(true);
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        Process process = pb.start();
        ServeProcessTest.ProcessLog log = new ServeProcessTest.ProcessLog(process);
        Set<String> received = ConcurrentHashMap.newKeySet();
        AtomicInteger sent = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        try {
            String listening = log.await(l -> l.startsWith("vigil: listening on tcp "), 180);
            Matcher m = Pattern.compile("tcp 127\\.0\\.0\\.1:(\\d+) ").matcher(listening);
            assertTrue(m.find(), listening);
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
            log.await(l -> l.startsWith("vigil: ready"), 60);
            for (int c = 0; c < CLIENTS; c++) {
                long base = (c + 1) * 1_000_000L;
                Thread t = new Thread(() -> load(address, base, photo, received, sent), "crash-load-" + c);
                t.setDaemon(true);
                t.start();
                clients.add(t);
            }
            // load until a good number of verdicts are out, then kill the process mid-stream
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.size() < 150 && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertTrue(received.size() >= 150, "verdicts before the kill: " + received.size() + "\n" + log);
            process.destroyForcibly(); // SIGKILL
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, process.exitValue(), "killed by SIGKILL");
        } finally {
            process.destroyForcibly();
            for (Thread t : clients) {
                t.join(10_000);
            }
        }

        // the log as the kill left it: it verifies (a torn last record is only a note)
        var key = AuditKeys.readPublic(audit.resolve(AuditKeys.PUBLIC_FILE));
        AuditVerifier.Result left = AuditVerifier.verify(audit, key);
        assertTrue(left.ok(), left.problem());
        Set<String> recorded = new HashSet<>();
        AuditVerifier.read(audit, r -> recorded.add(r.json().get("request_id").asText()));
        Set<String> missing = new HashSet<>(received);
        missing.removeAll(recorded);
        assertTrue(missing.isEmpty(), missing.size() + " verdict(s) received without a record, e.g. " + missing.stream().limit(5).toList());
        assertTrue(recorded.size() >= received.size());
        System.out.printf("kill -9 under load: %d SCOREs sent, %d verdicts received, %d records found, verify: %d records, %d checkpoints, notes %s%n",
                sent.get(), received.size(), recorded.size(), left.records(), left.checkpoints(), left.notes());
        System.out.println("errors answered: " + ERRORS);

        // a new start: anything torn is set aside, the unsigned tail is signed, the log goes on
        try (AuditLog reopened = AuditLog.open(AuditLog.Options.defaults(audit))) {
            assertEquals(left.records(), reopened.size());
            reopened.append(java.time.Instant.ofEpochMilli(System.currentTimeMillis()), com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("request_id", "after"),
                    false).get();
        }
        AuditVerifier.Result after = AuditVerifier.verify(audit, key);
        assertTrue(after.ok(), after.problem());
        assertEquals(left.records() + 1, after.records());
        assertTrue(after.notes().stream().noneMatch(n -> n.contains("not yet signed")), after.notes().toString());
    }

    /** One connection sending SCOREs {@code base+1, base+2, ...}, WINDOW at a time, until the server is gone. */
    private static void load(InetSocketAddress address, long base, byte[] photo, Set<String> received, AtomicInteger sent) {
        try (RawClient c = RawClient.tcp(address)) {
            c.hello("");
            long next = base + 1;
            int inFlight = 0;
            while (true) {
                while (inFlight < WINDOW) {
                    c.send(new ScoreFrame(next++, 0, "", ImageData.Encoded.of(photo), null));
                    sent.incrementAndGet();
                    inFlight++;
                }
                Frame f = c.read();
                inFlight--;
                if (f instanceof VerdictFrame v) {
                    received.add(Long.toUnsignedString(v.requestId()));
                } else if (f instanceof dev.vigil.protocol.ErrorFrame e) {
                    ERRORS.computeIfAbsent(e.errorCode() + ": " + e.message().replaceAll("[0-9.]+", "N"), k -> new AtomicInteger()).incrementAndGet();
                }
            }
        } catch (IOException | RuntimeException | Error gone) {
            // the server was killed
        } catch (Exception other) {
            // closing a dead connection
        }
    }
}
