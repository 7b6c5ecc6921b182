package dev.vigil.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.OverloadedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log on disk: records from many threads at once come out as one gap-free chain that
 * verifies; each kind of tampering is caught and named; a torn last record is set aside on
 * restart and the log goes on; the key is refused when others can read it; receipts check out
 * with the public key alone.
 */
@Timeout(120)
class AuditLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static ObjectNode body(String id) {
        ObjectNode o = JSON.createObjectNode();
        o.put("request_id", id);
        o.put("decision", "ALLOW");
        return o;
    }

    private AuditLog open(UnaryOperator<AuditLog.Options> options) throws IOException {
        return AuditLog.open(options.apply(AuditLog.Options.defaults(dir)));
    }

    private AuditVerifier.Result verify() throws IOException {
        return AuditVerifier.verify(dir, AuditKeys.readPublic(dir.resolve(AuditKeys.PUBLIC_FILE)));
    }

    /** Writes {@code n} records from 4 threads; returns the request ids in seq order. */
    private List<String> write(AuditLog log, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<AuditLog.Appended>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String id = "r" + i;
                done.add(CompletableFuture.supplyAsync(() -> log.append(Instant.now(), body(id), false), pool).thenCompose(f -> f));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            Set<Long> seqs = new HashSet<>();
            for (CompletableFuture<AuditLog.Appended> f : done) {
                seqs.add(f.get().seq());
            }
            assertEquals(n, seqs.size(), "every record its own seq");
        } finally {
            pool.shutdown();
        }
        List<String> ids = new ArrayList<>();
        AuditVerifier.read(dir, r -> ids.add(r.json().get("request_id").asText()));
        return ids;
    }

    @Test
    void recordsFromManyThreadsMakeOneChainThatVerifies() throws Exception {
        try (AuditLog log = open(o -> o.withSegmentBytes(8192))) {
            write(log, 300);
            // one at a time, so that batches are small and the size limit is met between them
            for (int i = 300; i < 500; i++) {
                log.append(Instant.now(), body("r" + i), false).get();
            }
        }
        AuditVerifier.Result r = verify();
        assertTrue(r.ok(), r.problem());
        assertEquals(500, r.records());
        assertTrue(r.segments() > 3, "rotated by size (a segment closes after the batch that fills it): " + r.segments());
        assertTrue(r.checkpoints() >= r.segments(), "a checkpoint at every rotation and at close: " + r.checkpoints());
        assertTrue(r.notes().isEmpty(), "everything signed at close: " + r.notes());
        // reopened, it goes on where it was, in a new segment
        try (AuditLog log = open(o -> o)) {
            assertEquals(500, log.size());
            log.append(Instant.now(), body("after"), false).get();
        }
        AuditVerifier.Result again = verify();
        assertTrue(again.ok(), again.problem());
        assertEquals(501, again.records());
    }

    @Test
    void syncAlwaysAlsoVerifies() throws Exception {
        try (AuditLog log = open(o -> o.withSync(AuditLog.Sync.ALWAYS))) {
            write(log, 200);
        }
        AuditVerifier.Result r = verify();
        assertTrue(r.ok(), r.problem());
        assertEquals(200, r.records());
    }

    /** Writes 40 records in 2 segments and closes; the files, for a test to alter. */
    private List<Path> twoSegments() throws Exception {
        try (AuditLog log = open(o -> o)) {
            write(log, 20);
        }
        try (AuditLog log = open(o -> o)) {
            for (int i = 20; i < 40; i++) {
                log.append(Instant.now(), body("r" + i), false).get();
            }
        }
        List<Path> segments = new ArrayList<>();
        for (AuditLogRecovery.Segment s : AuditLogRecovery.segments(dir)) {
            segments.add(s.file());
        }
        assertEquals(2, segments.stream().filter(p -> {
            try {
                return Files.size(p) > 0;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }).count());
        assertTrue(verify().ok(), verify().problem());
        return segments;
    }

    private static List<String> lines(Path file) throws IOException {
        return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    private static void write(Path file, List<String> lines) throws IOException {
        Files.writeString(file, lines.isEmpty() ? "" : String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    private void assertCaught(String expected) throws IOException {
        AuditVerifier.Result r = verify();
        assertFalse(r.ok(), "tampering must be caught");
        assertTrue(r.problem().contains(expected), r.problem());
    }

    @Test
    void aModifiedRecordIsCaught() throws Exception {
        Path first = twoSegments().get(0);
        List<String> l = lines(first);
        l.set(5, l.get(5).replace("\"ALLOW\"", "\"BLOCK\""));
        write(first, l);
        assertCaught("line 7 (seq 6): prev");
        assertCaught("the record before it (records-000001.jsonl line 6, seq 5) was modified");
    }

    @Test
    void aModifiedLastRecordIsCaughtByTheCheckpoint() throws Exception {
        List<Path> s = twoSegments();
        Path last = s.get(s.size() - 1);
        List<String> l = lines(last);
        l.set(l.size() - 1, l.get(l.size() - 1).replace("\"ALLOW\"", "\"BLOCK\""));
        write(last, l);
        assertCaught("is not the root of the first 40 records");
    }

    @Test
    void aRemovedRecordIsCaught() throws Exception {
        Path first = twoSegments().get(0);
        List<String> l = lines(first);
        l.remove(3);
        write(first, l);
        assertCaught("line 4: seq 4 (expected: 3); records 3..3 are missing here (removed, or moved: reordered)");
    }

    @Test
    void anInsertedRecordIsCaught() throws Exception {
        Path first = twoSegments().get(0);
        List<String> l = lines(first);
        l.add(3, l.get(2));
        write(first, l);
        assertCaught("line 4: seq 2 (expected: 3); a record repeats or is out of order");
    }

    @Test
    void reorderedRecordsAreCaught() throws Exception {
        Path first = twoSegments().get(0);
        List<String> l = lines(first);
        String a = l.get(3);
        l.set(3, l.get(4));
        l.set(4, a);
        write(first, l);
        assertCaught("line 4: seq 4 (expected: 3)");
    }

    @Test
    void recordsCutFromTheEndAreCaught() throws Exception {
        List<Path> s = twoSegments();
        Path last = s.get(s.size() - 1);
        List<String> l = lines(last);
        write(last, l.subList(0, l.size() - 3));
        assertCaught("covers 40 records but the log holds 37; records were removed from the end");
    }

    @Test
    void aRemovedSegmentIsCaught() throws Exception {
        List<Path> s = twoSegments();
        Files.delete(s.get(0));
        assertCaught("records-000001.jsonl: missing");
    }

    @Test
    void aModifiedCheckpointIsCaught() throws Exception {
        twoSegments();
        Path cp = dir.resolve(AuditLog.CHECKPOINTS);
        List<String> l = lines(cp);
        ObjectNode c = (ObjectNode) JSON.readTree(l.get(1));
        c.put("size", c.get("size").asLong() + 1);
        l.set(1, JSON.writeValueAsString(c));
        write(cp, l);
        assertCaught("checkpoints.jsonl line 2 (size");
        assertCaught("signature does not verify");
    }

    @Test
    void aRemovedCheckpointIsCaught() throws Exception {
        twoSegments();
        Path cp = dir.resolve(AuditLog.CHECKPOINTS);
        List<String> l = lines(cp);
        assertTrue(l.size() >= 3, "checkpoints: " + l.size());
        l.remove(1);
        write(cp, l);
        assertCaught("is not the hash of the checkpoint before it");
    }

    @Test
    void anotherKeyIsRefused() throws Exception {
        twoSegments();
        Path other = Files.createTempDirectory(dir.getParent(), "other-key");
        AuditKeys stranger = AuditKeys.loadOrCreate(other.resolve("k.pem"));
        AuditVerifier.Result r = AuditVerifier.verify(dir, stranger.publicKey());
        assertFalse(r.ok());
        assertTrue(r.problem().contains("(expected: " + stranger.keyId() + ", the public key given)"), r.problem());
    }

    @Test
    void aTornLastRecordIsSetAsideOnRestartAndTheLogGoesOn() throws Exception {
        List<Path> s = twoSegments();
        Path last = s.get(s.size() - 1);
        Files.writeString(last, "{\"seq\":40,\"prev\":\"ab", StandardOpenOption.APPEND);
        AuditVerifier.Result torn = verify();
        assertTrue(torn.ok(), torn.problem());
        assertTrue(torn.notes().stream().anyMatch(n -> n.contains("a torn last record (20 bytes without a newline)")), torn.notes().toString());
        try (AuditLog log = open(o -> o)) {
            assertTrue(log.recoveryWarnings().stream().anyMatch(w -> w.contains("torn last line (20 bytes")), log.recoveryWarnings().toString());
            assertEquals(40, log.append(Instant.now(), body("r40"), false).get().seq());
        }
        AuditVerifier.Result after = verify();
        assertTrue(after.ok(), after.problem());
        assertEquals(41, after.records());
        assertTrue(after.notes().stream().anyMatch(n -> n.contains(".torn-")), after.notes().toString());
    }

    @Test
    void aRecordsAfterTheLastCheckpointAreSignedOnRestart() throws Exception {
        twoSegments();
        // as if the process died before its last checkpoint: drop the checkpoints after size 20
        Path cp = dir.resolve(AuditLog.CHECKPOINTS);
        List<String> kept = new ArrayList<>();
        for (String line : lines(cp)) {
            if (JSON.readTree(line).get("size").asLong() <= 20) {
                kept.add(line);
            }
        }
        write(cp, kept);
        AuditVerifier.Result unsigned = verify();
        assertTrue(unsigned.ok(), unsigned.problem());
        assertTrue(unsigned.notes().stream().anyMatch(n -> n.startsWith("20 record(s) after the last checkpoint")), unsigned.notes().toString());
        try (AuditLog log = open(o -> o)) {
            assertEquals(40, log.size());
        }
        AuditVerifier.Result signed = verify();
        assertTrue(signed.ok(), signed.problem());
        assertTrue(signed.notes().isEmpty(), signed.notes().toString());
    }

    @Test
    void aKeyOthersCanReadIsRefused() throws Exception {
        try (AuditLog log = open(o -> o)) {
            log.append(Instant.now(), body("r0"), false).get();
        }
        Path key = dir.resolve(AuditKeys.PRIVATE_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        IOException refused = assertThrows(IOException.class, () -> open(o -> o));
        assertTrue(refused.getMessage().contains("mode rw-r--r-- (expected: rw------- , readable by its owner only"), refused.getMessage());
    }

    @Test
    void aReceiptChecksOutWithThePublicKeyAlone() throws Exception {
        Receipt receipt;
        try (AuditLog log = open(o -> o)) {
            write(log, 13);
            AuditLog.Appended a = log.append(Instant.now(), body("wanted"), true).get();
            receipt = a.receipt();
            assertNotNull(receipt);
            assertEquals(13, receipt.index());
            assertEquals(14, receipt.checkpoint().size());
        }
        var key = AuditKeys.readPublic(dir.resolve(AuditKeys.PUBLIC_FILE));
        Receipt parsed = Receipt.parse(JSON.writeValueAsString(receipt.toJson()));
        assertNull(parsed.problem(key));
        assertTrue(parsed.record().contains("\"request_id\":\"wanted\""), parsed.record());
        Receipt altered = new Receipt(parsed.record().replace("ALLOW", "BLOCK"), parsed.index(), parsed.checkpoint(), parsed.path());
        assertTrue(altered.problem(key).startsWith("inclusion proof:"), altered.problem(key));
        // and the checkpoint it carries is one the log holds
        assertTrue(verify().ok());
    }

    @Test
    void aClosedLogRefusesRetryably() throws Exception {
        AuditLog log = open(o -> o);
        log.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> log.append(Instant.now(), body("late"), false).get());
        assertTrue(e.getCause() instanceof OverloadedException, e.toString());
    }

    @Test
    void aDirectoryThatCannotBeMadeIsRefusedByName() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        IOException e = assertThrows(IOException.class, () -> AuditLog.open(AuditLog.Options.defaults(file.resolve("audit"))));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void oneWriterAtATime() throws Exception {
        try (AuditLog first = open(o -> o)) {
            IOException second = assertThrows(IOException.class, () -> open(o -> o));
            assertTrue(second.getMessage().contains("in use by another writer"), second.getMessage());
            first.append(Instant.now(), body("r0"), false).get();
        }
        try (AuditLog again = open(o -> o)) {
            assertEquals(1, again.size(), "free again once the first closed");
        }
    }
}
