package dev.vigil.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.server.FrontDoor;
import dev.vigil.server.ListenerPolicy;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The HTTP listener obeys the same {@link ListenerPolicy} as the binary one, over real sockets:
 * the token, the memory budget, the request read timeout, request framing, and the refusal to
 * serve the network without a token.
 */
@org.junit.jupiter.api.extension.ExtendWith(dev.vigil.protocol.LeakDetection.class)
class HttpFrontDoorTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static dev.vigil.engine.Gate gate;

    @org.junit.jupiter.api.BeforeAll
    static void gate() {
        gate = TestGate.build(new dev.vigil.server.metrics.VigilMetrics(), new TestGate.HeldSignal());
    }

    @org.junit.jupiter.api.AfterAll
    static void closeGate() {
        gate.close();
    }

    private static HttpServer start(ListenerPolicy policy) throws Exception {
        HttpServer s = HttpServer.start(gate, new dev.vigil.server.metrics.VigilMetrics(), HttpServerTest.loopback(), new FrontDoor(policy));
        s.readiness().get(60, TimeUnit.SECONDS);
        return s;
    }

    private static HttpResponse<String> send(HttpServer s, String method, String path, String token, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.address().getPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "image/jpeg");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theTokenGuardsEveryPathButTheProbes() throws Exception {
        HttpServer s = start(ListenerPolicy.builder().token("s3cret").build());
        try {
            byte[] photo = TestGate.photo("q0746.jpg");
            for (String path : new String[] {"/v1/status", "/metrics", "/"}) {
                HttpResponse<String> r = send(s, "GET", path, null, null);
                assertEquals(401, r.statusCode(), path + ": " + r.body());
                assertEquals("Bearer realm=\"vigil\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
                assertEquals(401, send(s, "GET", path, "wrong", null).statusCode(), path);
                assertEquals(200, send(s, "GET", path, "s3cret", null).statusCode(), path);
            }
            HttpResponse<String> anonymous = send(s, "POST", "/v1/score", null, photo);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.body().contains("\"code\":\"UNAUTHENTICATED\""), anonymous.body());
            assertEquals(200, send(s, "POST", "/v1/score", "s3cret", photo).statusCode());
            assertEquals(200, send(s, "GET", "/healthz", null, null).statusCode());
            assertEquals(200, send(s, "GET", "/readyz", null, null).statusCode());
        } finally {
            s.close();
        }
    }

    @Test
    void aBodyOverTheMemoryBudgetIsARetryable503AndTheServerServesOn() throws Exception {
        HttpServer s = start(ListenerPolicy.builder().memoryBudget(64 * 1024).build());
        try {
            HttpResponse<String> r = send(s, "POST", "/v1/score", null, new byte[200 * 1024]);
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"code\":\"OVERLOADED\"") && r.body().contains("memory budget") && r.body().contains("\"retryable\":true"), r.body());
            assertTrue(r.headers().firstValue("Retry-After").isPresent());
            assertEquals(200, send(s, "GET", "/healthz", null, null).statusCode());
        } finally {
            s.close();
        }
    }

    @Test
    void contentLengthWithTransferEncodingAndUnknownCodingsAre400AndClose() throws Exception {
        HttpServer s = start(ListenerPolicy.defaults());
        try {
            String smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
            String both = "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\n" + smuggled;
            String answer = raw(s, both);
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, "one answer, the smuggled request never served: " + answer);
            String gzip = "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled;
            String second = raw(s, gzip);
            assertTrue(second.startsWith("HTTP/1.1 400") && second.contains("Transfer-Encoding: gzip"), second);
            assertEquals(1, second.split("HTTP/1.1 ", -1).length - 1, second);
        } finally {
            s.close();
        }
    }

    @Test
    void aSlowRequestIsAnswered408AndClosed() throws Exception {
        HttpServer s = start(ListenerPolicy.builder().requestReadTimeout(Duration.ofMillis(300)).build());
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), s.address().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // headers never finished
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
        } finally {
            s.close();
        }
    }

    @Test
    void theNetworkWithoutATokenIsRefusedUnlessAllowed() throws Exception {
        InetAddress any = InetAddress.getByName("0.0.0.0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenerPolicy.defaults().checkExposure(any, "bind"));
        assertTrue(e.getMessage().startsWith("bind: 0.0.0.0 without a token") && e.getMessage().contains("--allow-unauthenticated"), e.getMessage());
        assertTrue(ListenerPolicy.builder().allowUnauthenticated(true).build().checkExposure(any, "bind"), "allowed, and to be warned about");
        assertEquals(false, ListenerPolicy.builder().token("t").build().checkExposure(any, "bind"));
        assertEquals(false, ListenerPolicy.defaults().checkExposure(InetAddress.getLoopbackAddress(), "bind"));
    }

    /** Sends bytes as they are and reads until the server closes the connection. */
    private static String raw(HttpServer s, String request) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), s.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            in.transferTo(got);
            return got.toString(StandardCharsets.US_ASCII);
        }
    }
}
