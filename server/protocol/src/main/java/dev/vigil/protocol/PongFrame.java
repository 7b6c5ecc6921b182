package dev.vigil.protocol;

/** PONG (0x21): the answer to a PING, echoing its request id and opaque value. */
public record PongFrame(long requestId, long opaque) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.PONG;
    }
}
