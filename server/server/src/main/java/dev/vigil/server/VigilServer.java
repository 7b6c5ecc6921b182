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
    public static final int DEFAULT_MAX_IN_FLIGHT = ListenerPolicy.DEFAULT_MAX_IN_FLIGHT;
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = ListenerPolicy.DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
    public static final Duration DEFAULT_IDLE_TIMEOUT = ListenerPolicy.DEFAULT_IDLE_TIMEOUT;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = ListenerPolicy.DEFAULT_SHUTDOWN_GRACE;
    public static final Duration DEFAULT_TIMEOUT = ListenerPolicy.DEFAULT_TIMEOUT;
    public static final Duration DEFAULT_MAX_TIMEOUT = ListenerPolicy.DEFAULT_MAX_TIMEOUT;
    /** How long past a request's deadline the server waits for the gate's own fail-closed verdict before answering DEADLINE_EXCEEDED. */
    public static final Duration DEADLINE_GRACE = Duration.ofSeconds(1);
    public static final String SERVER_NAME = "vigil 0.1.0";

    private final Builder config;
    private final FrontDoor frontDoor;
    private final ListenerPolicy policy;
    private final ChannelGroup connections = new DefaultChannelGroup("vigil-connections", GlobalEventExecutor.INSTANCE);
    private final Transport transport;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile boolean cutOff;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel tcpChannel;
    private Channel unixChannel;

    private VigilServer(Builder b) {
        this.config = b.copy();
        this.frontDoor = b.frontDoor != null ? b.frontDoor : new FrontDoor(b.policy.build());
        this.policy = frontDoor.policy();
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
        workers = new MultiThreadIoEventLoopGroup(policy.ioThreads(), new DefaultThreadFactory("vigil-io", true), transport.ioHandlerFactory());
        try {
            if (config.port >= 0) {
                String name = "tcp " + config.bind.getHostAddress() + ":" + config.port;
                ServerBootstrap tcp = bootstrap(transport.tcpChannel(), name).childOption(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.SO_REUSEADDR, true);
                tcpChannel = bind(tcp, new InetSocketAddress(config.bind, config.port), name);
            }
            if (config.unixSocket != null) {
                removeStaleSocket(config.unixSocket);
                unixChannel = bind(bootstrap(transport.unixChannel(), "unix " + config.unixSocket), transport.unixAddress(config.unixSocket),
                        "unix " + config.unixSocket);
            }
        } catch (RuntimeException e) {
            shutdownEventLoops();
            throw e;
        }
        return this;
    }

    private ServerBootstrap bootstrap(Class<? extends io.netty.channel.ServerChannel> channel, String name) {
        io.netty.channel.ChannelHandler limit = frontDoor.connectionLimit(() -> dev.vigil.protocol.ErrorFrame.of(0, dev.vigil.protocol.ErrorCode.OVERLOADED,
                "connections: " + frontDoor.connections() + " open (expected: <= " + policy.maxConnections() + "); retry later or elsewhere"));
        return new ServerBootstrap().group(boss, workers).channel(channel).handler(frontDoor.acceptErrors(name)).childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                ChannelPipeline p = ch.pipeline();
                if (frontDoor.ssl() != null) {
                    p.addLast("tls", frontDoor.ssl().newHandler(ch.alloc()));
                }
                p.addLast("idle", new IdleStateHandler(0, 0, policy.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                p.addLast("guard", new FrameGuard(frontDoor.budget(), policy.requestReadTimeout(), policy.maxFrame()));
                // until HELLO is accepted, no frame larger than the largest HELLO
                p.addLast("decoder", new FrameDecoder(Math.min(policy.maxFrame(), FrameLayout.HELLO_MAX_FRAME)));
                p.addLast("encoder", FrameEncoder.INSTANCE);
                p.addLast("limit", limit);
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

    /**
     * A socket file left by a server that did not stop cleanly is removed; one that a live server
     * still answers on is refused (it is in use), and so is any other kind of file.
     */
    private static void removeStaleSocket(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path)) {
                String m = "unix " + path + ": exists and is not a socket";
                throw new UncheckedIOException(m, new IOException(m));
            }
            boolean live;
            try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                live = probe.connect(java.net.UnixDomainSocketAddress.of(path));
            } catch (IOException refused) {
                live = false; // nobody listens: a stale file
            }
            if (live) {
                String m = "unix " + path + ": in use (another server accepts connections on it; expected: a free path, or stop that server first)";
                throw new UncheckedIOException(m, new IOException(m));
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
        closeListeners();
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                ConnectionHandler h = ch.pipeline().get(ConnectionHandler.class);
                if (h != null) {
                    h.drain("server shutting down");
                }
            });
        }
        if (!connections.newCloseFuture().awaitUninterruptibly(policy.shutdownGrace().toMillis())) {
            cutOff = true;
            LOG.log(System.Logger.Level.INFO, () -> connections.size() + " connection(s) still busy after the shutdown grace; closing them");
            for (Channel ch : connections) {
                ch.eventLoop().execute(() -> {
                    ConnectionHandler h = ch.pipeline().get(ConnectionHandler.class);
                    if (h != null) {
                        h.abort("the server stopped before this request finished (shutdown grace " + policy.shutdownGrace().toMillis() + " ms)");
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

    /**
     * Stops accepting connections on every listener of this server, at once; connections already
     * open are served on until {@link #stop()}. The first step of a graceful stop. Idempotent.
     */
    public void closeListeners() {
        stopping = true;
        for (Channel listener : new Channel[] {tcpChannel, unixChannel}) {
            if (listener != null) {
                listener.close().awaitUninterruptibly();
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

    /** Whether {@link #stop()} had to cut off connections still busy after the shutdown grace. */
    public boolean cutOff() {
        return cutOff;
    }

    /** Requests in flight over every listener sharing this server's front door. */
    public int inFlight() {
        return frontDoor.inFlight().current();
    }

    /** The admission this server's listeners share (with an HTTP server, when given the same). */
    public FrontDoor frontDoor() {
        return frontDoor;
    }

    /** Open client connections. */
    public int connections() {
        return connections.size();
    }

    public boolean tls() {
        return frontDoor.ssl() != null;
    }

    public boolean clientCertificatesRequired() {
        return policy.tls() != null && policy.tls().clientCa() != null;
    }

    public boolean tokenRequired() {
        return frontDoor.tokenRequired();
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
        return stopping || frontDoor.stopping();
    }

    InFlightLimit inFlightLimit() {
        return frontDoor.inFlight();
    }

    int maxFrame() {
        return policy.maxFrame();
    }

    int maxImageBytes() {
        return policy.maxImageBytes();
    }

    int maxInFlightPerConnection() {
        return policy.maxInFlightPerConnection();
    }

    Duration idleTimeout() {
        return policy.idleTimeout();
    }

    Duration defaultTimeout() {
        return policy.defaultTimeout();
    }

    Duration maxTimeout() {
        return policy.maxTimeout();
    }

    Duration deadlineGrace() {
        return DEADLINE_GRACE;
    }

    String serverName() {
        return SERVER_NAME;
    }

    /** Whether a HELLO's token is accepted: any when the server has none; else a constant-time comparison of digests. */
    boolean authenticates(String token) {
        return frontDoor.authenticates(token);
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
        /** The listener policy the opt* knobs below edit, unless {@link #optFrontDoor} gives one. */
        private ListenerPolicy.Builder policy = ListenerPolicy.builder();
        private FrontDoor frontDoor;
        private Transport transport = Transport.AUTO;
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
            b.policy = policy.build().toBuilder();
            b.frontDoor = frontDoor;
            b.transport = transport;
            return b;
        }

        /**
         * The admission every listener of the process shares (the HTTP server is given the same
         * one), with its {@link ListenerPolicy}; the policy knobs of this builder are then unused.
         */
        public Builder optFrontDoor(FrontDoor frontDoor) {
            this.frontDoor = Objects.requireNonNull(frontDoor, "frontDoor");
            return this;
        }

        /** Every listener rule at once (default {@link ListenerPolicy#defaults()}). */
        public Builder optPolicy(ListenerPolicy listenerPolicy) {
            this.policy = listenerPolicy.toBuilder();
            return this;
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
            policy.maxInFlight(atLeast("maxInFlight", max, 1));
            return this;
        }

        /** Most requests in flight on one connection (default 64, announced in HELLO_OK); beyond it, OVERLOADED and reads pause. */
        public Builder optMaxInFlightPerConnection(int max) {
            policy.maxInFlightPerConnection(atLeast("maxInFlightPerConnection", max, 1));
            return this;
        }

        /** Largest frame accepted, as a length field value (default 32 MiB + 4 KiB); larger ones close the connection. */
        public Builder optMaxFrame(int bytes) {
            policy.maxFrame(atLeast("maxFrame", bytes, 64));
            return this;
        }

        /** Largest encoded or raw image accepted (default 32 MiB); larger ones get BAD_REQUEST. */
        public Builder optMaxImageBytes(int bytes) {
            policy.maxImageBytes(atLeast("maxImageBytes", bytes, 1));
            return this;
        }

        /** A connection with nothing in flight and no traffic this long gets GOAWAY and is closed (default 120 s). */
        public Builder optIdleTimeout(Duration timeout) {
            policy.idleTimeout(positive("idleTimeout", timeout));
            return this;
        }

        /** How long {@link #stop()} lets in-flight requests finish (default 10 s). */
        public Builder optShutdownGrace(Duration grace) {
            policy.shutdownGrace(notNegative("shutdownGrace", grace));
            return this;
        }

        /** Deadline of a SCORE with timeout_ms 0 (default 5 s). */
        public Builder optDefaultTimeout(Duration timeout) {
            policy.defaultTimeout(positive("defaultTimeout", timeout));
            return this;
        }

        /** Largest timeout_ms accepted (default 60 s); larger ones get BAD_REQUEST. */
        public Builder optMaxTimeout(Duration timeout) {
            policy.maxTimeout(positive("maxTimeout", timeout));
            return this;
        }

        /** TLS on every listener (default: none). */
        public Builder optTls(TlsConfig tls) {
            policy.tls(tls);
            return this;
        }

        /** A token every HELLO must carry (default: none required). */
        public Builder optToken(String token) {
            if (token != null && token.isEmpty()) {
                throw new IllegalArgumentException("token: empty (expected: a non-empty token, or none)");
            }
            policy.token(token);
            return this;
        }

        /** Netty transport (default AUTO: epoll where available, else NIO). */
        public Builder optTransport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Event loop threads for connections (default: one per core). */
        public Builder optIoThreads(int threads) {
            policy.ioThreads(atLeast("ioThreads", threads, 1));
            return this;
        }

        public VigilServer build() {
            if (gate == null) {
                throw new IllegalStateException("gate: missing (expected: setGate)");
            }
            if (port < 0 && unixSocket == null) {
                throw new IllegalArgumentException("listeners: none (expected: a TCP port or a Unix socket)");
            }
            if (frontDoor == null) {
                policy.build(); // refuses an inconsistent policy (a default deadline over the largest, say) now
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
