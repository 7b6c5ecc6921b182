package dev.vigil.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.cli.VigilCommand;
import dev.vigil.gpu.GpuInventory;
import dev.vigil.gpu.RecordedNvml;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The GPU telemetry as operators see it: {@code /metrics} per device from NVML's answers (here
 * answers given in NVML's units, as a recording from a GPU host would be), nothing on a host
 * without a driver; {@code vigil gpu} on this host.
 */
class GpuMetricsTest {
    private static final String ANSWERS = """
            {"driver_version": "550.54.15", "cuda_driver_version": 12040, "devices": [
              {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-4f0c1b9e", "memory": [85520809984, 1158676480], "compute_capability": [9, 0],
               "utilization": [37, 12], "temperature": 41, "power_mw": 118734, "clock_sm": 1980, "clock_mem": 2619,
               "ecc_corrected": 2, "ecc_uncorrected": {"error": 3}}]}
            """;

    private static String scrape(VigilMetrics metrics) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeText(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyDeviceIsExportedWithItsLabels() throws Exception {
        VigilMetrics metrics = new VigilMetrics();
        metrics.watchGpus(() -> {
            try {
                return GpuInventory.read(new RecordedNvml(new ObjectMapper().readTree(ANSWERS)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String text = scrape(metrics);
        String labels = "gpu=\"0\",name=\"NVIDIA H100 80GB HBM3\",uuid=\"GPU-4f0c1b9e\"";
        assertTrue(text.contains("vigil_gpu_memory_used_bytes{" + labels + "} 1.15867648E9"), text);
        assertTrue(text.contains("vigil_gpu_memory_total_bytes{" + labels + "} 8.5520809984E10"), text);
        assertTrue(text.contains("vigil_gpu_utilization_ratio{" + labels + "} 0.37"), text);
        assertTrue(text.contains("vigil_gpu_temperature_celsius{" + labels + "} 41.0"), text);
        assertTrue(text.contains("vigil_gpu_power_watts{" + labels + "} 118.734"), text);
        assertTrue(text.contains("vigil_gpu_clock_mhz{clock=\"sm\"," + labels + "} 1980.0"), text);
        assertTrue(text.contains("vigil_gpu_ecc_errors{gpu=\"0\",kind=\"corrected\",name=\"NVIDIA H100 80GB HBM3\",uuid=\"GPU-4f0c1b9e\"} 2.0"), text);
        assertFalse(text.contains("kind=\"uncorrected\""), "not supported: not exported");
    }

    @Test
    void aHostWithoutADriverExportsNoGpuAndSaysSoInOneLine() throws Exception {
        VigilMetrics metrics = new VigilMetrics();
        metrics.watchGpus(() -> GpuInventory.none("no NVIDIA driver: libnvidia-ml.so.1 could not be loaded"));
        assertFalse(scrape(metrics).contains("vigil_gpu_memory_used_bytes{"));
        if (Files.exists(Path.of("/dev/nvidiactl"))) {
            return; // a GPU host: vigil gpu lists devices instead
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, VigilCommand.run(new String[] {"gpu"}, new PrintWriter(out, true), new PrintWriter(err, true)));
        assertEquals(1, out.toString().lines().count(), out.toString());
        assertTrue(out.toString().startsWith("no GPU: no NVIDIA driver: libnvidia-ml.so.1 could not be loaded"), out.toString());
    }
}
