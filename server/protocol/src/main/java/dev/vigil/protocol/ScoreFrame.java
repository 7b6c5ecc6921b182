package dev.vigil.protocol;

import java.util.Objects;

/**
 * SCORE (0x10): one image to score, with the source image of an edit if there is one.
 *
 * @param requestId the client's id for this request, unique among its requests in flight on
 *                  the connection; not 0
 * @param timeoutMs how long the client will wait, in milliseconds; 0 for the server's default
 * @param policy    the policy to apply; empty for the server's default
 * @param image     the generated image
 * @param source    the image the generation edited, or null for a plain generation
 */
public record ScoreFrame(long requestId, int timeoutMs, String policy, ImageData image, ImageData source) implements Frame {
    public ScoreFrame {
        U16.checkU31("timeout_ms", timeoutMs);
        Strings.check("policy", policy);
        Objects.requireNonNull(image, "image");
    }

    /** A request for {@code image} with the server's default policy and deadline. */
    public static ScoreFrame of(long requestId, ImageData image) {
        return new ScoreFrame(requestId, 0, "", image, null);
    }

    @Override
    public FrameType type() {
        return FrameType.SCORE;
    }
}
