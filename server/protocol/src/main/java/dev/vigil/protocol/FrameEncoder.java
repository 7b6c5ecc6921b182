package dev.vigil.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes {@link Frame}s into bytes (server/PROTOCOL.md). Image bytes are not copied: they are
 * wrapped into the outgoing buffer, so the caller must leave them unchanged until the write
 * completes. Stateless and {@link Sharable}: use {@link #INSTANCE}.
 */
@Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        out.add(encode(ctx.alloc(), frame));
    }

    /**
     * The frame's bytes, from the length field on. The caller owns (and releases) the buffer.
     * Throws {@link IllegalArgumentException} for a frame that does not fit the layout.
     */
    public static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
        Parts parts = new Parts(alloc);
        try {
            ByteBuf b = parts.current;
            b.writeInt(0); // the length, set at the end
            b.writeByte(frame.type().code());
            b.writeByte(frame instanceof ScoreFrame score && score.receipt() ? ScoreFrame.FLAG_RECEIPT : 0);
            b.writeShort(0);
            b.writeLong(frame.requestId());
            if (frame instanceof HelloFrame h) {
                b.writeInt(FrameLayout.MAGIC);
                b.writeShort(h.minVersion());
                b.writeShort(h.maxVersion());
                writeString(b, h.token());
                writeString(b, h.clientName());
            } else if (frame instanceof HelloOkFrame h) {
                b.writeShort(h.version());
                b.writeInt(h.maxFrame());
                b.writeInt(h.maxInFlight());
                b.writeInt(h.maxImageBytes());
                writeString(b, h.serverName());
            } else if (frame instanceof ScoreFrame s) {
                b.writeInt(s.timeoutMs());
                writeString(b, s.policy());
                writeImage(parts, s.image());
                parts.current.writeByte(s.source() != null ? 1 : 0);
                if (s.source() != null) {
                    writeImage(parts, s.source());
                }
            } else if (frame instanceof VerdictFrame v) {
                b.writeByte(v.decision().code());
                b.writeByte(v.failedClosed() ? 1 : 0);
                b.writeInt(ByteBufUtil.utf8Bytes(v.json()));
                ByteBufUtil.writeUtf8(b, v.json());
            } else if (frame instanceof ErrorFrame e) {
                b.writeShort(e.code());
                b.writeByte(e.retryable() ? 1 : 0);
                writeString(b, e.message());
            } else if (frame instanceof PingFrame p) {
                b.writeLong(p.opaque());
            } else if (frame instanceof PongFrame p) {
                b.writeLong(p.opaque());
            } else if (frame instanceof GoAwayFrame g) {
                writeString(b, g.reason());
            } else if (!(frame instanceof CancelFrame)) {
                throw new IllegalArgumentException("frame: " + frame.getClass().getName() + " (expected: a frame type of version 1)");
            }
            return parts.finish();
        } catch (RuntimeException e) {
            parts.release();
            throw e;
        }
    }

    private static void writeImage(Parts parts, ImageData image) {
        ByteBuf b = parts.current;
        if (image instanceof ImageData.Encoded e) {
            b.writeByte(FrameLayout.IMAGE_ENCODED);
            b.writeInt(e.byteLength());
            parts.wrap(Unpooled.wrappedBuffer(e.bytes().duplicate()));
        } else if (image instanceof ImageData.Raw r) {
            b.writeByte(FrameLayout.IMAGE_RAW);
            b.writeByte(r.format().code());
            b.writeInt(r.width());
            b.writeInt(r.height());
            b.writeInt(r.rowStride());
            b.writeInt(r.byteLength());
            parts.wrap(Unpooled.wrappedBuffer(r.pixels().duplicate()));
        }
    }

    private static void writeString(ByteBuf b, String s) {
        b.writeShort(ByteBufUtil.utf8Bytes(s)); // the frame records checked it fits a u16
        ByteBufUtil.writeUtf8(b, s);
    }

    /** The buffers of one frame: fields written into allocated buffers, image bytes wrapped between them. */
    private static final class Parts {
        final ByteBufAllocator alloc;
        final List<ByteBuf> done = new ArrayList<>(3);
        ByteBuf current;

        Parts(ByteBufAllocator alloc) {
            this.alloc = alloc;
            this.current = alloc.buffer(256);
        }

        void wrap(ByteBuf bytes) {
            done.add(current);
            done.add(bytes);
            current = alloc.buffer(64);
        }

        ByteBuf finish() {
            ByteBuf frame;
            if (done.isEmpty()) {
                frame = current;
            } else {
                CompositeByteBuf c = alloc.compositeBuffer(done.size() + 1);
                done.add(current);
                c.addComponents(true, done);
                done.clear();
                frame = c;
            }
            current = null;
            long length = frame.readableBytes() - 4L;
            if (length > 0xFFFFFFFFL) {
                frame.release();
                throw new IllegalArgumentException("length: " + length + " (expected: <= 4294967295)");
            }
            frame.setInt(FrameLayout.LENGTH_OFFSET, (int) length);
            return frame;
        }

        void release() {
            done.forEach(ByteBuf::release);
            done.clear();
            if (current != null) {
                current.release();
                current = null;
            }
        }
    }
}
