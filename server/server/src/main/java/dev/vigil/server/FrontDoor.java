package dev.vigil.server;

import dev.vigil.engine.MemoryBudget;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Admission for every listener of one process, binary and HTTP alike, by one
 * {@link ListenerPolicy}: the token check, the TLS context, the connection count, the
 * server-wide in-flight count, the memory budget, and whether the process is stopping. One
 * instance is shared by every listener, so that the limits are the process's, not each port's.
 * Thread-safe.
 */
public final class FrontDoor {
    private static final System.Logger LOG = System.getLogger(FrontDoor.class.getName());
    /** How long accepting pauses after it failed (descriptors exhausted), as Netty's acceptor does. */
    private static final long ACCEPT_PAUSE_MS = 200;
    /** Quiet time that ends an episode of failed accepts. */
    private static final long ACCEPT_EPISODE_QUIET_NANOS = 10_000_000_000L;
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("vigil.connection.counted");
    private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("vigil.connection.refused");

    private final ListenerPolicy policy;
    private final byte[] tokenDigest;
    private final SslContext ssl;
    private final InFlightLimit inFlight;
    private final MemoryBudget budget;
    private final Auditor auditor;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong refusedConnections = new AtomicLong();
    /**
     * When accepting last failed (System.nanoTime()), or Long.MIN_VALUE: an episode of failures
     * ends once accepting has gone {@link #ACCEPT_EPISODE_QUIET_NANOS} without one, so that a
     * limit the server keeps bumping into while descriptors come and go is logged once, not per accept.
     */
    private final AtomicLong lastAcceptFailure = new AtomicLong(Long.MIN_VALUE);
    private volatile boolean stopping;

    /** With a memory budget of its own, of the policy's size. */
    public FrontDoor(ListenerPolicy policy) {
        this(policy, new MemoryBudget(policy.memoryBudget()));
    }

    /**
     * @param budget the budget the gate reserves from too (its {@code optMemoryBudget}), so that
     *               bytes in transit and bytes in the gate are counted against one limit
     */
    public FrontDoor(ListenerPolicy policy, MemoryBudget budget) {
        this(policy, budget, Auditor.NONE);
    }

    /** ... and every verdict put on {@code auditor}'s log before it is answered, whichever listener it came through. */
    public FrontDoor(ListenerPolicy policy, MemoryBudget budget, Auditor auditor) {
        this.auditor = java.util.Objects.requireNonNull(auditor, "auditor");
        this.policy = policy;
        this.tokenDigest = policy.token() == null ? null : sha256(policy.token());
        this.ssl = policy.tls() == null ? null : policy.tls().serverContext();
        this.inFlight = new InFlightLimit(policy.maxInFlight());
        this.budget = budget;
    }

    public ListenerPolicy policy() {
        return policy;
    }

    public MemoryBudget budget() {
        return budget;
    }

    /** The audit log every listener records verdicts on ({@link Auditor#NONE} when off). */
    public Auditor auditor() {
        return auditor;
    }

    /** The TLS context every listener uses, or null when plain. */
    public SslContext ssl() {
        return ssl;
    }

    public boolean tokenRequired() {
        return tokenDigest != null;
    }

    /** Whether {@code presented} is the token: any when none is required; else a constant-time comparison of digests. */
    public boolean authenticates(String presented) {
        return tokenDigest == null || presented != null && MessageDigest.isEqual(tokenDigest, sha256(presented));
    }

