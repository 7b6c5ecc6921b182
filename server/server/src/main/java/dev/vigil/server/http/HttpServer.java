package dev.vigil.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vigil.engine.Decision;
import dev.vigil.engine.Gate;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.RawImage;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.server.metrics.LiveStatus;
import dev.vigil.server.metrics.VigilMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpResponseEncoder;
import dev.vigil.server.FrontDoor;
import dev.vigil.server.ListenerPolicy;
import dev.vigil.server.VerdictJson;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Vigil over HTTP/1.1, on its own port beside the binary protocol:
 * <pre>
 * POST /v1/score   the image as the body (image/*) or multipart/form-data (image, source);
 *                  policy, timeout_ms, request_id as query parameters or form fields → JSON verdict
 * GET  /healthz    200 "ok" while the process serves
 * GET  /readyz     200 once a self-check score through the gate succeeded; 503 before, and while shutting down
 * GET  /metrics    Prometheus text format
 * GET  /v1/status  JSON numbers of the status page
 * GET  /           the status page (HTML and script in one file, no external resources)
 * </pre>
 * Errors are JSON {@code {"error": {"code", "message", "retryable"}}}, codes and statuses by the
 * one mapping shared with the binary protocol ({@link dev.vigil.server.Failures}): 400
 * BAD_REQUEST (unknown policy, bad parameter, bad framing), 401 UNAUTHENTICATED, 408
 * REQUEST_TIMEOUT, 413 PAYLOAD_TOO_LARGE, 415 UNSUPPORTED_MEDIA_TYPE, 503 OVERLOADED or
 * SHUTTING_DOWN with Retry-After. A fail-closed BLOCK is a verdict (200), not an error.
 * <p>
 * Every rule of the {@link ListenerPolicy} applies here as on the binary listeners, through the
 * {@link FrontDoor} they share: the token ({@code Authorization: Bearer}, on everything but
 * {@code /healthz} and {@code /readyz}), TLS and client certificates, the connection, in-flight
 * and memory limits, deadlines, read and idle timeouts, and the shutdown grace.
 * <p>
 * {@link #start} binds and returns at once; the self-check runs in the background and is
 * retried every second until it succeeds. The server owns its event loops and closes them in
 * {@link #close()}; the gate and the metrics belong to the caller and outlive it. Thread-safe.
 */
public final class HttpServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HttpServer.class.getName());
    private static final JsonFactory JSON = new JsonFactory();
    private static final String STATUS_PAGE = "status.html";
    /**
     * The page may run only its own inline script and talk only to this server: no CDN, no
     * third-party anything, even if someone edits the page carelessly.
     */
    private static final String STATUS_PAGE_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final long SELF_CHECK_RETRY_SECONDS = 1;

    private final Gate gate;
    private final VigilMetrics metrics;
    private final FrontDoor frontDoor;
    private final ListenerPolicy options;
    private final EventLoopGroup loops;
    private final ChannelGroup connections;
    private final byte[] statusPage;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile String notReady = "self-check pending";
    private volatile boolean closing;
    private volatile boolean cutOff;
    private Channel listener;

    private HttpServer(Gate gate, VigilMetrics metrics, FrontDoor frontDoor) {
        this.gate = gate;
        this.metrics = metrics;
        this.frontDoor = frontDoor;
        this.options = frontDoor.policy();
        this.statusPage = resource(STATUS_PAGE);
        this.loops = new MultiThreadIoEventLoopGroup(options.ioThreads(), new DefaultThreadFactory("vigil-http", true), NioIoHandler.newFactory());
        this.connections = new DefaultChannelGroup("vigil-http", GlobalEventExecutor.INSTANCE);
    }

    /**
     * Listens on {@code bind} (port 0 picks a free one: see {@link #address()}) and starts the
     * self-check. Points {@code metrics}' queue depths at the gate's queues.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static HttpServer start(Gate gate, VigilMetrics metrics, InetSocketAddress bind, FrontDoor frontDoor) {
        HttpServer server = new HttpServer(gate, metrics, frontDoor);
        try {
            server.bind(bind);
        } catch (RuntimeException e) {
            server.loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        metrics.watchGate(gate);
        metrics.watchFrontDoor(frontDoor);
        server.selfCheck();
        return server;
    }

    /** Room in a multipart body for the boundaries, part headers and the small fields. */
    static final int FORM_OVERHEAD = 64 * 1024;

    /** The largest request body read: two images (output and source) and the form around them. */
    int maxContentLength() {
        return (int) Math.min(Integer.MAX_VALUE, 2L * options.maxImageBytes() + FORM_OVERHEAD);
    }

    private void bind(InetSocketAddress address) {
        io.netty.channel.ChannelHandler connectionLimit = frontDoor.connectionLimit(() -> {
            FullHttpResponse r = refuse(new HttpError(HttpError.Code.OVERLOADED, "connections: " + frontDoor.connections() + " open (expected: <= "
                    + options.maxConnections() + "); retry later or elsewhere"));
            io.netty.handler.codec.http.HttpUtil.setContentLength(r, r.content().readableBytes());
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return r;
        });
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(frontDoor.acceptErrors("http " + address))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        HttpRequestGuard guard = new HttpRequestGuard(frontDoor.budget(), options.requestReadTimeout(), options.retryAfter());
                        if (frontDoor.ssl() != null) {
                            ch.pipeline().addLast("tls", frontDoor.ssl().newHandler(ch.alloc()));
                        }
                        ch.pipeline()
                                .addLast(new IdleStateHandler(0, 0, options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                                .addLast(guard.raw())
                                .addLast(HttpRequestGuard.decoder())
                                .addLast(new HttpResponseEncoder())
                                .addLast(connectionLimit)
                                .addLast(guard.messages())
                                .addLast(new ImageBodyAggregator(maxContentLength(),
                                        () -> metrics.recordError(HttpError.Code.PAYLOAD_TOO_LARGE.name(), VigilMetrics.HTTP),
                                        HttpServer.this::beforeBody))
                                .addLast(new HttpConnection(HttpServer.this::handle, options.retryAfter()));
                    }
                });
        try {
            listener = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new UncheckedIOException(new IOException("http: cannot listen on " + address + ": " + e.getMessage(), e));
        }
    }

    /** The address listened on, with the port picked when 0 was asked for. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Completes when the self-check has succeeded: what {@code /readyz} reports. Never fails. */
    public CompletableFuture<Void> readiness() {
        return ready.copy();
    }

    /** Whether {@code /readyz} answers 200 now: self-check passed and not shutting down. */
    public boolean isReady() {
        return ready.isDone() && !closing && !frontDoor.stopping();
    }

    /** Whether {@link #close()} closed connections with requests still in flight after the shutdown grace. */
    public boolean cutOff() {
        return cutOff;
    }

    /**
     * Stops accepting connections, at once; open connections are served on until {@link #close()}.
     * The first step of a graceful stop. Idempotent.
     */
    public void closeListener() {
        listener.close().syncUninterruptibly();
    }

    /** One request, to one response; runs on the connection's event loop. */
    private CompletableFuture<FullHttpResponse> handle(io.netty.channel.Channel channel, FullHttpRequest request, CompletableFuture<Void> written) {
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        if (!path.equals("/healthz") && !path.equals("/readyz") && !frontDoor.authenticates(bearer(request.headers()))) {
            return done(refuse(unauthenticated(request.headers())));
        }
        return switch (path) {
            case "/v1/score" -> method.equals(HttpMethod.POST) ? score(channel, request, written) : done(notAllowed(path, "POST"));
            case "/healthz" -> get(method, path, () -> text(HttpResponseStatus.OK, "ok\n"));
            case "/readyz" -> get(method, path, this::readyz);
            case "/metrics" -> get(method, path, this::prometheus);
            case "/v1/status" -> get(method, path, this::status);
            case "/" -> get(method, path, this::page);
            default -> done(new HttpError(HttpError.Code.NOT_FOUND, "path: " + path
                    + " (expected: /v1/score, /healthz, /readyz, /metrics, /v1/status or /)").response(options.retryAfter()));
        };
    }

    /**
     * A request that expects {@code 100-continue}, before its body is asked for: a score request
     * that would be refused anyway (no token, shutting down, every in-flight permit taken, or more
     * than the gate can finish in its deadline) is answered now, so the client does not send an image only to see it
     * dropped; anything else (null) reads on. The same checks run again once the body is in.
     */
    private FullHttpResponse beforeBody(io.netty.handler.codec.http.HttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        if (!uri.path().equals("/v1/score") || !request.method().equals(HttpMethod.POST)) {
            return null;
        }
        if (!frontDoor.authenticates(bearer(request.headers()))) {
            return refuse(unauthenticated(request.headers()));
        }
        if (closing || frontDoor.stopping()) {
            return refuse(new HttpError(HttpError.Code.SHUTTING_DOWN, "the server is shutting down (expected: retry on another server)"));
        }
        if (frontDoor.inFlight().full()) {
            return refuse(new HttpError(HttpError.Code.OVERLOADED, frontDoor.inFlight().refusal()));
        }
        java.time.Duration timeout;
        try {
            timeout = ScoreRequestReader.timeout(uri, options);
        } catch (RuntimeException e) {
            return null; // the router names the bad parameter
        }
        dev.vigil.engine.OverloadedException refusal = gate.wouldRefuse(timeout);
        return refusal == null ? null : refuse(HttpError.of(refusal));
    }

    /** The token of an {@code Authorization: Bearer TOKEN} header, or null. */
    private static String bearer(io.netty.handler.codec.http.HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (value == null || value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return value.substring(7).trim();
    }

    private static HttpError unauthenticated(io.netty.handler.codec.http.HttpHeaders headers) {
        return new HttpError(HttpError.Code.UNAUTHENTICATED, headers.contains(HttpHeaderNames.AUTHORIZATION)
                ? "Authorization: wrong token (expected: Bearer and the server's token)"
                : "Authorization: missing (expected: Bearer and the server's token; only /healthz and /readyz are open)");
    }

    private CompletableFuture<FullHttpResponse> get(HttpMethod method, String path, java.util.function.Supplier<FullHttpResponse> route) {
        return done(method.equals(HttpMethod.GET) ? route.get() : notAllowed(path, "GET"));
    }

    private FullHttpResponse notAllowed(String path, String allowed) {
        FullHttpResponse r = new HttpError(HttpError.Code.METHOD_NOT_ALLOWED, "method for " + path + " (expected: " + allowed + ")").response(options.retryAfter());
        r.headers().set(HttpHeaderNames.ALLOW, allowed);
        return r;
    }

    /** In flight from admission until the answer is on the wire, so that close() drains answers, not just verdicts. */
    private CompletableFuture<FullHttpResponse> score(io.netty.channel.Channel channel, FullHttpRequest request, CompletableFuture<Void> written) {
        // counted before the closing check, so that close() waits for every request let through
        inFlight.incrementAndGet();
        if (closing || frontDoor.stopping()) {
            leave();
            return done(refuse(new HttpError(HttpError.Code.SHUTTING_DOWN, "the server is shutting down (expected: retry on another server)")));
        }
        dev.vigil.server.Auditor auditor = frontDoor.auditor();
        boolean wantReceipt;
        try {
            wantReceipt = ScoreRequestReader.receipt(new QueryStringDecoder(request.uri()));
            auditor.admit(wantReceipt);
        } catch (RuntimeException e) {
            leave();
            return done(refuse(HttpError.of(e)));
        }
        dev.vigil.server.InFlightLimit limit = frontDoor.inFlight();
        if (!limit.tryAcquire()) {
            leave();
            return done(refuse(new HttpError(HttpError.Code.OVERLOADED, limit.refusal())));
        }
        metrics.inFlight(VigilMetrics.HTTP, 1);
        CompletableFuture<FullHttpResponse> response;
        try {
            ScoreRequest scoreRequest = ScoreRequestReader.read(request, options);
            String agent = request.headers().get(HttpHeaderNames.USER_AGENT, "");
            CompletableFuture<dev.vigil.server.Auditor.Recorded> verdict = auditor.record(gate.score(scoreRequest),
                    frontDoor.client(channel, frontDoor.ssl() != null ? "https" : "http", agent), wantReceipt, scoreRequest.image());
            CompletableFuture<FullHttpResponse> answer = verdict.handle((v, failure) -> failure == null ? verdict(v) : refuse(HttpError.of(failure)));
            // the connection closed before the answer (HttpConnection cancels it): the gate drops what is left of the work
            answer.whenComplete((r, e) -> {
                if (answer.isCancelled()) {
                    verdict.cancel(false);
                }
            });
            response = answer;
        } catch (RuntimeException e) {
            response = done(refuse(HttpError.of(e)));
        }
        written.whenComplete((nothing, e) -> {
            metrics.inFlight(VigilMetrics.HTTP, -1);
            limit.release();
            leave();
        });
        return response;
    }

    private void leave() {
        if (inFlight.decrementAndGet() == 0 && closing) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    private FullHttpResponse verdict(dev.vigil.server.Auditor.Recorded recorded) {
        metrics.recordVerdict(recorded.verdict(), VigilMetrics.HTTP);
        return json(HttpResponseStatus.OK, VerdictJson.toJson(recorded.verdict(), recorded.receipt()));
    }

    private FullHttpResponse refuse(HttpError error) {
        if (error.code == HttpError.Code.INTERNAL) {
            LOG.log(System.Logger.Level.ERROR, "score request failed", error.getCause());
        }
        metrics.recordError(error.code.name(), VigilMetrics.HTTP);
        return error.response(options.retryAfter());
    }

    private FullHttpResponse readyz() {
        if (closing || frontDoor.stopping()) {
            return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: shutting down\n");
        }
        return ready.isDone() ? text(HttpResponseStatus.OK, "ready\n") : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + notReady + "\n");
    }

    private FullHttpResponse prometheus() {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.buffer(16 * 1024));
        try (ByteBufOutputStream out = new ByteBufOutputStream(r.content())) {
            metrics.writeText(out);
        } catch (IOException e) {
            r.release();
            throw new UncheckedIOException(e);
        }
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, VigilMetrics.TEXT_CONTENT_TYPE);
        return r;
    }

    private FullHttpResponse page() {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(statusPage));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, STATUS_PAGE_POLICY)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        return r;
    }

    /** The status page's numbers: {@link LiveStatus} plus readiness and the gate's policies, in snake_case. */
    private FullHttpResponse status() {
        LiveStatus s = metrics.status();
        PolicySet policies = gate.policies();
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeBooleanField("ready", isReady());
            g.writeStringField("state", closing ? "shutting down" : ready.isDone() ? "ready" : notReady);
            g.writeNumberField("uptime_s", s.uptime().toMillis() / 1000.0);
            g.writeNumberField("verdicts", s.verdicts());
            g.writeObjectFieldStart("per_second");
            g.writeNumberField("last_10s", s.perSecond10s());
            g.writeNumberField("last_60s", s.perSecond60s());
            g.writeEndObject();
            g.writeArrayFieldStart("per_second_history");
            for (long n : s.perSecondHistory()) {
                g.writeNumber(n);
            }
            g.writeEndArray();
            LiveStatus.Latency l = s.latency();
            g.writeObjectFieldStart("latency_ms");
            g.writeNumberField("window_s", l.windowSeconds());
            g.writeNumberField("count", l.count());
            g.writeNumberField("p50", l.p50Micros() / 1000.0);
            g.writeNumberField("p90", l.p90Micros() / 1000.0);
            g.writeNumberField("p99", l.p99Micros() / 1000.0);
            g.writeNumberField("max", l.maxMicros() / 1000.0);
            g.writeEndObject();
            g.writeObjectFieldStart("decisions");
            for (Map.Entry<Decision, Long> e : s.decisions().entrySet()) {
                g.writeNumberField(e.getKey().name(), e.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("failed_closed", s.failedClosed());
            writeCounts(g, "errors", s.errors());
            g.writeNumberField("batches", s.batches());
            g.writeObjectFieldStart("batch_sizes");
            for (Map.Entry<Integer, Long> e : s.batchSizes().entrySet()) {
                g.writeNumberField(Integer.toString(e.getKey()), e.getValue());
            }
            g.writeEndObject();
            writeCounts(g, "in_flight", s.inFlight());
            writeCounts(g, "queue_depths", s.queueDepths());
            g.writeArrayFieldStart("models");
            for (String m : new java.util.TreeSet<>(s.models())) {
                g.writeString(m);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("policies");
            for (String p : policies.names()) {
                g.writeString(p);
            }
            g.writeEndArray();
            g.writeStringField("default_policy", policies.defaultPolicy().name());
            g.writeObjectFieldStart("preprocessing");
            g.writeStringField("path", gate.preprocessing().name().toLowerCase(java.util.Locale.ROOT));
            g.writeStringField("description", dev.vigil.engine.model.Preprocessing.describe(gate.preprocessing()));
            g.writeEndObject();
            g.writeStringField("policy_version", policies.version());
            g.writeObjectFieldStart("audit");
            dev.vigil.audit.AuditLog audit = frontDoor.auditor().log();
            g.writeBooleanField("enabled", audit != null);
            if (audit != null) {
                var refusal = audit.refusal();
                g.writeBooleanField("writable", refusal == null);
                g.writeStringField("error", refusal == null ? null : refusal.getMessage());
                g.writeNumberField("records_written", audit.recordsWritten());
                var cp = audit.lastCheckpoint();
                if (cp == null) {
                    g.writeNullField("checkpoint_size");
                } else {
                    g.writeNumberField("checkpoint_size", cp.size());
                    g.writeStringField("checkpoint_root", cp.rootHex());
                    g.writeStringField("checkpoint_time", cp.time().toString());
                    g.writeStringField("key", cp.keyId());
                }
            }
            g.writeEndObject();
            g.writeObjectFieldStart("memory");
            g.writeNumberField("javacpp_bytes", s.javacppBytes());
            g.writeNumberField("resident_bytes", s.physicalBytes());
            g.writeNumberField("heap_used_bytes", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        FullHttpResponse r = json(HttpResponseStatus.OK, out.toByteArray());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return r;
    }

    private static void writeCounts(JsonGenerator g, String name, Map<String, ? extends Number> counts) throws IOException {
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, ? extends Number> e : counts.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue().longValue());
        }
        g.writeEndObject();
    }

    /**
     * Scores a small grey image with the default policy; ready when the verdict comes from the
     * policy rather than from a failure. Not counted in the metrics: it is not a client's request.
     */
    private void selfCheck() {
        if (closing) {
            return;
        }
        int side = 64;
        byte[] grey = new byte[side * side * 3];
        java.util.Arrays.fill(grey, (byte) 128);
        ScoreRequest probe = new ScoreRequest("vigil-http-self-check", new RawImage(ByteBuffer.wrap(grey), side, side, side * 3, PixelFormat.BGR),
                null, null, null);
        CompletableFuture<Verdict> check;
        try {
            check = gate.score(probe);
        } catch (RuntimeException e) {
            check = CompletableFuture.failedFuture(e);
        }
        check.whenComplete((v, e) -> {
            if (e == null && !"error".equals(v.rule())) {
                notReady = null;
                ready.complete(null);
            } else {
                notReady = "self-check failed: " + (e != null ? e.getMessage() : v.reason());
                if (!closing && !loops.isShuttingDown()) {
                    loops.schedule(this::selfCheck, SELF_CHECK_RETRY_SECONDS, TimeUnit.SECONDS);
                }
            }
        });
    }

    /**
     * Stops serving: {@code /readyz} turns 503 and new scores are refused with SHUTTING_DOWN
     * while requests in flight are answered (for at most the drain timeout); then the port and
     * every connection are closed and the event loops stopped. Idempotent. Blocks: call it from
     * any thread but this server's event loops.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        closeListener(); // listeners first: nothing new arrives while in-flight work drains
        long deadline = System.nanoTime() + options.shutdownGrace().toNanos();
        synchronized (drained) {
            long left;
            while (inFlight.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        cutOff = inFlight.get() > 0;
        connections.close().awaitUninterruptibly();
        loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static CompletableFuture<FullHttpResponse> done(FullHttpResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return r;
    }

    private static FullHttpResponse json(HttpResponseStatus status, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return r;
    }

    private static byte[] resource(String name) {
        try (InputStream in = HttpServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the jar next to " + HttpServer.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
