package dev.vigil.cli;

import dev.vigil.audit.AuditLog;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The audit log's flags, shared by {@code serve} and {@code score}: on by default in
 * {@code <cache>/audit}, off only when asked (and then said loudly).
 */
public final class AuditOptions {
    @Option(names = "--audit-dir", paramLabel = "DIR",
            description = "Where every verdict's record is written before it is answered: a hash-chained, Merkle-tree log with signed checkpoints"
                    + " (docs/AUDIT.md; default: <cache>/audit).")
    Path dir;

    @Option(names = "--no-audit", description = "Answer verdicts without recording them (not recommended: nothing will show what was decided).")
    boolean off;

    @Option(names = "--audit-sync", paramLabel = "interval|always", defaultValue = "interval",
            description = {"When a record counts as written (default: ${DEFAULT-VALUE}).",
                    "interval: written to the operating system before the verdict is answered and fsynced every --audit-sync-interval: a process"
                            + " crash loses nothing, a power loss at most the interval.",
                    "always: fsynced before the verdict is answered (one fsync for all the records of a batch)."})
    String sync;

    @Option(names = "--audit-sync-interval", paramLabel = "DURATION", defaultValue = "1s", converter = ServeCommand.DurationConverter.class,
            description = "How often --audit-sync interval fsyncs (default: ${DEFAULT-VALUE}).")
    Duration syncInterval;

    @Option(names = "--audit-key", paramLabel = "PEM",
            description = "The Ed25519 private key that signs checkpoints (PKCS#8 PEM, mode 0600; its public key beside it as NAME.pub.pem);"
                    + " made on first start when missing (default: <audit-dir>/audit-key.pem).")
    Path key;

    @Option(names = "--audit-segment-bytes", paramLabel = "BYTES", defaultValue = "" + AuditLog.Options.DEFAULT_SEGMENT_BYTES,
            description = "A segment file is closed (checkpointed, fsynced) once it holds this many bytes (default: ${DEFAULT-VALUE}).")
    long segmentBytes;

    @Option(names = "--audit-segment-age", paramLabel = "DURATION", defaultValue = "1h", converter = ServeCommand.DurationConverter.class,
            description = "... or once it is this old (default: ${DEFAULT-VALUE}).")
    Duration segmentAge;

    @Option(names = "--retain", paramLabel = "none|blocked", defaultValue = "none",
            description = "Also keep the bytes of every blocked image as evidence, encrypted with --retain-key, in <audit-dir>/retained"
                    + " (content-addressed by SHA-256; default: ${DEFAULT-VALUE}).")
    String retain;

    @Option(names = "--retain-key", paramLabel = "FILE",
            description = "The 256-bit AES key (64 hex digits or base64, mode 600) that encrypts retained images; the operator's, never written by Vigil.")
    Path retainKey;

    @Option(names = "--retain-for", paramLabel = "DURATION", defaultValue = "90d", converter = ServeCommand.DurationConverter.class,
            description = "How long a retained image is kept after it was last blocked; then its bytes are purged and its records stay (default: ${DEFAULT-VALUE}).")
    Duration retainFor;

    /** The store of retained blocked images, or null when --retain none. */
    dev.vigil.audit.RetentionStore retention(AuditLog log) {
        switch (retain) {
            case "none":
                if (retainKey != null) {
                    throw new IllegalArgumentException("retain-key: " + retainKey + " (expected: with --retain blocked)");
                }
                return null;
            case "blocked":
                if (log == null) {
                    throw new IllegalArgumentException("retain: blocked (expected: with the audit log on, not --no-audit)");
                }
                try {
                    return dev.vigil.audit.RetentionStore.open(log.options().dir().resolve("retained"), retainKey, retainFor);
                } catch (IOException e) {
                    throw new IllegalArgumentException("retain: " + e.getMessage(), e);
                }
            default:
                throw new IllegalArgumentException("retain: " + retain + " (expected: none or blocked)");
        }
    }

    /** The auditor these flags ask for: {@link dev.vigil.server.Auditor#NONE} with --no-audit. */
    dev.vigil.server.Auditor auditor(AuditLog log, ModelRepository models, PrintWriter out) {
        if (log == null) {
            retention(null);
            return dev.vigil.server.Auditor.NONE;
        }
        dev.vigil.audit.RetentionStore store = retention(log);
        if (store != null) {
            out.printf(Locale.ROOT, "vigil: blocked images retained, encrypted, in %s for %s after their last block%n", log.options().dir().resolve("retained"),
                    retainFor.toDays() + " day(s)");
        }
        return new dev.vigil.server.Auditor(log, modelDigests(models), store);
    }

    /** The log directory these flags name. */
    Path directory(VigilPaths paths) {
        return dir != null ? dir : paths.cache().resolve("audit");
    }

    /** The options, checked: a bad value names the flag. */
    AuditLog.Options options(VigilPaths paths) {
        AuditLog.Sync s = switch (sync.toLowerCase(Locale.ROOT)) {
            case "interval" -> AuditLog.Sync.INTERVAL;
            case "always" -> AuditLog.Sync.ALWAYS;
            default -> throw new IllegalArgumentException("audit-sync: " + sync + " (expected: interval or always)");
        };
        Path d = directory(paths);
        try {
            return new AuditLog.Options(d, key != null ? key : d.resolve(dev.vigil.audit.AuditKeys.PRIVATE_FILE), s, syncInterval,
                    AuditLog.Options.DEFAULT_CHECKPOINT_INTERVAL, segmentBytes, segmentAge);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("audit: " + e.getMessage(), e);
        }
    }

    /** Opens the log, or says loudly that there is none; null when off. */
    AuditLog open(VigilPaths paths, PrintWriter log) {
        if (off) {
            log.printf(Locale.ROOT, "vigil: WARNING: --no-audit: verdicts are answered without a record; nothing will show later what was decided%n");
            return null;
        }
        AuditLog.Options options = options(paths);
        try {
            AuditLog audit = AuditLog.open(options);
            for (String w : audit.recoveryWarnings()) {
                log.printf(Locale.ROOT, "vigil: audit log: %s%n", w);
            }
            var last = audit.lastCheckpoint();
            log.printf(Locale.ROOT, "vigil: audit log %s (%d record(s), sync %s, key %s; verify with: vigil audit verify --dir %s)%n", options.dir(),
                    last == null ? 0 : last.size(), options.sync() == AuditLog.Sync.ALWAYS ? "always" : "every " + ServeCommand.DurationConverter.format(
                            options.syncInterval()), audit.keys().keyId(), options.dir());
            return audit;
        } catch (IOException e) {
            throw new IllegalArgumentException("audit log: " + e.getMessage() + " (or run with --no-audit)", e);
        }
    }

    /** Every model in the repository, {@code name/version} to the SHA-256 of its manifest (which holds every file's SHA-256). */
    public static Map<String, String> modelDigests(ModelRepository repository) {
        Map<String, String> out = new HashMap<>();
        for (ModelManifest m : repository.list()) {
            Path manifest = repository.versionDir(m.name(), m.version()).resolve(ModelManifest.FILE_NAME);
            try {
                out.put(m.name() + "/" + m.version(), HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(manifest))));
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("model " + m.name() + "/" + m.version() + ": cannot read " + manifest + " (" + e.getMessage() + ")", e);
            }
        }
        return out;
    }
}
