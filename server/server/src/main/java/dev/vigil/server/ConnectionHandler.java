package dev.vigil.server;

import dev.vigil.engine.GateException;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.Verdict;
import dev.vigil.protocol.CancelFrame;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.server.metrics.VigilMetrics;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.Frame;
import dev.vigil.protocol.FrameDecoder;
import dev.vigil.protocol.GoAwayFrame;
import dev.vigil.protocol.HelloFrame;
import dev.vigil.protocol.HelloOkFrame;
import dev.vigil.protocol.PingFrame;
import dev.vigil.protocol.PongFrame;
import dev.vigil.protocol.ProtocolException;
import dev.vigil.protocol.ProtocolVersion;
import dev.vigil.protocol.ScoreFrame;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One client connection: HELLO first, then SCOREs in flight at once, each answered exactly once
 * (VERDICT or ERROR) in whatever order the gate finishes them. Enforces the per-connection and
 * server-wide in-flight limits, deadlines, CANCEL, idle close and draining. Every field is
 * confined to the channel's event loop; the gate's futures complete on engine threads and hop
 * back onto it before touching anything here. Not sharable: one instance per channel.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(ConnectionHandler.class.getName());

    /** Where the connection is in its life. */
    private enum State {
        /** Connected; the next frame must be HELLO. */
        AWAITING_HELLO,
        /** HELLO accepted; serving. */
        OPEN,
        /** GOAWAY sent: new SCOREs are refused, in-flight ones answered, then the connection closes. */
        DRAINING,
        /** Closing or closed; nothing more is read or answered. */
        CLOSED
    }

    /** One SCORE the gate is working on. */
    private static final class InFlight {
        final long requestId;
        final int timeoutMs;
        ScheduledFuture<?> backstop;
        /** The gate's future: cancelled when the request ends without it, so the gate drops the work. */
        CompletableFuture<Auditor.Recorded> verdict;

        InFlight(long requestId, int timeoutMs) {
            this.requestId = requestId;
            this.timeoutMs = timeoutMs;
        }
    }

    private final VigilServer server;
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private ChannelHandlerContext ctx;
    private State state = State.AWAITING_HELLO;
    /** The HELLO's client name, and who the audit log says is on this connection (made on the first SCORE). */
    private String clientName = "";
    private Auditor.Client client;
    private ChannelFuture lastWrite;
    private boolean pausedForInFlight;
    private boolean pausedForWrites;

    ConnectionHandler(VigilServer server) {
        this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        LOG.log(System.Logger.Level.DEBUG, () -> peer() + ": connected");
        if (server.stopping()) {
            drain("server shutting down");
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg; // the decoder makes only frames, and they hold no buffers
        switch (state) {
            case CLOSED -> {
            }
            case AWAITING_HELLO -> {
                if (frame instanceof HelloFrame hello) {
                    onHello(hello);
                } else {
                    fatal(ErrorFrame.of(frame.requestId(), ErrorCode.BAD_FRAME, "first frame: " + frame.type().describe() + " (expected: 0x01 HELLO)"));
                }
            }
            case OPEN, DRAINING -> {
                if (frame instanceof ScoreFrame score) {
                    onScore(score);
                } else if (frame instanceof CancelFrame cancel) {
                    onCancel(cancel.requestId());
                } else if (frame instanceof PingFrame ping) {
                    write(new PongFrame(ping.requestId(), ping.opaque()));
                } else if (frame instanceof HelloFrame) {
                    fatal(ErrorFrame.of(0, ErrorCode.BAD_FRAME, "HELLO: already negotiated (expected: once, as the first frame)"));
                } else if (!(frame instanceof PongFrame)) {
                    fatal(ErrorFrame.of(frame.requestId(), ErrorCode.BAD_FRAME, "type: " + frame.type().describe() + " (expected: a frame clients send)"));
                }
            }
        }
    }

    private void onHello(HelloFrame hello) {
        int version = ProtocolVersion.negotiate(hello.minVersion(), hello.maxVersion());
        if (version < 0) {
            fatal(ErrorFrame.of(0, ErrorCode.UNSUPPORTED_VERSION, "versions: " + hello.minVersion() + ".." + hello.maxVersion()
                    + " (expected: a range including one of " + ProtocolVersion.MIN + ".." + ProtocolVersion.MAX + ")"));
            return;
        }
        if (!server.authenticates(hello.token())) {
            fatal(ErrorFrame.of(0, ErrorCode.UNAUTHENTICATED, hello.token().isEmpty() ? "token: missing (expected: the server's token)"
                    : "token: wrong (expected: the server's token)"));
            return;
        }
        state = State.OPEN;
        ctx.pipeline().get(FrameDecoder.class).maxFrame(server.maxFrame());
        ctx.pipeline().get(FrameDecoder.class).version(version);
        write(new HelloOkFrame(version, server.maxFrame(), server.maxInFlightPerConnection(), server.maxImageBytes(), server.serverName()));
        clientName = hello.clientName();
        LOG.log(System.Logger.Level.DEBUG, () -> peer() + ": HELLO from " + hello.clientName() + ", version " + version);
    }

    private void onScore(ScoreFrame score) {
        long id = score.requestId();
        if (state == State.DRAINING) {
            write(ErrorFrame.of(id, ErrorCode.SHUTTING_DOWN, "the server is shutting down (GOAWAY sent): retry on a new connection"));
            return;
        }
        if (id == 0) {
            write(ErrorFrame.of(id, ErrorCode.BAD_REQUEST, "request id: 0 (expected: not 0, which connection-level frames use)"));
            return;
        }
        if (inFlight.containsKey(id)) {
            write(ErrorFrame.of(id, ErrorCode.DUPLICATE_REQUEST_ID,
                    "request id: " + Long.toUnsignedString(id) + " (expected: none of the " + inFlight.size() + " in flight on this connection)"));
            return;
        }
        int perConnection = server.maxInFlightPerConnection();
        if (inFlight.size() >= perConnection) {
            write(ErrorFrame.of(id, ErrorCode.OVERLOADED, "in flight on this connection: " + inFlight.size() + " (expected: < " + perConnection + ")"));
            // stop reading until a slot frees: the kernel's buffers and TCP flow control hold the rest
            pausedForInFlight = true;
            updateAutoRead();
            return;
        }
        ScoreRequest request;
        try {
            request = FrameMapping.request(score, server.defaultTimeout(), server.maxTimeout(), server.maxImageBytes());
        } catch (IllegalArgumentException | GateException e) {
            write(FrameMapping.error(id, e));
            return;
        }
        Auditor auditor = server.frontDoor().auditor();
        try {
            auditor.admit(score.receipt());
        } catch (RuntimeException e) {
            write(FrameMapping.error(id, e));
            return;
        }
        InFlightLimit limit = server.inFlightLimit();
        if (!limit.tryAcquire()) {
            write(ErrorFrame.of(id, ErrorCode.OVERLOADED, limit.refusal()));
            return;
        }
        CompletableFuture<Auditor.Recorded> verdict;
        try {
            verdict = auditor.record(server.gate().score(request), client(), score.receipt(), request.image());
        } catch (RuntimeException e) {
            limit.release();
            write(FrameMapping.error(id, e));
            return;
        }
        InFlight r = new InFlight(id, (int) request.timeout().toMillis());
        r.verdict = verdict;
        inFlight.put(id, r);
        server.metrics().inFlight(VigilMetrics.BINARY, 1);
        r.backstop = ctx.executor().schedule(() -> expire(r), request.timeout().toMillis() + server.deadlineGrace().toMillis(), TimeUnit.MILLISECONDS);
        verdict.whenComplete((v, e) -> {
            limit.release();
            try {
                ctx.executor().execute(() -> answer(r, v, e));
            } catch (RejectedExecutionException closed) {
                // the event loop is gone, and the connection with it: nobody to answer
            }
        });
    }

    /** Who is on this connection, for the audit log. */
    private Auditor.Client client() {
        if (client == null) {
            client = server.frontDoor().client(ctx.channel(), ctx.channel() instanceof io.netty.channel.unix.DomainSocketChannel ? "unix" : "binary",
                    clientName);
        }
        return client;
    }

    private void answer(InFlight r, Auditor.Recorded recorded, Throwable failure) {
        if (inFlight.get(r.requestId) != r) {
            return; // cancelled, expired, or the connection closed: the result is ignored
        }
        end(r);
        if (failure == null) {
            server.metrics().recordVerdict(recorded.verdict(), VigilMetrics.BINARY);
        }
        write(failure == null ? FrameMapping.verdict(r.requestId, recorded.verdict(), recorded.receipt()) : FrameMapping.error(r.requestId, failure));
        afterRequestEnded();
    }

    private void onCancel(long id) {
        InFlight r = inFlight.get(id);
        if (r == null) {
            return; // answered already (the answer may be on its way) or never sent: nothing to say
        }
        end(r);
        write(ErrorFrame.of(id, ErrorCode.CANCELLED, "cancelled by the client"));
        afterRequestEnded();
    }

    /** The backstop behind the gate's own deadline: the gate normally answers a late request with a fail-closed VERDICT first. */
    private void expire(InFlight r) {
        if (inFlight.get(r.requestId) != r) {
            return;
        }
        end(r);
        write(ErrorFrame.of(r.requestId, ErrorCode.DEADLINE_EXCEEDED, "no verdict within the deadline of " + r.timeoutMs + " ms"));
        afterRequestEnded();
    }

    private void end(InFlight r) {
        if (inFlight.remove(r.requestId) != null) {
            server.metrics().inFlight(VigilMetrics.BINARY, -1);
        }
        if (r.backstop != null) {
            r.backstop.cancel(false);
        }
        if (r.verdict != null && !r.verdict.isDone()) {
            r.verdict.cancel(false); // answered otherwise (CANCEL, deadline, close): the gate drops what is left
        }
    }

    private void afterRequestEnded() {
        if (pausedForInFlight && inFlight.size() < server.maxInFlightPerConnection()) {
            pausedForInFlight = false;
            updateAutoRead();
        }
        if (state == State.DRAINING && inFlight.isEmpty()) {
            closeAfterWrites();
        }
    }

    /**
     * Starts draining: GOAWAY, no new SCOREs, close once the last in-flight request is answered.
     * Called on the event loop when the server stops. Idempotent.
     */
    void drain(String reason) {
        if (state == State.CLOSED || state == State.DRAINING) {
            return;
        }
        state = State.DRAINING;
        write(new GoAwayFrame(reason));
        if (inFlight.isEmpty()) {
            closeAfterWrites();
        }
    }

    /** Ends a drain that ran out of time: every request still in flight gets SHUTTING_DOWN, then the connection closes. */
    void abort(String message) {
        if (state == State.CLOSED) {
            return;
        }
        for (InFlight r : new ArrayList<>(inFlight.values())) {
            end(r);
            write(ErrorFrame.of(r.requestId, ErrorCode.SHUTTING_DOWN, message));
        }
        closeAfterWrites();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (inFlight.isEmpty() && state != State.CLOSED) {
                long seconds = server.idleTimeout().toSeconds();
                LOG.log(System.Logger.Level.DEBUG, () -> peer() + ": idle for " + seconds + " s, closing");
                write(new GoAwayFrame("idle for " + server.idleTimeout().toMillis() + " ms with nothing in flight"));
                closeAfterWrites();
            }
            return;
        }
        if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            LOG.log(System.Logger.Level.INFO, () -> peer() + ": TLS handshake failed: " + TlsConfig.describe(handshake.cause()));
            state = State.CLOSED;
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        // a client that does not read its answers stops being read from, rather than filling our memory
        pausedForWrites = !ctx.channel().isWritable();
        updateAutoRead();
        super.channelWritabilityChanged(ctx);
    }

    private void updateAutoRead() {
        ctx.channel().config().setAutoRead(!pausedForInFlight && !pausedForWrites);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        state = State.CLOSED;
        for (InFlight r : inFlight.values()) {
            if (r.backstop != null) {
                r.backstop.cancel(false);
            }
            if (r.verdict != null) {
                r.verdict.cancel(false); // nobody to answer: the gate drops what is left of the work
            }
        }
        server.metrics().inFlight(VigilMetrics.BINARY, -inFlight.size());
        inFlight.clear(); // the gate's late results find nothing to answer; their permits come back as they complete
        LOG.log(System.Logger.Level.DEBUG, () -> peer() + ": closed");
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ProtocolException p) {
            fatal(p.toFrame());
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException ssl) {
            if (state != State.CLOSED) { // a failed handshake was logged with its event
                LOG.log(System.Logger.Level.INFO, () -> peer() + ": TLS: " + TlsConfig.describe(ssl));
            }
            state = State.CLOSED;
            ctx.close();
        } else if (cause instanceof IOException) {
            LOG.log(System.Logger.Level.DEBUG, () -> peer() + ": " + cause);
            state = State.CLOSED;
            ctx.close();
        } else {
            LOG.log(System.Logger.Level.WARNING, peer() + ": unexpected failure", cause);
            fatal(ErrorFrame.of(0, ErrorCode.INTERNAL, "internal error: " + cause.getClass().getSimpleName()));
        }
    }

    /** Sends the error and closes the connection. */
    private void fatal(ErrorFrame error) {
        if (state == State.CLOSED) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, () -> peer() + ": " + error.errorCode() + " " + error.message() + ", closing");
        write(error);
        closeAfterWrites();
    }

    private void write(Frame frame) {
        if (frame instanceof ErrorFrame error) {
            server.metrics().recordError(error.errorCode().name(), VigilMetrics.BINARY);
        }
        lastWrite = ctx.writeAndFlush(frame);
    }

    /** Closes once everything written so far has reached the socket; reads nothing more meanwhile. */
    private void closeAfterWrites() {
        state = State.CLOSED;
        if (lastWrite == null) {
            ctx.close();
        } else {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        }
    }

    int inFlightCount() {
        return inFlight.size();
    }

    private String peer() {
        return String.valueOf(ctx.channel().remoteAddress());
    }
}
