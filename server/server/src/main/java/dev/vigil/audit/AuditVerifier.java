package dev.vigil.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Checks a whole log offline with only its public key: every segment in order with no number
 * missing, every record's {@code seq} one more than the one before and its {@code prev} the
 * hash of the record before, every checkpoint's signature, its chain to the checkpoint before
 * and its root against the tree of the records, and that no checkpoint covers more records
 * than are there. Stops at the first problem and names it. Stateless.
 */
public final class AuditVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditVerifier() {
    }

    /**
     * What verifying found.
     *
     * @param records     records checked
     * @param checkpoints checkpoints checked
     * @param segments    segment files read
     * @param problem     the first problem (file, line, what), or null when the log verifies
     * @param notes       what holds but is worth saying (records not yet signed, torn files set aside)
     */
    public record Result(long records, long checkpoints, int segments, String problem, List<String> notes) {
        public boolean ok() {
            return problem == null;
        }
    }

    /** A record as read back: where it is, its line, its leaf hash. */
    public record Record(Path file, int line, long seq, String text, JsonNode json, byte[] leaf) {
    }

    public static Result verify(Path dir, PublicKey key) throws IOException {
        return verify(dir, key, r -> {
        });
    }

    /** Verifies, handing every record read (up to the first problem) to {@code each}. */
    public static Result verify(Path dir, PublicKey key, Consumer<Record> each) throws IOException {
        List<String> notes = new ArrayList<>();
        // the checkpoints first: their sizes say where roots are compared while the records stream by
        List<Checkpoint> checkpoints = new ArrayList<>();
        Path cpFile = dir.resolve(AuditLog.CHECKPOINTS);
        if (!Files.exists(cpFile)) {
            return new Result(0, 0, 0, cpFile + ": missing (expected: the signed checkpoints of the log)", notes);
        }
        byte[] previous = Checkpoint.none();
        int cpLine = 0;
        byte[] cpBytes = Files.readAllBytes(cpFile);
        if (cpBytes.length > 0 && cpBytes[cpBytes.length - 1] != '\n') {
            return new Result(0, 0, 0, cpFile + ": the last line has no newline (a torn write; a restart of the server sets it aside)", notes);
        }
        for (String line : new String(cpBytes, StandardCharsets.UTF_8).split("\n", -1)) {
            if (line.isEmpty() && cpLine == countLines(cpBytes)) {
                break;
            }
            cpLine++;
            String where = cpFile.getFileName() + " line " + cpLine;
            Checkpoint c;
            try {
                c = Checkpoint.parse(line);
            } catch (IOException e) {
                return new Result(0, cpLine - 1, 0, where + ": not a checkpoint (" + e.getMessage() + ")", notes);
            }
            String problem = c.problem(key);
            if (problem != null) {
                return new Result(0, cpLine - 1, 0, where + " (size " + c.size() + "): " + problem + "; the checkpoint was modified or not made with this key", notes);
            }
            if (!Arrays.equals(c.previous(), previous)) {
                return new Result(0, cpLine - 1, 0, where + " (size " + c.size() + "): previous " + HexFormat.of().formatHex(c.previous())
                        + " is not the hash of the checkpoint before it (" + HexFormat.of().formatHex(previous)
                        + "); checkpoints were removed, inserted or reordered", notes);
            }
            if (!checkpoints.isEmpty() && c.size() < checkpoints.get(checkpoints.size() - 1).size()) {
                return new Result(0, cpLine - 1, 0, where + ": size " + c.size() + " is below the checkpoint before it ("
                        + checkpoints.get(checkpoints.size() - 1).size() + "); checkpoints were reordered", notes);
            }
            previous = Checkpoint.lineHash(line);
            checkpoints.add(c);
        }

        List<AuditLogRecovery.Segment> segments = AuditLogRecovery.segments(dir);
        Merkle.Frontier tree = new Merkle.Frontier();
        int nextCheckpoint = 0;
        byte[] prev = new byte[Merkle.HASH_BYTES];
        long seq = 0;
        int expectedNumber = segments.isEmpty() ? 0 : segments.get(0).number();
        if (!segments.isEmpty() && expectedNumber != 1) {
            return new Result(0, 0, 0, AuditLogRecovery.segmentName(1) + ": missing (the log's first segment; found " + segments.get(0).file().getFileName()
                    + " first)", notes);
        }
        int segmentsRead = 0;
        String previousWhere = null;
        try (var torn = Files.list(dir)) {
            torn.filter(f -> f.getFileName().toString().contains(".torn-")).sorted()
                    .forEach(f -> notes.add(f.getFileName() + ": a torn write set aside by a restart after a crash (not part of the log)"));
        }
        for (int si = 0; si < segments.size(); si++) {
            AuditLogRecovery.Segment s = segments.get(si);
            if (s.number() != expectedNumber) {
                return new Result(seq, nextCheckpoint, segmentsRead, AuditLogRecovery.segmentName(expectedNumber) + ": missing (segments jump from "
                        + AuditLogRecovery.segmentName(expectedNumber - 1) + " to " + s.file().getFileName() + "); a segment was removed", notes);
            }
            expectedNumber++;
            segmentsRead++;
            boolean lastSegment = si == segments.size() - 1;
            byte[] bytes = Files.readAllBytes(s.file());
            int lineNo = 0;
            int start = 0;
            while (start < bytes.length) {
                int end = indexOf(bytes, (byte) '\n', start);
                lineNo++;
                String where = s.file().getFileName() + " line " + lineNo;
                if (end < 0) {
                    if (lastSegment) {
                        notes.add(where + ": a torn last record (" + (bytes.length - start) + " bytes without a newline), as a crash mid-write"
                                + " leaves it; no verdict was answered on it, and the next start sets it aside");
                        break;
                    }
                    return new Result(seq, nextCheckpoint, segmentsRead, where + ": no newline at the end of a segment that is not the last", notes);
                }
                byte[] lineBytes = Arrays.copyOfRange(bytes, start, end);
                start = end + 1;
                String text = new String(lineBytes, StandardCharsets.UTF_8);
                JsonNode r;
                try {
                    r = JSON.readTree(text);
                } catch (IOException e) {
                    r = null;
                }
                if (r == null || !r.isObject()) {
                    return new Result(seq, nextCheckpoint, segmentsRead, where + " (expected seq " + seq + "): not a JSON object; the record was modified", notes);
                }
                long recordSeq = r.path("seq").asLong(-1);
                if (recordSeq != seq) {
                    String what = recordSeq > seq ? "records " + seq + ".." + (recordSeq - 1) + " are missing here (removed, or moved: reordered)"
                            : recordSeq >= 0 ? "a record repeats or is out of order (inserted or reordered)" : "seq is missing or not a number (modified)";
                    return new Result(seq, nextCheckpoint, segmentsRead, where + ": seq " + r.get("seq") + " (expected: " + seq + "); " + what, notes);
                }
                if (!HexFormat.of().formatHex(prev).equals(r.path("prev").asText())) {
                    return new Result(seq, nextCheckpoint, segmentsRead, where + " (seq " + seq + "): prev " + r.path("prev").asText()
                            + " is not the hash of the record before it (" + HexFormat.of().formatHex(prev) + "); the record before it"
                            + (previousWhere == null ? "" : " (" + previousWhere + ")") + " was modified, or records were removed, inserted or reordered", notes);
                }
                byte[] leaf = Merkle.leafHash(lineBytes);
                each.accept(new Record(s.file(), lineNo, seq, text, r, leaf));
                // checkpoints of size 0 are met before any record
                while (nextCheckpoint < checkpoints.size() && checkpoints.get(nextCheckpoint).size() == tree.size()) {
                    String bad = compare(checkpoints.get(nextCheckpoint), nextCheckpoint, tree);
                    if (bad != null) {
                        return new Result(seq, nextCheckpoint, segmentsRead, bad, notes);
                    }
                    nextCheckpoint++;
                }
                tree.add(leaf);
                prev = leaf;
                previousWhere = where + ", seq " + seq;
                seq++;
            }
        }
        while (nextCheckpoint < checkpoints.size() && checkpoints.get(nextCheckpoint).size() == tree.size()) {
            String bad = compare(checkpoints.get(nextCheckpoint), nextCheckpoint, tree);
            if (bad != null) {
                return new Result(seq, nextCheckpoint, segmentsRead, bad, notes);
            }
            nextCheckpoint++;
        }
        if (nextCheckpoint < checkpoints.size()) {
            Checkpoint c = checkpoints.get(nextCheckpoint);
            return new Result(seq, nextCheckpoint, segmentsRead, AuditLog.CHECKPOINTS + " line " + (nextCheckpoint + 1) + ": covers " + c.size()
                    + " records but the log holds " + seq + "; records were removed from the end", notes);
        }
        long signed = checkpoints.isEmpty() ? 0 : checkpoints.get(checkpoints.size() - 1).size();
        if (seq > signed) {
            notes.add((seq - signed) + " record(s) after the last checkpoint (size " + signed + ") are chained but not yet signed"
                    + " (the writer signs at least every second, at rotation and at shutdown; a crash can leave the last second unsigned)");
        }
        return new Result(seq, checkpoints.size(), segmentsRead, null, notes);
    }

    private static String compare(Checkpoint c, int index, Merkle.Frontier tree) {
        if (!Arrays.equals(c.root(), tree.root())) {
            return AuditLog.CHECKPOINTS + " line " + (index + 1) + " (size " + c.size() + "): root " + c.rootHex() + " is not the root of the first "
                    + c.size() + " records (" + HexFormat.of().formatHex(tree.root()) + "); a record it covers was modified, removed, inserted or reordered";
        }
        return null;
    }

    private static int countLines(byte[] b) {
        int n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }

    private static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /** Reads every record of a log (no checks), for tools that read it: prove, match, compare. */
    public static void read(Path dir, Consumer<Record> each) throws IOException {
        for (AuditLogRecovery.Segment s : AuditLogRecovery.segments(dir)) {
            try (InputStream in = Files.newInputStream(s.file());
                 BufferedReader reader = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
                String line;
                int lineNo = 0;
                while ((line = reader.readLine()) != null) {
                    lineNo++;
                    JsonNode r;
                    try {
                        r = JSON.readTree(line);
                    } catch (IOException e) {
                        continue; // a torn last line; verify reports it
                    }
                    each.accept(new Record(s.file(), lineNo, r.path("seq").asLong(-1), line, r, Merkle.leafHash(line.getBytes(StandardCharsets.UTF_8))));
                }
            }
        }
    }

    /** Every checkpoint of a log, in order. */
    public static List<Checkpoint> checkpoints(Path dir) throws IOException {
        List<Checkpoint> out = new ArrayList<>();
        Path cpFile = dir.resolve(AuditLog.CHECKPOINTS);
        if (!Files.exists(cpFile)) {
            return out;
        }
        for (String line : Files.readAllLines(cpFile, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(Checkpoint.parse(line));
            }
        }
        return out;
    }
}
