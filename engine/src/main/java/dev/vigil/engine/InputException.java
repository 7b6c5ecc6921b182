package dev.vigil.engine;

/**
 * A request's input is unusable: too large, malformed, truncated, of a format not accepted.
 * The message names the field, the value found and the limit or expectation, in the form
 * {@code pixels: 2500000000 (expected: <= 40000000)}. Never retryable: the same bytes fail
 * the same way.
 */
public class InputException extends GateException {
    private final String field;

    public InputException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public InputException(String field, String message, Throwable cause) {
        super(field + ": " + message, cause);
        this.field = field;
    }

    /** The request field at fault, for example {@code image.bytes} or {@code image.width}. */
    public String field() {
        return field;
    }
}
