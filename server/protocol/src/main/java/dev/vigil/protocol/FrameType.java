package dev.vigil.protocol;

/** The type byte of a frame, and which side may send it. */
public enum FrameType {
    HELLO(0x01, Direction.CLIENT_TO_SERVER, true),
    HELLO_OK(0x02, Direction.SERVER_TO_CLIENT, true),
    SCORE(0x10, Direction.CLIENT_TO_SERVER, false),
    VERDICT(0x11, Direction.SERVER_TO_CLIENT, false),
    ERROR(0x12, Direction.SERVER_TO_CLIENT, false),
    PING(0x20, Direction.EITHER, false),
    PONG(0x21, Direction.EITHER, false),
    CANCEL(0x30, Direction.CLIENT_TO_SERVER, false),
    GOAWAY(0x40, Direction.SERVER_TO_CLIENT, true);

    /** Who may send a frame type. */
    public enum Direction {
        CLIENT_TO_SERVER, SERVER_TO_CLIENT, EITHER
    }

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final Direction direction;
    private final boolean connectionLevel;

    FrameType(int code, Direction direction, boolean connectionLevel) {
        this.code = code;
        this.direction = direction;
        this.connectionLevel = connectionLevel;
    }

    /** The byte on the wire. */
    public int code() {
        return code;
    }

    public Direction direction() {
        return direction;
    }

    /** True for frames about the connection rather than a request; their request id is always 0. */
    public boolean connectionLevel() {
        return connectionLevel;
    }

    /** The type with this code, or null when version 1 defines none. */
    public static FrameType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** {@code 0x10 SCORE}, for messages. */
    public String describe() {
        return String.format("0x%02x %s", code, name());
    }
}
