package dev.vigil.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits the server's byte stream into frames and parses each into a
 * {@link ClientFrames.ServerFrame}. A state machine: header, then payload; after a malformed
 * frame it discards everything (the connection handler closes the channel on the exception).
 * One instance per channel; not thread-safe (Netty calls it on the channel's event loop).
 */
final class ClientFrameDecoder extends ByteToMessageDecoder {
    private enum State { READ_HEADER, READ_PAYLOAD, BAD_FRAME }

    private final long maxFrameLength;
    private State state = State.READ_HEADER;
    private int type;
    private long requestId;
    private int payloadLength;

    /**
     * @param maxFrameLength the largest {@code length} field accepted (bytes after the length field);
     *                       a server answer is small, so this guards memory, not throughput
     */
    ClientFrameDecoder(long maxFrameLength) {
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case READ_HEADER:
                if (in.readableBytes() < ClientFrames.HEADER_LENGTH) {
                    return;
                }
                long length = in.readUnsignedInt();
                if (length < ClientFrames.HEADER_AFTER_LENGTH) {
                    throw bad(new CorruptedFrameException("length: " + length + " (expected: >= " + ClientFrames.HEADER_AFTER_LENGTH + ")"));
                }
                if (length > maxFrameLength) {
                    throw bad(new TooLongFrameException("length: " + length + " (expected: <= " + maxFrameLength + ")"));
                }
                type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int reserved = in.readUnsignedShort();
                requestId = in.readLong();
                if (flags != 0) {
                    throw bad(new CorruptedFrameException("flags: " + flags + " (expected: 0)"));
                }
                if (reserved != 0) {
                    throw bad(new CorruptedFrameException("reserved: " + reserved + " (expected: 0)"));
                }
                payloadLength = (int) (length - ClientFrames.HEADER_AFTER_LENGTH);
                state = State.READ_PAYLOAD;
                // fall through: the payload may already be here
            case READ_PAYLOAD:
                if (in.readableBytes() < payloadLength) {
                    return;
                }
                ByteBuf payload = in.readSlice(payloadLength);
                try {
                    out.add(ClientFrames.parse(type, requestId, payload));
                } catch (CorruptedFrameException e) {
                    throw bad(e);
                }
                state = State.READ_HEADER;
                return;
            case BAD_FRAME:
                in.skipBytes(in.readableBytes());
                return;
            default:
                throw new IllegalStateException("state: " + state);
        }
    }

    private RuntimeException bad(RuntimeException e) {
        state = State.BAD_FRAME;
        return e;
    }
}
