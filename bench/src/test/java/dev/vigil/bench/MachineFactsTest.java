package dev.vigil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The machine block names the TensorFlow native build and says what it found about GPUs, including that it found none. */
class MachineFactsTest {
    @Test
    void theNativeBuildIsReadFromTheClassPath() {
        String cp = String.join(File.pathSeparator, "/m2/org/tensorflow/tensorflow-core-api-1.1.0.jar",
                "/m2/org/tensorflow/tensorflow-core-native-1.1.0.jar", "/m2/org/tensorflow/tensorflow-core-native-1.1.0-linux-x86_64-gpu.jar",
                "/work/engine/target/classes");
        assertEquals(List.of("tensorflow-core-native-1.1.0.jar", "tensorflow-core-native-1.1.0-linux-x86_64-gpu.jar"),
                MachineFacts.tensorflowNativeJars(cp));
    }

    @Test
    void capturedFactsCarryTheBuildAndTheGpuAnswer() throws Exception {
        MachineFacts m = MachineFacts.capture();
        assertTrue(m.tensorflowNative().stream().anyMatch(j -> j.startsWith("tensorflow-core-native")), m.tensorflowNative().toString());
        // Either nvidia-smi is absent (null), lists nothing, or lists GPUs: each case is said in words, never left blank.
        assertFalse(m.describeGpus().isBlank());
        JsonNode json = BenchCommand.JSON.readTree(BenchCommand.JSON.writeValueAsString(m));
        assertNotNull(json.get("tensorflow_native"));
        assertTrue(m.describe().contains("GPUs " + m.describeGpus()), m.describe());
    }
}
