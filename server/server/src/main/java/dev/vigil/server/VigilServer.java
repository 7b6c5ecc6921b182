package dev.vigil.server;

import dev.vigil.engine.Gate;
import dev.vigil.protocol.FrameDecoder;
import dev.vigil.protocol.FrameEncoder;
import dev.vigil.protocol.FrameLayout;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Vigil protocol server (server/PROTOCOL.md) over a {@link Gate}: TCP and/or a Unix domain
 * socket, optional TLS and token, per-connection and server-wide in-flight limits, deadlines,
 * idle close and graceful shutdown. Built with {@link #builder()}, then {@link #start()}ed;
 * {@link #stop()} (or {@link #close()}) stops accepting, sends GOAWAY, lets in-flight requests
 * finish within the shutdown grace, then closes. The server does not own the gate: close it
 * after the server. Thread-safe.
 */
public final class VigilServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VigilServer.class.getName());

    /** The binary protocol's default TCP port. */
    public static final int DEFAULT_PORT = 7461;
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 64;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_TIMEOUT = Duration.ofSeconds(60);
    /** How long past a request's deadline the server waits for the gate's own fail-closed verdict before answering DEADLINE_EXCEEDED. */
    public static final Duration DEADLINE_GRACE = Duration.ofSeconds(1);
    public static final String SERVER_NAME = "vigil 0.1.0";

    private final Builder config;
    private final InFlightLimit inFlight;
    private final ChannelGroup connections = new DefaultChannelGroup("vigil-connections", GlobalEventExecutor.INSTANCE);
    private final byte[] tokenDigest;
    private final SslContext ssl;
    private final Transport transport;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean stopping;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel tcpChannel;
    private Channel unixChannel;

    private VigilServer(Builder b) {
        this.config = b.copy();
        this.inFlight = new InFlightLimit(b.maxInFlight);
        this.tokenDigest = b.token == null ? null : sha256(b.token);
        this.ssl = b.tls == null ? null : b.tls.serverContext();
        this.transport = b.transport.resolve();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listeners. Throws {@link UncheckedIOException} naming the address when one cannot
     * be bound; whatever was started is stopped again.
     */
    public VigilServer start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("server: already started");
        }
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("vigil-accept", true), transport.ioHandlerFactory());
        workers = new MultiThreadIoEventLoopGroup(config.ioThreads, new DefaultThreadFactory("vigil-io", true), transport.ioHandlerFactory());
        try {
            if (config.port >= 0) {
                ServerBootstrap tcp = bootstrap(transport.tcpChannel()).childOption(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.SO_REUSEADDR, true);
                tcpChannel = bind(tcp, new InetSocketAddress(config.bind, config.port), "tcp " + config.bind.getHostAddress() + ":" + config.port);
            }
            if (config.unixSocket != null) {
                removeStaleSocket(config.unixSocket);
                unixChannel = bind(bootstrap(transport.unixChannel()), transport.unixAddress(config.unixSocket), "unix " + config.unixSocket);
            }
        } catch (RuntimeException e) {
            shutdownEventLoops();
            throw e;
        }
        return this;
    }

    private ServerBootstrap bootstrap(Class<? extends io.netty.channel.ServerChannel> channel) {
        return new ServerBootstrap().group(boss, workers).channel(channel).childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                    p.addLast("tls", ssl.newHandler(ch.alloc()));
                }
                p.addLast("idle", new IdleStateHandler(0, 0, config.idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
                // until HELLO is accepted, no frame larger than the largest HELLO
                p.addLast("decoder", new FrameDecoder(Math.min(config.maxFrame, FrameLayout.HELLO_MAX_FRAME)));
                p.addLast("encoder", FrameEncoder.INSTANCE);
                p.addLast("connection", new ConnectionHandler(VigilServer.this));
            }
        });
    }

    private static Channel bind(ServerBootstrap b, SocketAddress address, String what) {
        var future = b.bind(address).awaitUninterruptibly();
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            throw new UncheckedIOException(what + ": " + cause.getMessage(),
                    cause instanceof IOException io ? io : new IOException(cause));
        }
        return future.channel();
    }

    /** A socket file left by a server that did not stop cleanly is removed; any other file is refused. */
    private static void removeStaleSocket(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path)) {
                throw new UncheckedIOException(new IOException("unix " + path + ": exists and is not a socket"));
            }
            Files.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException("unix " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops gracefully: no new connections; GOAWAY to every connection, which then refuses new
     * SCOREs and closes once its in-flight requests are answered; after the shutdown grace the
     * requests still unanswered get SHUTTING_DOWN and their connections close. Returns when the
     * event loops have stopped. Idempotent.
     */
    public void stop() {
        if (!started.get() || !stopped.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        for (Channel listener : new Channel[] {tcpChannel, unixChannel}) {
            if (listener != null) {
                listener.close().awaitUninterruptibly();
            }
        }
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                ConnectionHandler h = ch.pipeline().get(ConnectionHandler.class);
                if (h != null) {
                    h.drain("server shutting down");
                }
            });
        }
        if (!connections.newCloseFuture().awaitUninterruptibly(config.shutdownGrace.toMillis())) {
            LOG.log(System.Logger.Level.INFO, () -> connections.size() + " connection(s) still busy after the shutdown grace; closing them");
            for (Channel ch : connections) {
                ch.eventLoop().execute(() -> {
                    ConnectionHandler h = ch.pipeline().get(ConnectionHandler.class);
                    if (h != null) {
                        h.abort("the server stopped before this request finished (shutdown grace " + config.shutdownGrace.toMillis() + " ms)");
                    }
                });
            }
            connections.newCloseFuture().awaitUninterruptibly(2000);
        }
        shutdownEventLoops();
        if (config.unixSocket != null && unixChannel != null) {
            try {
                Files.deleteIfExists(config.unixSocket);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "unix " + config.unixSocket + ": not removed: " + e.getMessage());
            }
        }
    }

    private void shutdownEventLoops() {
        for (EventLoopGroup g : new EventLoopGroup[] {boss, workers}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            }
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** The TCP address bound (the real port when 0 was asked for), or null when TCP is off. */
    public InetSocketAddress tcpAddress() {
        return tcpChannel == null ? null : (InetSocketAddress) tcpChannel.localAddress();
    }

    /** The Unix socket's path, or null when it is off. */
    public Path unixSocket() {
        return unixChannel == null ? null : config.unixSocket;
    }

    /** EPOLL or NIO. */
    public Transport transport() {
        return transport;
    }

    /** Requests the gate is working on, server-wide (cancelled ones included until the gate finishes them). */
    public int inFlight() {
        return inFlight.current();
    }

    /** Open client connections. */
    public int connections() {
        return connections.size();
    }

    public boolean tls() {
        return ssl != null;
    }

    public boolean clientCertificatesRequired() {
        return config.tls != null && config.tls.clientCa() != null;
    }

    public boolean tokenRequired() {
        return tokenDigest != null;
    }

    // for ConnectionHandler

    /** Where this server's verdicts, errors and in-flight counts are recorded. */
    public dev.vigil.server.metrics.VigilMetrics metrics() {
        return config.metrics;
    }

    Gate gate() {
        return config.gate;
    }

    boolean stopping() {
        return stopping;
    }

    InFlightLimit inFlightLimit() {
        return inFlight;
    }

    int maxFrame() {
        return config.maxFrame;
    }

    int maxImageBytes() {
        return config.maxImageBytes;
    }

    int maxInFlightPerConnection() {
        return config.maxInFlightPerConnection;
    }

    Duration idleTimeout() {
        return config.idleTimeout;
    }

    Duration defaultTimeout() {
        return config.defaultTimeout;
    }

    Duration maxTimeout() {
        return config.maxTimeout;
    }

    Duration deadlineGrace() {
        return DEADLINE_GRACE;
    }

    String serverName() {
        return SERVER_NAME;
    }

    /** Whether a HELLO's token is accepted: any when the server has none; else a constant-time comparison of digests. */
    boolean authenticates(String token) {
        return tokenDigest == null || MessageDigest.isEqual(tokenDigest, sha256(token));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /**
     * Options of a {@link VigilServer}. {@link #setGate} is required; every {@code opt*} has a
     * default that works on a laptop (loopback only). Not thread-safe.
     */
    public static final class Builder {
        private Gate gate;
        private InetAddress bind = InetAddress.getLoopbackAddress();
        private int port = DEFAULT_PORT;
        private Path unixSocket;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private int maxInFlightPerConnection = DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
        private int maxFrame = FrameLayout.DEFAULT_MAX_FRAME;
        private int maxImageBytes = FrameLayout.DEFAULT_MAX_IMAGE_BYTES;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private Duration defaultTimeout = DEFAULT_TIMEOUT;
        private Duration maxTimeout = DEFAULT_MAX_TIMEOUT;
        private TlsConfig tls;
        private String token;
        private Transport transport = Transport.AUTO;
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private dev.vigil.server.metrics.VigilMetrics metrics = new dev.vigil.server.metrics.VigilMetrics();

        private Builder() {
        }

        private Builder copy() {
            Builder b = new Builder();
            b.gate = gate;
            b.metrics = metrics;
            b.bind = bind;
            b.port = port;
            b.unixSocket = unixSocket;
            b.maxInFlight = maxInFlight;
            b.maxInFlightPerConnection = maxInFlightPerConnection;
            b.maxFrame = maxFrame;
            b.maxImageBytes = maxImageBytes;
            b.idleTimeout = idleTimeout;
            b.shutdownGrace = shutdownGrace;
            b.defaultTimeout = defaultTimeout;
            b.maxTimeout = maxTimeout;
            b.tls = tls;
            b.token = token;
            b.transport = transport;
            b.ioThreads = ioThreads;
            return b;
        }

        /** Metrics to record into, shared with the HTTP server (default: a registry of the server's own). */
        public Builder optMetrics(dev.vigil.server.metrics.VigilMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** The gate that scores requests (required). The server does not close it. */
        public Builder setGate(Gate gate) {
            this.gate = Objects.requireNonNull(gate, "gate");
            return this;
        }

        /** Address and port of the TCP listener (default 127.0.0.1:7461); port 0 picks a free one, -1 turns TCP off. */
        public Builder optTcp(InetAddress bind, int port) {
            if (port < -1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: -1 (off), 0 (any free port) or 1..65535)");
            }
            this.bind = Objects.requireNonNull(bind, "bind");
            this.port = port;
            return this;
        }

        /** Path of a Unix domain socket to listen on as well (default: none). A stale socket file there is replaced. */
        public Builder optUnixSocket(Path path) {
            this.unixSocket = path;
            return this;
        }

        /** Most requests in flight across all connections (default 1024); beyond it, OVERLOADED. */
        public Builder optMaxInFlight(int max) {
            this.maxInFlight = atLeast("maxInFlight", max, 1);
            return this;
        }

        /** Most requests in flight on one connection (default 64, announced in HELLO_OK); beyond it, OVERLOADED and reads pause. */
        public Builder optMaxInFlightPerConnection(int max) {
            this.maxInFlightPerConnection = atLeast("maxInFlightPerConnection", max, 1);
            return this;
        }

        /** Largest frame accepted, as a length field value (default 32 MiB + 4 KiB); larger ones close the connection. */
        public Builder optMaxFrame(int bytes) {
            this.maxFrame = atLeast("maxFrame", bytes, 64);
            return this;
        }

        /** Largest encoded or raw image accepted (default 32 MiB); larger ones get BAD_REQUEST. */
        public Builder optMaxImageBytes(int bytes) {
            this.maxImageBytes = atLeast("maxImageBytes", bytes, 1);
            return this;
        }

        /** A connection with nothing in flight and no traffic this long gets GOAWAY and is closed (default 120 s). */
        public Builder optIdleTimeout(Duration timeout) {
            this.idleTimeout = positive("idleTimeout", timeout);
            return this;
        }

        /** How long {@link #stop()} lets in-flight requests finish (default 10 s). */
        public Builder optShutdownGrace(Duration grace) {
            this.shutdownGrace = notNegative("shutdownGrace", grace);
            return this;
        }

        /** Deadline of a SCORE with timeout_ms 0 (default 5 s). */
        public Builder optDefaultTimeout(Duration timeout) {
            this.defaultTimeout = positive("defaultTimeout", timeout);
            return this;
        }

        /** Largest timeout_ms accepted (default 60 s); larger ones get BAD_REQUEST. */
        public Builder optMaxTimeout(Duration timeout) {
            this.maxTimeout = positive("maxTimeout", timeout);
            return this;
        }

        /** TLS on every listener (default: none). */
        public Builder optTls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        /** A token every HELLO must carry (default: none required). */
        public Builder optToken(String token) {
            if (token != null && token.isEmpty()) {
                throw new IllegalArgumentException("token: empty (expected: a non-empty token, or none)");
            }
            this.token = token;
            return this;
        }

        /** Netty transport (default AUTO: epoll where available, else NIO). */
        public Builder optTransport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Event loop threads for connections (default: one per core). */
        public Builder optIoThreads(int threads) {
            this.ioThreads = atLeast("ioThreads", threads, 1);
            return this;
        }

        public VigilServer build() {
            if (gate == null) {
                throw new IllegalStateException("gate: missing (expected: setGate)");
            }
            if (port < 0 && unixSocket == null) {
                throw new IllegalArgumentException("listeners: none (expected: a TCP port or a Unix socket)");
            }
            if (defaultTimeout.compareTo(maxTimeout) > 0) {
                throw new IllegalArgumentException("defaultTimeout: " + defaultTimeout + " (expected: <= maxTimeout " + maxTimeout + ")");
            }
            return new VigilServer(this);
        }

        private static int atLeast(String knob, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(knob + ": " + value + " (expected: >= " + min + ")");
            }
            return value;
        }

        private static Duration positive(String knob, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(knob + ": " + d + " (expected: > 0)");
            }
            return d;
        }

        private static Duration notNegative(String knob, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(knob + ": " + d + " (expected: >= 0)");
            }
            return d;
        }
    }
}
