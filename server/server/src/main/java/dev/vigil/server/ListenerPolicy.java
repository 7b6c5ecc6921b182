package dev.vigil.server;

import dev.vigil.engine.MemoryBudget;
import dev.vigil.protocol.FrameLayout;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * The one set of rules every listener obeys, whatever it speaks (the binary protocol over TCP or
 * a Unix socket, HTTP): who may talk (token, TLS, client certificates), how much (connections,
 * requests in flight, bytes held, image size, deadlines) and for how long (header and body read,
 * idle, shutdown). {@link FrontDoor} enforces it, one instance shared by every listener of a
 * process. Immutable; built with {@link #builder()}, whose defaults work on a laptop.
 *
 * @param token                    the token every client must present (HELLO's token, HTTP's
 *                                 {@code Authorization: Bearer}); null: none required
 * @param allowUnauthenticated     whether a listener may bind a non-loopback address without a
 *                                 token (default false: refused at start)
 * @param tls                      TLS on every listener, mutual when it names client CAs; null: plain
 * @param maxConnections           open connections over every listener at once (default 1024);
 *                                 one more is answered OVERLOADED (or 503) and closed
 * @param maxInFlight              requests in flight over every listener at once (default 1024);
 *                                 one more is answered OVERLOADED (or 503) at once
 * @param maxInFlightPerConnection requests in flight on one binary connection (default 64,
 *                                 announced in HELLO_OK); HTTP/1.1 serves one at a time
 * @param maxImageBytes            largest encoded or raw image (default 32 MiB); more is BAD_REQUEST (or 413)
 * @param maxFrame                 largest binary frame (default 32 MiB + 4 KiB); HTTP bodies may be
 *                                 two images and a form
 * @param memoryBudget             bytes held by requests in every state at once: unfinished bodies
 *                                 and frames, queued encoded images, decoded pixels (default
 *                                 512 MiB); beyond it new work is refused retryably
 * @param defaultTimeout           deadline of a request that sets none (default 5 s)
 * @param maxTimeout               largest deadline a request may ask for (default 60 s); more is BAD_REQUEST
 * @param idleTimeout              a connection with nothing in flight and no traffic this long is closed (default 120 s)
 * @param requestReadTimeout       a request's headers and body (HTTP) or a frame (binary, HELLO
 *                                 included) must arrive within this long of its first byte
 *                                 (default 30 s): slow senders are closed, not waited for
 * @param shutdownGrace            how long in-flight requests may finish after a stop (default 10 s)
 * @param retryAfter               what a refusal tells a client to wait when no estimate is better
 *                                 (default 1 s; HTTP's Retry-After in whole seconds)
 * @param ioThreads                event-loop threads per listener kind (default: one per core)
 */
public record ListenerPolicy(String token, boolean allowUnauthenticated, TlsConfig tls, int maxConnections, int maxInFlight,
                             int maxInFlightPerConnection, int maxImageBytes, int maxFrame, long memoryBudget, Duration defaultTimeout,
                             Duration maxTimeout, Duration idleTimeout, Duration requestReadTimeout, Duration shutdownGrace,
                             Duration retryAfter, int ioThreads) {
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 64;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_REQUEST_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    public ListenerPolicy {
        if (token != null && token.isEmpty()) {
            throw new IllegalArgumentException("token: empty (expected: a non-empty token, or none)");
        }
        atLeast("maxConnections", maxConnections, 1);
        atLeast("maxInFlight", maxInFlight, 1);
        atLeast("maxInFlightPerConnection", maxInFlightPerConnection, 1);
        atLeast("maxImageBytes", maxImageBytes, 1);
        atLeast("maxFrame", maxFrame, 64);
        atLeast("ioThreads", ioThreads, 1);
        if (memoryBudget < 1) {
            throw new IllegalArgumentException("memoryBudget: " + memoryBudget + " (expected: >= 1 byte)");
        }
        positive("defaultTimeout", defaultTimeout);
        positive("maxTimeout", maxTimeout);
        positive("idleTimeout", idleTimeout);
        positive("requestReadTimeout", requestReadTimeout);
        positive("retryAfter", retryAfter);
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace: " + shutdownGrace + " (expected: >= 0)");
        }
        if (defaultTimeout.compareTo(maxTimeout) > 0) {
            throw new IllegalArgumentException("defaultTimeout: " + defaultTimeout + " (expected: <= maxTimeout " + maxTimeout + ")");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every rule at its default: no token, plain, loopback only. */
    public static ListenerPolicy defaults() {
        return builder().build();
    }

    /** A builder holding this policy's values, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.token = token;
        b.allowUnauthenticated = allowUnauthenticated;
        b.tls = tls;
        b.maxConnections = maxConnections;
        b.maxInFlight = maxInFlight;
        b.maxInFlightPerConnection = maxInFlightPerConnection;
        b.maxImageBytes = maxImageBytes;
        b.maxFrame = maxFrame;
        b.memoryBudget = memoryBudget;
        b.defaultTimeout = defaultTimeout;
        b.maxTimeout = maxTimeout;
        b.idleTimeout = idleTimeout;
        b.requestReadTimeout = requestReadTimeout;
        b.shutdownGrace = shutdownGrace;
        b.retryAfter = retryAfter;
        b.ioThreads = ioThreads;
        return b;
    }

    /**
     * Refuses a listener on {@code address} that anyone beyond this host could reach while no
     * token is required, unless {@link #allowUnauthenticated()}: a gate open to the network
     * without authentication is a way around it.
     *
     * @param flag how the operator names the address (for the message), e.g. {@code --bind 0.0.0.0}
     * @return whether the listener is unauthenticated and reachable from elsewhere (to warn about)
     * @throws IllegalArgumentException naming the flag that allows it
     */
    public boolean checkExposure(InetAddress address, String flag) {
        if (token != null || address.isLoopbackAddress()) {
            return false;
        }
        if (!allowUnauthenticated) {
            throw new IllegalArgumentException(flag + ": " + address.getHostAddress() + " without a token (expected: a loopback address,"
                    + " or --token-file, or --allow-unauthenticated to serve the network without one)");
        }
        return true;
    }

    private static void atLeast(String knob, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(knob + ": " + value + " (expected: >= " + min + ")");
        }
    }

    private static void positive(String knob, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(knob + ": " + d + " (expected: > 0)");
        }
    }

    /** Builds a {@link ListenerPolicy}; every value starts at its default. Not thread-safe. */
    public static final class Builder {
        private String token;
        private boolean allowUnauthenticated;
        private TlsConfig tls;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private int maxInFlightPerConnection = DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
        private int maxImageBytes = FrameLayout.DEFAULT_MAX_IMAGE_BYTES;
        private int maxFrame = FrameLayout.DEFAULT_MAX_FRAME;
        private long memoryBudget = MemoryBudget.DEFAULT_LIMIT;
        private Duration defaultTimeout = DEFAULT_TIMEOUT;
        private Duration maxTimeout = DEFAULT_MAX_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration requestReadTimeout = DEFAULT_REQUEST_READ_TIMEOUT;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private Duration retryAfter = DEFAULT_RETRY_AFTER;
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());

        private Builder() {
        }

        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder allowUnauthenticated(boolean allow) {
            this.allowUnauthenticated = allow;
            return this;
        }

        public Builder tls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        public Builder maxConnections(int max) {
            this.maxConnections = max;
            return this;
        }

        public Builder maxInFlight(int max) {
            this.maxInFlight = max;
            return this;
        }

        public Builder maxInFlightPerConnection(int max) {
            this.maxInFlightPerConnection = max;
            return this;
        }

        public Builder maxImageBytes(int bytes) {
            this.maxImageBytes = bytes;
            return this;
        }

        public Builder maxFrame(int bytes) {
            this.maxFrame = bytes;
            return this;
        }

        public Builder memoryBudget(long bytes) {
            this.memoryBudget = bytes;
            return this;
        }

        public Builder defaultTimeout(Duration d) {
            this.defaultTimeout = d;
            return this;
        }

        public Builder maxTimeout(Duration d) {
            this.maxTimeout = d;
            return this;
        }

        public Builder idleTimeout(Duration d) {
            this.idleTimeout = d;
            return this;
        }

        public Builder requestReadTimeout(Duration d) {
            this.requestReadTimeout = d;
            return this;
        }

        public Builder shutdownGrace(Duration d) {
            this.shutdownGrace = d;
            return this;
        }

        public Builder retryAfter(Duration d) {
            this.retryAfter = d;
            return this;
        }

        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        /** @throws IllegalArgumentException naming the knob, its value and the limit */
        public ListenerPolicy build() {
            return new ListenerPolicy(token, allowUnauthenticated, tls, maxConnections, maxInFlight, maxInFlightPerConnection, maxImageBytes,
                    maxFrame, memoryBudget, Objects.requireNonNull(defaultTimeout, "defaultTimeout"), maxTimeout, idleTimeout,
                    requestReadTimeout, shutdownGrace, retryAfter, ioThreads);
        }
    }
}
