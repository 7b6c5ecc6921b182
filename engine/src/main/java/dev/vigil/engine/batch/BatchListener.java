package dev.vigil.engine.batch;

/**
 * Told about every batch after its requests are answered, for metrics and verdict timings.
 * Called on the batcher's worker thread, so it must be quick and must not block. An exception
 * it throws goes to that thread's uncaught-exception handler and the batcher carries on.
 */
@FunctionalInterface
public interface BatchListener {
    /** A listener that ignores everything. */
    BatchListener NONE = (batchSize, oldestQueuedNanos, processingNanos, failed) -> { };

    /**
     * @param batchSize requests handed to the processor, between 1 and the maximum
     * @param oldestQueuedNanos how long the batch's oldest request waited in the queue, from
     *     submit until the batch was formed
     * @param processingNanos time spent in {@link BatchProcessor#process}
     * @param failed whether the batch failed (processor threw or returned the wrong count)
     */
    void onBatch(int batchSize, long oldestQueuedNanos, long processingNanos, boolean failed);
}
