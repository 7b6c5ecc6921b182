package dev.vigil.server;

import dev.vigil.engine.InputException;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageInput;
import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.RawImage;
import dev.vigil.protocol.Decision;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The one place between the engine's types and the protocol's frames: SCORE to
 * {@link ScoreRequest}, {@link Verdict} to VERDICT, and every exception to an ERROR code.
 * Stateless and thread-safe.
 */
final class FrameMapping {

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
        return verdict(requestId, v, null);
    }

    /** ... with the audit receipt in its JSON when there is one. */
    static VerdictFrame verdict(long requestId, Verdict v, dev.vigil.audit.Receipt receipt) {
        return new VerdictFrame(requestId, Decision.valueOf(v.decision().name()), v.failedClosed(),
                new String(VerdictJson.toJson(v, receipt), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The ERROR for a request that failed with {@code failure}, by {@link Failures}' one mapping. */
    static ErrorFrame error(long requestId, Throwable failure) {
        return ErrorFrame.of(requestId, Failures.code(failure), Failures.message(failure, "request " + Long.toUnsignedString(requestId)));
    }
}
