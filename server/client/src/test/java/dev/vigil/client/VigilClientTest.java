package dev.vigil.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client against {@link FakeVigilServer} over real sockets: pipelining, reconnects, retries,
 * timeouts, fail-closed verdicts and surfaced errors, TLS and Unix sockets. No assertion
 * depends on how long anything takes; waits are bounded only to turn a hang into a failure.
 */
@org.junit.jupiter.api.extension.ExtendWith(dev.vigil.protocol.LeakDetection.class)
class VigilClientTest {
    @TempDir
    Path tmp;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void pipelinesRequestsOnOneConnectionAndMatchesAnswersGivenInAnyOrder() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()).optToken("t").optClientName("test"));
        List<CompletableFuture<ClientVerdict>> futures = new ArrayList<>();
        for (String name : List.of("first", "second", "third", "fourth")) {
            futures.add(client.score(ScoreCall.of(ClientImage.encoded(name.getBytes(StandardCharsets.UTF_8)))));
        }
        List<FakeVigilServer.Score> received = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            received.add(server.nextScore());
        }
        // All four are in flight at once, on one connection, under distinct ids.
        Set<Long> ids = new HashSet<>();
        for (FakeVigilServer.Score s : received) {
            assertEquals(1, s.connection);
            ids.add(s.requestId);
        }
        assertEquals(4, ids.size());
        assertFalse(ids.contains(0L), "request id 0 is for connection-level frames");
        // Answer in the reverse of the order received, each with its own image's name as the
        // reason; "first" and "third" are allowed, the others sent to review.
        for (int i = 3; i >= 0; i--) {
            FakeVigilServer.Score s = received.get(i);
            if (s.imageText().equals("first") || s.imageText().equals("third")) {
                s.allow(s.imageText());
            } else {
                s.verdict(1, false, "{\"rule\":\"suggestive\",\"reason\":\"" + s.imageText() + "\"}");
            }
        }
        List<String> names = List.of("first", "second", "third", "fourth");
        for (int i = 0; i < 4; i++) {
            ClientVerdict v = get(futures.get(i));
            assertEquals(names.get(i), v.reason());
            assertEquals(i % 2 == 0 ? Decision.ALLOW : Decision.REVIEW, v.decision());
            assertFalse(v.failedClosed());
            assertNull(v.error());
        }
        FakeVigilServer.Hello hello = server.nextHello();
        assertEquals(0x5647494C, hello.magic());
        assertEquals(1, hello.minVersion());
        assertEquals(2, hello.maxVersion(), "offers up to version 2 (the receipt flag)");
        assertEquals("t", hello.token());
        assertEquals("test", hello.clientName());
        assertEquals(1, server.connectionCount());
        assertTrue(server.errors.isEmpty(), () -> "the server could not parse what the client sent: " + server.errors);
    }

    @Test
    void serverVerdictDetailsAreReadAndFailedClosedVerdictsKeepTheServersReason() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1:" + server.port()));
        CompletableFuture<ClientVerdict> blocked = client.score(ScoreCall.of(png()));
        server.nextScore().verdict(2, true, "{\"decision\":\"BLOCK\",\"rule\":\"error\",\"reason\":\"decode: truncated PNG\","
                + "\"signals\":{},\"failures\":{\"decode\":\"truncated PNG\"}}");
        ClientVerdict v = get(blocked);
        assertEquals(Decision.BLOCK, v.decision());
        assertTrue(v.failedClosed());
        assertNull(v.error(), "the server decided; the client did not fail");
        assertEquals("error", v.rule());
        assertEquals("decode: truncated PNG", v.reason());

        CompletableFuture<ClientVerdict> allowed = client.score(ScoreCall.of(png()));
        server.nextScore().verdict(0, false, "{\"rule\":\"default\",\"reason\":\"\",\"signals\":{\"sexual\":0.02,\"faces\":0}}");
        ClientVerdict a = get(allowed);
        assertTrue(a.allowed());
        assertEquals(0.02, a.signals().get("sexual"));
        assertEquals(0.0, a.signals().get("faces"));
    }

    @Test
    void resendsARequestLostWithItsConnectionOnANewConnection() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port())
                .optReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(50)));
        CompletableFuture<ClientVerdict> future = client.score(ScoreCall.of(png()));
        FakeVigilServer.Score first = server.nextScore();
        first.closeConnection();
        FakeVigilServer.Score second = server.nextScore();
        assertNotEquals(first.connection, second.connection);
        assertArrayEquals(first.imageBytes, second.imageBytes);
        second.allow("ok");
        assertEquals(Decision.ALLOW, get(future).decision());
        assertEquals(2, server.connectionCount());
        assertEquals(2, server.hellos.size(), "a new connection starts with HELLO");
    }

    @Test
    void reconnectsOnItsOwnWhenTheServerDropsAnIdleConnection() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port())
                .optReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(50)));
        CompletableFuture<ClientVerdict> first = client.score(ScoreCall.of(png()));
        FakeVigilServer.Score s = server.nextScore();
        s.allow("ok");
        get(first);
        server.nextHello();
        server.closeConnection(s.connection);
        FakeVigilServer.Hello again = server.nextHello(); // sent with no call pending
        assertEquals(2, again.connection());
        CompletableFuture<ClientVerdict> next = client.score(ScoreCall.of(png()));
        FakeVigilServer.Score t = server.nextScore();
        assertEquals(2, t.connection);
        t.allow("ok");
        assertEquals(Decision.ALLOW, get(next).decision());
    }

    @Test
    void retriesOverloadedThenReturnsTheVerdict() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()));
        CompletableFuture<ClientVerdict> future = client.score(ScoreCall.of(png()));
        FakeVigilServer.Score first = server.nextScore();
        first.error(6, true, "requests in flight: 256 (expected: < 256)");
        FakeVigilServer.Score second = server.nextScore();
        assertNotEquals(first.requestId, second.requestId, "a retry is a new request");
        second.allow("ok");
        ClientVerdict v = get(future);
        assertEquals(Decision.ALLOW, v.decision());
        assertFalse(v.failedClosed());
    }

    @Test
    void givesUpAfterMaxAttemptsWithAFailClosedBlock() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()).optMaxAttempts(2));
        CompletableFuture<ClientVerdict> future = client.score(ScoreCall.of(png()));
        server.nextScore().error(9, true, "model crashed");
        server.nextScore().error(9, true, "model crashed again");
        ClientVerdict v = get(future);
        assertEquals(Decision.BLOCK, v.decision());
        assertTrue(v.failedClosed());
        assertEquals(ErrorCode.INTERNAL, v.error());
        assertEquals("INTERNAL: model crashed again (attempt 2 of at most 2)", v.reason());
        assertTrue(server.scores.isEmpty());
    }

    @Test
    void timeoutIsAFailClosedBlockAndCancelsTheRequestOnTheWire() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()));
        CompletableFuture<ClientVerdict> future = client.score(ScoreCall.builder().setImage(png()).optTimeout(Duration.ofMillis(300)).build());
        FakeVigilServer.Score s = server.nextScore(); // and never answered
        assertTrue(s.timeoutMs > 0 && s.timeoutMs <= 300, "the time left travels as timeout_ms: " + s.timeoutMs);
        ClientVerdict v = get(future);
        assertEquals(Decision.BLOCK, v.decision());
        assertTrue(v.failedClosed());
        assertEquals(ErrorCode.TIMEOUT, v.error());
        long[] cancel = server.cancels.poll(FakeVigilServer.WAIT_SECONDS, TimeUnit.SECONDS);
        assertArrayEquals(new long[] {s.connection, s.requestId}, cancel);
        // The connection is still good; a late answer to the cancelled id is ignored.
        s.allow("late");
        CompletableFuture<ClientVerdict> next = client.score(ScoreCall.of(png()));
        FakeVigilServer.Score t = server.nextScore();
        assertEquals(s.connection, t.connection);
        t.allow("in time");
        assertEquals("in time", get(next).reason());
    }

    @Test
    void surfacesErrorsAsTypedExceptionsWhenAsked() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()).optSurfaceErrors(true).optMaxAttempts(2));
        CompletableFuture<ClientVerdict> bad = client.score(ScoreCall.builder().setImage(png()).optPolicy("nope").build());
        FakeVigilServer.Score s = server.nextScore();
        assertEquals("nope", s.policy);
        s.error(5, false, "policy: nope (expected: one of strict, permissive)");
        VigilClientException e = failure(bad);
        assertEquals(ErrorCode.BAD_REQUEST, e.code());
        assertFalse(e.retryable());
        assertEquals("BAD_REQUEST: policy: nope (expected: one of strict, permissive)", e.getMessage());

        CompletableFuture<ClientVerdict> busy = client.score(ScoreCall.of(png()));
        server.nextScore().error(6, true, "busy");
        server.nextScore().error(6, true, "still busy");
        VigilClientException overloaded = failure(busy);
        assertEquals(ErrorCode.OVERLOADED, overloaded.code());
        assertTrue(overloaded.retryable());

        CompletableFuture<ClientVerdict> late = client.score(ScoreCall.builder().setImage(png()).optTimeout(Duration.ofMillis(200)).build());
        server.nextScore();
        assertEquals(ErrorCode.TIMEOUT, failure(late).code());
    }

    @Test
    void nonRetryableErrorIsABlockWithoutRetry() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()));
        CompletableFuture<ClientVerdict> future = client.score(ScoreCall.of(png()));
        server.nextScore().error(5, false, "image.width: 0 (expected: >= 1)");
        ClientVerdict v = get(future);
        assertEquals(Decision.BLOCK, v.decision());
        assertTrue(v.failedClosed());
        assertEquals(ErrorCode.BAD_REQUEST, v.error());
        assertEquals("BAD_REQUEST: image.width: 0 (expected: >= 1)", v.reason());
        assertTrue(server.scores.isEmpty());
    }

    @Test
    void unauthenticatedIsABlockAndIsNotRetried() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp().requireToken("secret"));
        // A reconnect back-off far longer than the call's timeout: a retry would end as TIMEOUT, not UNAUTHENTICATED.
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()).optToken("wrong")
                .optReconnectBackoff(Duration.ofMinutes(10), Duration.ofMinutes(10)).optTimeout(Duration.ofSeconds(10)));
        ClientVerdict v = get(client.score(ScoreCall.of(png())));
        assertEquals(Decision.BLOCK, v.decision());
        assertTrue(v.failedClosed());
        assertEquals(ErrorCode.UNAUTHENTICATED, v.error());
        assertTrue(v.reason().contains("token does not match"), v.reason());
        assertEquals(1, server.hellos.size());
        assertEquals("wrong", server.hellos.peek().token());
        assertTrue(server.scores.isEmpty());
    }

    @Test
    void unreachableServerIsABlock() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", port)
                .optReconnectBackoff(Duration.ofMillis(5), Duration.ofMillis(10)).optRetryBackoff(Duration.ofMillis(5), Duration.ofMillis(10)));
        ClientVerdict v = get(client.score(ScoreCall.of(png())));
        assertEquals(Decision.BLOCK, v.decision());
        assertTrue(v.failedClosed());
        assertEquals(ErrorCode.CONNECTION_FAILED, v.error());
    }

    @Test
    void aFrameOnlyClientsSendEndsTheConnection() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()).optMaxAttempts(1));
        CompletableFuture<ClientVerdict> future = client.score(ScoreCall.of(png()));
        server.nextScore().answerWith(0x30, Unpooled.buffer()); // CANCEL, from the server
        ClientVerdict v = get(future);
        assertEquals(Decision.BLOCK, v.decision());
        assertEquals(ErrorCode.CONNECTION_FAILED, v.error());
        assertTrue(v.reason().contains("protocol violation: type: 0x30 CANCEL (expected: a frame servers send)"), v.reason());
    }

    @Test
    void rawPixelsAndSourceImageGoOnTheWireAsTheSpecSays() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()));
        // 3x2 BGRA pixels with a 16-byte row stride (4 bytes of padding after the first row).
        byte[] pixels = new byte[16 + 12];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) i;
        }
        ClientImage raw = ClientImage.raw(pixels, 3, 2, 16, PixelFormat.BGRA);
        ClientImage source = ClientImage.encoded(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        CompletableFuture<ClientVerdict> future = client.score(ScoreCall.builder().setImage(raw).optSource(source)
                .optPolicy("strict").optTimeout(Duration.ofSeconds(4)).build());
        FakeVigilServer.Score s = server.nextScore();
        assertTrue(s.timeoutMs > 0 && s.timeoutMs <= 4000, "timeout_ms: " + s.timeoutMs);
        assertEquals(""
                + "0006" + "737472696374"                                          // policy "strict"
                + "02" + "04" + "00000003" + "00000002" + "00000010" + "0000001c"  // raw, BGRA, w 3, h 2, stride 16, 28 bytes
                + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
                + "01"                                                             // has_source
                + "01" + "00000004" + "89504e47",                                  // encoded source
                ByteBufUtil.hexDump(s.payload, 4, s.payload.length - 4));
        s.allow("ok");
        assertEquals(Decision.ALLOW, get(future).decision());
        assertTrue(server.errors.isEmpty(), () -> "the server could not parse what the client sent: " + server.errors);
    }

    @Test
    void imageOverTheServersLimitIsRefusedBeforeSending() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp().maxImageBytes(8));
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()));
        ClientVerdict v = get(client.score(ScoreCall.of(ClientImage.encoded(new byte[9]))));
        assertEquals(ErrorCode.BAD_REQUEST, v.error());
        assertEquals("BAD_REQUEST: image.byte_length: 9 (expected: <= max_image_bytes 8)", v.reason());
        assertTrue(server.scores.isEmpty());
    }

    @Test
    void frameOverTheServersMaxFrameIsRefusedBeforeSending() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp().maxFrame(40));
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()));
        ClientVerdict v = get(client.score(ScoreCall.of(ClientImage.encoded(new byte[30]))));
        assertEquals(ErrorCode.BAD_REQUEST, v.error());
        // 12 header bytes after the length, timeout_ms 4, policy 2 + 0, image 1 + 4 + 30, has_source 1
        assertEquals("BAD_REQUEST: frame length: 54 (expected: <= max_frame 40)", v.reason());
        assertTrue(server.scores.isEmpty());
        // 16 image bytes make a length of exactly 40: sent.
        CompletableFuture<ClientVerdict> fits = client.score(ScoreCall.of(ClientImage.encoded(new byte[16])));
        server.nextScore().allow("fits");
        assertEquals(Decision.ALLOW, get(fits).decision());
    }

    @Test
    void keepsWithinTheServersMaxInFlight() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp().maxInFlight(1));
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port())
                .optMaxAttempts(1000).optRetryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)));
        CompletableFuture<ClientVerdict> a = client.score(ScoreCall.of(png()));
        CompletableFuture<ClientVerdict> b = client.score(ScoreCall.of(png()));
        server.nextScore().allow("one");
        server.nextScore().allow("two");
        assertEquals(Decision.ALLOW, get(a).decision());
        assertEquals(Decision.ALLOW, get(b).decision());
        assertEquals(1, server.maxInFlightSeen.get());
    }

    @Test
    void spreadsRequestsOverThePool() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()).optConnections(3).optIoThreads(2));
        List<CompletableFuture<ClientVerdict>> futures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            futures.add(client.score(ScoreCall.of(png())));
        }
        Set<Integer> connections = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            FakeVigilServer.Score s = server.nextScore();
            connections.add(s.connection);
            s.allow("ok");
        }
        for (CompletableFuture<ClientVerdict> f : futures) {
            assertEquals(Decision.ALLOW, get(f).decision());
        }
        assertEquals(3, connections.size());
    }

    @Test
    void goAwayMovesNewRequestsToANewConnectionWhileTheOldOneFinishes() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()));
        CompletableFuture<ClientVerdict> before = client.score(ScoreCall.of(png()));
        FakeVigilServer.Score old = server.nextScore();
        server.goAway(old.connection, "draining");
        server.nextHello();
        server.nextHello(); // the replacement connection, opened on GOAWAY
        CompletableFuture<ClientVerdict> after = client.score(ScoreCall.of(png()));
        FakeVigilServer.Score fresh = server.nextScore();
        assertEquals(2, fresh.connection);
        old.allow("answered after GOAWAY");
        fresh.allow("new connection");
        assertEquals("answered after GOAWAY", get(before).reason());
        assertEquals("new connection", get(after).reason());
    }

    @Test
    void answersPingWithPong() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()));
        CompletableFuture<ClientVerdict> f = client.score(ScoreCall.of(png()));
        FakeVigilServer.Score s = server.nextScore();
        server.ping(s.connection, 77, 0x0123456789ABCDEFL);
        assertArrayEquals(new long[] {s.connection, 77, 0x0123456789ABCDEFL}, server.pongs.poll(FakeVigilServer.WAIT_SECONDS, TimeUnit.SECONDS));
        s.allow("ok");
        get(f);
    }

    @Test
    void closeEndsPendingCallsAsBlocksAndRefusesNewOnes() throws Exception {
        FakeVigilServer server = server(FakeVigilServer.tcp());
        VigilClient client = VigilClient.builder().setAddress("127.0.0.1", server.port()).build();
        CompletableFuture<ClientVerdict> pending = client.score(ScoreCall.of(png()));
        server.nextScore();
        client.close();
        ClientVerdict v = get(pending);
        assertEquals(Decision.BLOCK, v.decision());
        assertEquals(ErrorCode.CLIENT_CLOSED, v.error());
        assertThrows(IllegalStateException.class, () -> client.score(ScoreCall.of(png())));
        client.close();
    }

    @ParameterizedTest(name = "native transport: {0}")
    @ValueSource(booleans = {true, false})
    void worksOverAUnixDomainSocket(boolean nativeTransport) throws Exception {
        assumeTrue(!nativeTransport || Epoll.isAvailable(), "epoll not available here");
        Path socket = tmp.resolve("vigil.sock");
        FakeVigilServer server = server(FakeVigilServer.unix(socket));
        VigilClient client = client(VigilClient.builder().setAddress("unix:" + socket).optNativeTransport(nativeTransport));
        CompletableFuture<ClientVerdict> f = client.score(ScoreCall.of(png()));
        server.nextScore().allow("over unix");
        assertEquals("over unix", get(f).reason());
        assertEquals("unix:" + socket, client.address());
    }

    @Test
    void worksOverMutualTls() throws Exception {
        Path dir = tlsFiles();
        SslContext serverSsl = SslContextBuilder.forServer(dir.resolve("server.pem").toFile(), dir.resolve("server.key").toFile())
                .trustManager(dir.resolve("ca.pem").toFile()).clientAuth(ClientAuth.REQUIRE).build();
        FakeVigilServer server = server(FakeVigilServer.tls(serverSsl));
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port())
                .optTls(dir.resolve("ca.pem")).optClientCertificate(dir.resolve("client.pem"), dir.resolve("client.key")));
        CompletableFuture<ClientVerdict> f = client.score(ScoreCall.of(png()));
        server.nextScore().allow("over tls");
        assertEquals("over tls", get(f).reason());
    }

    @Test
    void untrustedServerCertificateIsABlock() throws Exception {
        Path dir = tlsFiles();
        SslContext serverSsl = SslContextBuilder.forServer(dir.resolve("server.pem").toFile(), dir.resolve("server.key").toFile()).build();
        FakeVigilServer server = server(FakeVigilServer.tls(serverSsl));
        VigilClient client = client(VigilClient.builder().setAddress("127.0.0.1", server.port()).optTls(dir.resolve("other-ca.pem"))
                .optRetryBackoff(Duration.ofMillis(5), Duration.ofMillis(10)).optReconnectBackoff(Duration.ofMillis(5), Duration.ofMillis(10)));
        ClientVerdict v = get(client.score(ScoreCall.of(png())));
        assertEquals(Decision.BLOCK, v.decision());
        assertEquals(ErrorCode.CONNECTION_FAILED, v.error());
        assertTrue(server.hellos.isEmpty(), "no HELLO may reach a server the client does not trust");
    }

    @Test
    void builderRefusesBadSettingsNamingThem() {
        assertEquals("address: not set (setAddress or setUnixSocket is required)",
                assertThrows(IllegalStateException.class, () -> VigilClient.builder().build()).getMessage());
        assertEquals("address: nohost (expected: host:port or unix:/path)",
                assertThrows(IllegalArgumentException.class, () -> VigilClient.builder().setAddress("nohost")).getMessage());
        assertEquals("connections: 0 (expected: 1..64)",
                assertThrows(IllegalArgumentException.class, () -> VigilClient.builder().optConnections(0)).getMessage());
        assertEquals("image: not set (setImage is required)",
                assertThrows(IllegalStateException.class, () -> ScoreCall.builder().build()).getMessage());
    }

    @Test
    void noEngineOnTheClassPath() {
        // vigil-client must stay light enough for any generation backend: no engine, TensorFlow or OpenCV.
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.vigil.engine.Gate"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.tensorflow.Session"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.bytedeco.opencv.opencv_core.Mat"));
    }

    private FakeVigilServer server(FakeVigilServer server) {
        toClose.add(server);
        return server;
    }

    private VigilClient client(VigilClient.Builder builder) {
        VigilClient client = builder.build();
        toClose.add(client);
        return client;
    }

    private Path tlsFiles() throws IOException {
        for (String name : List.of("ca.pem", "other-ca.pem", "server.pem", "server.key", "client.pem", "client.key")) {
            try (InputStream in = getClass().getResourceAsStream("tls/" + name)) {
                Files.copy(in, tmp.resolve(name));
            }
        }
        return tmp;
    }

    private static ClientImage png() {
        return ClientImage.encoded(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    }

    private static ClientVerdict get(CompletableFuture<ClientVerdict> future) throws Exception {
        return future.get(FakeVigilServer.WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static VigilClientException failure(CompletableFuture<ClientVerdict> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(FakeVigilServer.WAIT_SECONDS, TimeUnit.SECONDS));
        return assertInstanceOf(VigilClientException.class, e.getCause());
    }
}
