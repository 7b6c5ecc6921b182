package dev.vigil.engine.batch;

import dev.vigil.engine.GateException;

/**
 * A request's deadline passed before its batch was formed, so it never reached the processor.
 * Thrown by {@link DynamicBatcher#submit} when the deadline has already passed, otherwise the
 * exception the request's future completes with.
 */
public final class DeadlineExceededException extends GateException {
    public DeadlineExceededException(String message) {
        super(message);
    }
}
