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
 * @param receipt   ask for the audit log's receipt of the verdict (header flag {@link #FLAG_RECEIPT},
 *                  protocol version 2 and later): the VERDICT's JSON then carries it as {@code receipt}
 */
public record ScoreFrame(long requestId, int timeoutMs, String policy, ImageData image, ImageData source, boolean receipt) implements Frame {
    /** The SCORE header flag that asks for a receipt (version 2). */
    public static final int FLAG_RECEIPT = 0x01;

    public ScoreFrame {
        U16.checkU31("timeout_ms", timeoutMs);
        Strings.check("policy", policy);
        Objects.requireNonNull(image, "image");
    }

    /** A request without a receipt. */
    public ScoreFrame(long requestId, int timeoutMs, String policy, ImageData image, ImageData source) {
        this(requestId, timeoutMs, policy, image, source, false);
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
