package dev.vigil.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes bytes into {@link Frame}s (server/PROTOCOL.md), for either side of a connection. The
 * 16-byte header is read and checked first: a length over {@link #maxFrame()} is refused
 * before any of the payload is buffered. The payload is then parsed whole; every field is
 * checked against the bytes left in the frame.
 * <p>
 * A frame that breaks the protocol raises a {@link ProtocolException} with the error code to
 * answer (BAD_FRAME or FRAME_TOO_LARGE) and the frame's request id; the decoder then discards
 * everything it receives, since the stream can no longer be trusted, and the handler is
 * expected to send the error and close. One instance per channel; not thread-safe (Netty calls
 * it on the channel's event loop).
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    /** Where the decoder is within the stream. */
    private enum State {
        /** Waiting for the 16 header bytes of the next frame. */
        READ_HEADER,
        /** Header read and accepted; waiting for {@link #payloadLength} payload bytes. */
        READ_PAYLOAD,
        /** A frame broke the protocol; every further byte is skipped until the channel closes. */
        BAD_FRAME
    }

    private static final String EXPECTED_TYPES;

    static {
        StringBuilder b = new StringBuilder();
        for (FrameType t : FrameType.values()) {
            b.append(b.length() == 0 ? "" : ", ").append(t.describe());
        }
        EXPECTED_TYPES = b.toString();
    }

    private State state = State.READ_HEADER;
    private int maxFrame;
    private FrameType type;
    private long requestId;
    private int flags;
    private int payloadLength;
    /** The negotiated version: 1 until the HELLO is answered; 2 allows SCORE's receipt flag. */
    private int version = 1;

    /** A decoder accepting frames up to {@link FrameLayout#DEFAULT_MAX_FRAME}. */
    public FrameDecoder() {
        this(FrameLayout.DEFAULT_MAX_FRAME);
    }

    /** @param maxFrame largest length field accepted */
    public FrameDecoder(int maxFrame) {
        maxFrame(maxFrame);
    }

    /** The largest length field accepted. */
    public int maxFrame() {
        return maxFrame;
    }

    /**
     * Changes the largest length field accepted, for frames whose header has not been read yet
     * (a server raises it once HELLO is accepted). Call on the channel's event loop.
     */
    /** The version the connection negotiated (set once the HELLO is answered): what header flags are allowed. */
    public void version(int version) {
        this.version = version;
    }

    public void maxFrame(int maxFrame) {
        if (maxFrame < FrameLayout.LENGTH_AFTER_LENGTH_FIELD) {
            throw new IllegalArgumentException("maxFrame: " + maxFrame + " (expected: >= " + FrameLayout.LENGTH_AFTER_LENGTH_FIELD + ")");
        }
        this.maxFrame = maxFrame;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            decodeFrame(in, out);
        } catch (ProtocolException e) {
            in.skipBytes(in.readableBytes()); // from the error on, nothing is kept
            throw e;
        }
    }

    private void decodeFrame(ByteBuf in, List<Object> out) {
        switch (state) {
            case READ_HEADER:
                if (in.readableBytes() < FrameLayout.HEADER_LENGTH) {
                    return;
                }
                readHeader(in);
                state = State.READ_PAYLOAD;
                // fall through
            case READ_PAYLOAD:
                if (in.readableBytes() < payloadLength) {
                    return;
                }
                ByteBuf payload = in.readSlice(payloadLength);
                state = State.READ_HEADER;
                out.add(readPayload(payload));
                return;
            case BAD_FRAME:
                in.skipBytes(in.readableBytes());
                return;
            default:
                throw new IllegalStateException("state: " + state);
        }
    }

    private void readHeader(ByteBuf in) {
        long length = in.readUnsignedInt();
        int typeCode = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int reserved = in.readUnsignedShort();
        requestId = in.readLong();
        type = null;
        if (length < FrameLayout.LENGTH_AFTER_LENGTH_FIELD) {
            throw fail(ErrorCode.BAD_FRAME, "length: " + length + " (expected: >= " + FrameLayout.LENGTH_AFTER_LENGTH_FIELD + ")");
        }
        if (length > maxFrame) {
            throw fail(ErrorCode.FRAME_TOO_LARGE, "length: " + length + " (expected: <= " + maxFrame + ")");
        }
        type = FrameType.of(typeCode);
        if (type == null) {
            throw fail(ErrorCode.BAD_FRAME, String.format("type: 0x%02x (expected: one of %s)", typeCode, EXPECTED_TYPES));
        }
        if (flags != 0 && !(version >= 2 && type == FrameType.SCORE && flags == ScoreFrame.FLAG_RECEIPT)) {
            throw fail(ErrorCode.BAD_FRAME, String.format("flags: 0x%02x (expected: 0x00%s)", flags,
                    version >= 2 ? ", or 0x01 RECEIPT on a SCORE" : " in version 1; 0x01 RECEIPT on a SCORE needs version 2"));
        }
        this.flags = flags;
        if (reserved != 0) {
            throw fail(ErrorCode.BAD_FRAME, String.format("reserved: 0x%04x (expected: 0x0000)", reserved));
        }
        if (type.connectionLevel() && requestId != 0) {
            throw fail(ErrorCode.BAD_FRAME, "request id: " + Long.toUnsignedString(requestId) + " (expected: 0 for " + type.describe() + ")");
        }
        payloadLength = (int) length - FrameLayout.LENGTH_AFTER_LENGTH_FIELD;
    }

    private Frame readPayload(ByteBuf p) {
        Frame frame = switch (type) {
            case HELLO -> {
                need(p, 4, "magic");
                int magic = p.readInt();
                if (magic != FrameLayout.MAGIC) {
                    throw bad(String.format("magic: 0x%08x (expected: 0x%08x \"VGIL\")", magic, FrameLayout.MAGIC));
                }
                yield new HelloFrame(u16(p, "min_version"), u16(p, "max_version"), string(p, "token"), string(p, "client_name"));
            }
            case HELLO_OK -> new HelloOkFrame(u16(p, "version"), u32(p, "max_frame"), u32(p, "max_in_flight"), u32(p, "max_image_bytes"),
                    string(p, "server_name"));
            case SCORE -> {
                int timeoutMs = u32(p, "timeout_ms");
                String policy = string(p, "policy");
                ImageData image = image(p, "image");
                int hasSource = u8(p, "has_source");
                if (hasSource > 1) {
                    throw bad("has_source: " + hasSource + " (expected: 0 or 1)");
                }
                yield new ScoreFrame(requestId, timeoutMs, policy, image, hasSource == 1 ? image(p, "source") : null,
                        (flags & ScoreFrame.FLAG_RECEIPT) != 0);
            }
            case VERDICT -> {
                int code = u8(p, "decision");
                Decision decision = Decision.of(code);
                if (decision == null) {
                    throw bad("decision: " + code + " (expected: 0 ALLOW, 1 REVIEW or 2 BLOCK)");
                }
                boolean failedClosed = flag(p, "failed_closed");
                int jsonLength = u32(p, "json_length");
                yield new VerdictFrame(requestId, decision, failedClosed, utf8(p, jsonLength, "json"));
            }
            case ERROR -> new ErrorFrame(requestId, u16(p, "code"), flag(p, "retryable"), string(p, "message"));
            case PING -> new PingFrame(requestId, u64(p, "opaque"));
            case PONG -> new PongFrame(requestId, u64(p, "opaque"));
            case CANCEL -> new CancelFrame(requestId);
            case GOAWAY -> new GoAwayFrame(string(p, "reason"));
        };
        if (p.isReadable()) {
            throw bad("payload: " + p.readableBytes() + " bytes after the last field (expected: 0)");
        }
        return frame;
    }

    private ImageData image(ByteBuf p, String field) {
        int kind = u8(p, field + ".kind");
        if (kind == FrameLayout.IMAGE_ENCODED) {
            int length = u32(p, field + ".byte_length");
            return new ImageData.Encoded(ByteBuffer.wrap(bytes(p, length, field + ".byte_length")));
        }
        if (kind == FrameLayout.IMAGE_RAW) {
            int code = u8(p, field + ".pixel_format");
            ImageData.PixelFormat format = ImageData.PixelFormat.of(code);
            if (format == null) {
                throw bad(field + ".pixel_format: " + code + " (expected: 1 RGB, 2 BGR, 3 RGBA, 4 BGRA or 5 GRAY)");
            }
            int width = u32(p, field + ".width");
            int height = u32(p, field + ".height");
            int rowStride = u32(p, field + ".row_stride");
            int length = u32(p, field + ".byte_length");
            return new ImageData.Raw(format, width, height, rowStride, ByteBuffer.wrap(bytes(p, length, field + ".byte_length")));
        }
        throw bad(field + ".kind: " + kind + " (expected: 1 encoded or 2 raw)");
    }

    private int u8(ByteBuf p, String field) {
        need(p, 1, field);
        return p.readUnsignedByte();
    }

    private boolean flag(ByteBuf p, String field) {
        int v = u8(p, field);
        if (v > 1) {
            throw bad(field + ": " + v + " (expected: 0 or 1)");
        }
        return v == 1;
    }

    private int u16(ByteBuf p, String field) {
        need(p, 2, field);
        return p.readUnsignedShort();
    }

    /** A u32 field; version 1 uses none above {@link Integer#MAX_VALUE}. */
    private int u32(ByteBuf p, String field) {
        need(p, 4, field);
        long v = p.readUnsignedInt();
        if (v > Integer.MAX_VALUE) {
            throw bad(field + ": " + v + " (expected: <= " + Integer.MAX_VALUE + ")");
        }
        return (int) v;
    }

    private long u64(ByteBuf p, String field) {
        need(p, 8, field);
        return p.readLong();
    }

    private String string(ByteBuf p, String field) {
        return utf8(p, u16(p, field + " length"), field);
    }

    private String utf8(ByteBuf p, int length, String field) {
        if (p.readableBytes() < length) {
            throw bad(field + ": " + length + " bytes (expected: <= " + p.readableBytes() + ", the bytes left in the frame)");
        }
        ByteBuf s = p.readSlice(length);
        if (!ByteBufUtil.isText(s, StandardCharsets.UTF_8)) {
            throw bad(field + ": not valid UTF-8");
        }
        return s.toString(StandardCharsets.UTF_8);
    }

    private byte[] bytes(ByteBuf p, int length, String field) {
        if (p.readableBytes() < length) {
            throw bad(field + ": " + length + " (expected: <= " + p.readableBytes() + ", the bytes left in the frame)");
        }
        byte[] b = new byte[length];
        p.readBytes(b);
        return b;
    }

    private void need(ByteBuf p, int bytes, String field) {
        if (p.readableBytes() < bytes) {
            throw bad(field + ": missing (expected: " + bytes + " bytes, " + p.readableBytes() + " left in the frame)");
        }
    }

    private ProtocolException bad(String message) {
        return fail(ErrorCode.BAD_FRAME, type.name() + " " + message);
    }

    private ProtocolException fail(ErrorCode code, String message) {
        state = State.BAD_FRAME;
        return new ProtocolException(code, requestId, message);
    }
}
