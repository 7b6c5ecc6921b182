package dev.vigil.client;

import dev.vigil.protocol.CancelFrame;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.Frame;
import dev.vigil.protocol.FrameEncoder;
import dev.vigil.protocol.FrameType;
import dev.vigil.protocol.GoAwayFrame;
import dev.vigil.protocol.HelloFrame;
import dev.vigil.protocol.HelloOkFrame;
import dev.vigil.protocol.PingFrame;
import dev.vigil.protocol.PongFrame;
import dev.vigil.protocol.ProtocolVersion;
import dev.vigil.protocol.VerdictFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One connection to the server and the last handler of its pipeline: sends HELLO, waits for
 * HELLO_OK, then pipelines SCOREs under ids it numbers from 1 and hands each answer to the
 * request with that id, whatever the order. When the connection ends every request still in
 * flight on it fails as {@link ErrorCode#CONNECTION_FAILED} (retryable).
 *
 * <p>Owned by its {@link ConnectionSlot}. State is confined to the channel's event loop;
 * {@link #send}, {@link #cancel} and {@link #close} may be called from any thread.
 */
final class ClientConnection extends SimpleChannelInboundHandler<Frame> {
    private final ConnectionSlot slot;
    private final CompletableFuture<ClientConnection> ready;
    private final String token;
    private final String clientName;
    private final long handshakeTimeoutNanos;

    /** Request id to the exchange waiting for its answer. Event loop only. */
    private final Map<Long, ScoreExchange> inFlight = new HashMap<>();
    private long nextRequestId = 1;
    private ScheduledFuture<?> handshakeTimer;
    /** Why the connection ended: the first server ERROR with id 0, exception or violation. Event loop only. */
    private ErrorFrame connectionError;
    private String closeReason;

    private volatile ChannelHandlerContext ctx;
    private volatile HelloOkFrame hello;
    private volatile boolean goingAway;
    private volatile int inFlightCount;

    ClientConnection(ConnectionSlot slot, CompletableFuture<ClientConnection> ready, String token, String clientName,
                     long handshakeTimeoutNanos) {
        super(Frame.class);
        this.slot = slot;
        this.ready = ready;
        this.token = token;
        this.clientName = clientName;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
    }

    /** Completed with this connection on HELLO_OK, or failed with an {@link AttemptFailure}. */
    CompletableFuture<ClientConnection> ready() {
        return ready;
    }

    /** True when a SCORE sent now would be accepted: negotiated, open, not told to go away. */
    boolean acceptsRequests() {
        ChannelHandlerContext c = ctx;
        return hello != null && !goingAway && c != null && c.channel().isActive();
    }

    /** True when the server's max_in_flight leaves room for one more request (a hint; {@link #send} decides). */
    boolean hasCapacity() {
        HelloOkFrame h = hello;
        return h != null && (h.maxInFlight() == 0 || inFlightCount < h.maxInFlight());
    }

    /** Sends one attempt of {@code exchange}; its outcome comes back through the exchange's callbacks. */
    void send(ScoreExchange exchange) {
        try {
            ctx.executor().execute(() -> sendNow(exchange));
        } catch (RejectedExecutionException e) {
            exchange.attemptFailed(ErrorCode.CLIENT_CLOSED, false, "client closed");
        }
    }

    /** Forgets request {@code id} and tells the server with CANCEL, if it is still in flight. */
    void cancel(long id) {
        try {
            ctx.executor().execute(() -> {
                if (inFlight.remove(id) != null) {
                    inFlightCount = inFlight.size();
                    if (ctx.channel().isActive()) {
                        ctx.writeAndFlush(new CancelFrame(id));
                    }
                    closeIfDrained();
                }
            });
        } catch (RejectedExecutionException e) {
            // The event loop is gone, and with it the connection and the request.
        }
    }

    void close() {
        ChannelHandlerContext c = ctx;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new HelloFrame(ProtocolVersion.MIN, ProtocolVersion.MAX, token, clientName));
        handshakeTimer = ctx.executor().schedule(() -> {
            if (hello == null) {
                closeWith("no HELLO_OK within " + TimeUnit.NANOSECONDS.toMillis(handshakeTimeoutNanos) + " ms");
            }
        }, handshakeTimeoutNanos, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (frame.type().direction() == FrameType.Direction.CLIENT_TO_SERVER) {
            // The shared decoder reads either side's frames; a server sends none of these.
            closeWith("protocol violation: type: " + frame.type().describe() + " (expected: a frame servers send)");
        } else if (frame instanceof ErrorFrame error) {
            onError(error);
        } else if (hello == null) {
            if (frame instanceof HelloOkFrame helloOk) {
                onHelloOk(helloOk);
            } else {
                closeWith("protocol violation: " + frame.type().describe() + " before HELLO_OK");
            }
        } else if (frame instanceof VerdictFrame verdict) {
            ScoreExchange exchange = remove(verdict.requestId());
            if (exchange != null) {
                exchange.verdict(ClientVerdict.fromServer(verdict));
            }
        } else if (frame instanceof PingFrame ping) {
            ctx.writeAndFlush(new PongFrame(ping.requestId(), ping.opaque()));
        } else if (frame instanceof GoAwayFrame goAway) {
            goingAway = true;
            closeReason = "GOAWAY: " + goAway.reason();
            slot.goAway(this);
            closeIfDrained();
        } else if (frame instanceof HelloOkFrame) {
            closeWith("protocol violation: a second HELLO_OK");
        }
        // PONG: nothing to do; this client does not ping.
    }

    private void onHelloOk(HelloOkFrame helloOk) {
        if (helloOk.version() < ProtocolVersion.MIN || helloOk.version() > ProtocolVersion.MAX) {
            closeWith("protocol violation: HELLO_OK version: " + helloOk.version() + " (expected: " + ProtocolVersion.MIN + ".."
                    + ProtocolVersion.MAX + ", as offered)");
            return;
        }
        hello = helloOk;
        handshakeTimer.cancel(false);
        slot.ready(this);
    }

    private void onError(ErrorFrame error) {
        ErrorCode code = ErrorCode.of(error.errorCode());
        String message = code == ErrorCode.UNKNOWN ? "code " + error.code() + ": " + error.message() : error.message();
        if (error.requestId() == 0) {
            // A connection-level error: the server closes the connection after it.
            if (connectionError == null) {
                connectionError = error;
                closeReason = "server ERROR " + code + ": " + message;
            }
            return;
        }
        ScoreExchange exchange = remove(error.requestId());
        if (exchange != null) {
            exchange.attemptFailed(code, error.retryable(), message);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        String why = closeReason != null ? closeReason : "closed by the server";
        if (hello == null) {
            if (connectionError != null) {
                ErrorCode code = ErrorCode.of(connectionError.errorCode());
                slot.connectFailed(this, code, connectionError.retryable(), "server refused the connection: " + why);
            } else {
                slot.connectFailed(this, ErrorCode.CONNECTION_FAILED, true, "connection ended before HELLO_OK: " + why);
            }
        } else {
            slot.closed(this);
            List<ScoreExchange> lost = new ArrayList<>(inFlight.values());
            inFlight.clear();
            inFlightCount = 0;
            for (ScoreExchange exchange : lost) {
                exchange.attemptFailed(ErrorCode.CONNECTION_FAILED, true, "connection lost with the request in flight: " + why);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Not swallowed: the cause becomes the failure of every request in flight (channelInactive).
        closeWith(cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    private void sendNow(ScoreExchange exchange) {
        if (exchange.isDone()) {
            return;
        }
        if (!acceptsRequests()) {
            exchange.attemptFailed(ErrorCode.CONNECTION_FAILED, true,
                    "connection " + (goingAway ? "going away" : "closed") + " before the request was sent");
            return;
        }
        HelloOkFrame limits = hello;
        if (limits.maxInFlight() > 0 && inFlight.size() >= limits.maxInFlight()) {
            exchange.attemptFailed(ErrorCode.OVERLOADED, true,
                    "requests in flight: " + inFlight.size() + " (expected: < max_in_flight " + limits.maxInFlight() + ")");
            return;
        }
        if (exchange.call().receipt() && limits.version() < 2) {
            exchange.attemptFailed(ErrorCode.BAD_REQUEST, false, "receipt: asked for (expected: a server speaking protocol version 2 or later;"
                    + " this one negotiated " + limits.version() + ")");
            return;
        }
        long id = nextRequestId++;
        ByteBuf frame;
        try {
            frame = FrameEncoder.encode(ctx.alloc(), exchange.frame(id));
        } catch (IllegalArgumentException e) {
            exchange.attemptFailed(ErrorCode.BAD_REQUEST, false, e.getMessage());
            return;
        }
        String overLimit = exchange.overLimits(limits, frame);
        if (overLimit != null) {
            frame.release();
            exchange.attemptFailed(ErrorCode.BAD_REQUEST, false, overLimit);
            return;
        }
        inFlight.put(id, exchange);
        inFlightCount = inFlight.size();
        exchange.sent(this, id);
        ctx.writeAndFlush(frame).addListener(f -> {
            if (!f.isSuccess() && remove(id) != null) {
                exchange.attemptFailed(ErrorCode.CONNECTION_FAILED, true, "write failed: " + f.cause());
            }
        });
    }

    private ScoreExchange remove(long id) {
        ScoreExchange exchange = inFlight.remove(id);
        if (exchange != null) {
            inFlightCount = inFlight.size();
            closeIfDrained();
        }
        return exchange;
    }

    private void closeIfDrained() {
        if (goingAway && inFlight.isEmpty()) {
            ctx.close();
        }
    }

    private void closeWith(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        ctx.close();
    }
}
