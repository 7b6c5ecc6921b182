package dev.vigil.engine.batch;

import dev.vigil.engine.GateException;

/**
 * The processor failed a whole batch: it threw (the cause) or returned a result list of the
 * wrong size (no cause). Every request in that batch completes with this exception; later
 * batches are unaffected.
 */
public final class BatchFailedException extends GateException {
    public BatchFailedException(String message) {
        super(message);
    }

    public BatchFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
