package dev.vigil.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The script prepared for a GPU host ({@code native/scripts/gpu-record.sh}) writes what
 * {@link RecordedNvml} reads: run here against a stand-in {@code nvidia-smi} that prints what the
 * real one prints for these queries, its output is read back and mapped in NVML's units.
 */
class GpuRecordScriptTest {
    @TempDir
    Path tmp;

    @Test
    void theRecordingScriptWritesWhatTheInventoryReads() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, """
                #!/usr/bin/env bash
                case "$*" in
                  *driver_version*) echo "550.54.15" ;;
                  *--query-gpu=name*) echo "NVIDIA H100 80GB HBM3, GPU-4f0c1b9e-2a37, 81559, 1105, 9.0, 37, 12, 41, 118.73, 1980, 2619, 0, [N/A]" ;;
                  *) echo "| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4     |" ;;
                esac
                """);
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = Path.of("scripts/gpu-record.sh").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] json = p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), new String(json, StandardCharsets.UTF_8));
        GpuInventory inv = GpuInventory.read(RecordedNvml.read(new ByteArrayInputStream(json)));
        assertEquals("550.54.15", inv.driverVersion());
        assertEquals("12.4", inv.cudaVersion());
        GpuDevice d = inv.devices().get(0);
        assertEquals("NVIDIA H100 80GB HBM3", d.name());
        assertEquals(81559L * 1048576, d.memoryTotalBytes());
        assertEquals("9.0", d.computeCapability());
        assertEquals(118.73, d.powerWatts(), 1e-9);
        assertEquals(0L, d.eccCorrected());
        assertNull(d.eccUncorrected(), "[N/A] is recorded as not supported");
    }
}
