package dev.vigil.engine.face;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vigil.engine.GateException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The registry of protected people: face descriptors enrolled under an id, persisted in one
 * JSON file. It never stores photos, only the 1024-d descriptors the face model computed from
 * them, the model that computed them, and when. Readers see an immutable snapshot; changes
 * (enrol, remove) write the whole file aside and rename it into place, so a crash never leaves
 * a half-written registry. Thread-safe; several processes writing at once are not coordinated
 * (the CLI edits, the server reads at start-up and on {@link #reload()}).
 */
public final class ProtectedPeople {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._@-]{1,128}");

    /** One enrolled face: whose, from which model, when (ISO-8601), and the descriptor. */
    public record Enrolment(String id, String model, String enrolledAt, String note, float[] descriptor) {
    }

    /** The file's shape. */
    record RegistryFile(int formatVersion, List<Enrolment> enrolments) {
    }

    /** The best match of a face against the registry. */
    public record Match(String id, double similarity) {
    }

    private final Path file;
    private volatile List<Enrolment> enrolments;

    private ProtectedPeople(Path file, List<Enrolment> enrolments) {
        this.file = file;
        this.enrolments = List.copyOf(enrolments);
    }

    /** Opens the registry at {@code file}; a missing file is an empty registry. */
    public static ProtectedPeople open(Path file) {
        return new ProtectedPeople(file, read(file));
    }

    private static List<Enrolment> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            RegistryFile r = JSON.readValue(file.toFile(), RegistryFile.class);
            if (r.formatVersion() != 1) {
                throw new GateException(file + ": formatVersion " + r.formatVersion() + " (expected: 1)");
            }
            return r.enrolments() == null ? List.of() : r.enrolments();
        } catch (IOException e) {
            throw new GateException(file + ": not a protected-people registry (" + e.getMessage() + ")", e);
        }
    }

    public Path file() {
        return file;
    }

    /** The enrolments, oldest first. */
    public List<Enrolment> list() {
        return enrolments;
    }

    /** Re-reads the file (after the CLI changed it). */
    public void reload() {
        enrolments = List.copyOf(read(file));
    }

    /**
     * Adds descriptors under {@code id} (one per enrolled photo) and saves.
     *
     * @throws IllegalArgumentException for a malformed id or descriptor
     */
    public synchronized void enrol(String id, String model, String note, List<float[]> descriptors) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id: '" + id + "' (expected: 1 to 128 of letters, digits, '.', '_', '@', '-')");
        }
        if (descriptors.isEmpty()) {
            throw new IllegalArgumentException("descriptors: none (expected: at least one face)");
        }
        List<Enrolment> next = new ArrayList<>(enrolments);
        String now = Instant.now().toString();
        for (float[] d : descriptors) {
            if (d.length == 0) {
                throw new IllegalArgumentException("descriptor: empty");
            }
            next.add(new Enrolment(id, model, now, note, d.clone()));
        }
        save(next);
    }

    /** Removes every enrolment under {@code id}; returns how many there were. */
    public synchronized int remove(String id) {
        List<Enrolment> next = enrolments.stream().filter(e -> !e.id().equals(id)).toList();
        int removed = enrolments.size() - next.size();
        if (removed > 0) {
            save(next);
        }
        return removed;
    }

    /** The enrolled person most similar to {@code descriptor}, or null when the registry is empty. */
    public Match best(float[] descriptor, DescriptorSimilarity similarity) {
        return enrolments.stream()
                .map(e -> new Match(e.id(), similarity.similarity(descriptor, e.descriptor())))
                .max(Comparator.comparingDouble(Match::similarity))
                .orElse(null);
    }

    private void save(List<Enrolment> next) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".protected-", ".json");
            try {
                JSON.writeValue(tmp.toFile(), new RegistryFile(1, next));
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new GateException(file + ": cannot save the protected-people registry (" + e.getMessage() + ")", e);
        }
        enrolments = List.copyOf(next);
    }
}
