package dev.vigil.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.Gate;
import dev.vigil.engine.GateException;
import dev.vigil.engine.TestModels;
import dev.vigil.gpu.GpuDevice;
import dev.vigil.gpu.GpuInventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/**
 * {@code --device}: parsing, the refusals a GPU gets where it cannot run (checked against
 * inventories as NVML reports them, and for real on this host), the session config each device
 * gets, and the padded batch shapes a GPU runs, proven equal to unpadded batches on the CPU.
 */
class DeviceTest {
    private static final GpuDevice H100 = new GpuDevice(0, "NVIDIA H100 80GB HBM3", "GPU-0", 85_000_000_000L, 1_000_000L, "9.0",
            0, 0, 30, 70.0, 1980, 2619, 0L, 0L);

    @Test
    void parsesAsFlagsGiveIt() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(new Device(true, 3), Device.parse("gpu:3"));
        assertEquals("gpu:3", Device.parse(" gpu:3 ").toString());
        for (String bad : List.of("gpu", "gpu:-1", "GPU:0", "tpu:0", "gpu:1234")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad));
            assertEquals("device: " + bad + " (expected: cpu or gpu:N, N the GPU's index from 0; see vigil gpu)", e.getMessage());
        }
    }

    @Test
    void aGpuIsRefusedWhereItCannotRun() {
        Device gpu0 = new Device(true, 0);
        assertNull(Device.CPU.refusal(GpuInventory.none("no NVIDIA driver"), false), "the CPU always runs");
        assertEquals("device gpu:0: no GPU here (no NVIDIA driver: libnvidia-ml.so.1 could not be loaded)",
                gpu0.refusal(GpuInventory.none("no NVIDIA driver: libnvidia-ml.so.1 could not be loaded"), true));
        GpuInventory one = new GpuInventory("580.65", "13.0", List.of(H100), null);
        assertEquals("device gpu:1: this host has 1 GPU(s) (gpu:0 to gpu:0)", new Device(true, 1).refusal(one, true));
        assertEquals("device gpu:0: this TensorFlow is the CPU build (no GPU kernels registered); build with mvn -Pgpu for the GPU one",
                gpu0.refusal(one, false));
        assertNull(gpu0.refusal(one, true), "a GPU that is there, with TensorFlow's CUDA build, runs");
    }

    /** On this host, for real: the default build is TensorFlow's CPU one, and a gate on gpu:0 is refused before any model loads. */
    @Test
    void thisHostRefusesGpu0WithOneClearLine() {
        assertFalse(Device.tensorflowHasCuda(), "the default build is TensorFlow's CPU build");
        GpuInventory here = GpuInventory.read();
        GateException e = assertThrows(GateException.class,
                () -> Gate.builder().optRepository(TestModels.repository()).optDevice(new Device(true, 0)).build());
        assertEquals(new Device(true, 0).refusal(here, false), e.getMessage());
        assertTrue(e.getMessage().startsWith(here.unavailable() != null ? "device gpu:0: no GPU here (no NVIDIA driver"
                : "device gpu:0: this TensorFlow is the CPU build"), e.getMessage());
        System.err.println("this host, --device gpu:0: " + e.getMessage());
    }

    @Test
    void eachDeviceGetsItsSessionConfig() {
        ConfigProto cpu = ModelSession.configProto(SessionOptions.forCores(2));
        assertEquals(0, cpu.getDeviceCountOrThrow("GPU"), "the CPU build ignores it; the GPU build keeps off its GPUs");
        ConfigProto gpu = ModelSession.configProto(SessionOptions.forCores(2).withDevice(new Device(true, 1)));
        assertEquals("1", gpu.getGpuOptions().getVisibleDeviceList(), "only the chosen GPU");
        assertTrue(gpu.getGpuOptions().getAllowGrowth());
        assertFalse(gpu.containsDeviceCount("GPU"));
    }

    @Test
    void paddedBatchesGiveWhatUnpaddedBatchesGive() throws Exception {
        assertEquals(List.of(1, 1, 2, 4, 4, 8, 8, 8, 16, 64), List.of(ModelSession.paddedBatch(0), ModelSession.paddedBatch(1),
                ModelSession.paddedBatch(2), ModelSession.paddedBatch(3), ModelSession.paddedBatch(4), ModelSession.paddedBatch(5),
                ModelSession.paddedBatch(7), ModelSession.paddedBatch(8), ModelSession.paddedBatch(9), ModelSession.paddedBatch(33)));
        try (ModelSession plain = ModelSession.open(TestModels.repository(), "nsfw-mobilenet-v2-mid", SessionOptions.forCores(2));
                ModelSession padded = ModelSession.open(TestModels.repository(), "nsfw-mobilenet-v2-mid", SessionOptions.forCores(2));
                MatPixels c = new MatPixels(TestModels.photo("c.png"));
                MatPixels astronaut = new MatPixels(TestModels.photo("astronaut.png"));
                MatPixels camera = new MatPixels(TestModels.photo("camera.png"))) {
            padded.padBatches(true);
            List<MatPixels> three = List.of(c, astronaut, camera); // padded to 4
            List<Map<String, float[]>> expected = plain.run(three);
            List<Map<String, float[]>> actual = padded.run(three);
            assertEquals(3, actual.size(), "the padding's outputs are dropped");
            List<String> keys = new ArrayList<>(expected.get(0).keySet());
            for (int i = 0; i < 3; i++) {
                for (String k : keys) {
                    // the same images in a batch of 4 instead of 3: oneDNN may order its sums differently by batch size
                    assertArrayEquals(expected.get(i).get(k), actual.get(i).get(k), 1e-5f, "image " + i + " output " + k);
                }
            }
        }
    }
}
