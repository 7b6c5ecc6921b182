package dev.vigil.protocol;

import java.util.Objects;

/**
 * VERDICT (0x11): the gate's answer to one SCORE. The decision byte is authoritative; the
 * JSON gives the rule, reason, signals, models and timings ({@link VerdictDetails#parse}).
 *
 * @param failedClosed true when the gate could not decide and blocked (fail-closed), rather
 *                     than a policy rule deciding
 * @param json         the details, a UTF-8 JSON object
 */
public record VerdictFrame(long requestId, Decision decision, boolean failedClosed, String json) implements Frame {
    public VerdictFrame {
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(json, "json");
    }

    @Override
    public FrameType type() {
        return FrameType.VERDICT;
    }

    /** The JSON details, parsed. */
    public VerdictDetails details() {
        return VerdictDetails.parse(json);
    }
}
