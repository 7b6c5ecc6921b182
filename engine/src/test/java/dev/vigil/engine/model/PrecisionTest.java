package dev.vigil.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.engine.TestModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * BF16 against FP32 on MobileNetV2-mid: the rewrite really happens (the ops TensorFlow ran),
 * FP32 stays the default, and on the reference photos BF16 gives the same top class with
 * probabilities close to FP32's. Speed is bench's business (./vigil bench precision).
 */
class PrecisionTest {
    private static final String MODEL = "nsfw-mobilenet-v2-mid";
    private static final List<String> PHOTOS = List.of("astronaut.png", "camera.png", "c.png", "q0003.jpg", "q0004.jpg", "q0122.jpg",
            "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg", "small.jpg", "wee.jpg");
    /**
     * Measured on these photos (./vigil bench precision, bench/README.md): the largest
     * |BF16 - FP32| of any class probability is 0.050 (camera.png, drawing against neutral);
     * bfloat16 keeps 8 significant bits through 53 layers and the softmax. Twice that still
     * catches a broken rewrite (wrong weights or a missing cast move probabilities by tenths)
     * without failing on another oneDNN kernel's rounding.
     */
    private static final float MAX_ABS_DELTA = 0.1f;

    @Test
    void fp32IsTheDefault() {
        assertEquals(Precision.FP32, SessionOptions.forCores(2).precision());
        assertEquals(Precision.FP32, new SessionOptions(2, 1).precision());
    }

    @Test
    void bf16RunsTheConvolutionsInBfloat16AndFp32RunsNone() throws Exception {
        assumeTrue(TestModels.cpuHasBf16(), "no avx512_bf16 or amx_bf16 on this CPU");
        try (ModelSession fp32 = ModelSession.open(TestModels.repository(), MODEL, SessionOptions.forCores(2));
             ModelSession bf16 = ModelSession.open(TestModels.repository(), MODEL, SessionOptions.forCores(2).withPrecision(Precision.BF16));
             TFloat32 batch = TFloat32.tensorOf(Shape.of(2, 224, 224, 3))) {
            assertEquals(Precision.BF16, bf16.precision());
            Map<String, Integer> low = bf16.executedOps(batch);
            Map<String, Integer> full = fp32.executedOps(batch);
            assertTrue(full.keySet().stream().noneMatch(op -> op.endsWith("DT_BFLOAT16")), full.toString());
            for (String conv : List.of("_MklNativeFusedConv2D", "_MklNativeFusedDepthwiseConv2dNative", "_MklNativeFusedMatMul")) {
                assertEquals(full.get(conv + " DT_FLOAT"), low.get(conv + " DT_BFLOAT16"), conv + " in " + low);
                assertEquals(null, low.get(conv + " DT_FLOAT"), conv + " in " + low);
            }
        }
    }

    @Test
    void bf16AgreesWithFp32OnThePhotos() throws Exception {
        assumeTrue(TestModels.cpuHasAmx(), "no amx_bf16 on this CPU: bfloat16 without AMX was measured to disagree with FP32 (TestModels.cpuHasAmx)");
        try (ModelSession fp32 = ModelSession.open(TestModels.repository(), MODEL, SessionOptions.forCores(2));
             ModelSession bf16 = ModelSession.open(TestModels.repository(), MODEL, SessionOptions.forCores(2).withPrecision(Precision.BF16))) {
            float worst = 0;
            for (String name : PHOTOS) {
                try (MatPixels photo = new MatPixels(TestModels.photo(name))) {
                    float[] a = fp32.run(List.of(photo)).get(0).get("probabilities");
                    float[] b = bf16.run(List.of(photo)).get(0).get("probabilities");
                    assertEquals(argMax(a), argMax(b), name);
                    for (int i = 0; i < a.length; i++) {
                        worst = Math.max(worst, Math.abs(a[i] - b[i]));
                    }
                }
            }
            assertTrue(worst < MAX_ABS_DELTA, "max |bf16 - fp32|: " + worst + " (expected: < " + MAX_ABS_DELTA + ")");
            // if the two were identical, the rewrite did nothing and this test would pass by construction
            assertTrue(worst > 0, "bf16 gave exactly the fp32 probabilities");
        }
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
