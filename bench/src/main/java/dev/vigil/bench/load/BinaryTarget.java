package dev.vigil.bench.load;

import dev.vigil.client.ClientImage;
import dev.vigil.client.ScoreCall;
import dev.vigil.client.VigilClient;
import dev.vigil.client.VigilClientException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Vigil server over the binary protocol, driven by the Java client. The client is built for
 * measuring rather than for serving users: errors are surfaced, not turned into fail-closed
 * BLOCKs, so the report tells them apart; and there are no retries, so an OVERLOADED server
 * shows as errors instead of as a few retried, slower verdicts. Owns its client.
 */
public final class BinaryTarget implements LoadTarget {
    /** The server's default max_in_flight per connection; the pool opens enough connections for the run's in-flight bound. */
    static final int REQUESTS_PER_CONNECTION = 64;
    /** The client's own limit on its pool. */
    static final int MAX_CONNECTIONS = 64;
    /** Most requests one target can have outstanding against a server with the default per-connection limit. */
    public static final int MAX_IN_FLIGHT = MAX_CONNECTIONS * REQUESTS_PER_CONNECTION;

    private final VigilClient client;
    private final String description;

    private BinaryTarget(VigilClient client, String description) {
        this.client = client;
        this.description = description;
    }

    /**
     * @param address     {@code host:port} or {@code unix:/path}
     * @param maxInFlight the most requests the run will have outstanding: sizes the connection pool
     * @param timeout     per request; past it the request is a {@code TIMEOUT} error
     */
    public static BinaryTarget connect(String address, int maxInFlight, Duration timeout) {
        int connections = Math.max(1, Math.min(MAX_CONNECTIONS, (maxInFlight + REQUESTS_PER_CONNECTION - 1) / REQUESTS_PER_CONNECTION));
        VigilClient client = VigilClient.builder()
                .setAddress(address)
                .optClientName("vigil-bench-load/0.1.0")
                .optConnections(connections)
                .optTimeout(timeout)
                .optMaxAttempts(1)
                .optSurfaceErrors(true)
                .build();
        String transport = address.startsWith("unix:") ? "unix " + address.substring("unix:".length()) : "tcp " + address;
        return new BinaryTarget(client, transport + " (" + connections + " connection" + (connections == 1 ? "" : "s") + ")");
    }

    @Override
    public CompletableFuture<Answer> score(byte[] image) {
        return client.score(ScoreCall.of(ClientImage.encoded(image))).handle((verdict, failure) -> {
            if (failure == null) {
                return verdict.failedClosed() ? Answer.FAILED_CLOSED : Answer.VERDICT;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof VigilClientException e) {
                return Answer.error(e.code().name(), e.getMessage());
            }
            return Answer.error(cause.getClass().getSimpleName(), String.valueOf(cause.getMessage()));
        });
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        client.close();
    }
}
