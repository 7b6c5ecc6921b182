package dev.vigil.protocol;

/**
 * The codes an ERROR frame carries (server/PROTOCOL.md, "Errors"). Whether a code closes the
 * connection is the server's behaviour, documented here; whether it is retryable travels in
 * the frame, so a client can handle codes newer than itself.
 */
public enum ErrorCode {
    /** Malformed frame, or a frame not allowed now; the server closes the connection. */
    BAD_FRAME(1, false, true),
    /** No version both sides support; the server closes the connection. */
    UNSUPPORTED_VERSION(2, false, true),
    /** Token missing or wrong; the server closes the connection. */
    UNAUTHENTICATED(3, false, true),
    /** Frame longer than the receiver's maximum; the server closes the connection without reading it. */
    FRAME_TOO_LARGE(4, false, true),
    /** Well-formed but invalid request (unknown policy, bad raw image fields, image over limits). */
    BAD_REQUEST(5, false, false),
    /** Too many requests in flight on the connection or the server; retry after a back-off. */
    OVERLOADED(6, true, false),
    /** No answer within the request's deadline. */
    DEADLINE_EXCEEDED(7, true, false),
    /** The server is draining; retry on another connection or server. */
    SHUTTING_DOWN(8, true, false),
    /** Unexpected server failure. */
    INTERNAL(9, true, false),
    /** The client cancelled the request. */
    CANCELLED(10, false, false),
    /** A request with this id is already in flight on the connection. */
    DUPLICATE_REQUEST_ID(11, false, false);

    private final int code;
    private final boolean retryable;
    private final boolean closesConnection;

    ErrorCode(int code, boolean retryable, boolean closesConnection) {
        this.code = code;
        this.retryable = retryable;
        this.closesConnection = closesConnection;
    }

    /** The u16 on the wire. */
    public int code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }

    /** True when the server closes the connection after sending this code. */
    public boolean closesConnection() {
        return closesConnection;
    }

    /** The code with this number, or null for one version 1 does not define. */
    public static ErrorCode of(int code) {
        for (ErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return null;
    }
}
