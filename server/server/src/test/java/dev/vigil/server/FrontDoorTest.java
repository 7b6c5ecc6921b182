package dev.vigil.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.protocol.ErrorCode;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.GoAwayFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.LeakDetection;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import dev.vigil.server.http.HttpServer;
import dev.vigil.server.metrics.VigilMetrics;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One {@link FrontDoor} shared by the binary listener and HTTP, over real sockets: the connection
 * limit and the in-flight limit count both transports together, an unfinished frame is bounded
 * by the memory budget and by the request read timeout (the HELLO too), and HTTP speaks TLS
 * when the policy says so.
 */
@ExtendWith(LeakDetection.class)
@Timeout(120)
class FrontDoorTest {
    private VigilServer binary;
    private HttpServer http;

    /** Both listeners on loopback behind one front door with the policy {@code rules} make. */
    private FrontDoor start(UnaryOperator<ListenerPolicy.Builder> rules) throws Exception {
        FrontDoor door = new FrontDoor(rules.apply(ListenerPolicy.builder()).build());
        binary = VigilServer.builder().setGate(TestGate.gate()).optFrontDoor(door).optTcp(InetAddress.getLoopbackAddress(), 0).build().start();
        http = HttpServer.start(TestGate.gate(), new VigilMetrics(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), door);
        http.readiness().get(60, TimeUnit.SECONDS);
        return door;
    }

    @AfterEach
    void stop() {
        TestGate.HELD.releaseAll();
        if (http != null) {
            http.close();
        }
        if (binary != null) {
            binary.stop();
        }
    }

    private HttpResponse<String> score(HttpClient client, String scheme) throws IOException, InterruptedException {
        URI uri = URI.create(scheme + "://localhost:" + http.address().getPort() + "/v1/score");
        return client.send(HttpRequest.newBuilder(uri).header("Content-Type", "image/jpeg").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(TestGate.photo("q0746.jpg"))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void theConnectionLimitCountsBothTransports() throws Exception {
        FrontDoor door = start(p -> p.maxConnections(2));
        try (RawClient first = RawClient.tcp(binary.tcpAddress()); RawClient second = RawClient.tcp(binary.tcpAddress())) {
            first.hello("");
            second.hello("");
            // a third binary connection: refused retryably, then closed
            try (RawClient third = RawClient.tcp(binary.tcpAddress())) {
                ErrorFrame refused = third.read(ErrorFrame.class);
                assertEquals(ErrorCode.OVERLOADED, refused.errorCode(), refused.toString());
                assertTrue(refused.retryable());
                assertTrue(refused.message().contains("(expected: <= 2"), refused.message());
                third.assertClosedByServer();
            }
            // and an HTTP one, counted against the same limit: 503
            HttpResponse<String> overHttp = score(newClient(), "http");
            assertEquals(503, overHttp.statusCode(), overHttp.body());
            assertTrue(overHttp.body().contains("\"code\":\"OVERLOADED\""), overHttp.body());
            assertTrue(door.refusedConnections() >= 2, "both refusals counted: " + door.refusedConnections());
        }
        // with the binary connections closed there is room again, for HTTP too
        HttpResponse<String> served = null;
        for (int i = 0; i < 50 && (served == null || served.statusCode() != 200); i++) {
            Thread.sleep(100); // the server sees the closes asynchronously
            served = score(newClient(), "http");
        }
        assertEquals(200, served.statusCode(), served.body());
    }

    /**
     * A refused connection is not reset under a client still sending its body: the refusal is
     * read every time (closing with the request unread used to let the kernel's reset destroy it).
     */
    @Test
    void aRefusalReachesAClientThatIsStillSendingItsBody() throws Exception {
        start(p -> p.maxConnections(1));
        byte[] body = new byte[4 << 20];
        try (RawClient held = RawClient.tcp(binary.tcpAddress())) {
            held.hello("");
            HttpClient client = newClient();
            URI uri = URI.create("http://localhost:" + http.address().getPort() + "/v1/score");
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> refused = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "image/jpeg").timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(503, refused.statusCode(), "attempt " + i + ": " + refused.body());
                assertTrue(refused.body().contains("\"code\":\"OVERLOADED\""), refused.body());
            }
        }
    }

    @Test
    void theInFlightLimitCountsBothTransports() throws Exception {
        start(p -> p.maxInFlight(1));
        try (RawClient c = RawClient.tcp(binary.tcpAddress())) {
            c.hello("");
            c.send(new ScoreFrame(1, 0, "held", ImageData.Encoded.of(TestGate.photo("small.jpg")), null));
            TestGate.HELD.awaitPending(1);
            HttpResponse<String> overHttp = score(newClient(), "http");
            assertEquals(503, overHttp.statusCode(), overHttp.body());
            assertTrue(overHttp.headers().firstValue("Retry-After").isPresent(), "says when to retry");
            assertTrue(overHttp.body().contains("\"retryable\":true"), overHttp.body());
            TestGate.HELD.releaseAll();
            assertEquals(1, c.read(VerdictFrame.class).requestId());
        }
        assertEquals(200, score(newClient(), "http").statusCode(), "served once the binary request is answered");
    }

