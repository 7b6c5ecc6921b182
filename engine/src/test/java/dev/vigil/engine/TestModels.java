package dev.vigil.engine;

import dev.vigil.models.DefaultRepository;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.nio.file.Path;
import java.util.List;

/**
 * The default models and their reference outputs, for engine tests: the user's cache and
 * repository ({@link VigilPaths} defaults, or VIGIL_CACHE), filled on first use exactly as
 * {@code ./vigil models verify} would fill them.
 */
public final class TestModels {
    private static VigilPaths paths;

    private TestModels() {
    }

    public static synchronized VigilPaths paths() {
        if (paths == null) {
            VigilPaths p = VigilPaths.resolve(null, null);
            DefaultRepository defaults = new DefaultRepository(p, System.err::println);
            if (defaults.repository().list().size() < 5) {
                defaults.importModels(List.of());
            }
            if (!defaults.hasReference(List.of())) {
                String photos = System.getProperty("vigil.referencePhotos", "");
                defaults.reference(photos.isEmpty() ? List.of() : List.of(Path.of(photos)), List.of());
            }
            paths = p;
        }
        return paths;
    }

    public static ModelRepository repository() {
        return new ModelRepository(paths().repository());
    }

    /** Reference outputs of one model: {@code <cache>/reference/<model>/}. */
    public static Path reference(String model) {
        return paths().reference().resolve(model);
    }

    /** A photo the reference used: the face photos in the cache, or the shared PDQ images. */
    public static Path photo(String file) {
        Path cached = paths().cache().resolve("photos").resolve(file);
        if (java.nio.file.Files.exists(cached)) {
            return cached;
        }
        return Path.of(System.getProperty("vigil.referencePhotos", "../../shared/testdata/pdq/images")).resolve(file);
    }

    /** A raw little-endian float32 file the reference runtime wrote. */
    public static float[] readFloats(Path file) throws java.io.IOException {
        var floats = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[floats.remaining()];
        floats.get(out);
        return out;
    }
}
