package dev.vigil.protocol;

/**
 * CANCEL (0x30), empty: the client no longer wants the answer to request {@code requestId}.
 * The server answers that request with ERROR CANCELLED if it is still in flight, and sends
 * nothing otherwise.
 */
public record CancelFrame(long requestId) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.CANCEL;
    }
}
