package dev.vigil.client;

/**
 * Why the client could not get a verdict: the ERROR codes of server/PROTOCOL.md (with their
 * wire numbers), and three the client raises itself (wire number 0): it could not connect or
 * lost the connection, its own per-request timeout passed, or it was closed.
 *
 * <p>{@link #retryable()} is the protocol's default; for server errors the ERROR frame's own
 * retryable byte is what the client obeys.
 */
public enum ErrorCode {
    BAD_FRAME(1, false),
    UNSUPPORTED_VERSION(2, false),
    UNAUTHENTICATED(3, false),
    FRAME_TOO_LARGE(4, false),
    /** Also raised by the client, before sending, for an image over the server's announced limits. */
    BAD_REQUEST(5, false),
    /** Also raised by the client when every connection has the server's max_in_flight requests out. */
    OVERLOADED(6, true),
    DEADLINE_EXCEEDED(7, true),
    SHUTTING_DOWN(8, true),
    INTERNAL(9, true),
    CANCELLED(10, false),
    DUPLICATE_REQUEST_ID(11, false),
    /** An ERROR code this client does not know; the frame's retryable byte decides. */
    UNKNOWN(-1, false),
    /** Client side: could not connect, the handshake failed, or the connection dropped with the request in flight. */
    CONNECTION_FAILED(0, true),
    /** Client side: the request's timeout passed before a verdict came. Not retried: the time is spent. */
    TIMEOUT(0, false),
    /** Client side: the client was closed before a verdict came. */
    CLIENT_CLOSED(0, false);

    private final int wireCode;
    private final boolean retryable;

    ErrorCode(int wireCode, boolean retryable) {
        this.wireCode = wireCode;
        this.retryable = retryable;
    }

    /** The ERROR frame's code; 0 for the client's own codes, -1 for {@link #UNKNOWN}. */
    public int wireCode() {
        return wireCode;
    }

    /** Whether the protocol says a request failing this way may be sent again. */
    public boolean retryable() {
        return retryable;
    }

    /** True for the codes the client raises itself rather than reads from an ERROR frame. */
    public boolean clientSide() {
        return wireCode == 0;
    }

    /** The code for an ERROR frame's u16 code; {@link #UNKNOWN} for one this client does not know. */
    static ErrorCode ofWire(int code) {
        for (ErrorCode c : values()) {
            if (c.wireCode == code && code > 0) {
                return c;
            }
        }
        return UNKNOWN;
    }
}
