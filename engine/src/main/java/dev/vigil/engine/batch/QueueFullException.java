package dev.vigil.engine.batch;

import dev.vigil.engine.GateException;

/**
 * A batcher's queue held {@link BatchingConfig#queueCapacity()} requests, so a new one was
 * turned away at once instead of waiting. Retryable: the queue drains as batches run.
 */
public final class QueueFullException extends GateException {
    private final int capacity;

    public QueueFullException(String batcher, int capacity) {
        super(batcher + " batch queue full: " + capacity + " requests waiting (capacity: "
                + capacity + "); retry later");
        this.capacity = capacity;
    }

    /** The queue capacity that was reached. */
    public int capacity() {
        return capacity;
    }
}
