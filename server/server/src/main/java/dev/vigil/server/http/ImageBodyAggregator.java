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
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.function.Function;

/**
 * Netty's {@link HttpObjectAggregator}, answering a body over the limit with Vigil's JSON
 * 413 naming the limit instead of an empty one. A request that declared its length and asked
 * for {@code 100-continue} is refused before its body is sent, and the connection closed; one
 * that declared its length on a keep-alive connection is refused and its body read and dropped
 * (as Netty does); any other (the body already partly aggregated, or no declared length) is
 * refused and the connection closed. A request that asks for {@code 100-continue} is also shown
 * to {@code beforeBody}, which may answer it at once (a 401, or a 503 when the gate would refuse
 * it for load): then its body is not asked for, and the connection closes, so shedding load
 * costs the client and the server the headers, not the image. One per connection; not sharable.
 */
final class ImageBodyAggregator extends HttpObjectAggregator {
    private final Runnable onTooLarge;
    private final Function<HttpRequest, FullHttpResponse> beforeBody;

    /**
     * @param onTooLarge told of every body refused (for the error counter); runs on the event loop
     * @param beforeBody a request that expects {@code 100-continue}: the answer to give instead
     *     of reading its body, or null to read it; runs on the event loop
     */
    ImageBodyAggregator(int maxContentLength, Runnable onTooLarge, Function<HttpRequest, FullHttpResponse> beforeBody) {
        // close after refusing a 100-continue: the client will not send the body it announced,
        // so the connection's next bytes could not be told apart from that body
        super(maxContentLength, true);
        this.onTooLarge = onTooLarge;
        this.beforeBody = beforeBody;
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
        if (response != null && start instanceof HttpRequest request) {
            FullHttpResponse early = beforeBody.apply(request);
            if (early != null) {
                ReferenceCountUtil.release(response);
                HttpUtil.setContentLength(early, early.content().readableBytes());
                early.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                return early;
            }
        }
        return response;
    }

    /** Any answer but 100 Continue ends the request: its body is not read, and the connection closes. */
    @Override
    protected boolean closeAfterContinueResponse(Object msg) {
        return ignoreContentAfterContinueResponse(msg);
    }

    @Override
    protected boolean ignoreContentAfterContinueResponse(Object msg) {
        return msg instanceof HttpResponse r && !r.status().equals(HttpResponseStatus.CONTINUE);
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
            ctx.writeAndFlush(response).addListener(dev.vigil.server.LingeringClose.AFTER_WRITE);
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
