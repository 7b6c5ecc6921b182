package dev.vigil.engine.batch;

import java.time.Duration;
import java.util.Objects;

/**
 * The knobs of one {@link DynamicBatcher}. The defaults suit a single model on a laptop; the
 * constructor rejects values that cannot work, naming the knob, the value and the limit.
 *
 * @param maxBatchSize most requests handed to the processor at once; a batch is formed as soon
 *     as this many are queued. Default 4: on a CPU, where each of the concurrent batches runs on
 *     one thread, larger batches bought no throughput (gate on photos 147-152 images/s at 4 and
 *     149 at 16), cost latency (a batch's time grows with its size) and memory (TensorFlow keeps
 *     state per batch shape: the server with five models held 307 MiB less at 4); see
 *     bench/README.md. Raise it where batching pays, as on a GPU.
 * @param maxQueueDelay how long the oldest queued request may wait for others to join its
 *     batch. Zero means never wait: a batch is whatever is queued when the worker looks.
 *     Default 2 ms; at most 10 s.
 * @param queueCapacity most requests waiting to be batched, not counting the batch in the
 *     processor. When it is full, {@link DynamicBatcher#submit} throws
 *     {@link QueueFullException} at once rather than block. At least {@code maxBatchSize}, so a
 *     full batch can always form. Default 256.
 * @param closeTimeout how long {@link DynamicBatcher#close()} waits for the worker to finish
 *     what is queued and in the processor; what is still unfinished after it fails with
 *     {@link BatcherClosedException}. Default 5 s.
 * @param concurrentBatches how many batches may be in the processor at once, each formed and
 *     run by its own worker thread (Triton's instance count). On a CPU, two batches on one core
 *     each beat one batch on two cores (bench/README.md, "Threads and concurrent batches").
 *     Default: one per core, at most {@value #MAX_DEFAULT_CONCURRENT_BATCHES}; 1 through the
 *     four-argument constructor. At most {@value #MAX_CONCURRENT_BATCHES}.
 */
public record BatchingConfig(
        int maxBatchSize, Duration maxQueueDelay, int queueCapacity, Duration closeTimeout, int concurrentBatches) {

    public static final int DEFAULT_MAX_BATCH_SIZE = 4;
    public static final Duration DEFAULT_MAX_QUEUE_DELAY = Duration.ofMillis(2);
    public static final int DEFAULT_QUEUE_CAPACITY = 256;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** The default's cap: beyond it, more batches at once only add memory and latency. */
    public static final int MAX_DEFAULT_CONCURRENT_BATCHES = 4;
    /** More batches at once than any host has cores for; catches a typo. */
    static final int MAX_CONCURRENT_BATCHES = 256;

    /** Longer than any sensible batching window; catches seconds written for milliseconds. */
    static final Duration MAX_QUEUE_DELAY_LIMIT = Duration.ofSeconds(10);

    public BatchingConfig {
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException(
                    "maxBatchSize: " + maxBatchSize + " (expected: >= 1)");
        }
        if (maxQueueDelay.isNegative() || maxQueueDelay.compareTo(MAX_QUEUE_DELAY_LIMIT) > 0) {
            throw new IllegalArgumentException("maxQueueDelay: " + maxQueueDelay
                    + " (expected: >= PT0S and <= " + MAX_QUEUE_DELAY_LIMIT + ")");
        }
        if (queueCapacity < maxBatchSize) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity
                    + " (expected: >= maxBatchSize " + maxBatchSize + ")");
        }
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException(
                    "closeTimeout: " + closeTimeout + " (expected: >= PT0S)");
        }
        if (concurrentBatches < 1 || concurrentBatches > MAX_CONCURRENT_BATCHES) {
            throw new IllegalArgumentException("concurrentBatches: " + concurrentBatches
                    + " (expected: >= 1 and <= " + MAX_CONCURRENT_BATCHES + ")");
        }
    }

    /** One batch at a time. */
    public BatchingConfig(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, Duration closeTimeout) {
        this(maxBatchSize, maxQueueDelay, queueCapacity, closeTimeout, 1);
    }

    /** Every knob at its default. */
    public static BatchingConfig defaults() {
        return new BatchingConfig(DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_QUEUE_DELAY,
                DEFAULT_QUEUE_CAPACITY, DEFAULT_CLOSE_TIMEOUT, defaultConcurrentBatches(Runtime.getRuntime().availableProcessors()));
    }

    /** One batch at a time per core, at most {@value #MAX_DEFAULT_CONCURRENT_BATCHES}. */
    public static int defaultConcurrentBatches(int cores) {
        return Math.max(1, Math.min(cores, MAX_DEFAULT_CONCURRENT_BATCHES));
    }

    /** These knobs with {@code concurrentBatches} batches at once. */
    public BatchingConfig withConcurrentBatches(int concurrentBatches) {
        return new BatchingConfig(maxBatchSize, maxQueueDelay, queueCapacity, closeTimeout, concurrentBatches);
    }
}
