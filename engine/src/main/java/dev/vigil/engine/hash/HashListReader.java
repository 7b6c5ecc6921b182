package dev.vigil.engine.hash;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a hash list file into a {@link PdqIndex}. The format, UTF-8 text, one entry a line:
 * <pre>
 * # comment lines and blank lines are skipped
 * hash,label                      (optional header: first field "hash" or "pdq", first entry line only)
 * e64cc9d91e623842f8d1f1d9a398e78c9f199a3bd87924f2b7e11e0bf061b064
 * f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22	case 1234
 * 0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff,"label, with comma"
 * </pre>
 * A line is 64 hex digits, then optionally a tab or a comma and a label (the rest of the
 * line; a CSV label in double quotes may contain commas and {@code ""} for a quote). Any
 * other line fails the whole file with its {@code file:line} and value: a list is loaded
 * whole or not at all. Stateless.
 */
public final class HashListReader {
    /** Longest label accepted, in characters. */
    public static final int MAX_LABEL_CHARS = 1024;

    private HashListReader() {
    }

    public static PdqIndex read(Path file) {
        PdqIndex.Builder builder = PdqIndex.builder();
        int lineNumber = 0;
        boolean seenEntryLine = false;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                int separator = text.indexOf('\t');
                if (separator < 0) {
                    separator = text.indexOf(',');
                }
                String hashField = separator < 0 ? text : text.substring(0, separator).strip();
                String label = separator < 0 ? null : unquote(text.substring(separator + 1).strip());
                if (!seenEntryLine) {
                    seenEntryLine = true;
                    if (hashField.equalsIgnoreCase("hash") || hashField.equalsIgnoreCase("pdq")) {
                        continue;
                    }
                }
                PdqHash hash;
                try {
                    hash = PdqHash.fromHex(hashField);
                } catch (IllegalArgumentException e) {
                    throw new HashListException(file, lineNumber, e.getMessage());
                }
                if (label != null && label.length() > MAX_LABEL_CHARS) {
                    throw new HashListException(file, lineNumber,
                            "label: " + label.length() + " characters (expected: <= " + MAX_LABEL_CHARS + ")");
                }
                builder.add(hash, label);
            }
        } catch (CharacterCodingException e) {
            throw new HashListException(file, 0, "not UTF-8 text (at or after line " + (lineNumber + 1) + ")", e);
        } catch (IOException e) {
            throw new HashListException(file, 0, "cannot read: " + e, e);
        }
        return builder.build();
    }

    private static String unquote(String field) {
        if (field.length() >= 2 && field.startsWith("\"") && field.endsWith("\"")) {
            return field.substring(1, field.length() - 1).replace("\"\"", "\"");
        }
        return field;
    }
}
