package dev.vigil.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.audit.AuditKeys;
import dev.vigil.audit.AuditLog;
import dev.vigil.audit.AuditVerifier;
import dev.vigil.audit.Receipt;
import dev.vigil.engine.MemoryBudget;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import dev.vigil.server.http.HttpServer;
import dev.vigil.server.metrics.VigilMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both listeners behind one front door with an audit log, over real sockets and the real
 * model: every verdict answered has its record, with who asked, over what, the policy, the
 * models and the image's hashes, and no pixels; a receipt asked for over HTTP checks out with
 * the public key alone; and when the log's disk is full, requests are refused retryably, no
 * verdict is answered without its record, and once there is room again the log goes on and
 * still verifies.
 */
@Timeout(180)
class AuditedServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private VigilServer binary;
    private HttpServer http;
    private AuditLog log;
    private Path mount;

    private void start(Path auditDir) throws Exception {
        log = AuditLog.open(AuditLog.Options.defaults(auditDir));
        Auditor auditor = new Auditor(log, Map.of());
        ListenerPolicy policy = ListenerPolicy.builder().token("s3cret").build();
        FrontDoor door = new FrontDoor(policy, new MemoryBudget(policy.memoryBudget()), auditor);
        binary = VigilServer.builder().setGate(TestGate.gate()).optFrontDoor(door).optTcp(InetAddress.getLoopbackAddress(), 0).build().start();
        VigilMetrics metrics = new VigilMetrics();
        metrics.watchAudit(log);
        http = HttpServer.start(TestGate.gate(), metrics, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), door);
        http.readiness().get(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (http != null) {
            http.close();
        }
        if (binary != null) {
            binary.stop();
        }
        if (log != null) {
            log.close();
        }
        if (mount != null) {
            new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor();
        }
    }

    private HttpResponse<String> post(String query) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + http.address().getPort() + "/v1/score" + query);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer s3cret").header("Content-Type", "image/jpeg")
                .header("User-Agent", "audit-test").timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(TestGate.photo("q0746.jpg")))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.address().getPort() + path))
                .header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<JsonNode> records(Path auditDir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        AuditVerifier.read(auditDir, r -> out.add(r.json()));
        return out;
    }

    @Test
    void everyAnsweredVerdictHasItsRecordAndAReceiptChecksOut() throws Exception {
        Path auditDir = dir.resolve("audit");
        start(auditDir);
        HttpResponse<String> plain = post("?request_id=http-1");
        assertEquals(200, plain.statusCode(), plain.body());
        HttpResponse<String> withReceipt = post("?request_id=http-2&receipt=true");
        assertEquals(200, withReceipt.statusCode(), withReceipt.body());
        try (RawClient c = RawClient.tcp(binary.tcpAddress())) {
            c.hello("s3cret");
            c.send(new ScoreFrame(7, 0, "", ImageData.Encoded.of(TestGate.photo("small.jpg")), null));
            VerdictFrame v = c.read(VerdictFrame.class);
            assertEquals(7, v.requestId());
        }
        // the binary protocol's receipt flag (version 2)
        try (RawClient c = RawClient.tcp(binary.tcpAddress())) {
            c.send(new dev.vigil.protocol.HelloFrame(1, 2, "s3cret", "receipts"));
            assertEquals(2, c.read(dev.vigil.protocol.HelloOkFrame.class).version());
            c.send(new ScoreFrame(8, 0, "", ImageData.Encoded.of(TestGate.photo("small.jpg")), null, true));
            VerdictFrame v = c.read(VerdictFrame.class);
            Receipt overBinary = Receipt.parse(JSON.writeValueAsString(JSON.readTree(v.json()).get("receipt")));
            assertNull(overBinary.problem(AuditKeys.readPublic(auditDir.resolve(AuditKeys.PUBLIC_FILE))));
            assertEquals("8", JSON.readTree(overBinary.record()).get("request_id").asText());
        }
        HttpResponse<String> badFlag = post("?receipt=yes");
        assertEquals(400, badFlag.statusCode());
        assertTrue(badFlag.body().contains("receipt: yes (expected: true or false)"), badFlag.body());

        // the receipt, taken from the verdict, checks out against the public key alone
        JsonNode verdict = JSON.readTree(withReceipt.body());
        Receipt receipt = Receipt.parse(JSON.writeValueAsString(verdict.get("receipt")));
        var key = AuditKeys.readPublic(auditDir.resolve(AuditKeys.PUBLIC_FILE));
        assertNull(receipt.problem(key));
        assertEquals("http-2", JSON.readTree(receipt.record()).get("request_id").asText());

        List<JsonNode> records = records(auditDir);
        assertEquals(4, records.size(), records.toString());
        JsonNode first = records.get(0);
        assertEquals("http-1", first.get("request_id").asText());
        assertEquals("http", first.get("transport").asText());
        assertEquals("token", first.at("/client/auth").asText());
        assertTrue(first.at("/client/subject").asText().matches("token:[0-9a-f]{8}"), first.toString());
        assertFalse(first.toString().contains("s3cret"), "the token itself is never written");
        assertEquals("audit-test", first.at("/client/name").asText());
        assertEquals("classify", first.at("/policy/name").asText());
        assertEquals("server-test.1", first.at("/policy/version").asText());
        assertTrue(first.get("models").size() >= 1, first.toString());
        assertEquals(JSON.readTree(plain.body()).get("decision").asText(), first.get("decision").asText());
        assertTrue(first.at("/signals/sexual").isNumber(), first.toString());
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(TestGate.photo("q0746.jpg")));
        assertEquals(sha, first.at("/image/sha256").asText());
        assertEquals(64, first.at("/image/pdq").asText().length());
        assertEquals(8, first.at("/image/pdq_dihedral").size());
        assertTrue(first.get("source").isNull());
        JsonNode third = records.get(2);
        assertEquals("7", third.get("request_id").asText());
        assertEquals("binary", third.get("transport").asText());
        // records carry scores, never pixels or face descriptors: every record line is small
        AuditVerifier.read(auditDir, r -> assertTrue(r.text().length() < 4096, r.text().length() + " bytes"));

        // operators see it: /metrics and the status JSON
        Thread.sleep(1_500); // the next second's checkpoint and fsync
        HttpResponse<String> metrics = get("/metrics");
        assertTrue(metrics.body().contains("vigil_audit_records_total 4.0"), metrics.body());
        assertTrue(metrics.body().contains("vigil_audit_writable 1.0"), metrics.body());
        assertTrue(metrics.body().contains("vigil_audit_checkpoint_size 4.0"), metrics.body());
        assertTrue(metrics.body().contains("vigil_audit_fsync_duration_seconds_count"), metrics.body());
        assertTrue(metrics.body().contains("vigil_audit_errors_total 0.0"), metrics.body());
        JsonNode status = JSON.readTree(get("/v1/status").body()).get("audit");
        assertTrue(status.get("enabled").asBoolean() && status.get("writable").asBoolean(), status.toString());
        assertEquals(4, status.get("checkpoint_size").asInt(), status.toString());
        assertEquals(log.lastCheckpoint().rootHex(), status.get("checkpoint_root").asText());

        log.close();
        AuditVerifier.Result verified = AuditVerifier.verify(auditDir, key);
        assertTrue(verified.ok(), verified.problem());
        assertEquals(4, verified.records());
    }

    /** A small filesystem of the test's own (tmpfs, which needs root, as CI runs); skipped where it cannot be made. */
    private Path smallFilesystem(int mib) throws Exception {
        Path m = Files.createDirectories(dir.resolve("small"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + mib + "m", "tmpfs", m.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here (" + out.strip() + "); the full-disk test needs root, as CI has");
        mount = m;
        return m;
    }

    @Test
    void aFullDiskRefusesRetryablyAndTheLogGoesOnOnceThereIsRoom() throws Exception {
        Path small = smallFilesystem(2);
        Path auditDir = small.resolve("audit");
        start(auditDir);
        assertEquals(200, post("?request_id=before").statusCode());
        // fill the filesystem to the last byte
        Path filler = small.resolve("filler");
        try (var out = Files.newOutputStream(filler)) {
            byte[] block = new byte[64 * 1024];
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // no space left on device: as intended
        }
        int refused = 0;
        int served = 0;
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = post("?request_id=full-" + i);
            if (r.statusCode() == 503) {
                refused++;
                assertTrue(r.body().contains("\"code\":\"OVERLOADED\""), r.body());
                assertTrue(r.body().contains("\"retryable\":true"), r.body());
                assertTrue(r.body().contains("audit log"), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
            } else {
                served++; // the page cache may take a record or two before the filesystem says it is full
            }
        }
        assertTrue(refused >= 4, "refused while the disk is full: " + refused + ", served " + served);
        try (RawClient c = RawClient.tcp(binary.tcpAddress())) {
            c.hello("s3cret");
            c.send(new ScoreFrame(9, 0, "", ImageData.Encoded.of(TestGate.photo("small.jpg")), null));
            ErrorFrame e = c.read(ErrorFrame.class);
            assertEquals(ErrorCode.OVERLOADED, e.errorCode(), e.toString());
            assertTrue(e.retryable());
        }
        // room again: within a probe or two the log takes records, and every one answered is there
        Files.delete(filler);
        HttpResponse<String> after = null;
        for (int i = 0; i < 50 && (after == null || after.statusCode() != 200); i++) {
            Thread.sleep(200);
            after = post("?request_id=after");
        }
        assertEquals(200, after.statusCode(), after.body());
        List<String> ids = new ArrayList<>();
        for (JsonNode r : records(auditDir)) {
            ids.add(r.get("request_id").asText());
        }
        assertEquals("before", ids.get(0));
        assertEquals("after", ids.get(ids.size() - 1));
        assertEquals(served + 2, ids.size(), "exactly the verdicts answered are recorded: " + ids);
        log.close();
        AuditVerifier.Result verified = AuditVerifier.verify(auditDir, AuditKeys.readPublic(auditDir.resolve(AuditKeys.PUBLIC_FILE)));
        assertTrue(verified.ok(), verified.problem());
    }
}
