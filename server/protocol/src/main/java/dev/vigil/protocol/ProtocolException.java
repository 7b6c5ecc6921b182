package dev.vigil.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * A frame that breaks the protocol, raised by {@link FrameDecoder} (and by a server for a
 * frame not allowed at that point). Carries the {@link ErrorCode} to answer with and the
 * request id of the offending frame when its header was read (0 otherwise). The message has
 * the form {@code length: 70000 (expected: <= 65536)}.
 */
public final class ProtocolException extends DecoderException {
    private final ErrorCode code;
    private final long requestId;

    public ProtocolException(ErrorCode code, long requestId, String message) {
        super(message);
        this.code = code;
        this.requestId = requestId;
    }

    public ErrorCode code() {
        return code;
    }

    public long requestId() {
        return requestId;
    }

    /** The ERROR frame that tells the peer. */
    public ErrorFrame toFrame() {
        return ErrorFrame.of(requestId, code, getMessage());
    }
}
