package dev.vigil.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.OverloadedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The append-only audit log: one JSON line per verdict in segment files
 * ({@code records-NNNNNN.jsonl}), each record chained to the one before by its hash, every
 * record a leaf of one RFC 9162 Merkle tree over the whole log, and signed checkpoints of that
 * tree in {@code checkpoints.jsonl}. One writer thread owns the files: callers {@link #append}
 * and get a future that completes once the record is written as {@link Sync} says, or fails
 * with a retryable {@link OverloadedException} when it could not be; the verdict is answered
 * only then. The format is documented in {@code docs/AUDIT.md}. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String CHECKPOINTS = "checkpoints.jsonl";
    private static final int MAX_BATCH = 4096;
    /** How often a failed log tries whether it can write again. */
    private static final long PROBE_MILLIS = 1_000;

    /** When a record counts as written. */
    public enum Sync {
        /** Written to the operating system before the verdict is answered, fsynced every interval: a process crash loses nothing, a power loss at most the interval. */
        INTERVAL,
        /** Fsynced before the verdict is answered (one fsync for every record of a batch). */
        ALWAYS
    }

    /**
     * @param dir                the log's directory (made if missing)
     * @param keyFile            the Ed25519 private key (made on first start with its public key beside it)
     * @param sync               when a record counts as written
     * @param syncInterval       how often {@link Sync#INTERVAL} fsyncs
     * @param checkpointInterval how often a checkpoint is signed while records arrive
     * @param segmentBytes       a segment is closed once it holds this many bytes
     * @param segmentAge         ... or once it is this old
     */
    public record Options(Path dir, Path keyFile, Sync sync, Duration syncInterval, Duration checkpointInterval, long segmentBytes,
                          Duration segmentAge) {
        public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);
        public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
        public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
        public static final Duration DEFAULT_SEGMENT_AGE = Duration.ofHours(1);

        public Options {
            Objects.requireNonNull(dir, "dir");
            Objects.requireNonNull(keyFile, "keyFile");
            Objects.requireNonNull(sync, "sync");
            positive("sync interval", syncInterval);
            positive("checkpoint interval", checkpointInterval);
            positive("segment age", segmentAge);
            if (segmentBytes < 4096) {
                throw new IllegalArgumentException("segment bytes: " + segmentBytes + " (expected: >= 4096)");
            }
        }

        /** The defaults in {@code dir}, its key at {@code dir/audit-key.pem}. */
        public static Options defaults(Path dir) {
            return new Options(dir, dir.resolve(AuditKeys.PRIVATE_FILE), Sync.INTERVAL, DEFAULT_SYNC_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL,
                    DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_AGE);
        }

        public Options withSync(Sync s) {
            return new Options(dir, keyFile, s, syncInterval, checkpointInterval, segmentBytes, segmentAge);
        }

        public Options withKeyFile(Path k) {
            return new Options(dir, k, sync, syncInterval, checkpointInterval, segmentBytes, segmentAge);
        }

        public Options withSegmentBytes(long b) {
            return new Options(dir, keyFile, sync, syncInterval, checkpointInterval, b, segmentAge);
        }

        public Options withSyncInterval(Duration d) {
            return new Options(dir, keyFile, sync, d, checkpointInterval, segmentBytes, segmentAge);
        }

        private static void positive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + ": " + d + " (expected: > 0)");
            }
        }
    }

    /** A record as written: its place in the tree, and the proof of it when one was asked for. */
    public record Appended(long seq, byte[] leafHash, Receipt receipt) {
    }

    private record Entry(Instant time, ObjectNode body, boolean wantReceipt, CompletableFuture<Appended> done) {
    }

    private final Options options;
    private final AuditKeys keys;
    private final BlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final AuditLogRecovery.State recovered;
    /** Holds the directory's lock for the log's life (closing it releases the lock). */
    private final FileChannel lock;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile LongConsumer fsyncListener = nanos -> {
    };
    private volatile Checkpoint lastCheckpoint;
    /** Why the log cannot write now, or null. */
    private volatile String failure;
    private volatile boolean closing;

    // owned by the writer thread
    private FileChannel segment;
    private FileChannel checkpoints;
    private int segmentNumber;
    private long segmentOpened;
    private long segmentPosition;
    private long checkpointsPosition;
    private final Merkle.Frontier frontier;
    private byte[] prev;
    private byte[] prevCheckpoint;
    private long lastCheckpointNanos;
    private long lastSyncNanos;
    private boolean dirty;
    private long lastProbe;

    private AuditLog(Options options, AuditKeys keys, AuditLogRecovery.State state, FileChannel lock) throws IOException {
        this.lock = lock;
        this.options = options;
        this.keys = keys;
        this.recovered = state;
        this.frontier = state.frontier();
        this.prev = state.lastLeaf();
        this.prevCheckpoint = state.lastCheckpointLine() == null ? Checkpoint.none() : Checkpoint.lineHash(state.lastCheckpointLine());
        this.lastCheckpoint = state.lastCheckpoint();
        this.segmentNumber = state.lastSegment();
        this.checkpoints = FileChannel.open(options.dir().resolve(CHECKPOINTS), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        this.checkpointsPosition = checkpoints.size();
        checkpoints.position(checkpointsPosition);
        openNextSegment();
        // what was recovered is signed at once, so the log is covered up to date before it grows
        if (lastCheckpoint == null || lastCheckpoint.size() != frontier.size()) {
            writeCheckpoint();
        }
        force();
        this.writer = new Thread(this::run, "vigil-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Opens the log in {@code options.dir()}: loads or makes the key, checks and resumes what is
     * there (a torn last record, as a crash leaves it, is moved aside to a {@code .torn} file
     * and reported), and starts a new segment. Fails when the directory cannot be written, the
     * key is refused, or the log does not continue its last signed checkpoint.
     */
    public static AuditLog open(Options options) throws IOException {
        try {
            Files.createDirectories(options.dir());
        } catch (IOException e) {
            throw new IOException("audit directory " + options.dir() + ": cannot be made (" + e + "); give a writable --audit-dir, or --no-audit", e);
        }
        if (!Files.isWritable(options.dir())) {
            throw new IOException("audit directory " + options.dir() + ": not writable (expected: a directory this process can write; or --no-audit)");
        }
        // one writer per log: a second process (a serve beside a score) would break the chain
        FileChannel lockFile = FileChannel.open(options.dir().resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        java.nio.channels.FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException held) {
            lock = null;
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException("audit directory " + options.dir() + ": in use by another writer (another vigil serve or score);"
                    + " give this one its own --audit-dir, or --no-audit");
        }
        try {
            AuditKeys keys = AuditKeys.loadOrCreate(options.keyFile());
            // what recovery found is the caller's to report (recoveryWarnings), once
            return new AuditLog(options, keys, AuditLogRecovery.recover(options.dir(), keys.publicKey()), lockFile);
        } catch (IOException | RuntimeException e) {
            lockFile.close();
            throw e;
        }
    }


    public Options options() {
        return options;
    }

    public AuditKeys keys() {
        return keys;
    }

    /** What opening found and repaired (torn records moved aside), one line each. */
    public List<String> recoveryWarnings() {
        return recovered.warnings();
    }

    /**
     * Appends one record: {@code seq}, {@code prev} and {@code time} are put first, then
     * {@code body}'s fields. The future completes once the record is written (see {@link Sync})
     * or fails with a retryable {@link OverloadedException} when the log cannot write.
     *
     * @param wantReceipt also sign a checkpoint covering the record and return its inclusion proof
     */
    public CompletableFuture<Appended> append(Instant time, ObjectNode body, boolean wantReceipt) {
        CompletableFuture<Appended> done = new CompletableFuture<>();
        OverloadedException refused = refusal();
        if (refused != null) {
            done.completeExceptionally(refused);
            return done;
        }
        queue.add(new Entry(time, body, wantReceipt, done));
        if (closing && !writer.isAlive()) {
            failQueued("audit log: closed");
        }
        return done;
    }

    /** Non-null while the log cannot write (or is closed): the retryable refusal new requests get. */
    public OverloadedException refusal() {
        if (closing) {
            return new OverloadedException("audit log: closed (expected: a server that is not shutting down; retry elsewhere)", Duration.ofSeconds(1));
        }
        String f = failure;
        return f == null ? null : new OverloadedException("audit log: " + f + "; verdicts are withheld until it can write again (retry later or elsewhere)",
                Duration.ofSeconds(1));
    }

    /** Records written since start. */
    public long recordsWritten() {
        return records.get();
    }

    /** Bytes of records written since start. */
    public long bytesWritten() {
        return bytes.get();
    }

    /** Writes that failed since start. */
    public long errors() {
        return errors.get();
    }

    /** The records in the log, recovered ones included. */
    public long size() {
        Checkpoint c = lastCheckpoint;
        return c == null ? 0 : c.size();
    }

    /** The latest signed checkpoint, or null before the first. */
    public Checkpoint lastCheckpoint() {
        return lastCheckpoint;
    }

    /** Told every fsync's duration in nanoseconds (for metrics). */
    public void onFsync(LongConsumer listener) {
        this.fsyncListener = Objects.requireNonNull(listener);
    }

    private void run() {
        List<Entry> batch = new ArrayList<>();
        long checkpointNanos = options.checkpointInterval().toNanos();
        long syncNanos = options.syncInterval().toNanos();
        while (true) {
            batch.clear();
            try {
                Entry first = queue.poll(Math.min(checkpointNanos, syncNanos) / 4, TimeUnit.NANOSECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!batch.isEmpty()) {
                if (failure != null) {
                    fail(batch, refusal());
                } else {
                    write(batch);
                }
            }
            long now = System.nanoTime();
            if (failure != null) {
                if (now - lastProbe > PROBE_MILLIS * 1_000_000) {
                    lastProbe = now;
                    probe();
                }
            } else {
                try {
                    if (frontier.size() != lastCheckpoint.size() && now - lastCheckpointNanos >= checkpointNanos) {
                        writeCheckpoint();
                    }
                    if (dirty && now - lastSyncNanos >= syncNanos) {
                        force();
                    }
                    if (segmentPosition >= options.segmentBytes()
                            || segmentPosition > 0 && now - segmentOpened >= options.segmentAge().toNanos()) {
                        rotate();
                    }
                } catch (IOException e) {
                    failed(e);
                }
            }
            if (closing && queue.isEmpty()) {
                break;
            }
        }
        try {
            if (failure == null) {
                if (frontier.size() != lastCheckpoint.size()) {
                    writeCheckpoint();
                }
                force();
            }
            segment.close();
            checkpoints.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "audit log " + options.dir() + ": closing: " + e.getMessage(), e);
        } finally {
            try {
                lock.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "audit log " + options.dir() + ": releasing its lock: " + e.getMessage());
            }
        }
    }

    private void write(List<Entry> batch) {
        long segmentStart = segmentPosition;
        long checkpointsStart = checkpointsPosition;
        Merkle.Frontier before = frontier.copy();
        byte[] prevBefore = prev;
        List<byte[]> leaves = new ArrayList<>(batch.size());
        List<Merkle.Frontier> receiptFrontiers = new ArrayList<>();
        List<String> lines = new ArrayList<>(batch.size());
        StringBuilder out = new StringBuilder(batch.size() * 1024);
        boolean receipts = false;
        try {
            byte[] p = prev;
            Merkle.Frontier f = before.copy();
            for (Entry e : batch) {
                ObjectNode record = JSON.createObjectNode();
                record.put("seq", f.size());
                record.put("prev", HexFormat.of().formatHex(p));
                record.put("time", e.time().toString());
                record.setAll(e.body());
                String line = JSON.writeValueAsString(record);
                byte[] leaf = Merkle.leafHash(line.getBytes(StandardCharsets.UTF_8));
                receiptFrontiers.add(e.wantReceipt() ? f.copy() : null);
                receipts |= e.wantReceipt();
                f.add(leaf);
                leaves.add(leaf);
                lines.add(line);
                out.append(line).append('\n');
                p = leaf;
            }
            byte[] data = out.toString().getBytes(StandardCharsets.UTF_8);
            writeFully(segment, data);
            segmentPosition += data.length;
            for (byte[] leaf : leaves) {
                frontier.add(leaf);
            }
            prev = p;
            dirty = true;
            Checkpoint covering = null;
            if (receipts) {
                covering = writeCheckpoint();
            }
            if (options.sync() == Sync.ALWAYS) {
                force();
            }
            records.addAndGet(batch.size());
            bytes.addAndGet(data.length);
            long base = before.size();
            for (int i = 0; i < batch.size(); i++) {
                Entry e = batch.get(i);
                Receipt receipt = null;
                if (e.wantReceipt()) {
                    List<byte[]> path = Merkle.inclusionProof(base + i, covering.size(), receiptFrontiers.get(i), leaves.subList(i, leaves.size()));
                    receipt = new Receipt(lines.get(i), base + i, covering, path);
                }
                e.done().complete(new Appended(base + i, leaves.get(i), receipt));
            }
        } catch (IOException | RuntimeException e) {
            // nothing of the batch stays: the files go back to where they were, the tree too
            try {
                segment.truncate(segmentStart);
                segment.position(segmentStart);
                checkpoints.truncate(checkpointsStart);
                checkpoints.position(checkpointsStart);
            } catch (IOException truncate) {
                e.addSuppressed(truncate);
            }
            segmentPosition = segmentStart;
            checkpointsPosition = checkpointsStart;
            frontier.reset(before);
            prev = prevBefore;
            failed(e);
            fail(batch, refusal());
        }
    }

    private void failed(Exception e) {
        errors.incrementAndGet();
        if (failure == null) {
            LOG.log(System.Logger.Level.ERROR, "audit log " + options.dir() + ": cannot write (" + e + "); new requests are refused with a"
                    + " retryable OVERLOADED until it can, and no verdict is answered without its record");
        }
        failure = "cannot write to " + options.dir() + " (" + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()) + ")";
        lastProbe = System.nanoTime();
    }

    /** Whether the directory takes writes again: then the log goes on. */
    private void probe() {
        Path probe = options.dir().resolve(".probe-" + ProcessHandle.current().pid());
        try (FileChannel c = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(c, new byte[64 * 1024]);
            c.force(false);
        } catch (IOException e) {
            return;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // retried with the next probe
            }
        }
        try {
            // the segment may have been lost with the disk: carry on in a new one
            rotate();
            failure = null;
            LOG.log(System.Logger.Level.WARNING, "audit log " + options.dir() + ": writable again; admitting requests");
        } catch (IOException e) {
            failed(e);
        }
    }

    private Checkpoint writeCheckpoint() throws IOException {
        Checkpoint c = Checkpoint.sign(keys, frontier, Instant.now(), prevCheckpoint);
        String line = c.toLine();
        byte[] data = (line + "\n").getBytes(StandardCharsets.UTF_8);
        writeFully(checkpoints, data);
        checkpointsPosition += data.length;
        prevCheckpoint = Checkpoint.lineHash(line);
        lastCheckpoint = c;
        lastCheckpointNanos = System.nanoTime();
        dirty = true;
        return c;
    }

    private void force() throws IOException {
        long t0 = System.nanoTime();
        segment.force(false);
        checkpoints.force(false);
        long t1 = System.nanoTime();
        fsyncListener.accept(t1 - t0);
        lastSyncNanos = t1;
        dirty = false;
    }

    private void rotate() throws IOException {
        if (frontier.size() != lastCheckpoint.size()) {
            writeCheckpoint();
        }
        force();
        segment.close();
        openNextSegment();
    }

    private void openNextSegment() throws IOException {
        segmentNumber++;
        Path file = options.dir().resolve(AuditLogRecovery.segmentName(segmentNumber));
        segment = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        segmentPosition = 0;
        segmentOpened = System.nanoTime();
        // the new file's directory entry is durable before anything in it counts
        AuditLogRecovery.forceDirectory(options.dir());
    }

    private static void writeFully(FileChannel c, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static void fail(List<Entry> batch, Throwable why) {
        for (Entry e : batch) {
            e.done().completeExceptionally(why);
        }
    }

    private void failQueued(String why) {
        List<Entry> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, new OverloadedException(why, Duration.ofSeconds(1)));
    }

    /**
     * Writes what is queued, signs a last checkpoint, fsyncs and closes. Appends after this are
     * refused. Idempotent.
     */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failQueued("audit log: closed");
    }
}
