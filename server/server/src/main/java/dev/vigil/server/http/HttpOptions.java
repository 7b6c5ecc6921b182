package dev.vigil.server.http;

import dev.vigil.engine.image.DecodeLimits;
import java.time.Duration;

/**
 * Knobs of the HTTP endpoint; {@link #defaults()} work on a laptop. Immutable.
 *
 * @param maxImageBytes largest image accepted, as the raw body or as one multipart part
 *     (default {@link DecodeLimits#DEFAULT_MAX_BYTES}, the decoder's own limit: see
 *     {@link #forLimits}); a larger one is answered 413 naming the limit. The largest body
 *     read is {@link #maxContentLength()}: room for an image, its source and the form around them.
 * @param maxInFlight score requests served at once over HTTP (default 256); one more is answered
 *     503 OVERLOADED with Retry-After, at once, without queueing
 * @param retryAfter what Retry-After tells a client refused as overloaded or shutting down
 *     (default 1 s, sent in whole seconds, at least 1)
 * @param maxTimeout largest {@code timeout_ms} a request may ask for (default 60 s)
 * @param ioThreads Netty event-loop threads for accepting, reading and writing (default 2);
 *     scoring runs on the gate's own threads
 * @param idleTimeout a connection that neither reads nor writes for this long is closed
 *     (default 60 s); requests being scored keep theirs open
 * @param drainTimeout how long {@link HttpServer#close()} waits for requests in flight to be
 *     answered before closing their connections (default 10 s)
 */
public record HttpOptions(int maxImageBytes, int maxInFlight, Duration retryAfter, Duration maxTimeout, int ioThreads, Duration idleTimeout,
                          Duration drainTimeout) {
    /** Room in a multipart body for the boundaries, part headers and the small fields. */
    static final int FORM_OVERHEAD = 64 * 1024;

    private static final HttpOptions DEFAULTS = new HttpOptions(DecodeLimits.DEFAULT_MAX_BYTES, 256, Duration.ofSeconds(1), Duration.ofSeconds(60), 2,
            Duration.ofSeconds(60), Duration.ofSeconds(10));

    public HttpOptions {
        if (maxImageBytes <= 0 || maxImageBytes > (Integer.MAX_VALUE - FORM_OVERHEAD) / 2) {
            throw new IllegalArgumentException("maxImageBytes: " + maxImageBytes + " (expected: > 0 and <= " + (Integer.MAX_VALUE - FORM_OVERHEAD) / 2 + ")");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
        }
        requirePositive("retryAfter", retryAfter);
        requirePositive("maxTimeout", maxTimeout);
        requirePositive("idleTimeout", idleTimeout);
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout: " + drainTimeout + " (expected: >= 0)");
        }
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }

    public static HttpOptions defaults() {
        return DEFAULTS;
    }

    /** The defaults, with images as large as {@code limits} lets the gate decode. */
    public static HttpOptions forLimits(DecodeLimits limits) {
        return DEFAULTS.withMaxImageBytes(limits.maxBytes());
    }

    /** The largest request body read: two images (output and source) and the form around them. */
    public int maxContentLength() {
        return 2 * maxImageBytes + FORM_OVERHEAD;
    }

    public HttpOptions withMaxImageBytes(int bytes) {
        return new HttpOptions(bytes, maxInFlight, retryAfter, maxTimeout, ioThreads, idleTimeout, drainTimeout);
    }

    public HttpOptions withMaxInFlight(int requests) {
        return new HttpOptions(maxImageBytes, requests, retryAfter, maxTimeout, ioThreads, idleTimeout, drainTimeout);
    }

    public HttpOptions withRetryAfter(Duration d) {
        return new HttpOptions(maxImageBytes, maxInFlight, d, maxTimeout, ioThreads, idleTimeout, drainTimeout);
    }

    public HttpOptions withMaxTimeout(Duration d) {
        return new HttpOptions(maxImageBytes, maxInFlight, retryAfter, d, ioThreads, idleTimeout, drainTimeout);
    }

    public HttpOptions withIoThreads(int threads) {
        return new HttpOptions(maxImageBytes, maxInFlight, retryAfter, maxTimeout, threads, idleTimeout, drainTimeout);
    }

    public HttpOptions withIdleTimeout(Duration d) {
        return new HttpOptions(maxImageBytes, maxInFlight, retryAfter, maxTimeout, ioThreads, d, drainTimeout);
    }

    public HttpOptions withDrainTimeout(Duration d) {
        return new HttpOptions(maxImageBytes, maxInFlight, retryAfter, maxTimeout, ioThreads, idleTimeout, d);
    }
}
