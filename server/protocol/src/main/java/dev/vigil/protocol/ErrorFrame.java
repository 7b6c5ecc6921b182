package dev.vigil.protocol;

/**
 * ERROR (0x12): the answer to a request that got no verdict, or the reason a connection is
 * about to close. {@code code} is kept as a number so that a client can carry codes newer
 * than itself; {@link #errorCode()} names the known ones. A message longer than a string can
 * hold is cut.
 *
 * @param requestId the request's id, or 0 for a connection-level error
 * @param code      the u16 error code ({@link ErrorCode})
 * @param retryable whether the same request may succeed if sent again
 * @param message   what went wrong, for people: names the field, value and limit
 */
public record ErrorFrame(long requestId, int code, boolean retryable, String message) implements Frame {
    public ErrorFrame {
        U16.check("code", code);
        message = Strings.fit(message);
    }

    /** An error with {@code code}'s number and retryability. */
    public static ErrorFrame of(long requestId, ErrorCode code, String message) {
        return new ErrorFrame(requestId, code.code(), code.retryable(), message);
    }

    /** The code, or null for one this version does not know (then {@link #retryable()} says what to do). */
    public ErrorCode errorCode() {
        return ErrorCode.of(code);
    }

    @Override
    public FrameType type() {
        return FrameType.ERROR;
    }

    @Override
    public String toString() {
        ErrorCode known = errorCode();
        return "ErrorFrame[requestId=" + Long.toUnsignedString(requestId) + ", code=" + code + (known != null ? " " + known : "")
                + ", retryable=" + retryable + ", message=" + message + "]";
    }
}
