package dev.vigil.protocol;

/** PING (0x20), either direction: the receiver answers PONG with the same request id and opaque value. */
public record PingFrame(long requestId, long opaque) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.PING;
    }
}
