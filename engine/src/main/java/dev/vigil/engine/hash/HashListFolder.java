package dev.vigil.engine.hash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of hash lists, {@code <dir>/NAME.tsv} (also {@code .csv}, {@code .txt}), as every
 * writer and reader must treat it: list names are checked before anything is written; a
 * change takes the folder's lock ({@code .lock}, an OS file lock, so writers in other
 * processes wait too), writes the whole new list to a temporary file, fsyncs it, checks it
 * parses, renames it over the list and fsyncs the folder, so a reader sees the old or the new
 * list and a crash leaves one of them; temporary files of a writer that was killed are removed
 * by the next one. Stateless; thread-safe.
 */
public final class HashListFolder {
    /** A list's name: what its file is called, without the extension. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern LIST_FILE = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]{0,63})\\.(tsv|csv|txt)");
    private static final String LOCK = ".lock";
    private static final String TEMP_SUFFIX = ".tmp";
    private static final String ACCEPT_SUFFIX = ".accept";
    /** File locks are per process: threads of this one queue on these first. */
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private HashListFolder() {
    }

    /** {@code name}, or an {@link IllegalArgumentException} naming it and the rule. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("list name: \"" + name + "\" (expected: 1 to 64 of letters, digits, '.', '_', '-', starting with a letter or digit)");
        }
        return name;
    }

    /** The file of list {@code name} in {@code dir}: an existing {@code .csv} or {@code .txt} one, else {@code NAME.tsv}. */
    public static Path file(Path dir, String name) {
        checkName(name);
        for (String ext : new String[] {"tsv", "csv", "txt"}) {
            Path f = dir.resolve(name + "." + ext);
            if (Files.exists(f)) {
                return f;
            }
        }
        return dir.resolve(name + ".tsv");
    }

    /** The list files in {@code dir}, by name order; none when the folder does not exist. */
    public static List<Path> lists(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> LIST_FILE.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list hash lists (" + e.getMessage() + ")", e);
        }
    }

    /** The list name of a list file. */
    public static String name(Path file) {
        String n = file.getFileName().toString();
        return n.substring(0, n.lastIndexOf('.'));
    }

    /**
     * Adds {@code lines} (hash lines, labels allowed, comments kept) to list {@code name},
     * creating it, under the folder's lock. The result is checked whole before it replaces the
     * list: a malformed line fails with its {@code file:line} and nothing changes.
     *
     * @return the list's file
     */
    public static Path append(Path dir, String name, List<String> lines) throws IOException {
        checkName(name);
        Files.createDirectories(dir);
        try (Locked ignored = lock(dir)) {
            Path file = file(dir, name);
            List<String> all = new ArrayList<>(Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of());
            all.addAll(lines);
            replace(dir, file, (String.join("\n", all) + "\n").getBytes(StandardCharsets.UTF_8));
            return file;
        }
    }

    /**
     * Lets a running server load list {@code name} as it is now although it shrank by more than
     * the server's allowed share (or to nothing): records the SHA-256 of its current contents in
     * {@code .NAME.accept}, which the registry checks. A later change needs its own acceptance.
     *
     * @return the accepted file's SHA-256
     */
    public static String accept(Path dir, String name) throws IOException {
        checkName(name);
        try (Locked ignored = lock(dir)) {
            Path file = file(dir, name);
            String digest = Files.exists(file) ? sha256(Files.readAllBytes(file)) : sha256(new byte[0]);
            replace(dir, acceptFile(dir, name), (digest + "\n").getBytes(StandardCharsets.UTF_8));
            return digest;
        }
    }

    /** Whether the operator accepted contents with this SHA-256 for list {@code name} ({@link #accept}). */
    static boolean accepted(Path dir, String name, String sha256) {
        try {
            Path f = acceptFile(dir, name);
            return Files.isRegularFile(f) && Files.readString(f, StandardCharsets.UTF_8).strip().equals(sha256);
        } catch (IOException e) {
            return false;
        }
    }

    private static Path acceptFile(Path dir, String name) {
        return dir.resolve("." + name + ACCEPT_SUFFIX);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** Temp file, fsync, parse check (list files only), rename over {@code target}, fsync the folder. Lock held. */
    private static void replace(Path dir, Path target, byte[] contents) throws IOException {
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", TEMP_SUFFIX);
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(java.nio.ByteBuffer.wrap(contents));
                out.force(true);
            }
            if (LIST_FILE.matcher(target.getFileName().toString()).matches()) {
                try {
                    HashListReader.read(tmp);
                } catch (HashListException e) {
                    throw new HashListException(target, e.line(), e.getMessage().substring(e.getMessage().indexOf(": ") + 2));
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
                folder.force(true);
            } catch (IOException notSupported) {
                // some file systems cannot fsync a folder; the rename itself is atomic
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The folder's lock, held by one writer of any process at a time; taking it removes a killed writer's temporary files. */
    private static Locked lock(Path dir) throws IOException {
        Path key = dir.toAbsolutePath().normalize();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        local.lock();
        FileChannel channel = null;
        try {
            channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock held = channel.lock();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    String n = f.getFileName().toString();
                    if (n.startsWith(".") && n.endsWith(TEMP_SUFFIX)) {
                        Files.deleteIfExists(f);
                    }
                }
            }
            return new Locked(local, channel, held);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            local.unlock();
            throw e;
        }
    }

    private record Locked(ReentrantLock local, FileChannel channel, FileLock held) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                held.release();
                channel.close();
            } finally {
                local.unlock();
            }
        }
    }
}
