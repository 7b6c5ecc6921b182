package dev.vigil.client;

import dev.vigil.protocol.FrameLayout;
import dev.vigil.protocol.HelloOkFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.ScoreFrame;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One score call from {@link VigilClient#score} to its answer: picks a connection, sends, and on a
 * retryable failure sends again (on whichever connection is ready) after a jittered back-off,
 * as long as attempts and time remain. Its deadline covers every attempt; when it passes, the
 * request in flight is cancelled on the wire. The call ends as the server's verdict, or as a
 * fail-closed BLOCK (or, with surfaced errors, a {@link VigilClientException}).
 *
 * <p>Thread-safe: callbacks arrive from any event loop; completion is decided by the future.
 */
final class ScoreExchange {
    private final VigilClient client;
    private final ScoreCall call;
    /** The call's images as the protocol sees them: views of the caller's bytes, made once for every attempt. */
    private final ImageData image;
    private final ImageData source;
    private final long timeoutNanos;
    private final long deadlineNanos;
    private final CompletableFuture<ClientVerdict> result = new CompletableFuture<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile Sent sent;
    private volatile Future<?> timer;

    /** Where the current attempt is in flight, to cancel it. */
    private record Sent(ClientConnection connection, long requestId) {
    }

    ScoreCall call() {
        return call;
    }

    ScoreExchange(VigilClient client, ScoreCall call, long timeoutNanos) {
        this.client = client;
        this.call = call;
        this.image = imageData(call.image());
        this.source = call.source() == null ? null : imageData(call.source());
        this.timeoutNanos = timeoutNanos;
        this.deadlineNanos = System.nanoTime() + timeoutNanos;
    }

    CompletableFuture<ClientVerdict> result() {
        return result;
    }

    boolean isDone() {
        return result.isDone();
    }

    void start() {
        result.whenComplete((verdict, error) -> {
            Future<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            // Timed out, cancelled by the caller, or the client closed: stop the server working on it.
            Sent s = sent;
            if (s != null) {
                s.connection().cancel(s.requestId());
            }
            client.forget(this);
        });
        try {
            timer = client.schedule(() -> fail(ErrorCode.TIMEOUT, false,
                    "no verdict within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (" + attempts.get() + " attempts)"),
                    timeoutNanos);
        } catch (RejectedExecutionException e) {
            fail(ErrorCode.CLIENT_CLOSED, false, "client closed");
            return;
        }
        attempt();
    }

    private void attempt() {
        if (result.isDone()) {
            return;
        }
        attempts.incrementAndGet();
        sent = null;
        client.pickSlot().acquire().whenComplete((connection, error) -> {
            if (error == null) {
                connection.send(this);
            } else if (unwrap(error) instanceof AttemptFailure failure) {
                attemptFailed(failure.code(), failure.retryable(), failure.getMessage());
            } else {
                attemptFailed(ErrorCode.CONNECTION_FAILED, true, String.valueOf(unwrap(error)));
            }
        });
    }

    /** The SCORE frame for this call under {@code requestId}, carrying the time left as its timeout. */
    ScoreFrame frame(long requestId) {
        long remainingMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime() + 999_999));
        return new ScoreFrame(requestId, (int) Math.min(remainingMillis, ScoreCall.MAX_TIMEOUT_MS), call.policy(), image, source, call.receipt());
    }

    /**
     * Why the server would refuse this call under the limits it announced, or null when it fits.
     *
     * @param frame this call's SCORE as encoded, whose length field is checked against max_frame
     */
    String overLimits(HelloOkFrame limits, ByteBuf frame) {
        long length = frame.getUnsignedInt(FrameLayout.LENGTH_OFFSET);
        if (length > limits.maxFrame()) {
            return "frame length: " + length + " (expected: <= max_frame " + limits.maxFrame() + ")";
        }
        if (call.image().byteLength() > limits.maxImageBytes()) {
            return "image.byte_length: " + call.image().byteLength() + " (expected: <= max_image_bytes " + limits.maxImageBytes() + ")";
        }
        if (call.source() != null && call.source().byteLength() > limits.maxImageBytes()) {
            return "source.byte_length: " + call.source().byteLength() + " (expected: <= max_image_bytes " + limits.maxImageBytes() + ")";
        }
        return null;
    }

    /** The current attempt went out as {@code requestId} on {@code connection}. */
    void sent(ClientConnection connection, long requestId) {
        sent = new Sent(connection, requestId);
        if (result.isDone()) {
            connection.cancel(requestId);
        }
    }

    /** The server answered the current attempt. */
    void verdict(ClientVerdict verdict) {
        sent = null;
        result.complete(verdict);
    }

    /** The current attempt failed; retries when the failure is retryable and attempts and time remain. */
    void attemptFailed(ErrorCode code, boolean retryable, String message) {
        sent = null;
        if (result.isDone()) {
            return;
        }
        int made = attempts.get();
        if (retryable && made < client.maxAttempts() && !client.isClosed()) {
            long delay = client.retryBackoff().delayNanos(made);
            if (System.nanoTime() + delay < deadlineNanos) {
                try {
                    client.schedule(this::attempt, delay);
                    return;
                } catch (RejectedExecutionException e) {
                    fail(ErrorCode.CLIENT_CLOSED, false, "client closed");
                    return;
                }
            }
        }
        fail(code, retryable, made > 1 ? message + " (attempt " + made + " of at most " + client.maxAttempts() + ")" : message);
    }

    /** Ends the call without a verdict from the server: fail-closed BLOCK, or the error when surfaced. */
    void fail(ErrorCode code, boolean retryable, String message) {
        if (client.surfaceErrors()) {
            result.completeExceptionally(new VigilClientException(code, retryable, message));
        } else {
            result.complete(ClientVerdict.failClosed(code, message));
        }
    }

    /** The protocol's view of {@code image}: the same bytes, not copied. */
    static ImageData imageData(ClientImage image) {
        if (image instanceof ClientImage.Raw raw) {
            return new ImageData.Raw(raw.format().protocolFormat(), raw.width(), raw.height(), raw.rowStride(), raw.pixels());
        }
        return new ImageData.Encoded(((ClientImage.Encoded) image).bytes());
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
