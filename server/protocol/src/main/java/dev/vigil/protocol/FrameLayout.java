package dev.vigil.protocol;

/**
 * Offsets and sizes of a Vigil frame (server/PROTOCOL.md). All integers are unsigned and
 * big-endian; strings are a u16 byte length followed by that many bytes of UTF-8.
 *
 * <pre>
 *  0               4       5       6               8                              16
 *  +---------------+-------+-------+---------------+------------------------------+-------------
 *  | length (u32)  | type  | flags | reserved (0)  | request id (u64)             | payload ...
 *  +---------------+-------+-------+---------------+------------------------------+-------------
 *                  |&lt;------------------------------ length bytes -------------------------------&gt;|
 * </pre>
 *
 * {@code length} counts the bytes after itself: {@value #LENGTH_AFTER_LENGTH_FIELD} header bytes
 * plus the payload, so the smallest frame is {@value #HEADER_LENGTH} bytes on the wire.
 */
public final class FrameLayout {
    /** Offset of the u32 length. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the u8 frame type ({@link FrameType}). */
    public static final int TYPE_OFFSET = 4;
    /** Offset of the u8 flags; 0 in version 1. */
    public static final int FLAGS_OFFSET = 5;
    /** Offset of the u16 reserved field; 0 in version 1. */
    public static final int RESERVED_OFFSET = 6;
    /** Offset of the u64 request id. */
    public static final int REQUEST_ID_OFFSET = 8;
    /** Bytes before the payload; also the offset of the payload. */
    public static final int HEADER_LENGTH = 16;
    /** Smallest value of the length field: a frame with an empty payload. */
    public static final int LENGTH_AFTER_LENGTH_FIELD = HEADER_LENGTH - 4;

    /** HELLO's magic, "VGIL" in ASCII. */
    public static final int MAGIC = 0x5647494C;
    /** Longest string: its length is a u16. */
    public static final int MAX_STRING_BYTES = 0xFFFF;
    /**
     * Largest HELLO possible (magic, two versions, token and client name of
     * {@value #MAX_STRING_BYTES} bytes each), as a length field value. A server accepts no
     * larger frame before the client has said HELLO, so an unauthenticated peer cannot make it
     * buffer more than this.
     */
    public static final int HELLO_MAX_FRAME = LENGTH_AFTER_LENGTH_FIELD + 4 + 2 + 2 + 2 * (2 + MAX_STRING_BYTES);

    /** Default largest encoded or raw image: 32 MiB. */
    public static final int DEFAULT_MAX_IMAGE_BYTES = 32 * 1024 * 1024;
    /** Default largest frame (length field value): one image of the default maximum plus 4 KiB of fields. */
    public static final int DEFAULT_MAX_FRAME = DEFAULT_MAX_IMAGE_BYTES + 4096;

    /** Image kinds inside SCORE. */
    public static final int IMAGE_ENCODED = 1;
    public static final int IMAGE_RAW = 2;

    private FrameLayout() {
    }
}
