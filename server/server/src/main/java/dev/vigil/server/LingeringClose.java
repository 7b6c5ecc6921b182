package dev.vigil.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closing a connection after a last answer (a refusal, a 413) while the peer may still be
 * sending: the output is ended, what arrives is read and dropped until the peer closes or
 * {@link #LINGER_MS} pass, then the connection is closed. Closing with the peer's bytes unread
 * makes the kernel answer with a reset, which can destroy the answer in the peer's receive
 * buffer before the peer reads it: a client still sending its body would see no response at all.
 */
public final class LingeringClose {
    /** How long a finished connection is drained, waiting for its peer to close. */
    public static final long LINGER_MS = 2_000;

    private LingeringClose() {
    }

    /** The listener to add to the last write: once it is out, linger and close. */
    public static final ChannelFutureListener AFTER_WRITE = LingeringClose::afterWrite;

    private static void afterWrite(ChannelFuture write) {
        Channel ch = write.channel();
        if (!write.isSuccess() || !ch.isActive()) {
            ch.close();
            return;
        }
        drain(ch);
        endOutput(ch);
    }

    /**
     * From now on, reads on {@code ch} are dropped at the head of its pipeline, and the channel
     * is closed after {@link #LINGER_MS} at the latest. Idempotent.
     */
    public static void drain(Channel ch) {
        if (ch.pipeline().get(Discard.class) != null) {
            return;
        }
        ch.pipeline().addFirst("vigil-lingering-discard", new Discard());
        ch.config().setAutoRead(true);
        ch.eventLoop().schedule(() -> ch.close(), LINGER_MS, TimeUnit.MILLISECONDS);
    }

    /** Ends what {@code ch} sends (a TLS close_notify, then a FIN), or closes it when it cannot half-close. */
    public static void endOutput(Channel ch) {
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        if (tls != null) {
            tls.closeOutbound();
        } else if (ch instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        } else {
            ch.close();
        }
    }

    /** Drops every read; a failure or the peer's end closes. */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                ctx.close();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
