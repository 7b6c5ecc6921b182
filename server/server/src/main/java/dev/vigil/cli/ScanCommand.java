package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.Gate;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.server.Auditor;
import dev.vigil.server.Failures;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil scan PATH... --out FILE}: the retro-scan of a stored corpus on one machine. Every
 * image under the paths (recursively; by extension) is scored by an in-process gate, many at
 * once, and gets one JSON line in {@code FILE}: path, size, SHA-256, PDQ hash, decision, rule,
 * signals, models, policy and its version, or the error that kept it from being scored. Lines
 * are written in the order the files were found and flushed as they are written; a scan that
 * stops (a crash, ^C) is resumed by running the same command: files already in {@code FILE}
 * are skipped, and a torn last line is cut away first. Every verdict is recorded in the audit
 * log first, as {@code vigil score} does. Progress goes to stderr.
 */
@Command(name = "scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score every image under PATH... (recursively) and write one JSON line per image to --out: path, size, sha256, pdq,"
                + " decision, rule, signals, models, policy, policy_version, or error.",
                "Resumable: run the same command again and files already in --out are skipped. Exit status: 0 every file has its line,"
                        + " 2 some could not be scored (their lines carry the error)."})
public final class ScanCommand implements Callable<Integer> {
    /** Images in flight: enough to fill the gate's batches, bounded so a large corpus streams through. */
    static final int WINDOW = 64;
    private static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "bmp");

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Image files or folders (searched recursively for .jpg, .jpeg, .png, .webp, .bmp).")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "JSON lines file to write, or to resume when it exists.")
    Path out;

    @Option(names = "--policy", paramLabel = "NAME", description = "Policy to apply (default: the policy file's default, strict).")
    String policy;

    @Option(names = "--policies", paramLabel = "FILE", description = "Policy file (default: the engine's policies.yaml).")
    Path policies;

    @Option(names = "--repository", paramLabel = "DIR", description = "Model repository (default: $VIGIL_MODEL_REPOSITORY, else <cache>/models).")
    Path repository;

    @Option(names = "--hash-lists", paramLabel = "DIR", description = "Folder of PDQ hash lists (default: <cache>/hash-lists).")
    Path hashListsDir;

    @Option(names = "--hash-distance", paramLabel = "BITS", defaultValue = "31",
            description = "Largest Hamming distance to a listed hash that counts as a match (default: ${DEFAULT-VALUE}, as serve).")
    int hashDistance;

    @Option(names = "--protected-people", paramLabel = "FILE", description = "Protected-people registry (default: <cache>/protected-people.json).")
    Path protectedPeople;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = ServeCommand.DurationConverter.class,
            description = "Deadline per image (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @picocli.CommandLine.Mixin
    AuditOptions audit = new AuditOptions();

    private Auditor auditor;
    private Auditor.Client client;

    private record Pending(Path file, byte[] bytes, CompletableFuture<Auditor.Recorded> verdict, String readError) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getErr();
        List<Path> files = find(paths);
        Set<String> done = resume(out, log);
        List<Path> todo = files.stream().filter(f -> !done.contains(f.toString())).toList();
        log.printf(Locale.ROOT, "scan: %d image file(s) under %s; %d already in %s; %d to score%n", files.size(), paths,
                files.size() - todo.size(), out, todo.size());
        if (todo.isEmpty()) {
            log.flush();
            return 0;
        }
        VigilPaths vigilPaths = VigilPaths.resolve(null, repository);
        ModelRepository models = new ModelRepository(vigilPaths.repository());
        CliSupport.importMissingDefaults(vigilPaths, models, log);
        PolicySet set = policies != null ? PolicySet.load(policies) : PolicySet.defaults();
        set.policy(policy != null ? policy : set.defaultPolicy().name()); // an unknown name fails before any model loads
        dev.vigil.audit.AuditLog auditLog = audit.open(vigilPaths, log);
        log.flush();
        auditor = audit.auditor(auditLog, models, log);
        client = new Auditor.Client("cli", "local-user", System.getProperty("user.name", ""), "vigil scan", "local");
        int errors = 0;
        Progress progress;
        long loading = System.nanoTime();
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (auditLog; Gate gate = Gate.builder().optRepository(models).optPolicies(set)
                .optHashLists(CliSupport.hashLists(hashListsDir != null ? hashListsDir : CliSupport.hashListsDir(vigilPaths), hashDistance, 1.0))
                .optProtectedPeople(CliSupport.protectedPeople(protectedPeople != null ? protectedPeople : CliSupport.protectedPeopleFile(vigilPaths)))
                .optTimeout(timeout).optEvidence(true).build();
                FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                BufferedWriter writer = new BufferedWriter(new java.io.OutputStreamWriter(java.nio.channels.Channels.newOutputStream(channel),
                        StandardCharsets.UTF_8))) {
            log.printf(Locale.ROOT, "scan: models ready in %.1f s; preprocessing: %s%n", (System.nanoTime() - loading) / 1e9,
                    dev.vigil.engine.model.Preprocessing.describe(gate.preprocessing()));
            progress = new Progress(todo.size(), log);
            Deque<Pending> window = new ArrayDeque<>();
            for (Path file : todo) {
                if (window.size() == WINDOW) {
                    errors += write(window.removeFirst(), writer, progress);
                }
                window.addLast(submit(gate, file));
            }
            while (!window.isEmpty()) {
                errors += write(window.removeFirst(), writer, progress);
            }
            writer.flush();
            channel.force(true);
        }
        progress.finish();
        log.printf(Locale.ROOT, "scan: %d line(s) written to %s (%d with an error) in %.1f s after the models loaded, %.1f images/s%n",
                todo.size(), out, errors,
                progress.seconds(), todo.size() / Math.max(1e-9, progress.seconds()));
        log.flush();
        return errors == 0 ? 0 : 2;
    }

    /** Every image file under {@code roots}, in a stable order (sorted per root); a missing root is an error naming it. */
    static List<Path> find(List<Path> roots) throws IOException {
        List<Path> found = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (Path root : roots) {
            if (Files.isRegularFile(root)) {
                if (seen.add(root.toAbsolutePath().normalize())) {
                    found.add(root);
                }
            } else if (Files.isDirectory(root)) {
                try (Stream<Path> walk = Files.walk(root, FileVisitOption.FOLLOW_LINKS)) {
                    for (Path p : walk.filter(Files::isRegularFile).filter(ScanCommand::isImage).sorted().toList()) {
                        if (seen.add(p.toAbsolutePath().normalize())) {
                            found.add(p);
                        }
                    }
                }
            } else {
                throw new IllegalArgumentException("PATH: " + root + " (expected: an existing file or folder)");
            }
        }
        return found;
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * The paths already in {@code out}; a last line without its newline (a scan stopped while
     * writing it) is cut away first, and said so. A line that is not one of ours stops the scan
     * rather than be appended to.
     */
    static Set<String> resume(Path out, PrintWriter log) throws IOException {
        Set<String> done = new HashSet<>();
        if (!Files.exists(out)) {
            return done;
        }
        long size = Files.size(out);
        long end = lastNewlineEnd(out, size);
        if (end < size) {
            try (FileChannel c = FileChannel.open(out, StandardOpenOption.WRITE)) {
                c.truncate(end);
            }
            log.printf(Locale.ROOT, "scan: %s: cut away a torn last line (%d bytes) left by a scan that stopped%n", out, size - end);
        }
        // line by line: the output of a scan of millions of images does not fit in the heap at once
        try (java.io.BufferedReader reader = Files.newBufferedReader(out, StandardCharsets.UTF_8)) {
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row;
                try {
                    row = CliSupport.JSON.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException("out: " + out + " line " + lineNumber + " is not JSON (expected: the lines of an earlier vigil scan)");
                }
                if (!row.hasNonNull("path")) {
                    throw new IllegalArgumentException("out: " + out + " line " + lineNumber + " has no path (expected: the lines of an earlier vigil scan)");
                }
                done.add(row.get("path").asText());
            }
        }
        return done;
    }

    /** Where the file's last complete line ends: just after its last newline (0 when it has none), read from the end. */
    private static long lastNewlineEnd(Path file, long size) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate(64 * 1024);
            for (long to = size; to > 0; ) {
                long from = Math.max(0, to - chunk.capacity());
                chunk.clear().limit((int) (to - from));
                while (chunk.hasRemaining() && c.read(chunk, from + chunk.position()) >= 0) {
                    // read the whole chunk
                }
                for (int i = (int) (to - from) - 1; i >= 0; i--) {
                    if (chunk.get(i) == '\n') {
                        return from + i + 1;
                    }
                }
                to = from;
            }
            return 0;
        }
    }

    private Pending submit(Gate gate, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | SecurityException e) {
            return new Pending(file, null, null, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        ScoreRequest request = new ScoreRequest(file.toString(), new EncodedImage(bytes), null, policy, timeout);
        return new Pending(file, bytes, auditor.record(CliSupport.scoreWaiting(gate, request), client, false, request.image()), null);
    }

    /** Writes the file's line; returns 1 when it carries an error. */
    private int write(Pending p, BufferedWriter writer, Progress progress) throws IOException {
        ScanRow row;
        if (p.readError() != null) {
            row = ScanRow.failed(p.file().toString(), null, ErrorCode.BAD_REQUEST + ": file: " + p.readError(), false);
        } else {
            try {
                row = ScanRow.of(p.file().toString(), p.bytes(), p.verdict().join().verdict());
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                ErrorCode code = Failures.code(e);
                row = ScanRow.failed(p.file().toString(), p.bytes(), code.name() + ": " + Failures.message(e, "scoring " + p.file()), code.retryable());
            }
        }
        int error = row.error() == null ? 0 : 1;
        writer.write(CliSupport.JSON.writeValueAsString(row.toJson()));
        writer.write('\n');
        writer.flush();
        progress.advance(error);
        return error;
    }

    /** A progress line on stderr: redrawn in place on a terminal, else one line every 10 s. */
    static final class Progress {
        private final int total;
        private final PrintWriter log;
        private final boolean terminal = System.console() != null;
        private final long start = System.nanoTime();
        private long lastShown;
        private int done;
        private int errors;

        Progress(int total, PrintWriter log) {
            this.total = total;
            this.log = log;
        }

        void advance(int error) {
            done++;
            errors += error;
            long now = System.nanoTime();
            if (now - lastShown >= (terminal ? 250_000_000L : 10_000_000_000L) || done == total) {
                lastShown = now;
                show();
            }
        }

        double seconds() {
            return (System.nanoTime() - start) / 1e9;
        }

        private void show() {
            double s = seconds();
            double rate = done / Math.max(1e-9, s);
            int width = 30;
            int filled = (int) ((long) width * done / Math.max(1, total));
            String bar = "#".repeat(filled) + "-".repeat(width - filled);
            long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
            String line = String.format(Locale.ROOT, "scan: [%s] %d/%d (%.1f %%), %d error(s), %.1f images/s, ETA %d:%02d", bar, done, total,
                    100.0 * done / total, errors, rate, eta / 60, eta % 60);
            log.print(terminal ? "\r" + line : line + System.lineSeparator());
            log.flush();
        }

        void finish() {
            if (terminal) {
                log.println();
            }
        }
    }
}
