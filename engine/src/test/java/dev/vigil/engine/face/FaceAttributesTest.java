package dev.vigil.engine.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Readings of FaceRes's outputs on hand-made distributions and descriptors. */
class FaceAttributesTest {
    private static FaceAttributes withAges(float... bins) {
        float[] age = new float[100];
        System.arraycopy(bins, 0, age, 0, bins.length);
        return new FaceAttributes(age, 0.5f, new float[] {1});
    }

    @Test
    void minorProbabilityIsTheMassOfAges0To17() {
        float[] age = new float[100];
        age[3] = 0.1f;
        age[17] = 0.25f;
        age[18] = 0.4f;   // 18 is an adult
        age[60] = 0.25f;
        FaceAttributes a = new FaceAttributes(age, 0.5f, new float[] {1});
        assertEquals(0.35, a.minorProbability(), 1e-7);
        assertEquals(3 * 0.1 + 17 * 0.25 + 18 * 0.4 + 60 * 0.25, a.expectedAge(), 1e-5);
    }

    @Test
    void humanAgeMovesTheArgmaxTowardsTheLargerNeighbour() {
        float[] age = new float[100];
        age[29] = 0.2f;
        age[30] = 0.5f;
        age[31] = 0.3f;
        // 10 * 30 + 100 * 0.3 = 330 tenths -> 33.0
        assertEquals(33.0, new FaceAttributes(age, 0.5f, new float[] {1}).humanAge(), 1e-9);
        age[29] = 0.35f;
        age[31] = 0.15f;
        // 10 * 30 - 100 * 0.35 = 265 tenths -> 26.5
        assertEquals(26.5, new FaceAttributes(age, 0.5f, new float[] {1}).humanAge(), 1e-9);
        // edges: bin 0 reads its one neighbour as human does; bin 99, where human gives NaN, too
        assertEquals(0.4, withAges(0.9f, 0.04f).humanAge(), 1e-9);
        float[] old = new float[100];
        old[98] = 0.1f;
        old[99] = 0.9f;
        assertEquals(98.0, new FaceAttributes(old, 0.5f, new float[] {1}).humanAge(), 1e-9);
    }

    @Test
    void genderConfidenceAsHumanTruncatesIt() {
        assertEquals(0.42, new FaceAttributes(new float[100], 0.2869f, new float[] {1}).genderConfidence(), 1e-9);
        assertEquals(0.99, new FaceAttributes(new float[100], 1f, new float[] {1}).genderConfidence(), 1e-9);
    }

    @Test
    void similarityIsHumansNormalisedEuclideanDistance() {
        float[] a = new float[1024];
        float[] b = new float[1024];
        assertEquals(1, FaceAttributes.similarity(a, b));
        b[0] = 4;    // distance 4: (0.8 - 4 / 20) / 0.6 = 1
        assertEquals(1, FaceAttributes.similarity(a, b), 1e-12);
        b[0] = 10;   // (0.8 - 0.5) / 0.6 = 0.5
        assertEquals(0.5, FaceAttributes.similarity(a, b), 1e-12);
        b[0] = 6;
        b[1] = 8;    // distance 10 again, over two values
        assertEquals(0.5, FaceAttributes.similarity(a, b), 1e-12);
        b[0] = 16;
        b[1] = 0;
        assertEquals(0, FaceAttributes.similarity(a, b), 1e-12);
        b[0] = 30;
        assertEquals(0, FaceAttributes.similarity(a, b));
        assertThrows(IllegalArgumentException.class, () -> FaceAttributes.similarity(a, new float[3]));
    }

    @Test
    void similarityRoundedIsHumansMatchSimilarity() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            float[] a = new float[1024];
            float[] b = new float[1024];
            double spread = 0.05 + 0.5 * random.nextDouble();
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
                b[i] = (float) (a[i] + spread * random.nextGaussian());
            }
            assertEquals(humanSimilarity(a, b), Math.round(100 * FaceAttributes.similarity(a, b)) / 100.0, 0.0101);
        }
    }

    /** human 3.3.6 src/face/match.ts similarity with its defaults, line for line. */
    private static double humanSimilarity(float[] d1, float[] d2) {
        double sum = 0;
        for (int i = 0; i < d1.length; i++) {
            double diff = (double) d1[i] - d2[i];
            sum += diff * diff;
        }
        double dist = Math.round(100 * 25 * sum) / 100.0;
        if (dist == 0) {
            return 1;
        }
        double root = Math.sqrt(dist);
        double norm = (1 - (root / 100) - 0.2) / (0.8 - 0.2);
        return Math.round(100 * Math.max(Math.min(norm, 1), 0)) / 100.0;
    }

    @Test
    void outputsAreReadByManifestKey() {
        float[] age = new float[100];
        FaceAttributes a = FaceAttributes.of(Map.of("age", age, "gender", new float[] {0.75f}, "descriptor", new float[1024]));
        assertEquals(0.75f, a.male());
        assertThrows(dev.vigil.engine.GateException.class, () -> FaceAttributes.of(Map.of("age", age)));
        assertThrows(IllegalArgumentException.class, () -> new FaceAttributes(new float[10], 0.5f, new float[] {1}));
    }
}
