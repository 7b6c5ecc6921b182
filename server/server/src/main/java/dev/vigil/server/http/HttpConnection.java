package dev.vigil.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP/1.1 connection: hands each aggregated request to the router and writes the responses
 * in request order, as HTTP/1.1 requires of pipelined requests. While a response is pending
 * (a score in the gate) it stops reading from the socket, so a client cannot queue more than one
 * read's worth of requests. Closes the connection after a response to a request that asked for
 * it, after a request the codec could not parse, and when idle. One per connection, touched only
 * on its event loop; releases every request it is given.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(HttpConnection.class.getName());

    private final Router router;
    private final Duration retryAfter;
    private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
    private boolean waiting;
    /** The response being waited for, cancelled if the connection closes first. */
    private CompletableFuture<FullHttpResponse> awaited;

    /** Answers requests. */
    @FunctionalInterface
    interface Router {
        /**
         * The response to {@code request}, completed on any thread. The router reads what it
         * needs before returning: the request is released right after.
         *
         * @param channel the connection it came on
         * @param written completes once the response has been written to the socket, or could
         *     not be (the connection closed); never exceptionally
         */
        CompletableFuture<FullHttpResponse> route(io.netty.channel.Channel channel, FullHttpRequest request, CompletableFuture<Void> written);
    }

    HttpConnection(Router router, Duration retryAfter) {
        this.router = router;
        this.retryAfter = retryAfter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg); // the aggregator sends only full requests
            return;
        }
        pending.add(request);
        next(ctx);
    }

    private void next(ChannelHandlerContext ctx) {
        FullHttpRequest request;
        while (!waiting && ctx.channel().isActive() && (request = pending.poll()) != null) {
            DecoderResult decoded = request.decoderResult();
            boolean keepAlive = HttpUtil.isKeepAlive(request) && decoded.isSuccess();
            CompletableFuture<Void> written = new CompletableFuture<>();
            CompletableFuture<FullHttpResponse> response;
            try {
                response = decoded.isSuccess() ? router.route(ctx.channel(), request, written) : CompletableFuture.completedFuture(unparsable(decoded.cause()));
            } catch (RuntimeException e) {
                response = CompletableFuture.completedFuture(internal(e));
            } finally {
                request.release();
            }
            if (response.isDone()) {
                write(ctx, response.join(), keepAlive, written);
                continue;
            }
            waiting = true;
            awaited = response;
            ctx.channel().config().setAutoRead(false);
            response.whenComplete((r, e) -> ctx.executor().execute(() -> {
                awaited = null;
                waiting = false;
                ctx.channel().config().setAutoRead(true);
                write(ctx, e == null ? r : internal(e), keepAlive, written);
                next(ctx);
            }));
        }
    }

    /** The router failed instead of answering: a bug, logged, and a 500 for the client. */
    private FullHttpResponse internal(Throwable failure) {
        HttpError error = HttpError.of(failure);
        if (error.code == HttpError.Code.INTERNAL) {
            LOG.log(System.Logger.Level.ERROR, "http request failed", failure);
        }
        return error.response(retryAfter);
    }

    private FullHttpResponse unparsable(Throwable cause) {
        String message = cause instanceof TooLongHttpLineException || cause instanceof TooLongHttpHeaderException
                ? "request line or headers: " + cause.getMessage() : "request: " + cause.getMessage();
        return new HttpError(HttpError.Code.BAD_REQUEST, message).response(retryAfter);
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive, CompletableFuture<Void> written) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ChannelFuture write = ctx.writeAndFlush(response);
        write.addListener(f -> written.complete(null));
        if (!keepAlive) {
            // the peer may still be sending (a request the decoder gave up on): drain, so that no reset destroys the answer
            write.addListener(dev.vigil.server.LingeringClose.AFTER_WRITE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && !waiting) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (awaited != null) {
            awaited.cancel(false); // nobody to answer: the router withdraws the request
        }
        FullHttpRequest request;
        while ((request = pending.poll()) != null) {
            request.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException ssl) {
            // a plain client on a TLS port, or a failed handshake: the client's business, in one line
            LOG.log(System.Logger.Level.INFO, () -> "http connection " + ctx.channel().remoteAddress() + ": TLS: " + dev.vigil.server.TlsConfig.describe(ssl));
            ctx.close();
            return;
        }
        // a reset connection is the client's business; anything else is worth a look
        LOG.log(cause instanceof java.io.IOException ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                "http connection " + ctx.channel().remoteAddress() + " closed after an error", cause);
        ctx.close();
    }
}
