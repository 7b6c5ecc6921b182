package dev.vigil.engine.model;

import java.util.Objects;

/**
 * How TensorFlow may use the cores for one model, in what precision it runs it, and which
 * code preprocesses its input.
 *
 * <p>Each session gets its own inter-op pool of {@code interOpThreads} (a batch's ops run on an
 * inter-op thread, so this bounds the batches it computes at once). The intra-op pool is
 * TensorFlow's, one per process, sized by the first session made unless
 * {@code TF_OVERRIDE_GLOBAL_THREADPOOL=true} gives each session its own: the gate opens all its
 * models with the same options, so within a gate the first session's size is everyone's.
 *
 * @param intraOpThreads threads one op (a convolution) may split across; TensorFlow's default
 *                       is every core, which fights the decode threads on a small host
 * @param interOpThreads ops run at once: these CNNs are chains, so one per batch the model
 *                       runs at once (see {@link #forConcurrentBatches})
 * @param precision      the graph's arithmetic (default {@link Precision#FP32}); see {@link Precision}
 * @param preprocessing  native kernel or Java path (default {@link Preprocessing#AUTO}); see {@link Preprocessing}
 * @param device         where the sessions run (default {@link Device#CPU}); on a GPU, batches are padded to a
 *                       power of two so the device sees a fixed set of shapes
 */
public record SessionOptions(int intraOpThreads, int interOpThreads, Precision precision, Preprocessing preprocessing, Device device) {
    public SessionOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (intraOpThreads < 1 || interOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads: " + intraOpThreads + ", interOpThreads: " + interOpThreads + " (expected: >= 1)");
        }
        Objects.requireNonNull(precision, "precision");
    }

    /** Threads and precision as given, {@link Preprocessing#AUTO}. */
    public SessionOptions(int intraOpThreads, int interOpThreads, Precision precision) {
        this(intraOpThreads, interOpThreads, precision, Preprocessing.AUTO, Device.CPU);
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

    /**
     * Defaults for a host of {@code cores} running up to {@code concurrentBatches} batches at
     * once: each batch gets {@code cores / concurrentBatches} intra-op threads (at least one),
     * and the inter-op pool one thread per concurrent batch, since a batch's ops run on an
     * inter-op thread (with fewer, concurrent batches take turns). Measured on 2 cores
     * (bench/README.md): two batches on one thread each beat one batch on two.
     */
    public static SessionOptions forConcurrentBatches(int cores, int concurrentBatches) {
        if (concurrentBatches < 1) {
            throw new IllegalArgumentException("concurrentBatches: " + concurrentBatches + " (expected: >= 1)");
        }
        return new SessionOptions(Math.max(1, cores / concurrentBatches), concurrentBatches);
    }

    /** These threads in {@code precision}. */
    public SessionOptions withPrecision(Precision precision) {
        return new SessionOptions(intraOpThreads, interOpThreads, precision, preprocessing, device);
    }

    /** These options with {@code preprocessing}. */
    public SessionOptions withPreprocessing(Preprocessing preprocessing) {
        return new SessionOptions(intraOpThreads, interOpThreads, precision, preprocessing, device);
    }

    /** These options on {@code device}. */
    public SessionOptions withDevice(Device device) {
        return new SessionOptions(intraOpThreads, interOpThreads, precision, preprocessing, device);
    }
}
