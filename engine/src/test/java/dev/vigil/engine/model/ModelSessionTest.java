package dev.vigil.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.TestModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Photo to model output through Vigil's preprocessing, against the original runtime's output. */
class ModelSessionTest {

    @Test
    void photoBatchGivesTheOriginalProbabilities() throws Exception {
        try (ModelSession mid = ModelSession.open(TestModels.repository(), "nsfw-mobilenet-v2-mid", SessionOptions.forCores(2));
             MatPixels c = new MatPixels(TestModels.photo("c.png"));
             MatPixels astronaut = new MatPixels(TestModels.photo("astronaut.png"))) {
            List<Map<String, float[]>> out = mid.run(List.of(c, astronaut, c));
            assertEquals(3, out.size());
            float[] expectedC = TestModels.readFloats(TestModels.reference("nsfw-mobilenet-v2-mid").resolve("photo-c.out0.f32"));
            float[] expectedA = TestModels.readFloats(TestModels.reference("nsfw-mobilenet-v2-mid").resolve("photo-astronaut.out0.f32"));
            for (int i = 0; i < 5; i++) {
                assertEquals(expectedC[i], out.get(0).get("probabilities")[i], 1e-4);
                assertEquals(expectedA[i], out.get(1).get("probabilities")[i], 1e-4);
                assertEquals(out.get(0).get("probabilities")[i], out.get(2).get("probabilities")[i], 1e-6);
            }
        }
    }

    @Test
    void fixedBatchModelRunsImagesOneByOne() throws Exception {
        try (ModelSession blazeface = ModelSession.open(TestModels.repository(), "blazeface", SessionOptions.forCores(2));
             MatPixels c = new MatPixels(TestModels.photo("c.png"));
             MatPixels astronaut = new MatPixels(TestModels.photo("astronaut.png"))) {
            List<Map<String, float[]>> out = blazeface.run(List.of(c, astronaut));
            assertEquals(512, out.get(1).get("scores_16x16").length);
            assertEquals(384 * 16, out.get(1).get("boxes_8x8").length);
            float[] expected = TestModels.readFloats(TestModels.reference("blazeface").resolve("photo-astronaut.out0.f32"));
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], out.get(1).get("scores_16x16")[i], 1e-3 * Math.max(1, Math.abs(expected[i])));
            }
        }
    }

    @Test
    void preparedBatchGivesWhatRunGives() throws Exception {
        try (ModelSession mid = ModelSession.open(TestModels.repository(), "nsfw-mobilenet-v2-mid", SessionOptions.forCores(2));
             MatPixels c = new MatPixels(TestModels.photo("c.png"));
             MatPixels astronaut = new MatPixels(TestModels.photo("astronaut.png"));
             TFloat32 batch = TFloat32.tensorOf(Shape.of(2, 224, 224, 3))) {
            Preprocessor pre = new Preprocessor(mid.manifest().input());
            pre.write(c, batch.asRawTensor().data().asFloats(), 0);
            pre.write(astronaut, batch.asRawTensor().data().asFloats(), 1);
            List<Map<String, float[]>> prepared = mid.runPrepared(batch);
            List<Map<String, float[]>> direct = mid.run(List.of(c, astronaut));
            for (int image = 0; image < 2; image++) {
                assertArrayEquals(direct.get(image).get("probabilities"), prepared.get(image).get("probabilities"), 1e-6f);
            }
        }
    }

    @Test
    void preparedBatchOfTheWrongShapeIsRefused() {
        try (ModelSession mid = ModelSession.open(TestModels.repository(), "nsfw-mobilenet-v2-mid", SessionOptions.forCores(1));
             TFloat32 batch = TFloat32.tensorOf(Shape.of(1, 299, 299, 3))) {
            var e = assertThrows(IllegalArgumentException.class, () -> mid.runPrepared(batch));
            assertEquals("batch.shape: [1, 299, 299, 3] (expected: [n, 224, 224, 3])", e.getMessage());
        }
    }

    @Test
    void closedSessionRefusesWork() {
        ModelSession s = ModelSession.open(TestModels.repository(), "nsfw-mobilenet-v2-mid", SessionOptions.forCores(1));
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.run(List.of()));
    }

    @Test
    void missingModelNamesTheRepository() {
        var e = assertThrows(dev.vigil.models.ModelException.class,
                () -> ModelSession.open(TestModels.repository(), "no-such-model", SessionOptions.forCores(1)));
        assertTrue(e.getMessage().startsWith("model no-such-model: not in the repository"), e.getMessage());
    }
}
