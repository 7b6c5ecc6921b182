package dev.vigil.engine;

import dev.vigil.engine.image.ImageInput;
import java.time.Duration;
import java.util.Objects;

/**
 * One image to score.
 *
 * @param requestId caller's id, echoed in the verdict (the gate makes one up when null)
 * @param image     the generated image
 * @param source    the image the generation edited, if any (for the {@code source_match}
 *                  signal); null for a plain generation
 * @param policy    the policy to apply; null for the gate's default
 * @param timeout   how long the caller will wait; null for the gate's default. Past it the
 *                  verdict is BLOCK with reason {@code timeout} and queued work is dropped
 */
public record ScoreRequest(String requestId, ImageInput image, ImageInput source, String policy, Duration timeout) {
    public ScoreRequest {
        Objects.requireNonNull(image, "image");
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new InputException("timeout", timeout + " (expected: > 0)");
        }
    }

    /** A request for {@code image} with every other field left to the gate's defaults. */
    public static ScoreRequest of(ImageInput image) {
        return new ScoreRequest(null, image, null, null, null);
    }

    public ScoreRequest withPolicy(String name) {
        return new ScoreRequest(requestId, image, source, name, timeout);
    }

    public ScoreRequest withSource(ImageInput edited) {
        return new ScoreRequest(requestId, image, edited, policy, timeout);
    }

    public ScoreRequest withTimeout(Duration t) {
        return new ScoreRequest(requestId, image, source, policy, t);
    }

    public ScoreRequest withRequestId(String id) {
        return new ScoreRequest(id, image, source, policy, timeout);
    }
}
