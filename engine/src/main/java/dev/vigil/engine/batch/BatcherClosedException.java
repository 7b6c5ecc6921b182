package dev.vigil.engine.batch;

import dev.vigil.engine.GateException;

/**
 * The batcher is closed: thrown by {@link DynamicBatcher#submit} after {@link
 * DynamicBatcher#close()}, and the exception a request's future completes with when close gave
 * up waiting for it ({@link BatchingConfig#closeTimeout()}).
 */
public final class BatcherClosedException extends GateException {
    public BatcherClosedException(String message) {
        super(message);
    }
}
