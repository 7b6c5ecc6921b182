package dev.vigil.client;

import dev.vigil.protocol.FrameDecoder;
import dev.vigil.protocol.FrameEncoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Asynchronous client for a Vigil server (server/PROTOCOL.md): many score calls pipelined over a
 * small pool of connections, each call retried on retryable failures and bounded by its timeout.
 * <b>Fail-closed:</b> a call that gets no verdict (server ERROR, lost connection, timeout)
 * completes with a BLOCK whose {@link ClientVerdict#failedClosed()} is true and whose
 * {@link ClientVerdict#error()} says why, unless the client was built with
 * {@code optSurfaceErrors(true)}, in which case the future fails with a {@link VigilClientException}.
 *
 * <pre>{@code
 * try (VigilClient vigil = VigilClient.builder().setAddress("127.0.0.1", 7070).optToken(token).build()) {
 *     ClientVerdict v = vigil.score(ScoreCall.of(ClientImage.encoded(png))).join();
 *     if (v.allowed()) { return png; }
 * }
 * }</pre>
 *
 * <p>Thread-safe; one instance is meant to be shared by the whole process. It owns its I/O
 * threads and connections and frees them in {@link #close()}. Futures complete on those I/O
 * threads: hand heavy follow-up work to an executor ({@code thenApplyAsync}) rather than block
 * them. Connections are opened on first use, not by {@link Builder#build()}.
 */
public final class VigilClient implements AutoCloseable {
    /** Largest server frame accepted; the server's answers are verdicts of a few KiB. */
    static final int MAX_SERVER_FRAME = 16 << 20;

    // Copied from the builder, which stays the caller's to change.
    private final Duration timeout;
    private final Duration connectTimeout;
    private final int maxAttempts;
    private final boolean surfaceErrors;
    private final String token;
    private final String clientName;
    private final String tlsServerName;
    private final int tlsPort;
    private final SocketAddress address;
    private final String addressText;
    private final SslContext ssl;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final Backoff retryBackoff;
    private final List<ConnectionSlot> slots;
    private final AtomicInteger nextSlot = new AtomicInteger();
    private final Set<ScoreExchange> unfinished = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private VigilClient(Builder b, SslContext ssl) {
        this.timeout = b.timeout;
        this.connectTimeout = b.connectTimeout;
        this.maxAttempts = b.maxAttempts;
        this.surfaceErrors = b.surfaceErrors;
        this.token = b.token;
        this.clientName = b.clientName;
        this.tlsServerName = b.tlsServerName != null ? b.tlsServerName : b.unixSocket != null ? "localhost" : b.host;
        this.tlsPort = b.unixSocket != null ? -1 : b.port;
        this.ssl = ssl;
        this.transport = b.nativeTransport ? Transport.best() : Transport.NIO;
        this.address = b.unixSocket != null ? transport.unixAddress(b.unixSocket) : InetSocketAddress.createUnresolved(b.host, b.port);
        this.addressText = b.unixSocket != null ? "unix:" + b.unixSocket : b.host + ":" + b.port;
        this.retryBackoff = new Backoff(b.retryBackoffInitial, b.retryBackoffMax);
        this.group = new MultiThreadIoEventLoopGroup(b.ioThreads, new DefaultThreadFactory("vigil-client", true),
                transport.ioHandlerFactory());
        this.bootstrap = new Bootstrap().group(group).channel(transport.channelType(b.unixSocket != null))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, b.connectTimeout.toMillis()));
        if (b.unixSocket == null) {
            bootstrap.option(ChannelOption.TCP_NODELAY, true);
        }
        Backoff reconnect = new Backoff(b.reconnectBackoffInitial, b.reconnectBackoffMax);
        List<ConnectionSlot> pool = new ArrayList<>(b.connections);
        for (int i = 0; i < b.connections; i++) {
            pool.add(new ConnectionSlot(this, reconnect));
        }
        this.slots = List.copyOf(pool);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Scores one image. Never blocks. The future completes with the server's verdict or, when
     * none could be had within the call's timeout and attempts, with a fail-closed BLOCK (or
     * exceptionally with a {@link VigilClientException} when errors are surfaced). Cancelling
     * the future sends CANCEL for the request in flight.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<ClientVerdict> score(ScoreCall call) {
        Objects.requireNonNull(call, "call");
        if (closed) {
            throw new IllegalStateException("client closed");
        }
        Duration callTimeout = call.timeout() != null ? call.timeout() : timeout;
        ScoreExchange exchange = new ScoreExchange(this, call, callTimeout.toNanos());
        unfinished.add(exchange);
        if (closed) {
            // close() ran between the check above and add(): it may not have seen this call.
            unfinished.remove(exchange);
            exchange.fail(ErrorCode.CLIENT_CLOSED, false, "client closed");
        } else {
            exchange.start();
        }
        return exchange.result();
    }

    /**
     * Fails every unfinished call as {@link ErrorCode#CLIENT_CLOSED} (BLOCK, or the exception
     * when surfaced), closes the connections and stops the I/O threads, waiting for them unless
     * called from one of them. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ScoreExchange exchange : List.copyOf(unfinished)) {
            exchange.fail(ErrorCode.CLIENT_CLOSED, false, "client closed");
        }
        for (ConnectionSlot slot : slots) {
            slot.close();
        }
        io.netty.util.concurrent.Future<?> terminated = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        boolean onIoThread = false;
        for (EventExecutor executor : group) {
            onIoThread |= executor.inEventLoop();
        }
        if (!onIoThread) {
            terminated.awaitUninterruptibly();
        }
    }

    /** "host:port" or "unix:/path", as the client was configured. */
    public String address() {
        return addressText;
    }

    boolean isClosed() {
        return closed;
    }

    boolean surfaceErrors() {
        return surfaceErrors;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    Backoff retryBackoff() {
        return retryBackoff;
    }

    String addressText() {
        return addressText;
    }

    void forget(ScoreExchange exchange) {
        unfinished.remove(exchange);
    }

    /** Runs {@code task} on an I/O thread after {@code delayNanos}; throws RejectedExecutionException once closed. */
    Future<?> schedule(Runnable task, long delayNanos) {
        return group.next().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Round-robin over the pool, so that every slot gets its connection: the next slot when it is
     * ready with room or free to connect now; else (it is reconnecting, backing off or full)
     * another slot ready with room; else the next slot anyway, to wait for it.
     */
    ConnectionSlot pickSlot() {
        int start = Math.floorMod(nextSlot.getAndIncrement(), slots.size());
        ConnectionSlot next = slots.get(start);
        if (next.readyWithCapacity() != null || next.idle()) {
            return next;
        }
        for (int i = 1; i < slots.size(); i++) {
            ConnectionSlot slot = slots.get((start + i) % slots.size());
            if (slot.readyWithCapacity() != null) {
                return slot;
            }
        }
        return next;
    }

    ClientConnection newConnection(ConnectionSlot slot, CompletableFuture<ClientConnection> ready) {
        return new ClientConnection(slot, ready, token, clientName, connectTimeout.toNanos());
    }

    ChannelFuture connect(ClientConnection connection) {
        return bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (ssl != null) {
                    SslHandler handler = ssl.newHandler(ch.alloc(), tlsServerName, tlsPort);
                    handler.setHandshakeTimeoutMillis(connectTimeout.toMillis());
                    ch.pipeline().addLast("tls", handler);
                }
                ch.pipeline().addLast("decoder", new FrameDecoder(MAX_SERVER_FRAME));
                ch.pipeline().addLast("encoder", FrameEncoder.INSTANCE);
                ch.pipeline().addLast("connection", connection);
            }
        }).connect(address);
    }

    /**
     * Configures a {@link VigilClient}: {@code setAddress} (or {@code setUnixSocket}) is required;
     * every {@code opt*} has a default that works against a server on the same machine. Not thread-safe.
     */
    public static final class Builder {
        private String host;
        private int port;
        private Path unixSocket;
        private String token = "";
        private String clientName = "vigil-java-client/0.1.0";
        private int connections = 1;
        private int ioThreads = 1;
        private Duration timeout = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(3);
        private int maxAttempts = 3;
        private Duration retryBackoffInitial = Duration.ofMillis(25);
        private Duration retryBackoffMax = Duration.ofSeconds(1);
        private Duration reconnectBackoffInitial = Duration.ofMillis(100);
        private Duration reconnectBackoffMax = Duration.ofSeconds(5);
        private Path trustedCertificates;
        private Path clientCertificateChain;
        private Path clientPrivateKey;
        private String tlsServerName;
        private boolean surfaceErrors;
        private boolean nativeTransport = true;

        private Builder() {
        }

        /** The server's TCP address. Required (or another {@code setAddress}/{@code setUnixSocket}). */
        public Builder setAddress(String host, int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
            }
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            this.unixSocket = null;
            return this;
        }

        /**
         * The server's address as {@code host:port}, {@code [ipv6]:port} or {@code unix:/path/to/socket},
         * the form the Python client and the command line take.
         */
        public Builder setAddress(String address) {
            if (address.startsWith("unix:")) {
                return setUnixSocket(Path.of(address.substring("unix:".length())));
            }
            int colon = address.lastIndexOf(':');
            if (colon <= 0 || colon == address.length() - 1) {
                throw new IllegalArgumentException("address: " + address + " (expected: host:port or unix:/path)");
            }
            String h = address.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            try {
                return setAddress(h, Integer.parseInt(address.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("address: " + address + " (expected: host:port or unix:/path)", e);
            }
        }

        /** The server's Unix domain socket. Required (or a {@code setAddress}). */
        public Builder setUnixSocket(Path path) {
            this.unixSocket = Objects.requireNonNull(path, "path");
            this.host = null;
            return this;
        }

        /** Sent in HELLO; the server refuses the connection (UNAUTHENTICATED) when it requires another. Default: none. */
        public Builder optToken(String token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /** Sent in HELLO for the server's logs. Default: {@code vigil-java-client/0.1.0}. */
        public Builder optClientName(String clientName) {
            this.clientName = Objects.requireNonNull(clientName, "clientName");
            return this;
        }

        /**
         * Connections in the pool, each carrying many requests at once. One is enough for most
         * generators; more spread work over server I/O threads. Default 1, at most 64.
         */
        public Builder optConnections(int connections) {
            if (connections < 1 || connections > 64) {
                throw new IllegalArgumentException("connections: " + connections + " (expected: 1..64)");
            }
            this.connections = connections;
            return this;
        }

        /** The client's I/O threads. Default 1, which keeps up with one busy server. */
        public Builder optIoThreads(int ioThreads) {
            if (ioThreads < 1) {
                throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
            }
            this.ioThreads = ioThreads;
            return this;
        }

        /**
         * How long a call waits for a verdict, retries included, unless the {@link ScoreCall} sets
         * its own; past it the call is a fail-closed BLOCK ({@link ErrorCode#TIMEOUT}). The time
         * left is sent as the request's timeout, so the server drops work nobody waits for. Default 5 s.
         */
        public Builder optTimeout(Duration timeout) {
            this.timeout = positive("timeout", timeout);
            return this;
        }

        /** Longest wait for TCP connect, TLS handshake and HELLO_OK together. Default 3 s. */
        public Builder optConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("connectTimeout", connectTimeout);
            return this;
        }

        /**
         * Attempts per call, the first included, for retryable failures (OVERLOADED,
         * DEADLINE_EXCEEDED, SHUTTING_DOWN, INTERNAL, a lost or refused connection); 1 turns
         * retries off. Scoring is idempotent, so a request lost with its connection is sent again. Default 3.
         */
        public Builder optMaxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Pause before a retry: jittered, doubling from {@code initial} up to {@code max}. Default 25 ms to 1 s. */
        public Builder optRetryBackoff(Duration initial, Duration max) {
            new Backoff(initial, max);
            this.retryBackoffInitial = initial;
            this.retryBackoffMax = max;
            return this;
        }

        /**
         * Pause before reopening a connection: after a drop, jittered up to {@code initial}; after
         * consecutive failed connects, doubling up to {@code max}. Default 100 ms to 5 s.
         */
        public Builder optReconnectBackoff(Duration initial, Duration max) {
            new Backoff(initial, max);
            this.reconnectBackoffInitial = initial;
            this.reconnectBackoffMax = max;
            return this;
        }

        /** Connect with TLS, trusting the certificates in this PEM file (the server's or its CA's). Default: plain text. */
        public Builder optTls(Path trustedCertificatesPem) {
            this.trustedCertificates = Objects.requireNonNull(trustedCertificatesPem, "trustedCertificatesPem");
            return this;
        }

        /** Present this certificate chain and PKCS#8 private key (both PEM) when the server asks for one. Needs {@link #optTls}. */
        public Builder optClientCertificate(Path certificateChainPem, Path privateKeyPem) {
            this.clientCertificateChain = Objects.requireNonNull(certificateChainPem, "certificateChainPem");
            this.clientPrivateKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
            return this;
        }

        /** The host name the server's certificate must name (and SNI). Default: the host connected to; {@code localhost} for a Unix socket. */
        public Builder optTlsServerName(String serverName) {
            this.tlsServerName = Objects.requireNonNull(serverName, "serverName");
            return this;
        }

        /**
         * When true, a call without a verdict completes exceptionally with a
         * {@link VigilClientException} instead of a fail-closed BLOCK. The caller then owns the
         * decision of what to do with the image. Default false.
         */
        public Builder optSurfaceErrors(boolean surfaceErrors) {
            this.surfaceErrors = surfaceErrors;
            return this;
        }

        /** False forces Java NIO even where native epoll is available. Default true. */
        public Builder optNativeTransport(boolean nativeTransport) {
            this.nativeTransport = nativeTransport;
            return this;
        }

        /**
         * The client, ready to use; it connects on the first call.
         *
         * @throws IllegalStateException    when no address was set, or a client certificate without TLS
         * @throws IllegalArgumentException when a TLS file cannot be parsed, {@link UncheckedIOException}
         *                                  when one cannot be read (both naming the files)
         */
        public VigilClient build() {
            if (host == null && unixSocket == null) {
                throw new IllegalStateException("address: not set (setAddress or setUnixSocket is required)");
            }
            if (clientCertificateChain != null && trustedCertificates == null) {
                throw new IllegalStateException("clientCertificate: set without optTls");
            }
            return new VigilClient(this, sslContext());
        }

        private SslContext sslContext() {
            if (trustedCertificates == null) {
                return null;
            }
            try {
                SslContextBuilder b = SslContextBuilder.forClient()
                        .trustManager(trustedCertificates.toFile())
                        .endpointIdentificationAlgorithm("HTTPS");
                if (clientCertificateChain != null) {
                    b.keyManager(clientCertificateChain.toFile(), clientPrivateKey.toFile());
                }
                return b.build();
            } catch (IOException e) {
                throw new UncheckedIOException("TLS files " + trustedCertificates
                        + (clientCertificateChain != null ? ", " + clientCertificateChain + ", " + clientPrivateKey : "") + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("TLS files " + trustedCertificates
                        + (clientCertificateChain != null ? ", " + clientCertificateChain + ", " + clientPrivateKey : "") + ": " + e.getMessage(), e);
            }
        }

        private static Duration positive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
            }
            return value;
        }
    }
}
