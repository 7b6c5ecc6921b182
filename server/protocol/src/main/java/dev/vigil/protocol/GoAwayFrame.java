package dev.vigil.protocol;

/**
 * GOAWAY (0x40): the server accepts no new SCORE on this connection (they are answered
 * SHUTTING_DOWN); requests already in flight are still answered, then the server closes the
 * connection. Request id 0. A reason longer than a string can hold is cut.
 */
public record GoAwayFrame(String reason) implements Frame {
    public GoAwayFrame {
        reason = Strings.fit(reason);
    }

    @Override
    public long requestId() {
        return 0;
    }

    @Override
    public FrameType type() {
        return FrameType.GOAWAY;
    }
}
