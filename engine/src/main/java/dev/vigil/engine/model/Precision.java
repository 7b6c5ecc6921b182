package dev.vigil.engine.model;

/**
 * The arithmetic TensorFlow runs a model's graph in. FP32 is the default everywhere; a
 * reduced precision is opted into per model, because it changes the probabilities slightly
 * (bench/README.md, "precision", states by how much on real photos, next to the speed).
 */
public enum Precision {
    /** The graph as exported: float32 throughout. */
    FP32,
    /**
     * Grappler's {@code auto_mixed_precision_onednn_bfloat16} rewrite at session creation:
     * convolutions, depthwise convolutions, the dense layer, pooling and softmax run in
     * bfloat16 through oneDNN (fast on AVX512_BF16 or AMX CPUs); the input and the outputs
     * stay float32, with Casts at the edges. Where TensorFlow does not apply the rewrite (a CPU
     * without bfloat16 support, or the rewrite fails and is dropped with a log line),
     * {@link ModelSession#open} refuses the session rather than run FP32 under a BF16 label.
     */
    BF16
}
