package dev.vigil.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpContentException;
import java.time.Duration;

/**
 * Netty's {@link HttpObjectAggregator}, answering a body over the limit with Vigil's JSON
 * 413 naming the limit instead of an empty one. A request that declared its length and asked
 * for {@code 100-continue} is refused before its body is sent, and the connection closed; one
 * that declared its length on a keep-alive connection is refused and its body read and dropped
 * (as Netty does); any other (the body already partly aggregated, or no declared length) is
 * refused and the connection closed. One per connection; not sharable.
 */
final class ImageBodyAggregator extends HttpObjectAggregator {
    private final Runnable onTooLarge;

    /** @param onTooLarge told of every body refused (for the error counter); runs on the event loop */
    ImageBodyAggregator(int maxContentLength, Runnable onTooLarge) {
        // close after refusing a 100-continue: the client will not send the body it announced,
        // so the connection's next bytes could not be told apart from that body
        super(maxContentLength, true);
        this.onTooLarge = onTooLarge;
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse r && r.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
            ((FullHttpResponse) r).release();
            onTooLarge.run();
            FullHttpResponse refused = tooLarge(start, maxContentLength());
            refused.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return refused;
        }
        return response;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof io.netty.handler.codec.http.HttpRequest)) {
            throw new TooLongHttpContentException("body: more than " + maxContentLength() + " bytes (expected: <= " + maxContentLength() + ")");
        }
        onTooLarge.run();
        FullHttpResponse response = tooLarge(oversized, maxContentLength());
        if (oversized instanceof FullHttpMessage || !HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized)) {
            // part of the body is consumed already, or the client will not send another request: close
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    private static FullHttpResponse tooLarge(HttpMessage start, int max) {
        long declared = HttpUtil.getContentLength(start, -1L);
        String size = declared >= 0 ? declared + " bytes" : "more than " + max + " bytes";
        FullHttpResponse response = new HttpError(HttpError.Code.PAYLOAD_TOO_LARGE, "body: " + size + " (expected: <= " + max
                + ", room for an image and its source of at most " + (max - HttpServer.FORM_OVERHEAD) / 2 + " bytes each)").response(Duration.ZERO);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return response;
    }
}
