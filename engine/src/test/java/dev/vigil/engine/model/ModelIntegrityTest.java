package dev.vigil.engine.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.GateException;
import dev.vigil.engine.TestModels;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model whose files differ from the digests its manifest recorded at import is refused at load. */
class ModelIntegrityTest {
    private static final String MODEL = "blazeface";

    @Test
    void oneChangedByteInTheGraphRefusesTheModel(@TempDir Path root) throws IOException {
        ModelRepository repo = copyOf(root);
        ModelManifest m = repo.latest(MODEL);
        Path graph = repo.versionDir(MODEL, m.version()).resolve("saved_model.pb");
        byte[] bytes = Files.readAllBytes(graph);
        bytes[bytes.length / 2] ^= 1;
        Files.write(graph, bytes);

        GateException e = assertThrows(GateException.class, () -> ModelSession.open(repo, MODEL, SessionOptions.forCores(1)).close());
        String expected = m.files().get("saved_model.pb");
        assertTrue(e.getMessage().contains(graph.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("(expected: " + expected), e.getMessage());
        assertTrue(e.getMessage().matches("(?s).*sha256 [0-9a-f]{64} \\(expected.*"), e.getMessage());
    }

    @Test
    void theUntouchedCopyLoadsAndAMissingFileIsNamed(@TempDir Path root) throws IOException {
        ModelRepository repo = copyOf(root);
        ModelSession.open(repo, MODEL, SessionOptions.forCores(1)).close();

        ModelManifest m = repo.latest(MODEL);
        Path graph = repo.versionDir(MODEL, m.version()).resolve("saved_model.pb");
        Files.delete(graph);
        GateException e = assertThrows(GateException.class, () -> ModelSession.open(repo, MODEL, SessionOptions.forCores(1)).close());
        assertTrue(e.getMessage().contains("saved_model.pb"), e.getMessage());
    }

    private static ModelRepository copyOf(Path root) throws IOException {
        ModelRepository source = TestModels.repository();
        ModelManifest m = source.latest(MODEL);
        Path from = source.versionDir(MODEL, m.version());
        Path to = root.resolve(MODEL).resolve(Integer.toString(m.version()));
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(f -> {
                try {
                    Path target = to.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(f, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return new ModelRepository(root);
    }
}
