package dev.vigil.cli;

import static dev.vigil.cli.CliToolsTest.photo;
import static dev.vigil.cli.CliToolsTest.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.cli.CliToolsTest.Run;
import dev.vigil.engine.TestModels;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil score} writes its verdicts to the audit log by default, and {@code vigil audit}
 * reads them back as a user would: verify, prove and check a receipt, export a bundle that
 * verifies on its own (and fails once changed), statements of reasons for what was blocked, and
 * past verdicts matched against a hash list made after they were scored, mirrored copies too.
 */
class AuditCommandTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void models() {
        TestModels.repository();
    }

    @Test
    void scoredVerdictsAreRecordedAndEverythingReadsThemBack() throws Exception {
        String audit = tmp.resolve("audit").toString();
        String lists = tmp.resolve("lists").toString();
        // a mirrored copy of a photo, which a list made from the original must still find
        BufferedImage original = ImageIO.read(TestModels.photo("astronaut.png").toFile());
        AffineTransform mirror = AffineTransform.getScaleInstance(-1, 1);
        mirror.translate(-original.getWidth(), 0);
        Path mirrored = tmp.resolve("mirrored.png");
        ImageIO.write(new AffineTransformOp(mirror, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(original, null), "png", mirrored.toFile());

        Run scored = vigil("score", "--audit-dir", audit, "--hash-lists", lists, photo("astronaut.png"), photo("c.png"), mirrored.toString());
        assertEquals(0, scored.status(), scored.err());
        assertTrue(scored.err().contains("vigil: audit log " + audit + " (0 record(s), sync every 1s, key "), scored.err());

        Run verified = vigil("audit", "verify", "--dir", audit);
        assertEquals(0, verified.status(), verified.out());
        assertTrue(verified.out().startsWith("OK: 3 record(s) in 1 segment(s), "), verified.out());

        // a list made after the fact finds the past verdicts of the photo and of its mirror image
        assertEquals(0, vigil("hashes", "--dir", lists, "add", "--list", "found-later", "--label", "case 9", photo("astronaut.png")).status());
        Run matched = vigil("audit", "match", "--dir", audit, "--hash-lists", lists, "--list", "found-later");
        assertEquals(1, matched.status(), matched.err());
        // records are written as verdicts complete, so in any order: look them up by request id
        java.util.Map<String, JsonNode> hits = new java.util.HashMap<>();
        matched.json().forEach(h -> hits.put(h.get("request_id").asText(), h));
        assertEquals(2, hits.size(), matched.out());
        assertEquals("ORIGINAL", hits.get(photo("astronaut.png")).get("transform").asText(), matched.out());
        assertEquals("FLIP_Y", hits.get(mirrored.toString()).get("transform").asText(), matched.out());
        assertEquals("case 9", hits.get(mirrored.toString()).get("label").asText());
        assertTrue(matched.err().contains("3 record(s) read, 3 image hash(es) checked against found-later (1 hash(es), distance <= 31): 2 match(es)"),
                matched.err());

        // now blocked by the list: a BLOCK to prove and to state reasons for
        Path policies = Files.writeString(tmp.resolve("policies.yaml"), """
                version: "sor-test.1"
                default_policy: p
                policies:
                  p:
                    rules:
                      - { name: hash-list, when: { hash_match: { at_least: 0.5 } }, decision: BLOCK, ground: "Terms of Service 4.2: known abuse material" }
                      - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                """);
        Run blocked = vigil("score", "--json", "--policies", policies.toString(), "--audit-dir", audit, "--hash-lists", lists, photo("astronaut.png"));
        assertEquals(1, blocked.status(), blocked.out());
        // the verdict carries its statement of reasons, and so does its record
        JsonNode sorInVerdict = blocked.json().get(0).get("statement_of_reasons");
        assertEquals("Terms of Service 4.2: known abuse material", sorInVerdict.at("/ground/reference").asText(), blocked.out());
        assertEquals("hash_match >= 0.5", sorInVerdict.get("criteria").asText());
        assertEquals("hash_match 1 >= 0.5", sorInVerdict.get("facts").asText());
        assertEquals("fully", sorInVerdict.get("automated_decision").asText());
        String lastRecord = Files.readAllLines(tmp.resolve("audit").resolve("records-000002.jsonl")).get(0);
        assertEquals(sorInVerdict, CliToolsTest.JSON.readTree(lastRecord).get("statement_of_reasons"));

        // a receipt for one verdict, checked with the public key alone; changed, it fails
        Run proved = vigil("audit", "prove", "--dir", audit, "#3");
        assertEquals(0, proved.status(), proved.err());
        Path receipt = Files.writeString(tmp.resolve("receipt.json"), proved.out());
        Run checked = vigil("audit", "verify-proof", "--dir", audit, receipt.toString());
        assertEquals(0, checked.status(), checked.out());
        assertTrue(checked.out().startsWith("OK: record 3 is in the log of key "), checked.out());
        Files.writeString(receipt, proved.out().replace("\\\"BLOCK\\\"", "\\\"ALLOW\\\""));
        Run forged = vigil("audit", "verify-proof", "--dir", audit, receipt.toString());
        assertEquals(1, forged.status(), forged.out());
        assertTrue(forged.out().startsWith("FAILED: inclusion proof:"), forged.out());

        // later, the log still holds what the receipt's checkpoint signed: a consistency proof to the latest checkpoint
        vigil("score", "--audit-dir", audit, "--hash-lists", lists, photo("c.png"));
        Files.writeString(receipt, proved.out());
        Run consistency = vigil("audit", "consistency", "--dir", audit, receipt.toString());
        assertEquals(0, consistency.status(), consistency.err());
        Path proof = Files.writeString(tmp.resolve("consistency.json"), consistency.out());
        Run consistent = vigil("audit", "verify-consistency", "--dir", audit, proof.toString());
        assertEquals(0, consistent.status(), consistent.out());
        assertTrue(consistent.out().startsWith("OK: the 4 records signed at "), consistent.out());
        JsonNode p = CliToolsTest.JSON.readTree(consistency.out());
        assertEquals(5, p.at("/second/size").asInt());
        // a first tree that is not the log's prefix is refused
        ObjectNode rewritten = (ObjectNode) p.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) rewritten.get("path")).set(0, com.fasterxml.jackson.databind.node.TextNode.valueOf("00".repeat(32)));
        Files.writeString(proof, CliToolsTest.JSON.writeValueAsString(rewritten));
        Run inconsistent = vigil("audit", "verify-consistency", "--dir", audit, proof.toString());
        assertEquals(1, inconsistent.status(), inconsistent.out());
        assertTrue(inconsistent.out().startsWith("FAILED: the tree of 4 records"), inconsistent.out());

        // an evidence bundle of what was blocked, verified offline; changed, it fails
        Path bundle = tmp.resolve("evidence.zip");
        Run exported = vigil("audit", "export", "--dir", audit, "--out", bundle.toString(), "--decision", "BLOCK");
        assertEquals(0, exported.status(), exported.err());
        assertTrue(exported.err().contains("1 record(s) with their proofs against checkpoint 5"), exported.err());
        Run bundleOk = vigil("audit", "verify", bundle.toString(), "--public-key", tmp.resolve("audit").resolve("audit-key.pub.pem").toString());
        assertEquals(0, bundleOk.status(), bundleOk.out());
        assertTrue(bundleOk.out().startsWith("OK: bundle evidence.zip: 1 record(s) proved against signed checkpoints"), bundleOk.out());
        Path altered = tmp.resolve("altered.zip");
        rewrite(bundle, altered, "records.jsonl", s -> s.replace("\"BLOCK\"", "\"ALLOW\""));
        Run bundleBad = vigil("audit", "verify", altered.toString());
        assertEquals(1, bundleBad.status(), bundleBad.out());
        assertTrue(bundleBad.out().startsWith("FAILED: records.jsonl: SHA-256 "), bundleBad.out());

        // statements of reasons in the DSA Transparency Database's fields, for the BLOCK
        Path sor = tmp.resolve("sor.jsonl");
        Run statements = vigil("audit", "export", "--dir", audit, "--out", sor.toString(), "--format", "dsa-sor", "--platform", "example");
        assertEquals(0, statements.status(), statements.err());
        List<String> lines = Files.readAllLines(sor);
        assertEquals(1, lines.size(), lines.toString());
        JsonNode s = CliToolsTest.JSON.readTree(lines.get(0));
        assertEquals("DECISION_GROUND_INCOMPATIBLE_CONTENT", s.get("decision_ground").asText());
        assertEquals("Yes", s.get("automated_detection").asText());
        assertEquals("AUTOMATED_DECISION_FULLY", s.get("automated_decision").asText());
        assertTrue(s.get("incompatible_content_ground").asText().endsWith("rule hash-list: Terms of Service 4.2: known abuse material"), s.toString());
        assertEquals("hash_match >= 0.5", s.get("incompatible_content_criteria").asText());
        assertTrue(s.get("decision_facts").asText().contains("hash_match=1.000"), s.toString());
        assertTrue(s.get("puid").asText().startsWith("example:3:"), s.toString());

        // the log changed by hand: verify names the record
        Path segment = tmp.resolve("audit").resolve("records-000001.jsonl");
        List<String> records = Files.readAllLines(segment);
        ObjectNode first = (ObjectNode) CliToolsTest.JSON.readTree(records.get(0));
        first.put("decision", "BLOCK");
        records.set(0, CliToolsTest.JSON.writeValueAsString(first));
        Files.write(segment, records);
        Run tampered = vigil("audit", "verify", "--dir", audit);
        assertEquals(1, tampered.status(), tampered.out());
        assertTrue(tampered.out().startsWith("FAILED: records-000001.jsonl line 2 (seq 1): prev "), tampered.out());
    }

    private static void rewrite(Path from, Path to, String entry, java.util.function.UnaryOperator<String> change) throws Exception {
        try (ZipFile in = new ZipFile(from.toFile()); OutputStream o = Files.newOutputStream(to); ZipOutputStream out = new ZipOutputStream(o)) {
            var entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                byte[] content = in.getInputStream(e).readAllBytes();
                if (e.getName().equals(entry)) {
                    content = change.apply(new String(content, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(content);
                out.closeEntry();
            }
        }
    }

    @Test
    void blockedImagesAreRetainedEncryptedAndPurgedWhileTheirRecordsStayVerifiable() throws Exception {
        String audit = tmp.resolve("audit").toString();
        String lists = tmp.resolve("lists").toString();
        Path key = tmp.resolve("retain.key");
        Files.writeString(key, java.util.HexFormat.of().formatHex(new byte[32]).replace('0', '7') + "\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertEquals(0, vigil("hashes", "--dir", lists, "add", "--list", "known", photo("astronaut.png")).status());
        Run blocked = vigil("score", "--audit-dir", audit, "--hash-lists", lists, "--retain", "blocked", "--retain-key", key.toString(),
                photo("astronaut.png"), photo("c.png"));
        assertEquals(1, blocked.status(), blocked.out() + blocked.err());
        byte[] original = Files.readAllBytes(TestModels.photo("astronaut.png"));
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(original));
        Path kept = tmp.resolve("audit").resolve("retained").resolve(sha.substring(0, 2)).resolve(sha + ".bin");
        assertTrue(Files.isRegularFile(kept), "the blocked image is kept, by its SHA-256");
        byte[] stored = Files.readAllBytes(kept);
        assertEquals("VGR1", new String(stored, 0, 4, StandardCharsets.US_ASCII));
        assertTrue(java.util.Collections.indexOfSubList(java.util.Arrays.asList(box(stored)), java.util.Arrays.asList(box(java.util.Arrays.copyOfRange(original,
                100, 164)))) < 0, "encrypted at rest: none of the image's bytes appear in the file");
        try (var files = Files.walk(tmp.resolve("audit").resolve("retained"))) {
            assertEquals(1, files.filter(Files::isRegularFile).count(), "only the blocked image is kept, not the allowed one");
        }
        dev.vigil.audit.RetentionStore store = dev.vigil.audit.RetentionStore.open(tmp.resolve("audit").resolve("retained"), key, java.time.Duration.ofDays(1));
        assertTrue(java.util.Arrays.equals(original, store.read(sha)), "decrypts to the very bytes blocked");
        // the bundle carries it, still encrypted, and verifies
        Path bundle = tmp.resolve("blocked.zip");
        Run exported = vigil("audit", "export", "--dir", audit, "--out", bundle.toString(), "--decision", "BLOCK", "--with-images");
        assertEquals(0, exported.status(), exported.err());
        assertTrue(exported.err().contains("1 retained image(s) (0 purged"), exported.err());
        try (ZipFile zip = new ZipFile(bundle.toFile())) {
            assertTrue(java.util.Arrays.equals(stored, zip.getInputStream(zip.getEntry("images/" + sha + ".bin")).readAllBytes()));
        }
        assertEquals(0, vigil("audit", "verify", bundle.toString()).status());
        // past the retention period the bytes go; the records stay and still verify
        Files.setLastModifiedTime(kept, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(2))));
        assertEquals(1, store.purge());
        assertTrue(!Files.exists(kept));
        Run verified = vigil("audit", "verify", "--dir", audit);
        assertEquals(0, verified.status(), verified.out());
        // a key that others can read is refused, naming the flag
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Run refused = vigil("score", "--audit-dir", audit, "--retain", "blocked", "--retain-key", key.toString(), photo("c.png"));
        assertTrue(refused.err().contains("retain-key: " + key + " is readable or writable by others (expected: mode 600)"), refused.err());
    }

    private static Byte[] box(byte[] b) {
        Byte[] out = new Byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i];
        }
        return out;
    }
}