    /**
     * Who is on {@code ch}, as the audit log records it: how they authenticated ({@code
     * client-certificate}, {@code token} or {@code none}) and the subject: the certificate's
     * subject, or the token's id (the first 8 hex digits of its SHA-256; never the token).
     */
    public Auditor.Client client(Channel ch, String transport, String name) {
        String auth = tokenDigest != null ? "token" : "none";
        String subject = tokenDigest != null ? "token:" + java.util.HexFormat.of().formatHex(tokenDigest).substring(0, 8) : "";
        io.netty.handler.ssl.SslHandler tls = ch.pipeline().get(io.netty.handler.ssl.SslHandler.class);
        if (tls != null) {
            try {
                java.security.cert.Certificate[] peer = tls.engine().getSession().getPeerCertificates();
                if (peer.length > 0 && peer[0] instanceof java.security.cert.X509Certificate x) {
                    auth = "client-certificate" + (tokenDigest != null ? "+token" : "");
                    subject = x.getSubjectX500Principal().getName() + (tokenDigest != null ? " " + subject : "");
                }
            } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                // no client certificate: the token (or nothing) is what authenticated
            }
        }
        java.net.SocketAddress remote = ch.remoteAddress();
        String peer = remote instanceof java.net.InetSocketAddress inet ? inet.getAddress().getHostAddress() + ":" + inet.getPort()
                : remote == null ? "local" : remote.toString();
        return new Auditor.Client(transport, auth, subject, name == null ? "" : name, peer);
    }

    /** Requests in flight over every listener. */
    public InFlightLimit inFlight() {
        return inFlight;
    }

    /** Open connections over every listener. */
    public int connections() {
        return connections.get();
    }

    /** Connections refused because {@link ListenerPolicy#maxConnections()} were open. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    /** From now on every listener refuses new work (GOAWAY, 503 SHUTTING_DOWN) and readiness is false. */
    public void startStopping() {
        stopping = true;
    }

    public boolean stopping() {
        return stopping;
    }

    /**
     * The first handler of every connection: counts it against {@link ListenerPolicy#maxConnections()}
     * and, past the limit, writes {@code refusal} (the transport's own OVERLOADED) and closes once the peer has closed or after a short linger.
     *
     * @param refusal the message to write, through the pipeline's encoders, to a refused connection
     */
    public ChannelHandler connectionLimit(Supplier<Object> refusal) {
        return new ConnectionLimit(refusal);
    }

    /** The listening channel's handler: logs running out of descriptors once per episode, while Netty pauses accepting and retries. */
    public ChannelHandler acceptErrors(String listener) {
        return new AcceptErrors(listener);
    }

    @ChannelHandler.Sharable
    private final class ConnectionLimit extends ChannelInboundHandlerAdapter {
        private final Supplier<Object> refusal;

        ConnectionLimit(Supplier<Object> refusal) {
            this.refusal = refusal;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            int open = connections.incrementAndGet();
            Channel ch = ctx.channel();
            ch.attr(COUNTED).set(Boolean.TRUE);
            if (open > policy.maxConnections()) {
                refusedConnections.incrementAndGet();
                refuse(ctx);
                return;
            }
            super.channelActive(ctx);
        }

        /** Writes the refusal, then lingers ({@link LingeringClose}) so that it is read even by a peer still sending. */
        private void refuse(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            ch.attr(REFUSED).set(Boolean.TRUE); // reads are dropped from now (a TLS handshake still runs: the refusal needs it)
            ch.eventLoop().schedule(() -> ch.close(), LingeringClose.LINGER_MS, TimeUnit.MILLISECONDS);
            ch.writeAndFlush(refusal.get()).addListener(LingeringClose.AFTER_WRITE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (Boolean.TRUE.equals(ctx.channel().attr(REFUSED).get())) {
                ReferenceCountUtil.release(msg);
                return;
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            if (Boolean.TRUE.equals(ctx.channel().attr(REFUSED).get())) {
                ctx.close(); // a refused connection has nothing more to say
                return;
            }
            super.exceptionCaught(ctx, cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (Boolean.TRUE.equals(ctx.channel().attr(COUNTED).getAndSet(Boolean.FALSE))) {
                connections.decrementAndGet();
            }
            super.channelInactive(ctx);
        }
    }

    @ChannelHandler.Sharable
    private final class AcceptErrors extends ChannelInboundHandlerAdapter {
        private final String listener;

        AcceptErrors(String listener) {
            this.listener = listener;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException) {
                long now = System.nanoTime();
                long last = lastAcceptFailure.getAndSet(now);
                if (last == Long.MIN_VALUE || now - last > ACCEPT_EPISODE_QUIET_NANOS) {
                    LOG.log(System.Logger.Level.WARNING, listener + ": cannot accept connections: " + cause.getMessage() + " (" + connections.get()
                            + " open); accepting again as descriptors free up (logged once until accepting has worked for 10 s)");
                }
            } else {
                LOG.log(System.Logger.Level.WARNING, listener + ": accept failed", cause);
            }
            // as Netty's own acceptor would (it sits after this handler and is not told): pause
            // accepting for a moment instead of spinning on a listener that stays readable
            Channel server = ctx.channel();
            if (server.config().isAutoRead()) {
                server.config().setAutoRead(false);
                server.eventLoop().schedule(() -> server.config().setAutoRead(true), ACCEPT_PAUSE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
