package dev.vigil.engine.model;

import java.util.Objects;

/**
 * How TensorFlow may use the cores for one model, and in what precision it runs it.
 *
 * @param intraOpThreads threads one op (a convolution) may split across; TensorFlow's default
 *                       is every core, which fights the decode threads on a small host
 * @param interOpThreads independent ops run at once; these CNNs are chains, so 1 is enough
 * @param precision      the graph's arithmetic (default {@link Precision#FP32}); see {@link Precision}
 */
public record SessionOptions(int intraOpThreads, int interOpThreads, Precision precision) {
    public SessionOptions {
        if (intraOpThreads < 1 || interOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads: " + intraOpThreads + ", interOpThreads: " + interOpThreads + " (expected: >= 1)");
        }
        Objects.requireNonNull(precision, "precision");
    }

    /** Threads as given, in {@link Precision#FP32}. */
    public SessionOptions(int intraOpThreads, int interOpThreads) {
        this(intraOpThreads, interOpThreads, Precision.FP32);
    }

    /**
     * Defaults for a host of {@code cores}: intra-op threads on every core, one inter-op
     * thread, FP32. Decoding runs on its own small pool; on 2 cores the two overlap in time
     * rather than compete, because a request is decoded before it is batched.
     */
    public static SessionOptions forCores(int cores) {
        return new SessionOptions(Math.max(1, cores), 1);
    }

    /** These threads in {@code precision}. */
    public SessionOptions withPrecision(Precision precision) {
        return new SessionOptions(intraOpThreads, interOpThreads, precision);
    }
}
