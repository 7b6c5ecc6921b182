package dev.vigil.server.http;

import dev.vigil.engine.ScoreRequest;
import dev.vigil.server.ListenerPolicy;
import dev.vigil.engine.image.EncodedImage;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpData;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code POST /v1/score} request into a {@link ScoreRequest}: the image as the raw body
 * ({@code Content-Type: image/*} or {@code application/octet-stream}) or as the {@code image}
 * part of a {@code multipart/form-data} body, with an optional {@code source} part (the photo an
 * edit started from); {@code policy}, {@code timeout_ms} and {@code request_id} as query
 * parameters or form fields. Anything else is refused with an {@link HttpError} naming the
 * field, the value and what was expected: an unknown or repeated parameter, a bad number, an
 * empty image (400), an image over the limit (413), another content type (415). The image bytes
 * are copied out of the request, which the caller still owns and releases. Stateless.
 */
final class ScoreRequestReader {
    static final String IMAGE = "image";
    static final String SOURCE = "source";
    static final String POLICY = "policy";
    static final String TIMEOUT_MS = "timeout_ms";
    static final String REQUEST_ID = "request_id";
    static final String RECEIPT = "receipt";
    private static final Set<String> PARAMETERS = Set.of(POLICY, TIMEOUT_MS, REQUEST_ID, RECEIPT);
    private static final String EXPECTED_PARAMETERS = "expected: policy, timeout_ms, request_id, receipt";
    private static final int MAX_REQUEST_ID = 128;
    /** A form carries at most image, source and the three parameters; a few more are refused by name. */
    private static final int MAX_FORM_FIELDS = 16;

    private ScoreRequestReader() {
    }

    static ScoreRequest read(FullHttpRequest request, ListenerPolicy options) {
        Map<String, String> params = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : new QueryStringDecoder(request.uri()).parameters().entrySet()) {
            for (String value : e.getValue()) {
                put(params, e.getKey(), value);
            }
        }
        String mime = mimeType(request);
        byte[] image;
        byte[] source = null;
        if (mime.equals("multipart/form-data")) {
            Map<String, byte[]> parts = readForm(request, params, options);
            image = parts.get(IMAGE);
            if (image == null) {
                throw new HttpError(HttpError.Code.BAD_REQUEST, "image: missing (expected: a multipart part named image)");
            }
            source = parts.get(SOURCE);
        } else if (mime.startsWith("image/") || mime.equals("application/octet-stream")) {
            image = body(request, options);
        } else {
            throw new HttpError(HttpError.Code.UNSUPPORTED_MEDIA_TYPE, "Content-Type: " + (mime.isEmpty() ? "none" : mime)
                    + " (expected: image/*, application/octet-stream or multipart/form-data)");
        }
        return new ScoreRequest(params.get(REQUEST_ID), new EncodedImage(image), source == null ? null : new EncodedImage(source),
                params.get(POLICY), timeout(params.get(TIMEOUT_MS), options));
    }

    private static String mimeType(FullHttpRequest request) {
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null) {
            return "";
        }
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static byte[] body(FullHttpRequest request, ListenerPolicy options) {
        int length = request.content().readableBytes();
        checkImageSize(IMAGE, length, options);
        return ByteBufUtil.getBytes(request.content());
    }

    private static Map<String, byte[]> readForm(FullHttpRequest request, Map<String, String> params, ListenerPolicy options) {
        Map<String, byte[]> parts = new LinkedHashMap<>();
        HttpPostRequestDecoder decoder = null;
        try {
            // In memory: the aggregated body is already there, bounded by maxContentLength.
            decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), request, StandardCharsets.UTF_8, MAX_FORM_FIELDS, -1);
            for (InterfaceHttpData data : decoder.getBodyHttpDatas()) {
                String name = data.getName();
                if (!(data instanceof HttpData part)) {
                    continue;
                }
                if (name.equals(IMAGE) || name.equals(SOURCE)) {
                    if (parts.containsKey(name)) {
                        throw new HttpError(HttpError.Code.BAD_REQUEST, name + ": given twice (expected: once)");
                    }
                    checkImageSize(name, part.length(), options);
                    parts.put(name, part.get());
                } else if (data instanceof Attribute attribute) {
                    put(params, name, attribute.getValue());
                } else if (PARAMETERS.contains(name)) {
                    throw new HttpError(HttpError.Code.BAD_REQUEST, name + ": a file (expected: a plain form field)");
                } else {
                    throw new HttpError(HttpError.Code.BAD_REQUEST, "unknown part: " + name + " (expected: image, source, policy, timeout_ms, request_id)");
                }
            }
        } catch (DecoderException | IOException e) {
            throw new HttpError(HttpError.Code.BAD_REQUEST, "multipart body: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        } finally {
            if (decoder != null) {
                decoder.destroy();
            }
        }
        return parts;
    }

    private static void put(Map<String, String> params, String name, String value) {
        if (!PARAMETERS.contains(name)) {
            throw new HttpError(HttpError.Code.BAD_REQUEST, "unknown parameter: " + name + " (" + EXPECTED_PARAMETERS + ")");
        }
        if (params.containsKey(name)) {
            throw new HttpError(HttpError.Code.BAD_REQUEST, name + ": given twice (expected: once, as a query parameter or a form field)");
        }
        if (value.isEmpty()) {
            throw new HttpError(HttpError.Code.BAD_REQUEST, name + ": empty (expected: a value, or leave the parameter out)");
        }
        if (name.equals(REQUEST_ID) && value.length() > MAX_REQUEST_ID) {
            throw new HttpError(HttpError.Code.BAD_REQUEST, "request_id: " + value.length() + " characters (expected: <= " + MAX_REQUEST_ID + ")");
        }
        params.put(name, value);
    }

    private static void checkImageSize(String field, long length, ListenerPolicy options) {
        if (length == 0) {
            throw new HttpError(HttpError.Code.BAD_REQUEST, field + ": 0 bytes (expected: an encoded image)");
        }
        if (length > options.maxImageBytes()) {
            throw new HttpError(HttpError.Code.PAYLOAD_TOO_LARGE, field + ": " + length + " bytes (expected: <= " + options.maxImageBytes() + ")");
        }
    }

    /**
     * Whether the query asks for the audit receipt ({@code receipt=true}): the verdict's JSON
     * then carries the inclusion proof of its record against a signed checkpoint.
     */
    static boolean receipt(QueryStringDecoder uri) {
        List<String> values = uri.parameters().get(RECEIPT);
        if (values == null || values.isEmpty()) {
            return false;
        }
        String v = values.get(0);
        if (v.equals("true") || v.equals("false")) {
            return v.equals("true");
        }
        throw new HttpError(HttpError.Code.BAD_REQUEST, "receipt: " + v + " (expected: true or false)");
    }

    /** The deadline a score request's query asks for (the default when it names none); a bad value is an HttpError. */
    static Duration timeout(QueryStringDecoder uri, ListenerPolicy options) {
        List<String> values = uri.parameters().get(TIMEOUT_MS);
        return timeout(values == null || values.isEmpty() ? null : values.get(0), options);
    }

    private static Duration timeout(String value, ListenerPolicy options) {
        if (value == null) {
            return options.defaultTimeout();
        }
        long max = options.maxTimeout().toMillis();
        long ms;
        try {
            ms = Long.parseLong(value);
        } catch (NumberFormatException e) {
            ms = -1;
        }
        if (ms < 1 || ms > max) {
            throw new HttpError(HttpError.Code.BAD_REQUEST, "timeout_ms: " + value + " (expected: an integer in [1, " + max + "])");
        }
        return Duration.ofMillis(ms);
    }
}
