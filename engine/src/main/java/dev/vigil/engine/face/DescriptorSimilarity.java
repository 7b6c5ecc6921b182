package dev.vigil.engine.face;

/** How alike two identity descriptors are, in [0, 1]; 1 for the same face. Thread-safe. */
@FunctionalInterface
public interface DescriptorSimilarity {
    double similarity(float[] a, float[] b);
}
