package dev.vigil.models.repository;

import dev.vigil.models.FileTrees;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vigil.models.ModelException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A model repository laid out like Triton's: {@code <root>/<name>/<version>/} holding a
 * SavedModel and its {@link ModelManifest}. Installs are atomic: a version is written into
 * {@code <root>/.staging/} and renamed into place only when complete, so a failed or
 * interrupted import never leaves a model folder behind. Thread-safe for readers; concurrent
 * installs of the same model version are not coordinated (the last rename wins).
 */
public final class ModelRepository {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String STAGING = ".staging";

    private final Path root;

    public ModelRepository(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path versionDir(String name, int version) {
        return root.resolve(name).resolve(Integer.toString(version));
    }

    /** Every installed model version, by name then version. */
    public List<ModelManifest> list() {
        List<ModelManifest> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (Stream<Path> names = Files.list(root)) {
            for (Path nameDir : names.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList()) {
                try (Stream<Path> versions = Files.list(nameDir)) {
                    for (Path v : versions.filter(p -> Files.isRegularFile(p.resolve(ModelManifest.FILE_NAME)))
                            .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList()) {
                        found.add(readManifest(v));
                    }
                }
            }
        } catch (IOException e) {
            throw new ModelException(root + ": cannot list the model repository (" + e.getMessage() + ")", e);
        }
        return found;
    }

    /** The highest installed version of a model. */
    public ModelManifest latest(String name) {
        return list().stream().filter(m -> m.name().equals(name)).max(Comparator.comparingInt(ModelManifest::version))
                .orElseThrow(() -> new ModelException("model " + name + ": not in the repository " + root
                        + " (installed: " + list().stream().map(m -> m.name() + "/" + m.version()).toList()
                        + "); run ./vigil models import"));
    }

    /**
     * Checks every file the manifest records against its SHA-256, and that it records some: a
     * model whose files were changed, removed or never digested is refused with a
     * {@link ModelException} naming the file, the expected and the found digest.
     */
    public void verifyFiles(ModelManifest manifest) {
        Path dir = versionDir(manifest.name(), manifest.version());
        String id = manifest.name() + "/" + manifest.version();
        if (manifest.files() == null || manifest.files().isEmpty() || !manifest.files().containsKey("saved_model.pb")) {
            throw new ModelException("model " + id + ": " + dir.resolve(ModelManifest.FILE_NAME)
                    + " records no digest of saved_model.pb (expected: files with the sha256 of every file); import the model again");
        }
        for (var entry : manifest.files().entrySet()) {
            Path file = dir.resolve(entry.getKey()).normalize();
            if (!file.startsWith(dir)) {
                throw new ModelException("model " + id + ": file " + entry.getKey() + " lies outside " + dir);
            }
            if (!Files.isRegularFile(file)) {
                throw new ModelException("model " + id + ": " + file + " missing (expected: sha256 " + entry.getValue() + ")");
            }
            String found = RepositoryImporter.sha256(file);
            if (!found.equalsIgnoreCase(entry.getValue())) {
                throw new ModelException("model " + id + ": " + file + ": sha256 " + found + " (expected: " + entry.getValue()
                        + ", recorded at import); the file was changed: import the model again");
            }
        }
    }

    public ModelManifest readManifest(Path versionDir) {
        Path file = versionDir.resolve(ModelManifest.FILE_NAME);
        try {
            return JSON.readValue(file.toFile(), ModelManifest.class);
        } catch (IOException e) {
            throw new ModelException(file + ": not a valid model manifest (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Writes a model version aside, then renames it into place, replacing any previous copy.
     * If {@code writer} throws, nothing of the attempt remains.
     *
     * @param writer fills the staging folder it is given (SavedModel and manifest)
     */
    public Path install(String name, int version, Consumer<Path> writer) {
        Path staging;
        try {
            Files.createDirectories(root.resolve(STAGING));
            staging = Files.createTempDirectory(root.resolve(STAGING), name + "-" + version + "-");
        } catch (IOException e) {
            throw new ModelException(root + ": cannot create a staging folder (" + e.getMessage() + ")", e);
        }
        try {
            writer.accept(staging);
            if (!Files.isRegularFile(staging.resolve(ModelManifest.FILE_NAME))) {
                throw new ModelException(name + "/" + version + ": import wrote no " + ModelManifest.FILE_NAME);
            }
            Path target = versionDir(name, version);
            Files.createDirectories(target.getParent());
            Path old = null;
            if (Files.exists(target)) {
                old = Files.createTempDirectory(root.resolve(STAGING), name + "-" + version + "-old-");
                Files.delete(old);
                move(target, old);
            }
            move(staging, target);
            if (old != null) {
                FileTrees.delete(old);
            }
            return target;
        } catch (IOException e) {
            FileTrees.delete(staging);
            throw new ModelException(name + "/" + version + ": cannot install into " + root + " (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            FileTrees.delete(staging);
            throw e;
        }
    }

    /** Removes staging folders left by a process that died mid-import. */
    public void cleanStaging() {
        FileTrees.delete(root.resolve(STAGING));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

}
