package dev.vigil.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client's half of the Vigil wire format, version 1 (server/PROTOCOL.md): encoders for the
 * frames a client sends and parsers for the payloads it receives. A stand-in, kept small, until
 * the shared codec in {@code dev.vigil.protocol} lands; nothing outside this class and
 * {@link ClientFrameDecoder} knows a byte offset. Stateless and thread-safe.
 *
 * <pre>
 *  0               4       5       6               8                              16
 *  +---------------+-------+-------+---------------+------------------------------+-------------
 *  | length (u32)  | type  | flags | reserved (0)  | request id (u64)             | payload ...
 *  +---------------+-------+-------+---------------+------------------------------+-------------
 * </pre>
 *
 * {@code length} counts the bytes after itself (12 + payload). All integers are unsigned
 * big-endian; strings are a u16 byte length and UTF-8 bytes.
 */
final class ClientFrames {
    static final int LENGTH_FIELD_LENGTH = 4;
    /** type (1) + flags (1) + reserved (2) + request id (8): the part of {@code length} that is not payload. */
    static final int HEADER_AFTER_LENGTH = 12;
    static final int HEADER_LENGTH = LENGTH_FIELD_LENGTH + HEADER_AFTER_LENGTH;

    static final int HELLO = 0x01;
    static final int HELLO_OK = 0x02;
    static final int SCORE = 0x10;
    static final int VERDICT = 0x11;
    static final int ERROR = 0x12;
    static final int PING = 0x20;
    static final int PONG = 0x21;
    static final int CANCEL = 0x30;
    static final int GOAWAY = 0x40;

    /** "VGIL", HELLO's first four bytes. */
    static final int MAGIC = 0x5647_494C;
    /** The only protocol version this client speaks (HELLO's min_version and max_version). */
    static final int VERSION = 1;
    static final int MAX_STRING_BYTES = 0xFFFF;

    static final int IMAGE_ENCODED = 1;
    static final int IMAGE_RAW = 2;
    /** kind (1) + byte_length (4). */
    private static final int ENCODED_IMAGE_HEADER = 5;
    /** kind (1) + pixel_format (1) + width, height, row_stride, byte_length (4 each). */
    private static final int RAW_IMAGE_HEADER = 18;

    private ClientFrames() {
    }

    /** HELLO: magic, min_version, max_version, token, client_name. Request id 0. */
    static ByteBuf hello(ByteBufAllocator alloc, String token, String clientName) {
        byte[] tokenBytes = utf8("token", token);
        byte[] nameBytes = utf8("client_name", clientName);
        int payload = 4 + 2 + 2 + 2 + tokenBytes.length + 2 + nameBytes.length;
        ByteBuf buf = header(alloc, HELLO, 0, payload);
        buf.writeInt(MAGIC).writeShort(VERSION).writeShort(VERSION);
        writeString(buf, tokenBytes);
        writeString(buf, nameBytes);
        return buf;
    }

    /** The value of SCORE's {@code length} field, to check against the server's max_frame before encoding. */
    static long scoreLength(byte[] policyUtf8, ClientImage image, ClientImage source) {
        long payload = 4L + 2 + policyUtf8.length + imageLength(image) + 1 + (source == null ? 0 : imageLength(source));
        return HEADER_AFTER_LENGTH + payload;
    }

    /**
     * SCORE: timeout_ms, policy, image, has_source, [source]. The image bytes are wrapped, not
     * copied: the result is a composite of the frame's own fields and the caller's buffers.
     *
     * @param timeoutMs 0 for the server's default
     */
    static ByteBuf score(ByteBufAllocator alloc, long requestId, long timeoutMs, byte[] policyUtf8, ClientImage image,
                         ClientImage source) {
        long length = scoreLength(policyUtf8, image, source);
        if (length > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("length: " + length + " (expected: <= " + 0xFFFF_FFFFL + ")");
        }
        CompositeByteBuf frame = alloc.compositeBuffer(5);
        ByteBuf head = alloc.buffer(HEADER_LENGTH + 6 + policyUtf8.length + RAW_IMAGE_HEADER);
        head.writeInt((int) length).writeByte(SCORE).writeByte(0).writeShort(0).writeLong(requestId);
        head.writeInt((int) timeoutMs);
        writeString(head, policyUtf8);
        writeImageHeader(head, image);
        frame.addComponent(true, head);
        frame.addComponent(true, Unpooled.wrappedBuffer(imageBytes(image)));
        ByteBuf tail = alloc.buffer(1 + RAW_IMAGE_HEADER);
        tail.writeByte(source == null ? 0 : 1);
        if (source != null) {
            writeImageHeader(tail, source);
        }
        frame.addComponent(true, tail);
        if (source != null) {
            frame.addComponent(true, Unpooled.wrappedBuffer(imageBytes(source)));
        }
        return frame;
    }

    /** CANCEL: empty payload; the request id names the request. */
    static ByteBuf cancel(ByteBufAllocator alloc, long requestId) {
        return header(alloc, CANCEL, requestId, 0);
    }

    /** PING or PONG: u64 opaque. */
    static ByteBuf pingOrPong(ByteBufAllocator alloc, int type, long requestId, long opaque) {
        return header(alloc, type, requestId, 8).writeLong(opaque);
    }

    /** A frame sent by the server, parsed. */
    sealed interface ServerFrame permits HelloOk, VerdictFrame, ErrorFrame, Ping, Pong, GoAway {
        long requestId();
    }

