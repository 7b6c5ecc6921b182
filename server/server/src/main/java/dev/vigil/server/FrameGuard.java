package dev.vigil.server;

import dev.vigil.engine.MemoryBudget;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.GoAwayFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Sits before the frame decoder and follows frame boundaries from the length fields alone, so
 * that an unfinished frame is bounded in memory and in time: the bytes a frame announces are
 * reserved from the {@link MemoryBudget} when its length arrives (none left: ERROR OVERLOADED,
 * retryable, and the connection closes before the rest is read) and given back once the whole
 * frame has been decoded; a frame (the HELLO included, from the moment of connecting) must
 * arrive within the request read timeout of its first byte, else GOAWAY and close. One per
 * connection, on its event loop.
 */
final class FrameGuard extends ChannelInboundHandlerAdapter {
    private final MemoryBudget budget;
    private final Duration readTimeout;
    private final int maxFrame;
    /** Bytes of the current frame's length field seen so far, 0..4. */
    private int headerBytes;
    private int length;
    /** Bytes of the current frame's body still to come; -1 while its length field is incomplete. */
    private long remaining = -1;
    private long reserved;
    private ScheduledFuture<?> deadline;
    private boolean refused;

    FrameGuard(MemoryBudget budget, Duration readTimeout, int maxFrame) {
        this.budget = budget;
        this.readTimeout = readTimeout;
        this.maxFrame = maxFrame;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startDeadline(ctx, "HELLO");
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused || !(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        long completed = 0;
        int index = buf.readerIndex();
        int end = buf.writerIndex();
        while (index < end) {
            if (remaining < 0) {
                if (headerBytes == 0 && deadline == null) {
                    startDeadline(ctx, "a frame");
                }
                length = (length << 8) | (buf.getByte(index++) & 0xFF);
                if (++headerBytes == 4) {
                    remaining = Integer.toUnsignedLong(length);
                    if (remaining <= maxFrame) { // a longer one is refused by the decoder from its header
                        long bytes = remaining + 4;
                        if (!budget.tryReserve(bytes)) {
                            buf.release();
                            budget.release(completed); // frames finished earlier in this buffer are never decoded now
                            refuse(ctx, bytes);
                            return;
                        }
                        reserved += bytes;
                    }
                }
            } else {
                long take = Math.min(remaining, end - index);
                index += (int) take;
                remaining -= take;
            }
            if (remaining == 0) { // a whole frame is in: the decoder turns it into a frame below
                completed += reserved;
                reserved = 0;
                headerBytes = 0;
                length = 0;
                remaining = -1;
                cancelDeadline();
            }
        }
        ctx.fireChannelRead(buf);
        budget.release(completed); // the decoder has made its frames of these bytes, and dropped them
    }

    private void refuse(ChannelHandlerContext ctx, long bytes) {
        refused = true;
        cancelDeadline();
        ctx.channel().config().setAutoRead(false);
        ctx.channel().writeAndFlush(ErrorFrame.of(0, ErrorCode.OVERLOADED, "memory held by requests: " + budget.held() + " bytes + " + bytes
                + " for this frame (expected: <= " + budget.limit() + ", the server's memory budget); retry later or elsewhere"))
                .addListener(LingeringClose.AFTER_WRITE);
    }

    private void startDeadline(ChannelHandlerContext ctx, String what) {
        cancelDeadline();
        deadline = ctx.executor().schedule(() -> {
            deadline = null;
            if (ctx.channel().isActive()) {
                refused = true;
                ctx.channel().writeAndFlush(new GoAwayFrame(what + " did not arrive within the request read timeout of "
                        + readTimeout.toMillis() + " ms")).addListener(ChannelFutureListener.CLOSE);
            }
        }, readTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        budget.release(reserved);
        reserved = 0;
        super.channelInactive(ctx);
    }
}
