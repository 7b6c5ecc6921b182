package dev.vigil.client;

/**
 * Why a score call got no verdict, when the client was built with
 * {@code optSurfaceErrors(true)}; otherwise the same failure becomes a fail-closed BLOCK
 * verdict. The one exception type of this module: futures complete exceptionally with it,
 * never with a Netty or I/O exception.
 */
public final class VigilClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final boolean retryable;

    public VigilClientException(ErrorCode code, boolean retryable, String message) {
        super(code + ": " + message);
        this.code = code;
        this.retryable = retryable;
    }

    public ErrorCode code() {
        return code;
    }

    /**
     * Whether the server (or, for client-side codes, the client) judged the failure transient.
     * The client has already retried it as often as it was configured to.
     */
    public boolean retryable() {
        return retryable;
    }
}
