package dev.vigil.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.TestModels;
import dev.vigil.protocol.CancelFrame;
import dev.vigil.protocol.Decision;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.Frame;
import dev.vigil.protocol.FrameLayout;
import dev.vigil.protocol.HelloFrame;
import dev.vigil.protocol.HelloOkFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.LeakDetection;
import dev.vigil.protocol.PingFrame;
import dev.vigil.protocol.PongFrame;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictDetails;
import dev.vigil.protocol.VerdictFrame;
import dev.vigil.protocol.Wire;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The server over real TCP and Unix sockets with the real classifier: a raw-socket client says
 * HELLO, scores photos, pipelines requests answered out of order, and meets every limit and
 * error a client can meet on an open connection.
 */
@ExtendWith(LeakDetection.class)
@Timeout(120)
class VigilServerTest {
    @TempDir
    Path dir;

    private final List<VigilServer> servers = new ArrayList<>();

    VigilServer start(UnaryOperator<VigilServer.Builder> options) {
        VigilServer server = options.apply(VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), 0))
                .build().start();
        servers.add(server);
        return server;
    }

    @AfterEach
    void stop() {
        TestGate.HELD.releaseAll();
        servers.forEach(VigilServer::stop);
    }

    static ScoreFrame score(long id, String photo) {
        return new ScoreFrame(id, 0, "", ImageData.Encoded.of(TestGate.photo(photo)), null);
    }

    static ScoreFrame held(long id) {
        return new ScoreFrame(id, 0, "held", ImageData.Encoded.of(TestGate.photo("small.jpg")), null);
    }

    static void assertNeutralPhotoAllowed(long id, VerdictFrame v) throws Exception {
        assertEquals(id, v.requestId());
        assertEquals(Decision.ALLOW, v.decision());
        assertFalse(v.failedClosed());
        VerdictDetails d = v.details();
        assertEquals(Long.toString(id), d.requestId());
        assertEquals("ALLOW", d.decision());
        assertEquals("default", d.rule());
        assertEquals(List.of("nsfw-mobilenet-v2-mid/1"), d.models());
        assertEquals("classify", d.policy());
        assertEquals("server-test.1", d.policyVersion());
        assertTrue(d.timings().total() >= d.timings().inference() && d.timings().inference() > 0, d.timings().toString());
        // the bytes arrived intact: the same probabilities the original runtime gave for this photo
        float[] ref = TestModels.readFloats(TestModels.reference("nsfw-mobilenet-v2-mid").resolve("photo-c.out0.f32"));
        assertEquals(ref[1] + ref[3], d.signals().get("sexual"), 1e-4);
        assertEquals(ref[4], d.signals().get("suggestive"), 1e-4);
    }

    enum Socket { TCP_EPOLL, UNIX_EPOLL, TCP_NIO, UNIX_NIO }

    @ParameterizedTest
    @EnumSource(Socket.class)
    void helloThenScoreOfARealPhoto(Socket socket) throws Exception {
        boolean unix = socket.name().startsWith("UNIX");
        Transport transport = socket.name().endsWith("NIO") ? Transport.NIO : Transport.EPOLL;
        Path path = dir.resolve("vigil.sock");
        VigilServer server = start(b -> b.optTransport(transport).optUnixSocket(unix ? path : null));
        assertEquals(transport, server.transport());
        try (RawClient c = unix ? RawClient.unix(path) : RawClient.tcp(server.tcpAddress())) {
            HelloOkFrame ok = c.hello("");
            assertEquals(new HelloOkFrame(1, FrameLayout.DEFAULT_MAX_FRAME, VigilServer.DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION,
                    FrameLayout.DEFAULT_MAX_IMAGE_BYTES, "vigil 0.1.0"), ok);
            c.send(score(1, "c.png"));
            assertNeutralPhotoAllowed(1, c.read(VerdictFrame.class));
            c.send(new PingFrame(0, 0xCAFEL));
            assertEquals(new PongFrame(0, 0xCAFEL), c.read());
        }
    }

    @Test
    void scoreSentRightBehindHelloIsServed() throws Exception {
        VigilServer server = start(b -> b);
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            // one write: the SCORE (larger than any HELLO) is read under the limits HELLO_OK announces
            java.io.ByteArrayOutputStream both = new java.io.ByteArrayOutputStream();
            for (Frame f : List.of(new HelloFrame(1, 1, "", "eager"), score(1, "c.png"))) {
                io.netty.buffer.ByteBuf b = dev.vigil.protocol.FrameEncoder.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, f);
                both.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(b));
                b.release();
            }
            c.sendBytes(both.toByteArray());
            c.read(HelloOkFrame.class);
            assertNeutralPhotoAllowed(1, c.read(VerdictFrame.class));
        }
    }

    @Test
    void bindsToLoopbackByDefault() {
        VigilServer server = VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), 0).build().start();
        servers.add(server);
        assertTrue(server.tcpAddress().getAddress().isLoopbackAddress());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"camera.png, GRAY", "astronaut.png, RGB", "astronaut.png, BGRA"})
    void rawPixelsScoreLikeTheSameImageEncoded(String photo, ImageData.PixelFormat format) throws Exception {
        byte[] png = TestGate.photo(photo);
        java.awt.image.Raster raster = ImageIO.read(new ByteArrayInputStream(png)).getRaster();
        int w = raster.getWidth();
        int h = raster.getHeight();
        int channels = format.channels();
        int stride = w * channels + 5; // padded rows, as a GPU buffer might have
        byte[] pixels = new byte[stride * (h - 1) + w * channels];
        int[] sample = new int[raster.getNumBands()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, sample);
                int o = y * stride + x * channels;
                switch (format) {
                    case GRAY -> pixels[o] = (byte) sample[0];
                    case RGB -> {
                        pixels[o] = (byte) sample[0];
                        pixels[o + 1] = (byte) sample[1];
                        pixels[o + 2] = (byte) sample[2];
                    }
                    case BGRA -> {
                        pixels[o] = (byte) sample[2];
                        pixels[o + 1] = (byte) sample[1];
                        pixels[o + 2] = (byte) sample[0];
                        pixels[o + 3] = (byte) 255;
                    }
                    default -> throw new AssertionError(format);
                }
            }
        }
        VigilServer server = start(b -> b);
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.send(new ScoreFrame(1, 0, "", ImageData.Encoded.of(png), null),
                    new ScoreFrame(2, 0, "", new ImageData.Raw(format, w, h, stride, ByteBuffer.wrap(pixels)), null));
            Map<Long, VerdictDetails> byId = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                VerdictFrame v = c.read(VerdictFrame.class);
                byId.put(v.requestId(), v.details());
            }
            assertEquals(byId.get(1L).signals().get("sexual"), byId.get(2L).signals().get("sexual"), 1e-6);
            assertEquals(byId.get(1L).signals().get("suggestive"), byId.get(2L).signals().get("suggestive"), 1e-6);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredAsTheyFinish() throws Exception {
        VigilServer server = start(b -> b);
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.send(held(10), score(11, "q0746.jpg"));
            VerdictFrame first = c.read(VerdictFrame.class);
            assertEquals(11, first.requestId(), "the later request, not held, is answered first");
            assertEquals(1, server.inFlight());
            TestGate.HELD.awaitPending(1);
            TestGate.HELD.releaseAll();
            VerdictFrame second = c.read(VerdictFrame.class);
            assertEquals(10, second.requestId());
            assertEquals(Decision.ALLOW, second.decision());
            assertEquals(Map.of("hold", 0.0), second.details().signals());
        }
    }

    @Test
    void requestsOverTheConnectionLimitAreOverloadedAndReadingResumesBelowIt() throws Exception {
        VigilServer server = start(b -> b.optMaxInFlightPerConnection(2));
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            assertEquals(2, c.hello("").maxInFlight());
            c.send(held(1), held(2), held(3));
            ErrorFrame e = c.readError(ErrorCode.OVERLOADED, 3);
            assertEquals("in flight on this connection: 2 (expected: < 2)", e.message());
            assertTrue(e.retryable());
            TestGate.HELD.awaitPending(2);
            TestGate.HELD.releaseAll();
            List<Long> answered = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                answered.add(c.read(VerdictFrame.class).requestId());
            }
            assertEquals(List.of(1L, 2L), answered.stream().sorted().toList());
            c.send(score(4, "q0746.jpg"));
            assertEquals(4, c.read(VerdictFrame.class).requestId());
        }
    }

    @Test
    void requestsOverTheServerLimitAreOverloaded() throws Exception {
        VigilServer server = start(b -> b.optMaxInFlight(2));
        try (RawClient a = RawClient.tcp(server.tcpAddress()); RawClient b = RawClient.tcp(server.tcpAddress())) {
            a.hello("");
            b.hello("");
            a.send(held(1), held(2));
            TestGate.HELD.awaitPending(2);
            b.send(held(1));
            assertEquals("in flight on this server: 2 requests over every listener (expected: < 2, --max-in-flight); retry later or elsewhere", b.readError(ErrorCode.OVERLOADED, 1).message());
            TestGate.HELD.releaseAll();
            a.read(VerdictFrame.class);
            a.read(VerdictFrame.class);
            while (server.inFlight() > 0) {
                Thread.sleep(1);
            }
            b.send(score(2, "q0746.jpg"));
            assertEquals(2, b.read(VerdictFrame.class).requestId());
        }
    }

    @Test
    void cancelAnswersCancelledAndTheLateVerdictIsNeverSent() throws Exception {
        VigilServer server = start(b -> b);
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.send(held(5));
            TestGate.HELD.awaitPending(1);
            c.send(new CancelFrame(5), new CancelFrame(99));
            assertEquals("cancelled by the client", c.readError(ErrorCode.CANCELLED, 5).message());
            assertEquals(0, server.inFlight(), "answered: the request no longer counts against the server's in-flight limit");
            assertEquals(1, TestGate.gate().load().pending(), "the gate still holds the work already started for it");
            TestGate.HELD.releaseAll();
            while (TestGate.gate().load().pending() > 0) {
                Thread.sleep(1);
            }
            // nothing was sent for request 5 nor for the unknown 99: the next frame is the PONG
            c.send(new PingFrame(3, 4));
            assertEquals(new PongFrame(3, 4), c.read());
            // and the id is free again
            c.send(score(5, "q0746.jpg"));
            assertEquals(5, c.read(VerdictFrame.class).requestId());
        }
    }

    @Test
    void missedDeadlineIsAFailClosedBlock() throws Exception {
        VigilServer server = start(b -> b.optMaxTimeout(java.time.Duration.ofSeconds(10)));
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.send(new ScoreFrame(1, 200, "held", ImageData.Encoded.of(TestGate.photo("small.jpg")), null));
            VerdictFrame v = c.read(VerdictFrame.class);
            assertEquals(Decision.BLOCK, v.decision());
            assertTrue(v.failedClosed());
            assertTrue(v.details().reason().startsWith("timeout: "), v.details().reason());
            c.send(new ScoreFrame(2, 10_001, "", ImageData.Encoded.of(TestGate.photo("small.jpg")), null));
            assertEquals("timeout_ms: 10001 (expected: <= 10000)", c.readError(ErrorCode.BAD_REQUEST, 2).message());
        }
    }

    @Test
    void invalidRequestsAreRefusedAndTheConnectionStaysOpen() throws Exception {
        VigilServer server = start(b -> b.optMaxImageBytes(64 * 1024));
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.send(new ScoreFrame(1, 0, "nope", ImageData.Encoded.of(TestGate.photo("small.jpg")), null));
            assertTrue(c.readError(ErrorCode.BAD_REQUEST, 1).message().startsWith("policy: nope (expected one of: "));
            c.send(new ScoreFrame(2, 0, "", new ImageData.Raw(ImageData.PixelFormat.RGB, 4, 4, 12, ByteBuffer.allocate(40)), null));
            assertEquals("image.byte_length: 40 (expected: >= row_stride * (height - 1) + width * channels = 48)",
                    c.readError(ErrorCode.BAD_REQUEST, 2).message());
            c.send(new ScoreFrame(3, 0, "", ImageData.Encoded.of(TestGate.photo("small.jpg")), ImageData.Encoded.of(TestGate.photo("c.png"))));
            assertEquals("source.byte_length: 1178841 (expected: <= 65536)", c.readError(ErrorCode.BAD_REQUEST, 3).message());
            c.send(score(0, "small.jpg"));
            assertEquals("request id: 0 (expected: not 0, which connection-level frames use)", c.readError(ErrorCode.BAD_REQUEST, 0).message());
            c.send(held(7), held(7));
            c.readError(ErrorCode.DUPLICATE_REQUEST_ID, 7);
            TestGate.HELD.awaitPending(1);
            TestGate.HELD.releaseAll();
            assertEquals(7, c.read(VerdictFrame.class).requestId());
            // an image the gate cannot decode is not an error but a fail-closed verdict
            c.send(new ScoreFrame(8, 0, "", ImageData.Encoded.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), null));
            VerdictFrame v = c.read(VerdictFrame.class);
            assertEquals(Decision.BLOCK, v.decision());
            assertTrue(v.failedClosed());
            assertTrue(v.details().reason().startsWith("decode: image."), v.details().reason());
            c.send(new PingFrame(1, 1));
            assertEquals(new PongFrame(1, 1), c.read());
        }
    }

    @Test
    void firstFrameMustBeHello() throws Exception {
        VigilServer server = start(b -> b);
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.send(score(1, "small.jpg"));
            assertEquals("first frame: 0x10 SCORE (expected: 0x01 HELLO)", c.readError(ErrorCode.BAD_FRAME, 1).message());
            c.assertClosedByServer();
        }
    }

    @Test
    void unsupportedVersionsCloseTheConnection() throws Exception {
        VigilServer server = start(b -> b);
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.send(new HelloFrame(3, 4, "", "future"));
            assertEquals("versions: 3..4 (expected: a range including one of 1..2)", c.readError(ErrorCode.UNSUPPORTED_VERSION, 0).message());
            c.assertClosedByServer();
        }
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            assertEquals(1, c.hello("").version());
            c.send(new HelloFrame(1, 1, "", "again"));
            c.readError(ErrorCode.BAD_FRAME, 0);
            c.assertClosedByServer();
        }
    }

    @Test
    void malformedFrameClosesTheConnection() throws Exception {
        VigilServer server = start(b -> b);
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.sendBytes(new Wire().u32(100).str("").u8(3).frame(0x10, 6));
            assertEquals("SCORE image.kind: 3 (expected: 1 encoded or 2 raw)", c.readError(ErrorCode.BAD_FRAME, 6).message());
            c.assertClosedByServer();
        }
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.send(new dev.vigil.protocol.VerdictFrame(1, Decision.ALLOW, false, "{}"));
            assertEquals("type: 0x11 VERDICT (expected: a frame clients send)", c.readError(ErrorCode.BAD_FRAME, 1).message());
            c.assertClosedByServer();
        }
    }

    @Test
    void oversizedFrameIsRefusedFromItsHeaderAndTheConnectionClosed() throws Exception {
        VigilServer server = start(b -> b.optMaxFrame(1 << 20));
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            assertEquals(1 << 20, c.hello("").maxFrame());
            // only the header is sent: the server must answer without waiting for the megabyte
            c.sendBytes(new Wire().u32((1 << 20) + 1).u8(0x10).u8(0).u16(0).u64(9).toBytes());
            assertEquals("length: 1048577 (expected: <= 1048576)", c.readError(ErrorCode.FRAME_TOO_LARGE, 9).message());
            c.assertClosedByServer();
        }
        // before HELLO, nothing larger than the largest possible HELLO is accepted
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.sendBytes(new Wire().u32(FrameLayout.HELLO_MAX_FRAME + 1).u8(0x01).u8(0).u16(0).u64(0).toBytes());
            assertEquals("length: 131094 (expected: <= 131094)".replace("131094 (", (FrameLayout.HELLO_MAX_FRAME + 1) + " ("),
                    c.readError(ErrorCode.FRAME_TOO_LARGE, 0).message());
            c.assertClosedByServer();
        }
    }

    @Test
    void tokenIsRequiredWhenConfigured() throws Exception {
        VigilServer server = start(b -> b.optToken("s3cret"));
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("s3cret");
            c.send(score(1, "q0746.jpg"));
            assertEquals(1, c.read(VerdictFrame.class).requestId());
        }
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.send(new HelloFrame(1, 1, "s3cre7", "guess"));
            assertEquals("token: wrong (expected: the server's token)", c.readError(ErrorCode.UNAUTHENTICATED, 0).message());
            c.assertClosedByServer();
        }
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.send(new HelloFrame(1, 1, "", "none"));
            assertEquals("token: missing (expected: the server's token)", c.readError(ErrorCode.UNAUTHENTICATED, 0).message());
            c.assertClosedByServer();
        }
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            // a SCORE before the HELLO gets no further than any other first frame
            c.send(score(1, "small.jpg"));
            c.readError(ErrorCode.BAD_FRAME, 1);
            c.assertClosedByServer();
        }
    }

    @Test
    void idleConnectionIsSentGoawayAndClosedButNotWhileARequestIsInFlight() throws Exception {
        VigilServer server = start(b -> b.optIdleTimeout(java.time.Duration.ofMillis(300)));
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            Frame f = c.read();
            assertEquals(new dev.vigil.protocol.GoAwayFrame("idle for 300 ms with nothing in flight"), f);
            c.assertClosedByServer();
        }
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.send(held(1));
            TestGate.HELD.awaitPending(1);
            Thread.sleep(1000); // three idle periods pass with the request held
            TestGate.HELD.releaseAll();
            assertEquals(1, c.read(VerdictFrame.class).requestId());
            assertEquals(dev.vigil.protocol.GoAwayFrame.class, c.read().getClass());
            c.assertClosedByServer();
        }
    }
}
