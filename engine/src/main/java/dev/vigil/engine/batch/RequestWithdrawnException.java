package dev.vigil.engine.batch;

/**
 * A queued request was dropped before its batch was formed because its caller no longer wants
 * the answer (answered already, cancelled, or its connection closed). Nobody reads the outcome;
 * the exception only ends the futures waiting on it.
 */
public final class RequestWithdrawnException extends RuntimeException {
    public RequestWithdrawnException(String message) {
        super(message, null, false, false);
    }
}
