package dev.vigil.models.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.models.ModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
    @TempDir
    Path root;

    private static void writeManifest(Path dir, String name, int version) {
        ModelManifest m = new ModelManifest(name, version, "classifier", "d", null, "MIT", null,
                new ModelManifest.Input("image", "input", "input:0", "float32", new long[] {-1, 8, 8, 3}, "RGB", "NHWC", "bilinear",
                        new double[] {0, 1}, "p"), List.of(), "serving_default", Map.of());
        try {
            ModelRepository.JSON.writeValue(dir.resolve(ModelManifest.FILE_NAME).toFile(), m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> everything() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !p.equals(root)).toList();
        }
    }

    @Test
    void installsAtomicallyAndLists() {
        ModelRepository repo = new ModelRepository(root);
        Path installed = repo.install("m", 1, dir -> writeManifest(dir, "m", 1));
        assertEquals(root.resolve("m/1"), installed);
        repo.install("m", 2, dir -> writeManifest(dir, "m", 2));
        assertEquals(List.of("m/1", "m/2"), repo.list().stream().map(x -> x.name() + "/" + x.version()).toList());
        assertEquals(2, repo.latest("m").version());
        assertEquals(8, repo.latest("m").input().height());
    }

    @Test
    void failedImportLeavesNothingBehind() throws IOException {
        ModelRepository repo = new ModelRepository(root);
        assertThrows(IllegalStateException.class, () -> repo.install("m", 1, dir -> {
            try {
                Files.writeString(dir.resolve("saved_model.pb"), "half");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw new IllegalStateException("import failed half-way");
        }));
        assertFalse(Files.exists(root.resolve("m")));
        assertEquals(List.of(root.resolve(".staging")), everything());
        assertTrue(repo.list().isEmpty());
    }

    @Test
    void importWithoutManifestIsNotInstalled() {
        ModelRepository repo = new ModelRepository(root);
        ModelException e = assertThrows(ModelException.class, () -> repo.install("m", 1, dir -> { }));
        assertEquals("m/1: import wrote no vigil-model.json", e.getMessage());
        assertFalse(Files.exists(root.resolve("m")));
    }

    @Test
    void reinstallReplacesThePreviousCopy() throws IOException {
        ModelRepository repo = new ModelRepository(root);
        repo.install("m", 1, dir -> writeManifest(dir, "old", 1));
        repo.install("m", 1, dir -> writeManifest(dir, "m", 1));
        assertEquals("m", repo.readManifest(root.resolve("m/1")).name());
        repo.cleanStaging();
        assertFalse(Files.exists(root.resolve(".staging")));
    }

    @Test
    void missingModelNamesWhatIsThere() {
        ModelRepository repo = new ModelRepository(root);
        repo.install("m", 1, dir -> writeManifest(dir, "m", 1));
        ModelException e = assertThrows(ModelException.class, () -> repo.latest("nsfw-nope"));
        assertEquals("model nsfw-nope: not in the repository " + root + " (installed: [m/1]); run ./vigil models import", e.getMessage());
    }
}
