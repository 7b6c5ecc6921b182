package dev.vigil.client;

/**
 * Why the client could not get a verdict: the ERROR codes of server/PROTOCOL.md (each the
 * {@link dev.vigil.protocol.ErrorCode} of the same name), and three the client raises itself:
 * it could not connect or lost the connection, its own per-request timeout passed, or it was
 * closed.
 *
 * <p>{@link #retryable()} is the protocol's default; for server errors the ERROR frame's own
 * retryable byte is what the client obeys.
 */
public enum ErrorCode {
    BAD_FRAME(dev.vigil.protocol.ErrorCode.BAD_FRAME),
    UNSUPPORTED_VERSION(dev.vigil.protocol.ErrorCode.UNSUPPORTED_VERSION),
    UNAUTHENTICATED(dev.vigil.protocol.ErrorCode.UNAUTHENTICATED),
    FRAME_TOO_LARGE(dev.vigil.protocol.ErrorCode.FRAME_TOO_LARGE),
    /** Also raised by the client, before sending, for an image over the server's announced limits. */
    BAD_REQUEST(dev.vigil.protocol.ErrorCode.BAD_REQUEST),
    /** Also raised by the client when every connection has the server's max_in_flight requests out. */
    OVERLOADED(dev.vigil.protocol.ErrorCode.OVERLOADED),
    DEADLINE_EXCEEDED(dev.vigil.protocol.ErrorCode.DEADLINE_EXCEEDED),
    SHUTTING_DOWN(dev.vigil.protocol.ErrorCode.SHUTTING_DOWN),
    INTERNAL(dev.vigil.protocol.ErrorCode.INTERNAL),
    CANCELLED(dev.vigil.protocol.ErrorCode.CANCELLED),
    DUPLICATE_REQUEST_ID(dev.vigil.protocol.ErrorCode.DUPLICATE_REQUEST_ID),
    /** An ERROR code this client does not know; the frame's retryable byte decides. */
    UNKNOWN(false, false),
    /** Client side: could not connect, the handshake failed, or the connection dropped with the request in flight. */
    CONNECTION_FAILED(true, true),
    /** Client side: the request's timeout passed before a verdict came. Not retried: the time is spent. */
    TIMEOUT(false, true),
    /** Client side: the client was closed before a verdict came. */
    CLIENT_CLOSED(false, true);

    /** The protocol's code of the same name; null for UNKNOWN and the client's own codes. */
    private final dev.vigil.protocol.ErrorCode protocolCode;
    private final boolean retryable;
    private final boolean clientSide;

    ErrorCode(dev.vigil.protocol.ErrorCode protocolCode) {
        this.protocolCode = protocolCode;
        this.retryable = protocolCode.retryable();
        this.clientSide = false;
    }

    ErrorCode(boolean retryable, boolean clientSide) {
        this.protocolCode = null;
        this.retryable = retryable;
        this.clientSide = clientSide;
    }

    /** Whether the protocol says a request failing this way may be sent again. */
    public boolean retryable() {
        return retryable;
    }

    /** True for the codes the client raises itself rather than reads from an ERROR frame. */
    public boolean clientSide() {
        return clientSide;
    }

    /** The code for an ERROR frame's code ({@link dev.vigil.protocol.ErrorFrame#errorCode()}); {@link #UNKNOWN} for null, one this client does not know. */
    static ErrorCode of(dev.vigil.protocol.ErrorCode code) {
        for (ErrorCode c : values()) {
            if (code != null && c.protocolCode == code) {
                return c;
            }
        }
        return UNKNOWN;
    }
}
