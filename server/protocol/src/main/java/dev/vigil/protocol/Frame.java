package dev.vigil.protocol;

/**
 * One frame of the Vigil protocol, decoded by {@link FrameDecoder} and encoded by
 * {@link FrameEncoder}. Frames are immutable values that hold no pooled memory: nothing to
 * release. Connection-level frames (HELLO, HELLO_OK, GOAWAY) always have request id 0.
 */
public sealed interface Frame permits HelloFrame, HelloOkFrame, ScoreFrame, VerdictFrame, ErrorFrame, PingFrame, PongFrame,
        CancelFrame, GoAwayFrame {

    /** The request id in the header: the client's id of a request, 0 for connection-level frames. */
    long requestId();

    FrameType type();
}
