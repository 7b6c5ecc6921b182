package dev.vigil.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vigil.engine.GateException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * A request answered with an error instead of a verdict: the status, the error code (the binary
 * protocol's name where it has one) and a message naming the field, the value and the limit.
 * {@link #of} is the one place that turns the engine's exceptions into HTTP errors.
 */
final class HttpError extends RuntimeException {
    /** Error codes and their statuses. */
    enum Code {
        BAD_REQUEST(HttpResponseStatus.BAD_REQUEST),
        NOT_FOUND(HttpResponseStatus.NOT_FOUND),
        METHOD_NOT_ALLOWED(HttpResponseStatus.METHOD_NOT_ALLOWED),
        PAYLOAD_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE),
        UNSUPPORTED_MEDIA_TYPE(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE),
        /** Retryable: the in-flight limit is reached; Retry-After says when. */
        OVERLOADED(HttpResponseStatus.SERVICE_UNAVAILABLE),
        /** Retryable: the server is draining; try another. */
        SHUTTING_DOWN(HttpResponseStatus.SERVICE_UNAVAILABLE),
        INTERNAL(HttpResponseStatus.INTERNAL_SERVER_ERROR);

        final HttpResponseStatus status;

        Code(HttpResponseStatus status) {
            this.status = status;
        }
    }

    private static final JsonFactory JSON = new JsonFactory();

    final Code code;

    HttpError(Code code, String message) {
        this(code, message, null);
    }

    /** @param cause the unexpected failure behind an INTERNAL error, for the log; null for a refused request */
    HttpError(Code code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    /**
     * The error to answer for {@code failure}: itself, BAD_REQUEST for the engine's refusals of a
     * request (unknown policy, invalid field), INTERNAL for anything else.
     */
    static HttpError of(Throwable failure) {
        Throwable t = failure;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof HttpError e) {
            return e;
        }
        if (t instanceof GateException) {
            return new HttpError(Code.BAD_REQUEST, t.getMessage());
        }
        return new HttpError(Code.INTERNAL, t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()), t);
    }

    /**
     * The response: {@code {"error": {"code": "...", "message": "..."}}} with the code's status,
     * and for the retryable codes a Retry-After of {@code retryAfter} in whole seconds (at least 1).
     */
    FullHttpResponse response(Duration retryAfter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code.name());
            g.writeStringField("message", getMessage());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, code.status, Unpooled.wrappedBuffer(out.toByteArray()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        if (code == Code.OVERLOADED || code == Code.SHUTTING_DOWN) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, (retryAfter.toMillis() + 999) / 1000));
        }
        return response;
    }
}
