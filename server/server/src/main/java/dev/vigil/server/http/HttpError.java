package dev.vigil.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.server.Failures;
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
 * A request answered with an error instead of a verdict: the code (the binary protocol's, by
 * {@link Failures}' one mapping, or one of HTTP's own below), its status, and a message naming
 * the field, the value and the limit.
 */
final class HttpError extends RuntimeException {
    /** Error codes and their statuses: the protocol's codes first, then the ones only HTTP has. */
    enum Code {
        BAD_REQUEST(ErrorCode.BAD_REQUEST),
        UNAUTHENTICATED(ErrorCode.UNAUTHENTICATED),
        /** Retryable: the server cannot take the request on now; Retry-After says when. */
        OVERLOADED(ErrorCode.OVERLOADED),
        /** Retryable: the server is draining; try another. */
        SHUTTING_DOWN(ErrorCode.SHUTTING_DOWN),
        DEADLINE_EXCEEDED(ErrorCode.DEADLINE_EXCEEDED),
        CANCELLED(ErrorCode.CANCELLED),
        INTERNAL(ErrorCode.INTERNAL),
        NOT_FOUND(404),
        METHOD_NOT_ALLOWED(405),
        REQUEST_TIMEOUT(408),
        PAYLOAD_TOO_LARGE(413),
        UNSUPPORTED_MEDIA_TYPE(415);

        final HttpResponseStatus status;
        final ErrorCode protocol;

        Code(ErrorCode protocol) {
            this.protocol = protocol;
            this.status = HttpResponseStatus.valueOf(Failures.httpStatus(protocol));
        }

        Code(int status) {
            this.protocol = null;
            this.status = HttpResponseStatus.valueOf(status);
        }

        /** As the protocol's code says (one mapping); HTTP's own codes are not retryable. */
        boolean retryable() {
            return protocol != null && protocol.retryable();
        }

        /** The codes a later try may succeed at after a wait: they carry Retry-After. */
        boolean waitHelps() {
            return this == OVERLOADED || this == SHUTTING_DOWN;
        }

        static Code of(ErrorCode code) {
            for (Code c : values()) {
                if (c.protocol == code) {
                    return c;
                }
            }
            return code == ErrorCode.FRAME_TOO_LARGE ? PAYLOAD_TOO_LARGE : code == ErrorCode.DUPLICATE_REQUEST_ID ? BAD_REQUEST : INTERNAL;
        }
    }

    private static final JsonFactory JSON = new JsonFactory();

    final Code code;
    /** What Retry-After says for a retryable code; null: the server's default. */
    final Duration retryAfter;

    HttpError(Code code, String message) {
        this(code, message, null);
    }

    HttpError(Code code, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** The error to answer for {@code failure}: itself, or by {@link Failures}' one mapping. */
    static HttpError of(Throwable failure) {
        Throwable t = failure;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof HttpError e) {
            return e;
        }
        return new HttpError(Code.of(Failures.code(t)), Failures.message(t, "http request"), Failures.retryAfter(t, null));
    }

    /**
     * The response: {@code {"error": {"code": "...", "message": "...", "retryable": bool}}} with
     * the code's status, and for the retryable codes a Retry-After in whole seconds (at least 1):
     * the gate's estimate when it gave one, else {@code retryAfterDefault}.
     */
    FullHttpResponse response(Duration retryAfterDefault) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code.name());
            g.writeStringField("message", getMessage());
            g.writeBooleanField("retryable", code.retryable());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, code.status, Unpooled.wrappedBuffer(out.toByteArray()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        if (code.waitHelps()) {
            Duration after = retryAfter != null ? retryAfter : retryAfterDefault;
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, (after.toMillis() + 999) / 1000));
        }
        if (code == Code.UNAUTHENTICATED) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"vigil\"");
        }
        return response;
    }
}
