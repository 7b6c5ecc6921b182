package dev.vigil.engine;

import dev.vigil.models.DefaultRepository;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
            String photos = System.getProperty("vigil.referencePhotos", "");
                List<Path> extra = photos.isEmpty() ? List.of() : List.of(Path.of(photos));
                if (!defaults.hasReference(extra, List.of())) {
                defaults.reference(extra, List.of());
            }
            paths = p;
        }
        return paths;
    }

    public static ModelRepository repository() {
        return new ModelRepository(paths().repository());
    }

    /**
     * Whether this CPU runs bfloat16 natively (AVX512_BF16 or AMX), which TensorFlow's oneDNN
     * bfloat16 rewrite needs; without it a BF16 session is refused, so BF16 tests assume this.
     */
    public static boolean cpuHasBf16() {
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            return cpuinfo.contains("avx512_bf16") || cpuinfo.contains("amx_bf16");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether this CPU has AMX, where oneDNN's bfloat16 kernels were measured to keep the top
     * class and every policy side on the reference photos. On a CPU with AVX512_BF16 alone (an
     * AMD EPYC, Zen 4, measured 2026-12-05) the same rewrite moved q0291.jpg from neutral 0.86 to
     * drawing 0.75: bfloat16 there disagrees with FP32, so the agreement tests assume AMX.
     */
    public static boolean cpuHasAmx() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo")).contains("amx_bf16");
        } catch (IOException e) {
            return false;
        }
    }

    /** Reference outputs of one model: {@code <cache>/reference/<model>/}. */
    public static Path reference(String model) {
        return paths().reference().resolve(model);
    }

    /** A photo the reference used: the face photos in the cache, or the project's PDQ test images. */
    public static Path photo(String file) {
        Path cached = paths().cache().resolve("photos").resolve(file);
        if (java.nio.file.Files.exists(cached)) {
            return cached;
        }
        return referencePhotos().resolve(file);
    }

    /**
     * The PDQ reference photos committed with the project ({@code testdata/pdq/images}): where the
     * parent POM's {@code vigil.referencePhotos} points, else found from the working directory up.
     */
    public static Path referencePhotos() {
        String configured = System.getProperty("vigil.referencePhotos", "");
        if (!configured.isEmpty() && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("testdata/pdq/images");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("no PDQ test photos: vigil.referencePhotos=" + configured + " and no testdata/pdq/images above " + Path.of("").toAbsolutePath());
    }

    /**
     * A photo from {@code fetch-face-photos.sh} (test resources): fetched once into
     * {@code <cache>/face-photos/} from Debian packages, checksums pinned by the script.
     */
    public static synchronized Path facePhoto(String file) {
        Path dir = paths().cache().resolve("face-photos");
        Path photo = dir.resolve(file);
        if (!Files.exists(photo)) {
            try {
                Path script = Path.of(TestModels.class.getResource("/fetch-face-photos.sh").toURI());
                Process process = new ProcessBuilder("bash", script.toString(), dir.toString()).inheritIO().start();
                if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                    process.destroyForcibly();
                    throw new IllegalStateException("fetch-face-photos.sh " + dir + " failed; it needs apt-get download (apt-get update once)");
                }
            } catch (IOException | URISyntaxException e) {
                throw new IllegalStateException("fetch-face-photos.sh: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("fetch-face-photos.sh interrupted", e);
            }
        }
        return photo;
    }

    /** A raw little-endian float32 file, as the reference runtime writes them. */
    public static float[] readFloats(Path file) throws IOException {
        var floats = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[floats.remaining()];
        floats.get(out);
        return out;
    }
}