    /** Sends an HTTP score request's head asking for 100-continue (not its body); returns the socket. */
    private java.net.Socket expectContinue(String token, int length) throws IOException {
        java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), http.address().getPort());
        socket.setSoTimeout(20_000);
        String head = "POST /v1/score HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/jpeg\r\nContent-Length: " + length
                + "\r\nExpect: 100-continue\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
        socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** Everything the server sends until it closes the connection. */
    private static String readToClose(java.net.Socket socket) throws IOException {
        return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The status line and headers of one response, read byte by byte so that nothing after them is consumed. */
    private static String readHead(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    @Test
    void aRequestExpecting100ContinueIsRefusedBeforeItsBodyIsSent() throws Exception {
        start(p -> p.maxInFlight(1).token("s3cret"));
        byte[] photo = TestGate.photo("q0746.jpg");
        // no token: 401 at once, the body never asked for, the connection closed
        try (java.net.Socket s = expectContinue(null, photo.length)) {
            String answer = readToClose(s);
            assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
            assertTrue(answer.contains("Authorization: missing"), answer);
            assertTrue(!answer.contains("100 Continue"), answer);
        }
        try (RawClient c = RawClient.tcp(binary.tcpAddress())) {
            c.hello("s3cret");
            c.send(new ScoreFrame(1, 0, "held", ImageData.Encoded.of(TestGate.photo("small.jpg")), null));
            TestGate.HELD.awaitPending(1);
            // every in-flight permit taken: 503 with Retry-After before the image is sent
            try (java.net.Socket s = expectContinue("s3cret", photo.length)) {
                String answer = readToClose(s);
                assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
                assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("retry-after:"), answer);
                assertTrue(answer.contains("\"code\":\"OVERLOADED\""), answer);
                assertTrue(answer.contains("--max-in-flight"), answer);
            }
            TestGate.HELD.releaseAll();
            assertEquals(1, c.read(VerdictFrame.class).requestId());
        }
        // room again: 100 Continue, then the body, then the verdict
        try (java.net.Socket s = expectContinue("s3cret", photo.length)) {
            java.io.InputStream in = s.getInputStream();
            String interim = readHead(in);
            assertTrue(interim.startsWith("HTTP/1.1 100 Continue"), interim);
            s.getOutputStream().write(photo);
            s.getOutputStream().flush();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
        }
    }

    @Test
    void aFrameOverTheMemoryBudgetIsRefusedBeforeItIsReadAndOthersAreServed() throws Exception {
        FrontDoor door = start(p -> p.memoryBudget(64 << 10));
        byte[] photo = TestGate.photo("c.png"); // over a megabyte: more than the 64 KiB budget
        assertTrue(photo.length > 64 << 10);
        try (RawClient c = RawClient.tcp(binary.tcpAddress())) {
            c.hello("");
            try {
                c.send(new ScoreFrame(1, 0, "", ImageData.Encoded.of(photo), null));
            } catch (IOException closedWhileSending) {
                // the server may close before the whole frame is written: the ERROR is still there to read
            }
            ErrorFrame refused = c.read(ErrorFrame.class);
            assertEquals(ErrorCode.OVERLOADED, refused.errorCode());
            assertTrue(refused.retryable());
            assertTrue(refused.message().contains("the server's memory budget"), refused.message());
            assertTrue(refused.message().contains("(expected: <= " + (64 << 10)), refused.message());
        }
        // nothing is left held, and a small photo still fits and is scored
        for (int i = 0; i < 50 && door.budget().held() != 0; i++) {
            Thread.sleep(100);
        }
        assertEquals(0, door.budget().held(), "the refused frame's reservation is given back");
        try (RawClient c = RawClient.tcp(binary.tcpAddress())) {
            c.hello("");
            c.send(new ScoreFrame(2, 0, "", ImageData.Encoded.of(TestGate.photo("q0746.jpg")), null));
            assertEquals(2, c.read(VerdictFrame.class).requestId());
        }
        assertEquals(0, door.budget().held(), "the scored frame's reservation is given back too");
    }

    @Test
    void aHelloOrFrameSentTooSlowlyIsGivenGoawayAndClosed() throws Exception {
        start(p -> p.requestReadTimeout(Duration.ofMillis(300)));
        try (RawClient silent = RawClient.tcp(binary.tcpAddress())) {
            GoAwayFrame goAway = silent.read(GoAwayFrame.class); // never says HELLO
            assertTrue(goAway.reason().contains("HELLO did not arrive within the request read timeout"), goAway.reason());
            silent.assertClosedByServer();
        }
        try (RawClient slow = RawClient.tcp(binary.tcpAddress())) {
            slow.hello("");
            slow.sendBytes(new byte[] {0, 0, 1, 0, 0x10}); // a frame's length and one byte of it, then nothing
            GoAwayFrame goAway = slow.read(GoAwayFrame.class);
            assertTrue(goAway.reason().contains("a frame did not arrive within the request read timeout"), goAway.reason());
            slow.assertClosedByServer();
        }
    }

    @Test
    void httpSpeaksTlsWhenThePolicySaysSo() throws Exception {
        SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
        try {
            start(p -> p.tls(new TlsConfig(cert.certificate().toPath(), cert.privateKey().toPath(), null)));
            SSLContext trusting = ServerTlsTest.clientContext(cert, null);
            HttpResponse<String> overTls = score(HttpClient.newBuilder().sslContext(trusting).build(), "https");
            assertEquals(200, overTls.statusCode(), overTls.body());
            assertTrue(overTls.body().contains("\"decision\":\"ALLOW\""), overTls.body());
            assertThrows(IOException.class, () -> score(newClient(), "http"), "plain HTTP gets no answer from a TLS listener");
        } finally {
            cert.delete();
        }
    }
}
