package dev.vigil.engine.hash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Named hash lists loaded from files, matched against images, and reloaded when a file
 * changes without a restart and without holding up a request.
 *
 * <p>A reload reads and indexes the new file aside, then publishes a new immutable set of
 * lists with one volatile write: a request reads that set once, so it sees every list either
 * as it was or as it is now, never half-loaded. A reload that fails (unreadable file, a bad
 * line, the file gone) keeps the list as it was, logs a warning and shows the error in
 * {@link #status()} until the file changes again. Changes are found by polling each file's
 * modification time, size and file key every {@code pollInterval}; writers should replace a
 * list by writing a new file and renaming it over the old one. A file that changes while it
 * is being read is read again at the next poll. While a list reloads its old and new
 * indexes are both in memory (about 100 bytes an entry each, see {@link PdqIndex}).
 *
 * <p>With a folder ({@link Builder#optFolder}), every list file in it is loaded, and a list
 * file created there later is picked up at the next poll or {@link #refresh()} (SIGHUP).
 *
 * <p>A reload that would leave a list empty, or shrink it by more than {@code maxShrink} of
 * its entries, is not made unless the operator accepted exactly that file
 * ({@link HashListFolder#accept}, {@code vigil hashes accept}): an image the list blocked must
 * not be let through because a list was truncated or emptied by mistake. The list as it was
 * keeps serving, a warning is logged, {@link #refusedReloads()} counts it and
 * {@link #status()} shows why.
 *
 * <p>Thread-safe. The owner closes it, which stops the polling thread; matching after that
 * throws.
 */
public final class HashListRegistry implements AutoCloseable {
    /** PDQ's recommended match threshold. */
    public static final int DEFAULT_MAX_DISTANCE = 31;
    /** Below this quality PDQ hashes of unrelated flat images collide; the reference ignores them. */
    public static final int DEFAULT_MIN_QUALITY = 50;
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_MATCHES = 16;

    /** Share of its entries a list may lose in one reload without the operator's acceptance. */
    public static final double DEFAULT_MAX_SHRINK = 0.5;
    private static final Pattern NAME = HashListFolder.NAME;
    private static final System.Logger LOG = System.getLogger(HashListRegistry.class.getName());

    /** One loaded list; immutable. */
    private record Loaded(String name, Path file, PdqIndex index, FileStamp stamp, Instant loadedAt) {
    }

    /** What identifies a version of a file without reading it; null fields mean the file is missing. */
    private record FileStamp(FileTime modified, long size, Object fileKey) {
        static final FileStamp MISSING = new FileStamp(null, -1, null);
    }

    /** A reload that failed, kept until the file changes again. */
    private record Failure(FileStamp stamp, String message, Instant at) {
    }

    /** What {@link #status()} reports for one list. */
    public record ListStatus(String name, Path file, int entries, Instant loadedAt, String lastError, Instant lastErrorAt) {
    }

    /** The lists' files, replaced whole when a folder's new list is found; guarded by reloadLock for writes. */
    private volatile Map<String, Path> files;
    private final Path folder;
    private final double maxShrink;
    private final java.util.concurrent.atomic.AtomicLong refusedReloads = new java.util.concurrent.atomic.AtomicLong();
    private final int maxDistance;
    private final int minQuality;
    private final int maxMatches;
    private final Duration pollInterval;
    private final ScheduledExecutorService poller;
    private final Map<String, Failure> failures = new ConcurrentHashMap<>();
    private final Object reloadLock = new Object();
    /** The published lists: an unmodifiable map replaced whole on every reload. */
    private volatile Map<String, Loaded> lists;
    private volatile boolean closed;

    private HashListRegistry(Builder builder) {
        Map<String, Path> declared = new LinkedHashMap<>(builder.files);
        this.folder = builder.folder;
        if (folder != null) {
            for (Path file : HashListFolder.lists(folder)) {
                declared.putIfAbsent(HashListFolder.name(file), file);
            }
        }
        this.files = Collections.unmodifiableMap(declared);
        this.maxShrink = builder.maxShrink;
        this.maxDistance = builder.maxDistance;
        this.minQuality = builder.minQuality;
        this.maxMatches = builder.maxMatches;
        this.pollInterval = builder.pollInterval;
        Map<String, Loaded> initial = new LinkedHashMap<>();
        for (Map.Entry<String, Path> list : files.entrySet()) {
            FileStamp before = stamp(list.getValue());
            if (before == FileStamp.MISSING) {
                throw new HashListException(list.getValue(), 0, "no such file (list " + list.getKey() + ")");
            }
            PdqIndex index = HashListReader.read(list.getValue());
            initial.put(list.getKey(), new Loaded(list.getKey(), list.getValue(), index, before, Instant.now()));
        }
        this.lists = Collections.unmodifiableMap(initial);
        if (pollInterval.isZero()) {
            this.poller = null;
        } else {
            this.poller = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "vigil-hash-lists");
                thread.setDaemon(true);
                return thread;
            });
            long millis = Math.max(1, pollInterval.toMillis());
            poller.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public int maxDistance() {
        return maxDistance;
    }

    public int minQuality() {
        return minQuality;
    }

    /**
     * Compares an image with every list: a match is an entry within {@code maxDistance} of
     * the image's hash or of any of its rotations and reflections. Images under
     * {@code minQuality} are not compared.
     */
    public HashMatchResult match(PdqResult image) {
        if (closed) {
            throw new IllegalStateException("hash list registry is closed");
        }
        if (image.quality() < minQuality) {
            return new HashMatchResult(HashMatchResult.Outcome.LOW_QUALITY, image.quality(), List.of(), 0);
        }
        Map<String, Loaded> snapshot = lists;
        List<HashMatch> matches = new ArrayList<>();
        Dihedral[] transforms = Dihedral.values();
        for (Loaded list : snapshot.values()) {
            for (PdqIndex.Hit hit : list.index().searchAny(image.dihedral(), maxDistance)) {
                matches.add(new HashMatch(list.name(), list.index().label(hit.entry()), list.index().hash(hit.entry()),
                        hit.distance(), transforms[hit.query()]));
            }
        }
        if (matches.isEmpty()) {
            return new HashMatchResult(HashMatchResult.Outcome.NO_MATCH, image.quality(), List.of(), 0);
        }
        // Stable sort: lists in declaration order, entries in file order, within one distance.
        matches.sort(Comparator.comparingInt(HashMatch::distance));
        List<HashMatch> kept = matches.size() > maxMatches ? matches.subList(0, maxMatches) : matches;
        return new HashMatchResult(HashMatchResult.Outcome.MATCHED, image.quality(), kept, matches.size());
    }

    /**
     * Checks every file now and reloads those that changed, as the polling thread does.
     *
     * @return whether any list was replaced
     */
    public boolean refresh() {
        synchronized (reloadLock) {
            boolean replaced = discover();
            for (Map.Entry<String, Path> list : files.entrySet()) {
                replaced |= refresh(list.getKey(), list.getValue());
            }
            return replaced;
        }
    }

    /** Loads the folder's lists that appeared since the last look. Lock held. */
    private boolean discover() {
        if (folder == null) {
            return false;
        }
        boolean added = false;
        for (Path file : HashListFolder.lists(folder)) {
            String name = HashListFolder.name(file);
            if (files.containsKey(name)) {
                continue;
            }
            FileStamp before = stamp(file);
            PdqIndex index;
            try {
                index = HashListReader.read(file);
            } catch (HashListException e) {
                Failure failed = failures.get(name);
                if (failed == null || !failed.stamp().equals(before)) {
                    fail(name, before, e.getMessage() + "; the new list is not loaded");
                }
                continue;
            }
            Map<String, Path> nextFiles = new LinkedHashMap<>(files);
            nextFiles.put(name, file);
            files = Collections.unmodifiableMap(nextFiles);
            Map<String, Loaded> next = new LinkedHashMap<>(lists);
            next.put(name, new Loaded(name, file, index, before, Instant.now()));
            lists = Collections.unmodifiableMap(next);
            failures.remove(name);
            LOG.log(System.Logger.Level.INFO, "hash list {0} found in {1}: {2} entries", name, folder, index.size());
            added = true;
        }
        return added;
    }

    /** Reloads refused because a list would have shrunk too far without the operator's acceptance. Since start. */
    public long refusedReloads() {
        return refusedReloads.get();
    }

    /** Each list as loaded now, with the last reload error if its file has not changed since. */
    public List<ListStatus> status() {
        Map<String, Loaded> snapshot = lists;
        List<ListStatus> result = new ArrayList<>();
        for (Loaded list : snapshot.values()) {
            Failure failure = failures.get(list.name());
            result.add(new ListStatus(list.name(), list.file(), list.index().size(), list.loadedAt(),
                    failure == null ? null : failure.message(), failure == null ? null : failure.at()));
        }
        return result;
    }

    /** Stops the polling thread, waiting up to 5 seconds for a reload in progress. */
    @Override
    public void close() {
        closed = true;
        if (poller != null) {
            poller.shutdownNow();
            try {
                if (!poller.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "hash list polling thread did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void poll() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // Keep polling: a bug here must not stop every later reload. Still reported.
            LOG.log(System.Logger.Level.ERROR, "hash list poll failed", e);
        }
    }

    private boolean refresh(String name, Path file) {
        Loaded current = lists.get(name);
        FileStamp before = stamp(file);
        if (before.equals(current.stamp())) {
            failures.remove(name);
            return false;
        }
        Failure failed = failures.get(name);
        if (failed != null && failed.stamp().equals(before)) {
            return false; // already reported; wait for the file to change again
        }
        if (before == FileStamp.MISSING) {
            fail(name, before, file + ": no such file; keeping the " + current.index().size() + " entries loaded "
                    + current.loadedAt());
            return false;
        }
        PdqIndex index;
        try {
            index = HashListReader.read(file);
        } catch (HashListException e) {
            if (!before.equals(stamp(file))) {
                return false; // written to while read: read it again next time
            }
            fail(name, before, e.getMessage() + "; keeping the " + current.index().size() + " entries loaded "
                    + current.loadedAt());
            return false;
        }
        if (!before.equals(stamp(file))) {
            return false;
        }
        int had = current.index().size();
        if (had > 0 && (index.size() == 0 || had - index.size() > had * maxShrink) && !acceptedShrink(name, file)) {
            refusedReloads.incrementAndGet();
            fail(name, before, String.format(java.util.Locale.ROOT, "%s: %d entries, down from %d (expected: at most %.0f%% fewer, or the"
                    + " operator's acceptance: vigil hashes accept --list %s); keeping the %d entries loaded %s", file, index.size(), had,
                    maxShrink * 100, name, had, current.loadedAt()));
            return false;
        }
        Map<String, Loaded> next = new LinkedHashMap<>(lists);
        next.put(name, new Loaded(name, file, index, before, Instant.now()));
        lists = Collections.unmodifiableMap(next);
        failures.remove(name);
        LOG.log(System.Logger.Level.INFO, "hash list {0} reloaded from {1}: {2} entries", name, file, index.size());
        return true;
    }

    private static boolean acceptedShrink(String name, Path file) {
        try {
            return HashListFolder.accepted(file.getParent(), name, HashListFolder.sha256(Files.readAllBytes(file)));
        } catch (IOException e) {
            return false;
        }
    }

    private void fail(String name, FileStamp stamp, String message) {
        failures.put(name, new Failure(stamp, message, Instant.now()));
        LOG.log(System.Logger.Level.WARNING, "hash list {0} not reloaded: {1}", name, message);
    }

    private static FileStamp stamp(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileStamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
        } catch (NoSuchFileException e) {
            return FileStamp.MISSING;
        } catch (IOException e) {
            // Unreadable attributes: treat like a missing file, which keeps the list and reports.
            return FileStamp.MISSING;
        }
    }

    /** Lists are required ({@code addList}); everything else has a default ({@code opt*}). */
    public static final class Builder {
        private final Map<String, Path> files = new LinkedHashMap<>();
        private int maxDistance = DEFAULT_MAX_DISTANCE;
        private int minQuality = DEFAULT_MIN_QUALITY;
        private int maxMatches = DEFAULT_MAX_MATCHES;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Path folder;
        private double maxShrink = DEFAULT_MAX_SHRINK;

        private Builder() {
        }

        /**
         * Loads every list file of {@code dir} ({@link HashListFolder#lists}) and picks up lists
         * created there later (default: none, only {@link #addList}).
         */
        public Builder optFolder(Path dir) {
            this.folder = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Largest share of its entries a list may lose in one reload (0-1; default
         * {@value #DEFAULT_MAX_SHRINK}); more, or down to none, needs the operator's acceptance.
         */
        public Builder optMaxShrink(double share) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("maxShrink: " + share + " (expected: 0..1)");
            }
            this.maxShrink = share;
            return this;
        }

        /** Adds a list: a name (letters, digits, {@code . _ -}; up to 64) and its file. */
        public Builder addList(String name, Path file) {
            Objects.requireNonNull(file, "file");
            HashListFolder.checkName(name);
            if (files.putIfAbsent(name, file) != null) {
                throw new IllegalArgumentException("list name: \"" + name + "\" (expected: unique; already " + files.get(name) + ")");
            }
            return this;
        }

        /** Largest Hamming distance that counts as a match (0-256; default {@value #DEFAULT_MAX_DISTANCE}). */
        public Builder optMaxDistance(int distance) {
            if (distance < 0 || distance > PdqHash.BITS) {
                throw new IllegalArgumentException("maxDistance: " + distance + " (expected: 0.." + PdqHash.BITS + ")");
            }
            this.maxDistance = distance;
            return this;
        }

        /** Images of lower PDQ quality are not compared (0-100; default {@value #DEFAULT_MIN_QUALITY}). */
        public Builder optMinQuality(int quality) {
            if (quality < 0 || quality > 100) {
                throw new IllegalArgumentException("minQuality: " + quality + " (expected: 0..100)");
            }
            this.minQuality = quality;
            return this;
        }

        /** Most matches one result carries, nearest first (default {@value #DEFAULT_MAX_MATCHES}). */
        public Builder optMaxMatches(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxMatches: " + count + " (expected: >= 1)");
            }
            this.maxMatches = count;
            return this;
        }

        /** How often files are checked for changes (default 5 s); zero: never, only {@link #refresh()}. */
        public Builder optPollInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("pollInterval: " + interval + " (expected: >= 0)");
            }
            this.pollInterval = interval;
            return this;
        }

        /**
         * Loads every list and starts polling.
         *
         * @throws HashListException when a list cannot be loaded; nothing is left running
         */
        public HashListRegistry build() {
            return new HashListRegistry(this);
        }
    }
}
