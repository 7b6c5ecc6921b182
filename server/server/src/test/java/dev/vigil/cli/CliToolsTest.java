package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** score, faces, hash, hashes and people as a user runs them, on real photos with the real models. */
class CliToolsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
        List<JsonNode> json() {
            return out.lines().map(l -> {
                try {
                    return JSON.readTree(l);
                } catch (Exception e) {
                    throw new AssertionError("not JSON: " + l, e);
                }
            }).toList();
        }
    }

    static Run vigil(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = VigilCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    static String photo(String name) {
        return TestModels.photo(name).toString();
    }

    @BeforeAll
    static void models() {
        TestModels.repository(); // imports the default models into the cache if this machine has none
    }

    @Test
    void scorePrintsOneJsonVerdictPerImageAndAnErrorInPlaceOfAnUnscorableOne() throws Exception {
        Path corrupt = tmp.resolve("corrupt.png");
        Files.write(corrupt, java.util.Arrays.copyOf(Files.readAllBytes(TestModels.photo("c.png")), 4000));
        Run r = vigil("score", "--json", "--hash-lists", tmp.resolve("none").toString(), photo("astronaut.png"), corrupt.toString(),
                tmp.resolve("missing.jpg").toString(), photo("q1050.jpg"));
        assertEquals(2, r.status(), r.err());
        List<JsonNode> lines = r.json();
        assertEquals(4, lines.size(), r.out());
        // the verdict's shape is HTTP's and the binary protocol's (one encoder): the same fields, the classes as classifier.* signals
        assertEquals(List.of("request_id", "decision", "rule", "reason", "signals", "failures", "findings", "models", "policy", "policy_version",
                "timings_us", "failed_closed"), iterable(lines.get(0)));
        assertEquals("ALLOW", lines.get(0).path("decision").asText());
        assertEquals(photo("astronaut.png"), lines.get(0).path("request_id").asText());
        assertTrue(lines.get(0).path("signals").has("sexual") && lines.get(0).path("signals").has("classifier.porn"), lines.get(0).toString());
        // an image that cannot be decoded is a fail-closed BLOCK verdict, as on the wire, and exit status 2 (not scored)
        assertEquals("BLOCK", lines.get(1).path("decision").asText(), lines.get(1).toString());
        assertTrue(lines.get(1).path("failed_closed").asBoolean(), lines.get(1).toString());
        assertTrue(lines.get(1).path("failures").has("decode"), lines.get(1).toString());
        // a file that cannot be read is refused with the protocol's code for a bad request
        assertEquals("BAD_REQUEST", lines.get(2).path("error").path("code").asText(), lines.get(2).toString());
        assertFalse(lines.get(2).path("error").path("retryable").asBoolean());
        assertEquals("ALLOW", lines.get(3).path("decision").asText(), "the inputs after a failure are still scored");
    }

    /**
     * A batch tool waits for the gate rather than being refused: 100 files at once (more than the
     * window, while the first batches still warm the model) all get a verdict, none OVERLOADED.
     */
    @Test
    void scoreGivesEveryFileOfALargeBatchAVerdict() throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("score", "--no-audit", "--json", "--hash-lists", tmp.resolve("none").toString()));
        List<String> names = List.of("q0003.jpg", "q0004.jpg", "q0122.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg", "wee.jpg", "c.png", "small.jpg");
        for (int i = 0; i < 100; i++) {
            String name = names.get(i % names.size());
            Path copy = tmp.resolve(i + "-" + name);
            Files.copy(TestModels.referencePhotos().resolve(name), copy);
            args.add(copy.toString());
        }
        Run r = vigil(args.toArray(String[]::new));
        List<JsonNode> lines = r.json();
        assertEquals(100, lines.size(), r.err());
        for (JsonNode line : lines) {
            assertTrue(line.has("decision"), "a verdict, not an error: " + line);
        }
    }

    @Test
    void scoreExitsZeroWhenEverythingIsAllowedAndOneWhenSomethingIsBlocked() {
        String lists = tmp.resolve("lists").toString();
        assertEquals(0, vigil("score", "--hash-lists", lists, photo("astronaut.png"), photo("c.png")).status());
        Run added = vigil("hashes", "--dir", lists, "add", "--list", "known", "--label", "case 17", photo("astronaut.png"));
        assertEquals(0, added.status(), added.err());
        Run blocked = vigil("score", "--hash-lists", lists, photo("astronaut.png"), photo("c.png"));
        assertEquals(1, blocked.status(), blocked.out());
        assertTrue(blocked.out().lines().findFirst().orElseThrow().contains(": BLOCK (hash-list: hash_match 1 >= 0.5)"), blocked.out());
        Run listed = vigil("hashes", "--dir", lists, "list");
        assertTrue(listed.out().contains("known") && listed.out().contains("1 hash(es)"), listed.out());
    }

    @Test
    void hashesRefusesLowQualityImagesAndMalformedFiles() throws Exception {
        String lists = tmp.resolve("lists").toString();
        Run flat = vigil("hashes", "--dir", lists, "add", "--list", "x", photo("small.jpg"));
        assertEquals(1, flat.status());
        assertTrue(flat.err().contains("PDQ quality 0 (expected: >= 50"), flat.err());
        Path bad = tmp.resolve("bad.tsv");
        Files.writeString(bad, "e64cc9d91e623842f8d1f1d9a398e78c9f199a3bd87924f2b7e11e0bf061b064\tok\nnot-a-hash\n");
        Run imported = vigil("hashes", "--dir", lists, "import", "--list", "x", bad.toString());
        assertEquals(1, imported.status());
        assertTrue(imported.err().contains(bad + ":2"), imported.err());
        assertTrue(Files.notExists(tmp.resolve("lists/x.tsv")), "nothing added from a malformed file");
    }

    @Test
    void facesShowsBoxesAgesAndSimilarityToTheSource() {
        Run r = vigil("faces", "--json", "--source", photo("astronaut.png"), photo("astronaut.png"), photo("c.png"));
        assertEquals(0, r.status(), r.err());
        List<JsonNode> lines = r.json();
        JsonNode face = lines.get(0).path("faces").get(0);
        assertEquals(6, face.path("landmarks").size());
        assertTrue(face.path("box").path("width").asDouble() > 80, face.toString());
        assertTrue(face.path("under_18").asDouble() >= 0 && face.path("under_18").asDouble() <= 1);
        assertTrue(face.path("source_similarity").asDouble() > 0.99, face.toString());
        assertEquals(0, lines.get(1).path("faces").size(), "c.png has no face");
    }

    @Test
    void hashPrintsPdqQualityAndEightDihedralHashes() {
        Run r = vigil("hash", "--json", photo("q0291.jpg"));
        assertEquals(0, r.status(), r.err());
        JsonNode line = r.json().get(0);
        assertEquals(64, line.path("pdq").asText().length());
        assertEquals(8, line.path("dihedral").size());
        assertEquals(line.path("pdq").asText(), line.path("dihedral").get(0).path("pdq").asText(), "the first dihedral hash is the original");
    }

    @Test
    void peopleEnrolsListsAndRemoves() {
        String registry = tmp.resolve("people.json").toString();
        Run enrol = vigil("people", "--registry", registry, "enrol", "--id", "eileen-collins", photo("astronaut.png"));
        assertEquals(0, enrol.status(), enrol.err());
        assertTrue(vigil("people", "--registry", registry, "list").out().contains("eileen-collins"));
        Run several = vigil("people", "--registry", registry, "enrol", "--id", "crowd",
                TestModels.facePhoto("quickie-flip-example-source.jpg").toString());
        assertEquals(1, several.status());
        assertTrue(several.err().contains("5 faces found (expected: exactly 1)"), several.err());
        assertEquals(0, vigil("people", "--registry", registry, "remove", "eileen-collins").status());
        assertEquals(1, vigil("people", "--registry", registry, "remove", "eileen-collins").status());
    }

    private static List<String> iterable(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
