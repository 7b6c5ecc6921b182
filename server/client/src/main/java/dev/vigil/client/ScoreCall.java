package dev.vigil.client;

import dev.vigil.protocol.FrameLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * One image to score: the generated image, the image it edits if any, the policy and how long
 * the caller will wait. Immutable; build with {@link #builder()} or {@link #of(ClientImage)}.
 *
 * @param image   the generated image
 * @param source  the image the generation edited (for the {@code source_match} signal); null for
 *                a plain generation
 * @param policy  the policy to apply; empty for the server's default
 * @param timeout how long the caller waits for a verdict, retries included; null for the
 *                client's default ({@code optTimeout}). Past it the verdict is a fail-closed BLOCK
 * @param receipt ask for the audit log's receipt of the verdict (protocol version 2): the
 *                verdict's JSON then carries it as {@code receipt}, proof that the gate recorded
 *                this decision, checkable with the log's public key ({@code vigil audit verify-proof})
 */
public record ScoreCall(ClientImage image, ClientImage source, String policy, Duration timeout, boolean receipt) {
    /** Longest timeout the SCORE frame's timeout_ms carries: a u32, but at most 2^31 - 1 in version 1. */
    static final long MAX_TIMEOUT_MS = Integer.MAX_VALUE;

    public ScoreCall {
        Objects.requireNonNull(image, "image");
        policy = policy == null ? "" : policy;
        int policyBytes = policy.getBytes(StandardCharsets.UTF_8).length;
        if (policyBytes > FrameLayout.MAX_STRING_BYTES) {
            throw new IllegalArgumentException("policy: " + policyBytes + " bytes (expected: <= " + FrameLayout.MAX_STRING_BYTES + ")");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > MAX_TIMEOUT_MS)) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0 and <= " + MAX_TIMEOUT_MS + " ms)");
        }
    }

    /** A call without a receipt. */
    public ScoreCall(ClientImage image, ClientImage source, String policy, Duration timeout) {
        this(image, source, policy, timeout, false);
    }

    /** A call for {@code image} with the server's default policy and the client's default timeout. */
    public static ScoreCall of(ClientImage image) {
        return new ScoreCall(image, null, "", null);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ScoreCall}: {@code setImage} is required, {@code opt*} are not. Not thread-safe. */
    public static final class Builder {
        private ClientImage image;
        private ClientImage source;
        private String policy = "";
        private Duration timeout;
        private boolean receipt;

        private Builder() {
        }

        /** The generated image to score. Required. */
        public Builder setImage(ClientImage image) {
            this.image = image;
            return this;
        }

        /** The image the generation edited (a user's photo); enables the {@code source_match} signal. */
        public Builder optSource(ClientImage source) {
            this.source = source;
            return this;
        }

        /** A policy name from the server's policy file; default: the server's default policy. */
        public Builder optPolicy(String policy) {
            this.policy = policy;
            return this;
        }

        /** How long to wait for a verdict, retries included; default: the client's {@code optTimeout}. */
        public Builder optTimeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Ask for the audit receipt with the verdict (default: no). */
        public Builder optReceipt(boolean receipt) {
            this.receipt = receipt;
            return this;
        }

        public ScoreCall build() {
            if (image == null) {
                throw new IllegalStateException("image: not set (setImage is required)");
            }
            return new ScoreCall(image, source, policy, timeout, receipt);
        }
    }
}