    /** HELLO_OK: the version chosen and the limits of this connection. u32 values are held in longs. */
    record HelloOk(long requestId, int version, long maxFrame, long maxInFlight, long maxImageBytes, String serverName)
            implements ServerFrame {
    }

    record VerdictFrame(long requestId, Decision decision, boolean failedClosed, String json) implements ServerFrame {
    }

    /** ERROR; {@code code} is the raw u16 so that an unknown code is still reported as sent. */
    record ErrorFrame(long requestId, int code, boolean retryable, String message) implements ServerFrame {
    }

    record Ping(long requestId, long opaque) implements ServerFrame {
    }

    record Pong(long requestId, long opaque) implements ServerFrame {
    }

    record GoAway(long requestId, String reason) implements ServerFrame {
    }

    /**
     * Parses the payload of a server-to-client frame, reading all of it. Throws
     * {@link CorruptedFrameException} naming the field and value for anything the protocol does
     * not allow (a client-to-server type, a truncated field, a bad boolean, trailing bytes).
     */
    static ServerFrame parse(int type, long requestId, ByteBuf payload) {
        ServerFrame frame = switch (type) {
            case HELLO_OK -> new HelloOk(requestId, u16(payload, "version"), u32(payload, "max_frame"),
                    u32(payload, "max_in_flight"), u32(payload, "max_image_bytes"), string(payload, "server_name"));
            case VERDICT -> {
                int decisionByte = u8(payload, "decision");
                Decision decision = Decision.ofWire(decisionByte);
                if (decision == null) {
                    throw new CorruptedFrameException("decision: " + decisionByte + " (expected: 0, 1 or 2)");
                }
                boolean failedClosed = bool(payload, "failed_closed");
                long jsonLength = u32(payload, "json_length");
                yield new VerdictFrame(requestId, decision, failedClosed, utf8(payload, "json", jsonLength));
            }
            case ERROR -> new ErrorFrame(requestId, u16(payload, "code"), bool(payload, "retryable"), string(payload, "message"));
            case PING -> new Ping(requestId, u64(payload, "opaque"));
            case PONG -> new Pong(requestId, u64(payload, "opaque"));
            case GOAWAY -> new GoAway(requestId, string(payload, "reason"));
            default -> throw new CorruptedFrameException(
                    "type: 0x" + Integer.toHexString(type) + " (expected: HELLO_OK, VERDICT, ERROR, PING, PONG or GOAWAY)");
        };
        if (payload.isReadable()) {
            throw new CorruptedFrameException("payload: " + payload.readableBytes() + " bytes after the last field of type 0x"
                    + Integer.toHexString(type) + " (expected: 0)");
        }
        return frame;
    }

    static byte[] utf8(String field, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_STRING_BYTES) {
            throw new IllegalArgumentException(field + ": " + bytes.length + " bytes (expected: <= " + MAX_STRING_BYTES + ")");
        }
        return bytes;
    }

    private static ByteBuf header(ByteBufAllocator alloc, int type, long requestId, int payloadLength) {
        ByteBuf buf = alloc.buffer(HEADER_LENGTH + payloadLength);
        return buf.writeInt(HEADER_AFTER_LENGTH + payloadLength).writeByte(type).writeByte(0).writeShort(0).writeLong(requestId);
    }

    private static void writeString(ByteBuf buf, byte[] utf8) {
        buf.writeShort(utf8.length).writeBytes(utf8);
    }

    private static long imageLength(ClientImage image) {
        return (image instanceof ClientImage.Raw ? RAW_IMAGE_HEADER : ENCODED_IMAGE_HEADER) + (long) image.byteLength();
    }

    private static void writeImageHeader(ByteBuf buf, ClientImage image) {
        if (image instanceof ClientImage.Raw raw) {
            buf.writeByte(IMAGE_RAW).writeByte(raw.format().wireValue()).writeInt(raw.width()).writeInt(raw.height())
                    .writeInt(raw.rowStride()).writeInt(raw.byteLength());
        } else {
            buf.writeByte(IMAGE_ENCODED).writeInt(image.byteLength());
        }
    }

    private static ByteBuffer imageBytes(ClientImage image) {
        // duplicate(): every write (a retry included) reads from the start without moving the caller's buffer.
        return image instanceof ClientImage.Raw raw ? raw.pixels().duplicate() : ((ClientImage.Encoded) image).bytes().duplicate();
    }

    private static void need(ByteBuf payload, String field, long bytes) {
        if (payload.readableBytes() < bytes) {
            throw new CorruptedFrameException(field + ": needs " + bytes + " bytes, " + payload.readableBytes() + " left in the frame");
        }
    }

    private static int u8(ByteBuf payload, String field) {
        need(payload, field, 1);
        return payload.readUnsignedByte();
    }

    private static boolean bool(ByteBuf payload, String field) {
        int value = u8(payload, field);
        if (value > 1) {
            throw new CorruptedFrameException(field + ": " + value + " (expected: 0 or 1)");
        }
        return value == 1;
    }

    private static int u16(ByteBuf payload, String field) {
        need(payload, field, 2);
        return payload.readUnsignedShort();
    }

    private static long u32(ByteBuf payload, String field) {
        need(payload, field, 4);
        return payload.readUnsignedInt();
    }

    private static long u64(ByteBuf payload, String field) {
        need(payload, field, 8);
        return payload.readLong();
    }

    private static String string(ByteBuf payload, String field) {
        return utf8(payload, field, u16(payload, field + " length"));
    }

    private static String utf8(ByteBuf payload, String field, long length) {
        need(payload, field, length);
        return payload.readCharSequence((int) length, StandardCharsets.UTF_8).toString();
    }
}
