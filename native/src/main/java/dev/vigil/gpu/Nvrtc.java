package dev.vigil.gpu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;

/**
 * CUDA C++ compiled to PTX at run time by NVRTC, so that the project's CUDA kernels need no
 * CUDA compiler at build time and compile on any host, with or without a GPU. NVRTC is found,
 * in order:
 * <ol>
 *   <li>{@code VIGIL_NVRTC_DIR} (environment) or {@code vigil.nvrtc.dir} (system property): a
 *       directory holding {@code libnvrtc.so.*} and {@code libnvrtc-builtins.so.*};</li>
 *   <li>Bytedeco's CUDA redistributable jar ({@code org.bytedeco:cuda:...:linux-x86_64-redist})
 *       on the class path, extracted by JavaCPP's cache (the {@code nvrtc} Maven profile of the
 *       native module adds it: 2 GB, so not in the default build);</li>
 *   <li>a CUDA toolkit in {@code /usr/local/cuda/lib64}.</li>
 * </ol>
 * Stateless and thread-safe (NVRTC programs are per call).
 */
public final class Nvrtc {
    /** The preprocessing kernel's source, as the native module carries it. */
    public static final String PREPROCESS_SOURCE = "/dev/vigil/gpu/vigil_preprocess.cu";
    private static final String REDIST = "org/bytedeco/cuda/linux-x86_64/";

    /** Where NVRTC was found: the library and its builtins (which NVRTC loads itself). */
    public record Library(Path nvrtc, Path builtins, String origin) {
    }

    private Nvrtc() {
    }

    /** NVRTC on this machine, or empty with nothing loaded. */
    public static Optional<Library> find() {
        String dir = System.getenv("VIGIL_NVRTC_DIR");
        if (dir == null || dir.isBlank()) {
            dir = System.getProperty("vigil.nvrtc.dir", "");
        }
        if (!dir.isBlank()) {
            Optional<Library> l = inDirectory(Path.of(dir), "VIGIL_NVRTC_DIR " + dir);
            if (l.isPresent()) {
                return l;
            }
        }
        if (Nvrtc.class.getClassLoader().getResource(REDIST + "libnvrtc.so.12") != null) {
            try {
                // Loader's cache extracts each resource once per version, as it does for the presets' own libraries
                java.io.File nvrtc = Loader.cacheResource(Nvrtc.class, "/" + REDIST + "libnvrtc.so.12");
                java.io.File builtins = null;
                for (String minor : List.of("12.6", "12.5", "12.4", "12")) {
                    if (Nvrtc.class.getClassLoader().getResource(REDIST + "libnvrtc-builtins.so." + minor) != null) {
                        builtins = Loader.cacheResource(Nvrtc.class, "/" + REDIST + "libnvrtc-builtins.so." + minor);
                        break;
                    }
                }
                if (nvrtc != null && builtins != null) {
                    return Optional.of(new Library(nvrtc.toPath(), builtins.toPath(), "Bytedeco's CUDA redistributable jar"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("NVRTC: cannot extract it from Bytedeco's CUDA jar: " + e.getMessage(), e);
            }
        }
        return inDirectory(Path.of("/usr/local/cuda/lib64"), "the CUDA toolkit");
    }

    private static Optional<Library> inDirectory(Path dir, String origin) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (var files = Files.list(dir)) {
            Path nvrtc = null;
            Path builtins = null;
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.matches("libnvrtc\\.so\\.\\d+")) {
                    nvrtc = f;
                } else if (name.matches("libnvrtc-builtins\\.so\\.[\\d.]+")) {
                    builtins = f;
                }
            }
            return nvrtc == null || builtins == null ? Optional.empty() : Optional.of(new Library(nvrtc, builtins, origin));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** NVRTC's version, {@code major.minor}. */
    public static String version(Library library) throws NvrtcException {
        byte[] log = new byte[4096];
        int v = NvrtcLibrary.version(library.nvrtc().toString(), library.builtins().toString(), log, log.length);
        if (v < 0) {
            throw new NvrtcException("NVRTC " + library.nvrtc() + " did not load: " + text(log));
        }
        return v / 1000 + "." + (v % 1000) / 10;
    }

    /**
     * Compiles {@code source} to PTX.
     *
     * @param options NVRTC's options, e.g. {@code --fmad=false}, {@code --gpu-architecture=compute_90}
     * @throws NvrtcException with NVRTC's log when it refuses the source or cannot load
     */
    public static String compilePtx(Library library, String source, String name, List<String> options) throws NvrtcException {
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        for (String o : options) {
            byte[] b = o.getBytes(StandardCharsets.UTF_8);
            packed.write(b, 0, b.length);
            packed.write(0);
        }
        byte[] ptx = new byte[4 << 20];
        byte[] log = new byte[64 << 10];
        long n = NvrtcLibrary.compile(library.nvrtc().toString(), library.builtins().toString(), source, name, packed.toByteArray(),
                options.size(), ptx, ptx.length, log, log.length);
        if (n < 0) {
            String why = n == -1 ? "did not load" : n == -2 ? "is missing a function" : n == -3 ? "wrote more than 4 MiB of PTX"
                    : "refused the source (NVRTC error " + (-n - 100) + ")";
            throw new NvrtcException("NVRTC " + library.nvrtc() + " " + why + ": " + text(log));
        }
        return new String(ptx, 0, (int) n, StandardCharsets.UTF_8);
    }

    /** The preprocessing kernel's CUDA source ({@code native/src/main/cuda/vigil_preprocess.cu}). */
    public static String preprocessSource() {
        try (InputStream in = Nvrtc.class.getResourceAsStream(PREPROCESS_SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + PREPROCESS_SOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * NVRTC's options for the preprocessing kernel on a device of compute capability
     * {@code major.minor}: no fused multiply-add, so it rounds as the CPU and Java paths do.
     */
    public static List<String> preprocessOptions(int major, int minor) {
        List<String> o = new ArrayList<>();
        o.add("--gpu-architecture=compute_" + major + minor);
        o.add("--fmad=false");
        return o;
    }

    private static String text(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8).strip();
    }

    /** NVRTC could not load, or refused the source. */
    public static final class NvrtcException extends Exception {
        NvrtcException(String message) {
            super(message);
        }
    }
}
