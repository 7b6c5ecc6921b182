package dev.vigil.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-written frame bytes for tests, including ones no encoder would produce. Not thread-safe. */
public final class Wire {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Wire u8(int v) {
        out.write(v);
        return this;
    }

    public Wire u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    public Wire u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    public Wire u64(long v) {
        return u32(v >>> 32).u32(v & 0xFFFFFFFFL);
    }

    public Wire bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** A u16 length and the string's UTF-8 bytes. */
    public Wire str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u16(b.length).bytes(b);
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }

    /** These bytes as the payload of a frame with a correct length field. */
    public byte[] frame(int type, long requestId) {
        return frame(type, 0, 0, requestId);
    }

    public byte[] frame(int type, int flags, int reserved, long requestId) {
        byte[] payload = toBytes();
        return new Wire().u32(FrameLayout.LENGTH_AFTER_LENGTH_FIELD + payload.length).u8(type).u8(flags).u16(reserved).u64(requestId)
                .bytes(payload).toBytes();
    }

    public static ByteBuf buf(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    /** Rows of 16 bytes in hex, each after its offset: the format of server/PROTOCOL.md's examples. */
    public static String hexdump(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (int row = 0; row < bytes.length; row += 16) {
            b.append(String.format("%04x ", row));
            for (int i = row; i < Math.min(row + 16, bytes.length); i++) {
                b.append(i == row + 8 ? "  " : " ").append(String.format("%02x", bytes[i] & 0xFF));
            }
            b.append('\n');
        }
        return b.toString();
    }
}
