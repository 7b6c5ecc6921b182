package dev.vigil.models.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.models.repository.ModelManifest;
import org.junit.jupiter.api.Test;

/** The comparison rule itself: absolute for probabilities, relative for unbounded outputs. */
class FidelityVerifierTest {
    private static ModelManifest.Output output(String kind) {
        return new ModelManifest.Output("o", "o", "o:0", "float32", new long[] {3}, kind, null, null);
    }

    @Test
    void probabilitiesUseTheAbsoluteDifference() {
        double d = FidelityVerifier.difference(output("probabilities"), new float[] {0.5f, 0.25f, 0.25f}, new float[] {0.5f, 0.2502f, 0.2498f}, "c");
        assertEquals(2e-4, d, 1e-7);
        assertTrue(d > 1e-4, "a 2e-4 error on a probability must exceed the bound");
    }

    @Test
    void unboundedOutputsAreRelativeToTheLargestMagnitude() {
        double d = FidelityVerifier.difference(output("unbounded"), new float[] {1000f, -2f, 0f}, new float[] {1000.05f, -2f, 0f}, "c");
        assertEquals(5e-5, d, 1e-6);
    }

    @Test
    void nanIsNeverWithinBound() {
        double d = FidelityVerifier.difference(output("probabilities"), new float[] {1f, 0f, 0f}, new float[] {Float.NaN, 0f, 0f}, "c");
        assertEquals(Double.POSITIVE_INFINITY, d);
    }
}
