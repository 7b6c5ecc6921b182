package dev.vigil.engine;

import java.time.Duration;

/**
 * The gate refused a request before doing any work for it, because it could not finish in time
 * (the queue ahead of it, at the measured service rate, outlasts its deadline) or because the
 * memory budget is spent. Retryable: the same request may succeed later or on another replica,
 * which is why it is an error and never a fail-closed BLOCK.
 */
public final class OverloadedException extends GateException {
    private final Duration retryAfter;

    public OverloadedException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    /** When a retry here may be admitted: the estimated time for the queue ahead to drain. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
