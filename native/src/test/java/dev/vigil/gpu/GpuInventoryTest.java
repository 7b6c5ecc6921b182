package dev.vigil.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The mapping from NVML's answers to the inventory, on answers given in NVML's units (a file,
 * so that a recording from a GPU host can take its place), and the real call on this host:
 * without a driver it says so in one line and nothing else fails.
 */
class GpuInventoryTest {
    private static GpuInventory fixture() throws Exception {
        try (InputStream in = GpuInventoryTest.class.getResourceAsStream("two-devices.json"); RecordedNvml nvml = RecordedNvml.read(in)) {
            return GpuInventory.read(nvml);
        }
    }

    @Test
    void answersAreMappedIntoTheInventoryInItsUnits() throws Exception {
        GpuInventory inv = fixture();
        assertNull(inv.unavailable());
        assertEquals("550.54.15", inv.driverVersion());
        assertEquals("12.4", inv.cudaVersion(), "NVML's 12040 is CUDA 12.4");
        assertEquals(2, inv.devices().size());
        GpuDevice h100 = inv.devices().get(0);
        assertEquals(0, h100.index());
        assertEquals("NVIDIA H100 80GB HBM3", h100.name());
        assertEquals("GPU-4f0c1b9e-2a37-4a51-9d8e-3c1f5b2a7e10", h100.uuid());
        assertEquals(85520809984L, h100.memoryTotalBytes());
        assertEquals(1158676480L, h100.memoryUsedBytes());
        assertEquals("9.0", h100.computeCapability());
        assertEquals(37, h100.utilizationGpuPercent());
        assertEquals(12, h100.utilizationMemoryPercent());
        assertEquals(41, h100.temperatureC());
        assertEquals(118.734, h100.powerWatts(), 1e-9, "milliwatts to watts");
        assertEquals(1980, h100.smClockMhz());
        assertEquals(2619, h100.memoryClockMhz());
        assertEquals(0L, h100.eccCorrected());
        assertEquals(0L, h100.eccUncorrected());
    }

    @Test
    void whatADeviceDoesNotReportIsAbsentNotAFailure() throws Exception {
        GpuDevice consumer = fixture().devices().get(1);
        assertEquals("8.9", consumer.computeCapability());
        assertNull(consumer.powerWatts(), "NVML_ERROR_NOT_SUPPORTED: absent");
        assertNull(consumer.eccCorrected());
        assertNull(consumer.eccUncorrected());
        assertEquals(33, consumer.temperatureC());
        String described = fixture().describe();
        assertTrue(described.startsWith("driver 550.54.15, CUDA 12.4, 2 device(s)"), described);
        assertTrue(described.contains("gpu:0  NVIDIA H100 80GB HBM3  GPU-4f0c1b9e-2a37-4a51-9d8e-3c1f5b2a7e10  compute 9.0  memory 1105 / 81559 MiB"), described);
        assertTrue(described.contains("gpu:1  NVIDIA GeForce RTX 4090") && described.contains("null W"), described);
        assertEquals(2, fixture().toJson().get("devices").size());
    }

    @Test
    void aFailedCountIsNoInventoryWithItsReason() throws Exception {
        var broken = new RecordedNvml(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"devices\": {\"error\": 999}}"));
        GpuInventory inv = GpuInventory.read(broken);
        assertTrue(inv.devices().isEmpty());
        assertEquals("NVML could not count devices: devices: NVML error 999", inv.unavailable());
        assertEquals("no GPU: NVML could not count devices: devices: NVML error 999", inv.describe());
    }

    @Test
    void thisHostSaysInOneLineWhetherItHasAGpu() {
        GpuInventory inv = GpuInventory.read();
        if (Files.exists(Path.of("/dev/nvidiactl"))) {
            assertNull(inv.unavailable(), inv.describe());
            return;
        }
        assertNotNull(inv.unavailable());
        assertTrue(inv.describe().startsWith("no GPU: no NVIDIA driver: libnvidia-ml.so.1 could not be loaded"), inv.describe());
        assertEquals(1, inv.describe().lines().count(), "one clear line");
        // a second reading in the same process (a sampler, serve's metrics) says the same, not JavaCPP's vaguer second failure
        assertEquals(inv.unavailable(), GpuInventory.read().unavailable());
    }
}
