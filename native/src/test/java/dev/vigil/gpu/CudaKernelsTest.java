package dev.vigil.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA kernels' sources compiled where this machine allows, without a GPU: to PTX by NVRTC
 * (run-time compilation, as the GPU path does it) when NVRTC is here (the {@code nvrtc} profile,
 * a CUDA toolkit, or {@code VIGIL_NVRTC_DIR}), and by nvcc when it is on the PATH; and
 * {@code native/gpu/check.sh} built and run, which on a host without a GPU must say so in one
 * line and exit 2. On a GPU host check.sh runs the kernels against the CPU path.
 */
class CudaKernelsTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();

    @Test
    void nvrtcCompilesThePreprocessingKernelToPtx() throws Exception {
        Optional<Nvrtc.Library> library = Nvrtc.find();
        System.err.println("NVRTC: " + library.map(l -> l.nvrtc() + " (" + l.origin() + ")").orElse("not on this machine"));
        assumeTrue(library.isPresent(), "NVRTC is not on this machine (mvn -Pnvrtc brings it from Bytedeco's CUDA redistributable jar)");
        Nvrtc.Library l = library.get();
        String version = Nvrtc.version(l);
        String ptx = Nvrtc.compilePtx(l, Nvrtc.preprocessSource(), "vigil_preprocess.cu", Nvrtc.preprocessOptions(9, 0));
        System.err.printf("NVRTC %s compiled vigil_preprocess.cu to %d bytes of PTX for compute_90%n", version, ptx.length());
        assertTrue(ptx.contains(".entry vigil_preprocess("), "the kernel's entry point is in the PTX");
        assertTrue(ptx.contains(".target sm_90"), "for the architecture asked");
        assertFalse(ptx.contains("fma.rn.f64"), "--fmad=false: no fused multiply-add, so it rounds as the CPU does");
        // the option is what keeps them out: with fused multiply-add allowed, NVRTC uses it
        String fused = Nvrtc.compilePtx(l, Nvrtc.preprocessSource(), "vigil_preprocess.cu", List.of("--gpu-architecture=compute_90"));
        assertTrue(fused.contains("fma.rn.f64"), "with --fmad=true the same source fuses");
        Nvrtc.NvrtcException refused = assertThrows(Nvrtc.NvrtcException.class,
                () -> Nvrtc.compilePtx(l, "extern \"C\" __global__ void k() { undeclared(); }", "bad.cu", List.of()));
        assertTrue(refused.getMessage().contains("refused the source") && refused.getMessage().contains("undeclared"), refused.getMessage());
    }

    @Test
    void nvccCompilesThePreprocessingKernelToPtx(@TempDir Path dir) throws Exception {
        Optional<Path> nvcc = nvcc();
        assumeTrue(nvcc.isPresent(), "no nvcc on this machine");
        Path ptx = dir.resolve("vigil_preprocess.ptx");
        Process p = new ProcessBuilder(nvcc.get().toString(), "--ptx", "--fmad=false", "-arch=compute_90",
                MODULE.resolve("src/main/cuda/vigil_preprocess.cu").toString(), "-o", ptx.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        String text = Files.readString(ptx);
        assertTrue(text.contains(".entry vigil_preprocess("), text);
        assertFalse(text.contains("fma.rn.f64"), "--fmad=false");
    }

    @Test
    void theDeviceCheckBuildsAndSaysWhetherThereIsAGpu(@TempDir Path dir) throws Exception {
        Optional<Path> nvcc = nvcc();
        assumeTrue(nvcc.isPresent(), "no nvcc on this machine: check.sh is for a GPU host with CUDA");
        ProcessBuilder b = new ProcessBuilder("bash", MODULE.resolve("gpu/check.sh").toString(), dir.toString()).redirectErrorStream(true);
        b.environment().put("NVCC", nvcc.get().toString());
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        System.err.print(out);
        assertTrue(Files.isExecutable(dir.resolve("vigil-gpu-check")), "check.sh built the check: " + out);
        if (p.exitValue() == 2) {
            // no GPU here: one clear line
            assertTrue(out.lines().anyMatch(line -> line.startsWith("no CUDA device: ")), out);
        } else {
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("0 differ from the CPU kernel") && out.contains("PASS"), out);
        }
    }

    private static Optional<Path> nvcc() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "nvcc");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        Path toolkit = Path.of("/usr/local/cuda/bin/nvcc");
        return Files.isExecutable(toolkit) ? Optional.of(toolkit) : Optional.empty();
    }
}
