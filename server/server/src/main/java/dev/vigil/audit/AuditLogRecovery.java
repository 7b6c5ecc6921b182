package dev.vigil.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the writer finds when it opens a log: the last signed checkpoint (checked with the
 * log's key), the records after it (checked against the hash chain), and a torn last record
 * or checkpoint, as a crash in the middle of a write leaves it, moved aside to a {@code .torn}
 * file and reported. Anything else that does not continue the signed log is refused: the
 * writer never signs over a log it cannot vouch for.
 */
final class AuditLogRecovery {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern SEGMENT = Pattern.compile("records-(\\d{6,})\\.jsonl");

    private AuditLogRecovery() {
    }

    record State(Merkle.Frontier frontier, byte[] lastLeaf, Checkpoint lastCheckpoint, String lastCheckpointLine, int lastSegment, List<String> warnings) {
    }

    /** A segment file and its number. */
    record Segment(int number, Path file) {
    }

    static String segmentName(int number) {
        return String.format("records-%06d.jsonl", number);
    }

    /** The segment files in {@code dir}, by number. */
    static List<Segment> segments(Path dir) throws IOException {
        List<Segment> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = SEGMENT.matcher(f.getFileName().toString());
                if (m.matches()) {
                    out.add(new Segment(Integer.parseInt(m.group(1)), f));
                }
            }
        }
        out.sort((a, b) -> Integer.compare(a.number(), b.number()));
        return out;
    }

    static State recover(Path dir, PublicKey key) throws IOException {
        List<String> warnings = new ArrayList<>();
        Path cpFile = dir.resolve(AuditLog.CHECKPOINTS);
        Checkpoint last = null;
        String lastLine = null;
        if (Files.exists(cpFile)) {
            String torn = cutTornTail(cpFile);
            if (torn != null) {
                warnings.add(torn);
            }
            List<String> lines = Files.readAllLines(cpFile, StandardCharsets.UTF_8);
            if (!lines.isEmpty()) {
                lastLine = lines.get(lines.size() - 1);
                try {
                    last = Checkpoint.parse(lastLine);
                } catch (IOException e) {
                    throw new IOException(cpFile + " line " + lines.size() + ": not a checkpoint (" + e.getMessage() + "); run: vigil audit verify --dir " + dir, e);
                }
                String problem = last.problem(key);
                if (problem != null) {
                    throw new IOException(cpFile + " line " + lines.size() + ": " + problem + " (expected: the log's own key; give it with --audit-key,"
                            + " or start a new log with another --audit-dir)");
                }
            }
        }
        List<Segment> segments = segments(dir);
        Merkle.Frontier frontier = last == null ? new Merkle.Frontier() : Merkle.Frontier.of(last.frontier(), last.size());
        long resumeAt = frontier.size();
        byte[] lastLeaf = new byte[Merkle.HASH_BYTES];
        long seq = 0;
        boolean started = false;
        long firstRead = -1;
        // replay from the last segment that starts at or before the checkpoint's size
        int from = 0;
        for (int i = 0; i < segments.size(); i++) {
            Long first = firstSeq(segments.get(i).file());
            if (first != null && first <= Math.max(0, resumeAt - 1)) {
                from = i;
            }
        }
        for (int i = from; i < segments.size(); i++) {
            Segment s = segments.get(i);
            boolean lastSegment = i == segments.size() - 1;
            String torn = lastSegment ? cutTornTail(s.file()) : null;
            if (torn != null) {
                warnings.add(torn);
            }
            int lineNo = 0;
            for (String line : Files.readAllLines(s.file(), StandardCharsets.UTF_8)) {
                lineNo++;
                String where = s.file() + " line " + lineNo;
                JsonNode r;
                try {
                    r = JSON.readTree(line);
                } catch (IOException e) {
                    throw new IOException(where + ": not JSON; the log is damaged (run: vigil audit verify --dir " + dir + ")", e);
                }
                long recordSeq = r == null ? -1 : r.path("seq").asLong(-1);
                if (!started) {
                    seq = recordSeq;
                    firstRead = recordSeq;
                    started = true;
                }
                if (recordSeq != seq) {
                    throw new IOException(where + ": seq " + recordSeq + " (expected: " + seq + "); the log is damaged (run: vigil audit verify --dir " + dir + ")");
                }
                byte[] leaf = Merkle.leafHash(line.getBytes(StandardCharsets.UTF_8));
                if (seq >= resumeAt) {
                    // the first record read has its predecessor in the signed tree, unless it is the very first
                    boolean known = seq == 0 || seq != firstRead;
                    byte[] expected = seq == 0 ? new byte[Merkle.HASH_BYTES] : lastLeaf;
                    if (known && !HexFormat.of().formatHex(expected).equals(r.path("prev").asText())) {
                        throw new IOException(where + ": prev does not match the record before it; the log is damaged (run: vigil audit verify --dir "
                                + dir + ")");
                    }
                    frontier.add(leaf);
                }
                lastLeaf = leaf;
                seq++;
            }
        }
        if (frontier.size() < resumeAt) {
            throw new IOException(dir + ": the last checkpoint covers " + resumeAt + " records but only " + frontier.size()
                    + " are there; records were removed (run: vigil audit verify --dir " + dir + ")");
        }
        if (resumeAt > 0 && seq < resumeAt) {
            throw new IOException(dir + ": records end at " + seq + " below the checkpoint's " + resumeAt + " (run: vigil audit verify --dir " + dir + ")");
        }
        int lastNumber = segments.isEmpty() ? 0 : segments.get(segments.size() - 1).number();
        if (frontier.size() > resumeAt && last != null) {
            warnings.add((frontier.size() - resumeAt) + " record(s) after the last checkpoint (size " + resumeAt + ") were written but not yet signed"
                    + " when the previous run ended; signed now");
        }
        return new State(frontier, lastLeaf, last, lastLine, lastNumber, List.copyOf(warnings));
    }

    /** The seq of a segment's first record, or null when it has none. */
    private static Long firstSeq(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            String first = lines.findFirst().orElse(null);
            if (first == null) {
                return null;
            }
            try {
                JsonNode r = JSON.readTree(first);
                return r == null ? null : r.path("seq").asLong(-1);
            } catch (IOException e) {
                return null;
            }
        } catch (java.io.UncheckedIOException e) {
            return null;
        }
    }

    /**
     * Cuts a last line that has no newline (a write a crash interrupted) off {@code file},
     * keeping its bytes in {@code file.torn-MILLIS}; returns what was done, or null.
     */
    static String cutTornTail(Path file) throws IOException {
        long size = Files.size(file);
        if (size == 0) {
            return null;
        }
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long end = size;
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            // the last newline
            long pos = size - 1;
            int chunk = 64 * 1024;
            long keep = 0;
            outer:
            while (pos >= 0) {
                long start = Math.max(0, pos - chunk + 1);
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (pos - start + 1));
                c.read(buf, start);
                for (int i = buf.position() - 1; i >= 0; i--) {
                    if (buf.get(i) == '\n') {
                        keep = start + i + 1;
                        break outer;
                    }
                }
                pos = start - 1;
            }
            if (keep == end) {
                return null;
            }
            java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, end - keep));
            c.read(tail, keep);
            Path aside = file.resolveSibling(file.getFileName() + ".torn-" + System.currentTimeMillis());
            Files.write(aside, Arrays.copyOf(tail.array(), tail.position()), StandardOpenOption.CREATE_NEW);
            c.truncate(keep);
            c.force(true);
            return file.getFileName() + ": a torn last line (" + (end - keep) + " bytes without its newline, as a crash mid-write leaves it)"
                    + " moved aside to " + aside.getFileName();
        }
    }

    /** Makes the directory's entries (a new file) durable. */
    static void forceDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform opens directories; the file's own fsync still holds its data
        }
    }
}
