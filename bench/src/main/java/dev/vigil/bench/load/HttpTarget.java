package dev.vigil.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Vigil server over HTTP: {@code POST /v1/score} with the image as the raw body
 * ({@code application/octet-stream}), read back as the JSON verdict. 200 is a verdict (its
 * {@code failed_closed} tells a fail-closed BLOCK); any other status is an error named by the
 * status and the body's {@code error.code}. JDK {@link HttpClient}, HTTP/1.1, which opens a
 * connection per concurrent request and keeps them alive. With {@code expectContinue} each
 * request asks for {@code 100-continue} and sends its image only when the server says so. Owns
 * the client and its two completion threads.
 */
public final class HttpTarget implements LoadTarget {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Threads that complete the client's futures; the work on them is a JSON read per answer. */
    private static final int COMPLETION_THREADS = 2;

    private final HttpClient client;
    private final ExecutorService executor;
    private final URI uri;
    /** {@link #uri} telling the server the request's deadline ({@code timeout_ms}), as the binary client does in its SCORE. */
    private final URI requestUri;
    private final Duration timeout;
    private final boolean expectContinue;

    private HttpTarget(URI uri, Duration timeout, boolean expectContinue) {
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(COMPLETION_THREADS, r -> {
            Thread t = new Thread(r, "vigil-bench-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3))
                .executor(executor)
                .build();
        this.uri = uri;
        this.timeout = timeout;
        this.expectContinue = expectContinue;
        String query = uri.getRawQuery();
        this.requestUri = query != null && query.contains("timeout_ms=") ? uri
                : URI.create(uri + (query == null ? "?" : "&") + "timeout_ms=" + Math.min(60_000, Math.max(1, timeout.toMillis())));
    }

    /**
     * @param url     {@code http://host:port}, to which {@code /v1/score} is added, or the full
     *                score URL
     * @param timeout per request; past it the request is a {@code TIMEOUT} error
     * @param expectContinue send {@code Expect: 100-continue} and the image only after the server's 100
     */
    public static HttpTarget connect(String url, Duration timeout, boolean expectContinue) {
        return new HttpTarget(scoreUri(url), timeout, expectContinue);
    }

    static URI scoreUri(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("target: " + url + " (expected: an http URL, e.g. http://127.0.0.1:7462)");
        }
        if (!"http".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("target: " + url + " (expected: an http URL, e.g. http://127.0.0.1:7462)");
        }
        String path = u.getRawPath();
        return path == null || path.isEmpty() || path.equals("/") ? u.resolve("/v1/score") : u;
    }

    @Override
    public CompletableFuture<Answer> score(byte[] image) {
        HttpRequest request = HttpRequest.newBuilder(requestUri)
                .timeout(timeout)
                .expectContinue(expectContinue)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((response, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                if (cause instanceof HttpTimeoutException) {
                    return Answer.error("TIMEOUT", "no answer within " + timeout.toMillis() + " ms");
                }
                if (cause instanceof ConnectException) {
                    return Answer.error("CONNECTION_FAILED", uri + ": " + cause.getMessage());
                }
                return Answer.error(cause.getClass().getSimpleName(), String.valueOf(cause.getMessage()));
            }
            return answer(response.statusCode(), response.body());
        });
    }

    /** The answer for one response: 200 with the verdict's {@code failed_closed}, or an error named by status and code. */
    static Answer answer(int status, byte[] body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        if (status == 200) {
            if (json == null || !json.path("failed_closed").isBoolean()) {
                return Answer.error("HTTP 200", "not a verdict: " + snippet(body));
            }
            return json.get("failed_closed").asBoolean() ? Answer.FAILED_CLOSED : Answer.VERDICT;
        }
        String code = json == null ? "" : json.path("error").path("code").asText("");
        String message = json == null ? snippet(body) : json.path("error").path("message").asText(snippet(body));
        return Answer.error("HTTP " + status + (code.isEmpty() ? "" : " " + code), message);
    }

    private static String snippet(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 120), java.nio.charset.StandardCharsets.UTF_8).strip();
        return s.isEmpty() ? "(empty body)" : s;
    }

    @Override
    public String describe() {
        return "http " + uri;
    }

    @Override
    public void close() {
        // Java 17's HttpClient has no close(): its connections go with it once unreferenced; stop our threads
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
