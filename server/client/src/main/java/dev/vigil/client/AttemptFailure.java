package dev.vigil.client;

/**
 * How one attempt of a score call failed, passed from a connection to its exchange (never to the
 * caller: the exchange turns the last one into a fail-closed verdict or a
 * {@link VigilClientException}). Carries no stack trace: it is an outcome, not a bug.
 */
final class AttemptFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final boolean retryable;

    AttemptFailure(ErrorCode code, boolean retryable, String message) {
        super(message, null, false, false);
        this.code = code;
        this.retryable = retryable;
    }

    ErrorCode code() {
        return code;
    }

    boolean retryable() {
        return retryable;
    }
}
