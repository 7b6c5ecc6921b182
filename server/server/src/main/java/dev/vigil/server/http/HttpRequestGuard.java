package dev.vigil.server.http;

import dev.vigil.engine.MemoryBudget;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What an HTTP connection may hold of a request that has not fully arrived, and for how long:
 * <ul>
 *   <li>time: a request's headers and body must arrive within the request read timeout of its
 *       first byte (a new connection's clock starts when it opens); a slow sender gets 408 and is
 *       closed, so slowloris connections do not pile up;</li>
 *   <li>memory: the body's bytes are reserved from the {@link MemoryBudget} as they are announced
 *       (Content-Length) or arrive (chunked) and given back once the whole request has been read
 *       and handed on; none left: 503 OVERLOADED with Retry-After, and the connection closes;</li>
 *   <li>framing: a request with both Content-Length and Transfer-Encoding (see {@link #decoder}),
 *       or a transfer coding other than {@code chunked}, is 400 and the connection closes, so no
 *       second request can be smuggled inside a body.</li>
 * </ul>
 * {@link #raw()} sits before the HTTP decoder (it sees the first byte of each request),
 * {@link #messages()} after it. One guard per connection, touched only on its event loop.
 */
final class HttpRequestGuard {
    private final MemoryBudget budget;
    private final Duration readTimeout;
    private final Duration retryAfter;
    private ChannelHandlerContext messagesContext;
    private boolean reading;
    private boolean refused;
    private long reserved;
    /** Whether the current body is reserved chunk by chunk (chunked, no Content-Length). */
    private boolean chunked;
    private ScheduledFuture<?> deadline;

    HttpRequestGuard(MemoryBudget budget, Duration readTimeout, Duration retryAfter) {
        this.budget = budget;
        this.readTimeout = readTimeout;
        this.retryAfter = retryAfter;
    }

    /** An HTTP/1.1 request decoder that refuses Content-Length with Transfer-Encoding (Netty's default drops the length and reads chunks). */
    static HttpRequestDecoder decoder() {
        return new HttpRequestDecoder() {
            @Override
            protected void handleTransferEncodingChunkedWithContentLength(io.netty.handler.codec.http.HttpMessage message) {
                throw new IllegalArgumentException("Content-Length and Transfer-Encoding: both given (expected: one of them, RFC 9112 6.1)");
            }
        };
    }

    ChannelHandler raw() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) throws Exception {
                startReading(ctx);
                super.channelActive(ctx);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (refused) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                if (!reading && msg instanceof ByteBuf b && b.isReadable()) {
                    startReading(ctx);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                cancelDeadline();
                budget.release(reserved);
                reserved = 0;
                super.channelInactive(ctx);
            }
        };
    }

    ChannelHandler messages() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                messagesContext = ctx;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (refused) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
                    String problem = framingProblem(request);
                    if (problem != null) {
                        ReferenceCountUtil.release(msg);
                        refuse(new HttpError(HttpError.Code.BAD_REQUEST, problem));
                        return;
                    }
                    long declared = HttpUtil.getContentLength(request, -1L);
                    if (declared > 0 && !reserve(declared)) {
                        ReferenceCountUtil.release(msg);
                        return;
                    }
                } else if (msg instanceof HttpContent content && !(msg instanceof HttpRequest) && chunked) {
                    if (!reserve(content.content().readableBytes())) {
                        ReferenceCountUtil.release(msg);
                        return;
                    }
                }
                if (msg instanceof LastHttpContent) {
                    reading = false;
                    cancelDeadline();
                    long done = reserved;
                    reserved = 0;
                    chunked = false;
                    ctx.fireChannelRead(msg); // the aggregator completes the request and the router copies what it needs
                    budget.release(done);
                    return;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    private String framingProblem(HttpRequest request) {
        String coding = request.headers().get(HttpHeaderNames.TRANSFER_ENCODING);
        chunked = false;
        if (coding == null) {
            return null;
        }
        if (request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return "Content-Length and Transfer-Encoding: both given (expected: one of them, RFC 9112 6.1)";
        }
        if (!coding.trim().toLowerCase(Locale.ROOT).equals(HttpHeaderValues.CHUNKED.toString())) {
            return "Transfer-Encoding: " + coding + " (expected: chunked, or none)";
        }
        chunked = true;
        return null;
    }

    private boolean reserve(long bytes) {
        if (budget.tryReserve(bytes)) {
            reserved += bytes;
            return true;
        }
        refuse(new HttpError(HttpError.Code.OVERLOADED, "memory held by requests: " + budget.held() + " bytes + " + bytes
                + " for this body (expected: <= " + budget.limit() + ", the server's memory budget); retry later or elsewhere"));
        return false;
    }

    private void refuse(HttpError error) {
        refused = true;
        cancelDeadline();
        ChannelHandlerContext ctx = messagesContext;
        ctx.channel().config().setAutoRead(false);
        FullHttpResponse response = error.response(retryAfter);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(dev.vigil.server.LingeringClose.AFTER_WRITE);
    }

    private void startReading(ChannelHandlerContext ctx) {
        reading = true;
        cancelDeadline();
        deadline = ctx.executor().schedule(() -> {
            deadline = null;
            if (reading && !refused && ctx.channel().isActive()) {
                refuse(new HttpError(HttpError.Code.REQUEST_TIMEOUT, "request: not complete within the request read timeout of "
                        + readTimeout.toMillis() + " ms (expected: the headers and the body within it)"));
            }
        }, readTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
