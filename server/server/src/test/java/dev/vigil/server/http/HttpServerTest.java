package dev.vigil.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.Gate;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.server.metrics.VigilMetrics;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP endpoint end to end: real requests over loopback with {@link HttpClient} (and a raw
 * socket for pipelining) against the real gate and classifier.
 */
@org.junit.jupiter.api.extension.ExtendWith(dev.vigil.protocol.LeakDetection.class)
class HttpServerTest {
    /** Under the size of c.png (1,178,841 bytes), over camera.png and astronaut.png. */
    static final int MAX_IMAGE_BYTES = 1 << 20;
    static final ObjectMapper JSON = new ObjectMapper();

    static VigilMetrics metrics;
    static TestGate.HeldSignal held;
    static Gate gate;
    static HttpServer server;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        metrics = new VigilMetrics();
        held = new TestGate.HeldSignal();
        gate = TestGate.build(metrics, held);
        server = HttpServer.start(gate, metrics, loopback(), new dev.vigil.server.FrontDoor(dev.vigil.server.ListenerPolicy.builder().maxImageBytes(MAX_IMAGE_BYTES).build()));
        client = HttpClient.newHttpClient();
        server.readiness().get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        server.close();
        gate.close();
    }

    static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    static URI uri(HttpServer s, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + s.address().getPort() + pathAndQuery);
    }

    static HttpResponse<String> get(HttpServer s, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(s, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(HttpServer s, String pathAndQuery, String contentType, byte[] body) throws Exception {
        return postAsync(s, pathAndQuery, contentType, body).get(60, TimeUnit.SECONDS);
    }

    static CompletableFuture<HttpResponse<String>> postAsync(HttpServer s, String pathAndQuery, String contentType, byte[] body) {
        return client.sendAsync(HttpRequest.newBuilder(uri(s, pathAndQuery)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A multipart/form-data body: each part a (name, filename or null, bytes). */
    static final class Form {
        final String boundary = "vigil-test-boundary-7d1f";
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Form file(String name, String filename, byte[] bytes) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                    + "\"\r\nContent-Type: image/png\r\n\r\n");
            body.writeBytes(bytes);
            write("\r\n");
            return this;
        }

        Form field(String name, String value) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
            return this;
        }

        String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        byte[] bytes() {
            write("--" + boundary + "--\r\n");
            return body.toByteArray();
        }

        private void write(String s) {
            body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    static Verdict direct(byte[] image) throws Exception {
        return gate.score(ScoreRequest.of(new EncodedImage(image)).withPolicy("classify")).get(60, TimeUnit.SECONDS);
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), r.body());
        return JSON.readTree(r.body());
    }

    static void assertError(HttpResponse<String> r, int status, String code, String... messageParts) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = json(r).get("error");
        assertEquals(code, error.get("code").asText(), r.body());
        for (String part : messageParts) {
            assertTrue(error.get("message").asText().contains(part), "message " + error.get("message") + " should name " + part);
        }
    }

    @Test
    void rawPngBodyIsScoredLikeTheSameImageGivenToTheGate() throws Exception {
        byte[] png = TestGate.photo("camera.png");
        HttpResponse<String> r = post(server, "/v1/score?policy=classify&request_id=http-raw-1", "image/png", png);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode v = json(r);
        Verdict expected = direct(png);
        assertEquals("http-raw-1", v.get("request_id").asText());
        assertEquals(expected.decision().name(), v.get("decision").asText());
        assertEquals(expected.rule(), v.get("rule").asText());
        assertEquals(List.copyOf(expected.signals().keySet()), names(v.get("signals")), "the same signals, in the same order");
        assertEquals(expected.signals().get("sexual"), v.get("signals").get("sexual").asDouble(), 1e-6);
        assertEquals(expected.signals().get("suggestive"), v.get("signals").get("suggestive").asDouble(), 1e-6);
        assertEquals("nsfw-mobilenet-v2-mid/1", v.get("models").get(0).asText());
        assertEquals("classify", v.get("policy").asText());
        assertEquals("http-test.1", v.get("policy_version").asText());
        assertFalse(v.get("failed_closed").asBoolean());
        assertTrue(v.get("failures").isEmpty());
        JsonNode t = v.get("timings_us");
        assertTrue(t.get("decode").asLong() > 0 && t.get("inference").asLong() > 0, t.toString());
        assertTrue(t.get("total").asLong() >= t.get("decode").asLong() + t.get("inference").asLong(), t.toString());
        assertTrue(v.get("reason").isTextual() && v.get("findings").isArray() && t.has("queue") && t.has("policy"), v.toString());
    }

    @Test
    void multipartImageWithSourceAndFormFieldsIsScored() throws Exception {
        byte[] png = TestGate.photo("astronaut.png");
        Form form = new Form().file("image", "astronaut.png", png).file("source", "camera.png", TestGate.photo("camera.png"))
                .field("policy", "classify").field("timeout_ms", "30000").field("request_id", "http-form-1");
        HttpResponse<String> r = post(server, "/v1/score", form.contentType(), form.bytes());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode v = json(r);
        Verdict expected = direct(png);
        assertEquals("http-form-1", v.get("request_id").asText());
        assertEquals(expected.decision().name(), v.get("decision").asText());
        assertEquals(expected.signals().get("sexual"), v.get("signals").get("sexual").asDouble(), 1e-6);
        assertFalse(v.get("failed_closed").asBoolean());
    }

    @Test
    void undecodableImageIsAFailClosedVerdictNotAnError() throws Exception {
        byte[] png = TestGate.photo("camera.png");
        HttpResponse<String> r = post(server, "/v1/score", "image/png", java.util.Arrays.copyOf(png, png.length / 3));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode v = json(r);
        assertEquals("BLOCK", v.get("decision").asText());
        assertEquals("error", v.get("rule").asText());
        assertTrue(v.get("failed_closed").asBoolean());
        assertTrue(v.get("reason").asText().startsWith("decode: image."), v.get("reason").asText());
    }

    @Test
    void unknownPolicyIs400NamingItAndThePoliciesThereAre() throws Exception {
        assertError(post(server, "/v1/score?policy=lax", "image/png", TestGate.photo("camera.png")), 400, "BAD_REQUEST",
                "policy: lax", "classify, held");
    }

    @Test
    void badParametersAre400NamingTheField() throws Exception {
        byte[] png = TestGate.photo("camera.png");
        assertError(post(server, "/v1/score?timeout_ms=soon", "image/png", png), 400, "BAD_REQUEST", "timeout_ms: soon", "[1, 60000]");
        assertError(post(server, "/v1/score?timeout_ms=0", "image/png", png), 400, "BAD_REQUEST", "timeout_ms: 0");
        assertError(post(server, "/v1/score?polcy=classify", "image/png", png), 400, "BAD_REQUEST", "unknown parameter: polcy");
        assertError(post(server, "/v1/score?policy=classify&policy=held", "image/png", png), 400, "BAD_REQUEST", "policy: given twice");
        assertError(post(server, "/v1/score", "image/png", new byte[0]), 400, "BAD_REQUEST", "image: 0 bytes");
        assertError(post(server, "/v1/score", "text/plain", png), 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type: text/plain", "image/*");
        Form noImage = new Form().field("policy", "classify");
        assertError(post(server, "/v1/score", noImage.contentType(), noImage.bytes()), 400, "BAD_REQUEST", "image: missing");
        Form stray = new Form().file("image", "a.png", png).field("colour", "blue");
        assertError(post(server, "/v1/score", stray.contentType(), stray.bytes()), 400, "BAD_REQUEST", "unknown parameter: colour");
    }

    @Test
    void imageOverTheLimitIs413NamingTheLimit() throws Exception {
        byte[] large = TestGate.photo("c.png");
        assertTrue(large.length > MAX_IMAGE_BYTES);
        // read, then refused: the image alone is over the limit
        assertError(post(server, "/v1/score", "image/png", large), 413, "PAYLOAD_TOO_LARGE",
                "image: " + large.length + " bytes (expected: <= " + MAX_IMAGE_BYTES + ")");
        Form form = new Form().file("image", "small.png", TestGate.photo("camera.png")).file("source", "c.png", large);
        assertError(post(server, "/v1/score", form.contentType(), form.bytes()), 413, "PAYLOAD_TOO_LARGE", "source: " + large.length + " bytes");
        // refused from its Content-Length, the body dropped unread: over room for image, source and form
        int max = 2 * MAX_IMAGE_BYTES + HttpServer.FORM_OVERHEAD;
        byte[] huge = new byte[max + 1];
        assertError(post(server, "/v1/score", "image/png", huge), 413, "PAYLOAD_TOO_LARGE", "body: " + huge.length + " bytes (expected: <= " + max);
        // refused before the body is sent, when the client asks first (over a socket: Java 17's
        // HttpClient waits forever for a 100 that does not come)
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(("POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: " + huge.length
                    + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // to the close
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
            assertTrue(answer.contains("\"code\":\"PAYLOAD_TOO_LARGE\"") && answer.contains("body: " + huge.length + " bytes"), answer);
        }
        // and the server goes on serving
        assertEquals(200, post(server, "/v1/score", "image/png", TestGate.photo("camera.png")).statusCode());
    }

    @Test
    void healthAndReadiness() throws Exception {
        HttpResponse<String> health = get(server, "/healthz");
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());
        HttpResponse<String> ready = get(server, "/readyz");
        assertEquals(200, ready.statusCode());
        assertEquals("ready\n", ready.body());
        assertTrue(server.isReady());
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() throws Exception {
        assertError(get(server, "/v2/score"), 404, "NOT_FOUND", "path: /v2/score");
        HttpResponse<String> r = get(server, "/v1/score");
        assertError(r, 405, "METHOD_NOT_ALLOWED", "expected: POST");
        assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void overloadedIs503WithRetryAfterAndDrainAnswersWhatIsInFlight() throws Exception {
        VigilMetrics own = new VigilMetrics();
        HttpServer small = HttpServer.start(gate, own, loopback(), new dev.vigil.server.FrontDoor(dev.vigil.server.ListenerPolicy.builder().maxInFlight(1).build()));
        try {
            small.readiness().get(60, TimeUnit.SECONDS);
            byte[] png = TestGate.photo("camera.png");
            CompletableFuture<HttpResponse<String>> first = postAsync(small, "/v1/score?policy=held&timeout_ms=60000", "image/png", png);
            while (held.held.isEmpty()) {
                Thread.sleep(1); // until the gate holds it: in flight
            }
            HttpResponse<String> second = post(small, "/v1/score", "image/png", png);
            assertError(second, 503, "OVERLOADED", "in flight on this server: 1 requests over every listener (expected: < 1, --max-in-flight)");
            assertEquals("1", second.headers().firstValue("Retry-After").orElse(""));

            CompletableFuture<Void> closed = CompletableFuture.runAsync(small::close);
            HttpResponse<String> readyz = get(small, "/readyz");
            while (readyz.statusCode() == 200) {
                readyz = get(small, "/readyz");
            }
            assertEquals(503, readyz.statusCode());
            assertEquals("not ready: shutting down\n", readyz.body());
            HttpResponse<String> third = post(small, "/v1/score", "image/png", png);
            assertError(third, 503, "SHUTTING_DOWN");
            assertTrue(third.headers().firstValue("Retry-After").isPresent());
            assertFalse(closed.isDone(), "close waits for the request in flight");

            held.release();
            HttpResponse<String> answered = first.get(60, TimeUnit.SECONDS);
            assertEquals(200, answered.statusCode(), answered.body());
            assertEquals("ALLOW", json(answered).get("decision").asText());
            closed.get(60, TimeUnit.SECONDS);
            String text = scrape(own);
            assertEquals(1.0, value(text, "vigil_errors_total", Map.of("transport", "http", "code", "OVERLOADED")));
            assertEquals(1.0, value(text, "vigil_errors_total", Map.of("transport", "http", "code", "SHUTTING_DOWN")));
            assertEquals(0.0, value(text, "vigil_in_flight_requests", Map.of("transport", "http")));
        } finally {
            held.release();
            small.close();
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        byte[] png = TestGate.photo("camera.png");
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(("POST /v1/score?request_id=first HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: " + png.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            both.writeBytes(png);
            both.writeBytes("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(both.toByteArray());
            out.flush();
            socket.setSoTimeout(60_000);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int verdict = answer.indexOf("\"request_id\":\"first\"");
            int ok = answer.indexOf("\r\n\r\nok\n");
            assertTrue(verdict > 0 && ok > verdict, answer);
            assertTrue(answer.startsWith("HTTP/1.1 200 OK"), answer);
        }
    }

    @Test
    void metricsCountRequestsErrorsStagesAndBatches() throws Exception {
        byte[] png = TestGate.photo("camera.png");
        Verdict expected = direct(png);
        String before = scrape();
        Map<String, String> verdictLabels = Map.of("transport", "http", "decision", expected.decision().name(), "rule", expected.rule());
        assertEquals(200, post(server, "/v1/score?policy=classify", "image/png", png).statusCode());
        assertEquals(200, post(server, "/v1/score?policy=classify", "image/png", png).statusCode());
        assertEquals(400, post(server, "/v1/score?policy=nope", "image/png", png).statusCode());
        HttpResponse<String> response = get(server, "/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String after = response.body();

        assertEquals(2.0, value(after, "vigil_requests_total", verdictLabels) - value(before, "vigil_requests_total", verdictLabels));
        Map<String, String> badRequest = Map.of("transport", "http", "code", "BAD_REQUEST");
        assertEquals(1.0, value(after, "vigil_errors_total", badRequest) - value(before, "vigil_errors_total", badRequest));
        for (String stage : List.of("decode", "queue", "inference", "policy", "total")) {
            Map<String, String> labels = Map.of("stage", stage);
            assertEquals(2.0, value(after, "vigil_stage_duration_seconds_count", labels) - value(before, "vigil_stage_duration_seconds_count", labels), stage);
        }
        assertTrue(value(after, "vigil_stage_duration_seconds_sum", Map.of("stage", "inference"))
                > value(before, "vigil_stage_duration_seconds_sum", Map.of("stage", "inference")));
        assertEquals(value(after, "vigil_stage_duration_seconds_count", Map.of("stage", "total")),
                value(after, "vigil_stage_duration_seconds_bucket", Map.of("stage", "total", "le", "+Inf")));
        // the batch listener hears of a batch just after its requests are answered
        String batches = after;
        for (int i = 0; i < 10_000 && value(batches, "vigil_batch_size_count", Map.of()) <= value(before, "vigil_batch_size_count", Map.of()); i++) {
            Thread.sleep(1);
            batches = scrape();
        }
        assertTrue(value(batches, "vigil_batch_size_count", Map.of()) > value(before, "vigil_batch_size_count", Map.of()), batches);
        assertTrue(value(batches, "vigil_batch_queue_wait_seconds_count", Map.of()) > value(before, "vigil_batch_queue_wait_seconds_count", Map.of()));
        assertTrue(value(batches, "vigil_batch_duration_seconds_sum", Map.of()) > 0);
        assertTrue(has(after, "vigil_queue_depth", Map.of("queue", "decode")), after);
        assertTrue(has(after, "vigil_queue_depth", Map.of("queue", "nsfw-mobilenet-v2-mid")), after);
        assertTrue(has(after, "vigil_in_flight_requests", Map.of("transport", "http")), after);
        assertTrue(has(after, "vigil_javacpp_allocated_bytes", Map.of()) && has(after, "vigil_javacpp_max_bytes", Map.of()), after);
        assertTrue(value(after, "vigil_javacpp_physical_bytes", Map.of()) > 0);
        assertTrue(value(after, "process_resident_memory_bytes", Map.of()) > 0);
        assertTrue(value(after, "jvm_memory_used_bytes", Map.of("area", "heap")) > 0);
        assertTrue(after.contains("# TYPE vigil_requests_total counter"), after);
        assertTrue(after.contains("# TYPE vigil_stage_duration_seconds histogram"), after);
    }

    @Test
    void statusNumbersMoveWithRequests() throws Exception {
        JsonNode before = json(get(server, "/v1/status"));
        byte[] png = TestGate.photo("camera.png");
        Verdict expected = direct(png);
        assertEquals(200, post(server, "/v1/score", "image/png", png).statusCode());
        HttpResponse<String> r = get(server, "/v1/status");
        assertEquals(200, r.statusCode());
        JsonNode after = json(r);
        assertTrue(after.get("ready").asBoolean());
        assertEquals("ready", after.get("state").asText());
        assertEquals(1, after.get("verdicts").asLong() - before.get("verdicts").asLong());
        String decision = expected.decision().name();
        assertEquals(1, after.get("decisions").get(decision).asLong() - before.get("decisions").get(decision).asLong());
        assertTrue(after.get("per_second").get("last_60s").asDouble() > 0, after.toString());
        assertTrue(after.get("per_second").get("last_10s").asDouble() > 0, after.toString());
        long lastMinute = 0;
        for (JsonNode n : after.get("per_second_history")) {
            lastMinute += n.asLong();
        }
        assertEquals(60, after.get("per_second_history").size());
        assertTrue(lastMinute >= 1);
        JsonNode latency = after.get("latency_ms");
        assertTrue(latency.get("count").asLong() >= 1);
        assertTrue(latency.get("p50").asDouble() > 0 && latency.get("p50").asDouble() <= latency.get("p99").asDouble()
                && latency.get("p99").asDouble() <= latency.get("max").asDouble(), latency.toString());
        assertTrue(after.get("uptime_s").asDouble() >= before.get("uptime_s").asDouble());
        assertTrue(after.get("models").toString().contains("nsfw-mobilenet-v2-mid/1"), after.toString());
        assertEquals("[\"classify\",\"held\"]", after.get("policies").toString());
        assertEquals("classify", after.get("default_policy").asText());
        // the test gate takes the default: the native kernel, which loads on every machine the build runs on
        assertEquals("native", after.get("preprocessing").get("path").asText(), after.toString());
        assertTrue(after.get("preprocessing").get("description").asText().matches("native \\((x86-64 baseline \\(SSE2\\)|AVX2|AVX-512)\\)"),
                after.toString());
        assertTrue(after.get("queue_depths").has("decode"));
        assertTrue(after.get("memory").get("resident_bytes").asLong() > 0);
    }

    @Test
    void statusPageIsServedSelfContained() throws Exception {
        HttpResponse<String> page = get(server, "/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
        assertTrue(page.body().contains("fetch(\"v1/status\""));
        String withoutSvgNamespace = page.body().replace("http://www.w3.org/2000/svg", "");
        assertFalse(withoutSvgNamespace.contains("http://") || withoutSvgNamespace.contains("https://") || withoutSvgNamespace.contains("//cdn"),
                "the page loads nothing from elsewhere");
    }

    // --- Prometheus text format, parsed just enough to read values ---

    static String scrape() throws Exception {
        return get(server, "/metrics").body();
    }

    static String scrape(VigilMetrics m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeText(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** Samples by name and labels. */
    static Map<String, Map<Map<String, String>, Double>> parse(String text) {
        Map<String, Map<Map<String, String>, Double>> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.computeIfAbsent(m.group(1), k -> new HashMap<>()).put(labels, Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    static boolean has(String text, String name, Map<String, String> labels) {
        return parse(text).getOrDefault(name, Map.of()).containsKey(new TreeMap<>(labels));
    }

    /** The sample's value, 0 when absent (a counter not yet incremented). */
    static double value(String text, String name, Map<String, String> labels) {
        return parse(text).getOrDefault(name, Map.of()).getOrDefault(new TreeMap<>(labels), 0.0);
    }

    static List<String> names(JsonNode object) {
        List<String> out = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
