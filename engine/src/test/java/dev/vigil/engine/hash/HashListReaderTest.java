package dev.vigil.engine.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashListReaderTest {
    private static final String A = "e64cc9d91e623842f8d1f1d9a398e78c9f199a3bd87924f2b7e11e0bf061b064";
    private static final String B = "0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff";
    private static final String C = "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d";

    @TempDir
    Path dir;

    @Test
    void readsTsvWithCommentsBlankLinesAndLabels() throws IOException {
        Path file = write("list.tsv", "\uFEFF# exported 2025-11-01\n\n" + A + "\tcase 17\r\n  " + B.toUpperCase() + "  \n# end\n" + C
                + "\t\n");
        PdqIndex index = HashListReader.read(file);
        assertEquals(3, index.size());
        assertEquals(PdqHash.fromHex(A), index.hash(0));
        assertEquals("case 17", index.label(0));
        assertEquals(PdqHash.fromHex(B), index.hash(1));
        assertNull(index.label(1));
        assertNull(index.label(2));
    }

    @Test
    void readsCsvWithAHeaderAndQuotedLabels() throws IOException {
        Path file = write("list.csv", "hash,label\n" + A + ",plain\n" + B + ",\"with, comma and \"\"quote\"\"\"\n");
        PdqIndex index = HashListReader.read(file);
        assertEquals(2, index.size());
        assertEquals("plain", index.label(0));
        assertEquals("with, comma and \"quote\"", index.label(1));
    }

    @Test
    void aMalformedLineFailsTheFileNamingFileLineAndValue() throws IOException {
        Path file = write("bad.tsv", A + "\n# fine\n" + "e64cc9d91e62zz42f8d1f1d9a398e78c9f199a3bd87924f2b7e11e0bf061b064\tx\n");
        HashListException e = assertThrows(HashListException.class, () -> HashListReader.read(file));
        assertEquals(file + ":3: hash: \"e64cc9d91e62zz42f8d1f1d9a398e78c9f199a3bd87924f2b7e11e0bf061b064\" has 'z' at 12"
                + " (expected: 64 hex digits)", e.getMessage());
        assertEquals(3, e.line());

        Path truncated = write("short.csv", A + ",ok\n" + A.substring(0, 40) + ",cut\n");
        HashListException shortLine = assertThrows(HashListException.class, () -> HashListReader.read(truncated));
        assertEquals(truncated + ":2: hash: \"" + A.substring(0, 40) + "\" has 40 characters (expected: 64 hex digits)",
                shortLine.getMessage());

        Path header = write("late-header.csv", A + "\nhash,label\n");
        assertEquals(2, assertThrows(HashListException.class, () -> HashListReader.read(header)).line());
    }

    @Test
    void overlongLabelsMissingFilesAndNonUtf8AreRefused() throws IOException {
        Path longLabel = write("long.tsv", A + "\t" + "x".repeat(HashListReader.MAX_LABEL_CHARS + 1) + "\n");
        assertEquals(longLabel + ":1: label: 1025 characters (expected: <= 1024)",
                assertThrows(HashListException.class, () -> HashListReader.read(longLabel)).getMessage());

        Path missing = dir.resolve("missing.tsv");
        HashListException notThere = assertThrows(HashListException.class, () -> HashListReader.read(missing));
        assertEquals(0, notThere.line());
        assertTrue(notThere.getMessage().startsWith(missing + ": cannot read: java.nio.file.NoSuchFileException"),
                notThere.getMessage());

        Path latin1 = dir.resolve("latin1.tsv");
        Files.write(latin1, (A + "\tcaf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(HashListException.class, () -> HashListReader.read(latin1)).getMessage()
                .startsWith(latin1 + ": not UTF-8 text"));
    }

    @Test
    void anEmptyFileIsAnEmptyList() throws IOException {
        assertEquals(0, HashListReader.read(write("empty.tsv", "# nothing yet\n")).size());
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }
}
