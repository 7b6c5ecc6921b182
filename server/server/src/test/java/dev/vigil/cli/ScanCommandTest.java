package dev.vigil.cli;

import static dev.vigil.cli.CliToolsTest.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil scan} as a user runs it, with the real models: a folder tree of photos, a corrupt
 * file and a file that is not an image; one line per image with its digests and verdict, the
 * corrupt one carrying its error while the scan goes on; every verdict in the audit log; and a
 * scan stopped part-way (lines lost, a torn last line) resumed to exactly one line per image.
 */
class ScanCommandTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void models() {
        TestModels.repository();
    }

    @Test
    void scansATreeWritesALinePerImageAndResumes() throws Exception {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus.resolve("day-1"));
        Files.createDirectories(corpus.resolve("day-2/late"));
        List<String> names = List.of("q0003.jpg", "q0004.jpg", "q0122.jpg", "q0291.jpg", "c.png", "wee.jpg");
        for (int i = 0; i < names.size(); i++) {
            Files.copy(TestModels.referencePhotos().resolve(names.get(i)), corpus.resolve(i % 2 == 0 ? "day-1" : "day-2/late").resolve(names.get(i)));
        }
        Path corrupt = corpus.resolve("day-2/corrupt.png");
        Files.write(corrupt, java.util.Arrays.copyOf(Files.readAllBytes(TestModels.referencePhotos().resolve("c.png")), 4000));
        Files.writeString(corpus.resolve("day-1/notes.txt"), "not an image");
        Path out = tmp.resolve("results/scan.jsonl");
        String audit = tmp.resolve("audit").toString();
        String lists = tmp.resolve("no-lists").toString();

        CliToolsTest.Run first = vigil("scan", corpus.toString(), "--out", out.toString(), "--audit-dir", audit, "--hash-lists", lists);
        assertEquals(2, first.status(), "one file could not be scored: " + first.err());
        assertTrue(first.err().contains("scan: 7 image file(s) under [" + corpus + "]; 0 already in " + out + "; 7 to score"), first.err());
        assertTrue(first.err().contains("scan: [##############################] 7/7 (100.0 %), 1 error(s), "), first.err());
        List<JsonNode> rows = rows(out);
        assertEquals(7, rows.size(), "the text file is not an image");
        Set<String> paths = new HashSet<>();
        for (JsonNode row : rows) {
            assertTrue(paths.add(row.get("path").asText()), "one line per file: " + row);
            assertTrue(row.get("sha256").asText().matches("[0-9a-f]{64}"), row.toString());
            assertEquals(Files.size(Path.of(row.get("path").asText())), row.get("size").asLong());
            if (row.get("path").asText().equals(corrupt.toString())) {
                assertEquals("BLOCK", row.get("decision").asText(), "an undecodable image fails closed: " + row);
                assertTrue(row.get("failed_closed").asBoolean());
                assertTrue(row.get("error").asText().length() > 0, row.toString());
                assertTrue(row.get("pdq").isNull(), "never decoded, so no PDQ: " + row);
            } else {
                assertTrue(row.get("error").isNull(), row.toString());
                assertTrue(row.get("pdq").asText().matches("[0-9a-f]{64}"), row.toString());
                assertTrue(row.get("signals").has("sexual"), row.toString());
                assertTrue(row.get("models").toString().contains("nsfw-mobilenet-v2-mid/"), row.toString());
                assertEquals("strict", row.get("policy").asText());
                assertFalse(row.get("policy_version").asText().isEmpty());
            }
        }
        // every verdict was recorded first, and the log verifies
        CliToolsTest.Run verified = vigil("audit", "verify", "--dir", audit);
        assertEquals(0, verified.status(), verified.out() + verified.err());
        assertTrue((verified.out() + verified.err()).contains("7 record"), verified.out() + verified.err());

        // nothing left to do
        CliToolsTest.Run again = vigil("scan", corpus.toString(), "--out", out.toString(), "--no-audit", "--hash-lists", lists);
        assertEquals(0, again.status(), again.err());
        assertTrue(again.err().contains("7 already in " + out + "; 0 to score"), again.err());
        assertEquals(7, rows(out).size());

        // a scan that stopped: the last three lines lost, and the one before them torn
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        String kept = String.join("\n", lines.subList(0, 3)) + "\n" + lines.get(3).substring(0, lines.get(3).length() / 2);
        Files.writeString(out, kept);
        CliToolsTest.Run resumed = vigil("scan", corpus.toString(), "--out", out.toString(), "--no-audit", "--hash-lists", lists);
        assertTrue(resumed.err().contains("cut away a torn last line"), resumed.err());
        assertTrue(resumed.err().contains("3 already in " + out + "; 4 to score"), resumed.err());
        List<JsonNode> after = rows(out);
        assertEquals(7, after.size(), "every image exactly once after the resume");
        Set<String> resumedPaths = new HashSet<>();
        after.forEach(r -> resumedPaths.add(r.get("path").asText()));
        assertEquals(paths, resumedPaths);

        // a file that is not a scan's output is not appended to
        Path foreign = Files.writeString(tmp.resolve("foreign.jsonl"), "{\"something\": 1}\n");
        CliToolsTest.Run refused = vigil("scan", corpus.toString(), "--out", foreign.toString(), "--no-audit");
        assertTrue(refused.status() != 0);
        assertTrue(refused.err().contains("out: " + foreign + " line 1 has no path (expected: the lines of an earlier vigil scan)"), refused.err());
        // a path that does not exist is named
        CliToolsTest.Run missing = vigil("scan", tmp.resolve("nowhere").toString(), "--out", out.toString(), "--no-audit");
        assertTrue(missing.err().contains("PATH: " + tmp.resolve("nowhere") + " (expected: an existing file or folder)"), missing.err());
    }

    private static List<JsonNode> rows(Path out) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            rows.add(CliToolsTest.JSON.readTree(line));
        }
        return rows;
    }
}
