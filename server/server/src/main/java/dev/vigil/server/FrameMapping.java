package dev.vigil.server;

import dev.vigil.engine.InputException;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.batch.BatcherClosedException;
import dev.vigil.engine.batch.DeadlineExceededException;
import dev.vigil.engine.batch.QueueFullException;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageInput;
import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.RawImage;
import dev.vigil.engine.policy.PolicyException;
import dev.vigil.protocol.Decision;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictDetails;
import dev.vigil.protocol.VerdictFrame;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The one place between the engine's types and the protocol's frames: SCORE to
 * {@link ScoreRequest}, {@link Verdict} to VERDICT, and every exception to an ERROR code.
 * Stateless and thread-safe.
 */
final class FrameMapping {
    private static final System.Logger LOG = System.getLogger(FrameMapping.class.getName());

    private FrameMapping() {
    }

    /**
     * The engine request for a SCORE. Throws {@link IllegalArgumentException} (or the engine's
     * {@link InputException}) naming the field, value and limit for a request the server refuses:
     * a deadline over {@code maxTimeout}, an image over {@code maxImageBytes}, raw fields that do
     * not fit their bytes.
     */
    static ScoreRequest request(ScoreFrame score, Duration defaultTimeout, Duration maxTimeout, int maxImageBytes) {
        if (score.timeoutMs() > maxTimeout.toMillis()) {
            throw new IllegalArgumentException("timeout_ms: " + score.timeoutMs() + " (expected: <= " + maxTimeout.toMillis() + ")");
        }
        score.image().check("image", maxImageBytes);
        if (score.source() != null) {
            score.source().check("source", maxImageBytes);
        }
        Duration timeout = score.timeoutMs() == 0 ? defaultTimeout : Duration.ofMillis(score.timeoutMs());
        return new ScoreRequest(Long.toUnsignedString(score.requestId()), input(score.image()),
                score.source() == null ? null : input(score.source()), score.policy().isEmpty() ? null : score.policy(), timeout);
    }

    private static ImageInput input(ImageData image) {
        if (image instanceof ImageData.Encoded e) {
            return new EncodedImage(array(e.bytes()));
        }
        ImageData.Raw r = (ImageData.Raw) image;
        return new RawImage(r.pixels(), r.width(), r.height(), r.rowStride(), PixelFormat.valueOf(r.format().name()));
    }

    /** The buffer's bytes; the decoder's own array when the buffer is exactly that (no copy). */
    private static byte[] array(ByteBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
            return b.array();
        }
        byte[] copy = new byte[b.remaining()];
        b.duplicate().get(copy);
        return copy;
    }

    static VerdictFrame verdict(long requestId, Verdict v) {
        Verdict.Timings t = v.timings();
        VerdictDetails details = new VerdictDetails(v.requestId(), v.decision().name(), v.rule(), v.reason(), v.signals(), v.failures(),
                v.findings(), v.models(), v.policy(), v.policyVersion(),
                new VerdictDetails.Timings(t.decodeMicros(), t.queueMicros(), t.inferenceMicros(), t.policyMicros(), t.totalMicros()));
        return new VerdictFrame(requestId, Decision.valueOf(v.decision().name()), v.failedClosed(), details.toJson());
    }

    /** The ERROR for a request that failed with {@code failure}; unexpected failures are logged with their stack. */
    static ErrorFrame error(long requestId, Throwable failure) {
        Throwable c = unwrap(failure);
        ErrorCode code = code(c);
        String message = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
        if (code == ErrorCode.INTERNAL) {
            LOG.log(System.Logger.Level.WARNING, "request " + Long.toUnsignedString(requestId) + " failed", c);
            message = "internal error: " + c.getClass().getSimpleName() + (c.getMessage() != null ? ": " + c.getMessage() : "");
        }
        return ErrorFrame.of(requestId, code, message);
    }

    static ErrorCode code(Throwable c) {
        if (c instanceof PolicyException || c instanceof InputException || c instanceof IllegalArgumentException) {
            return ErrorCode.BAD_REQUEST;
        }
        if (c instanceof CancellationException) {
            return ErrorCode.CANCELLED;
        }
        if (c instanceof TimeoutException || c instanceof DeadlineExceededException) {
            return ErrorCode.DEADLINE_EXCEEDED;
        }
        if (c instanceof QueueFullException || c instanceof RejectedExecutionException) {
            return ErrorCode.OVERLOADED;
        }
        if (c instanceof BatcherClosedException) {
            return ErrorCode.SHUTTING_DOWN;
        }
        return ErrorCode.INTERNAL;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
