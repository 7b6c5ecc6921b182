package dev.vigil.protocol;

/** The protocol versions this build speaks, and HELLO's negotiation rule. */
public final class ProtocolVersion {
    /** Lowest version supported. */
    public static final int MIN = 1;
    /**
     * Highest version supported. Version 2 adds one thing: the SCORE flag
     * {@link ScoreFrame#FLAG_RECEIPT}; every frame is otherwise as in version 1.
     */
    public static final int MAX = 2;

    private ProtocolVersion() {
    }

    /**
     * The highest version in both [{@code min}, {@code max}] (what a HELLO offers) and
     * [{@link #MIN}, {@link #MAX}], or -1 when there is none (an empty range offered included).
     */
    public static int negotiate(int min, int max) {
        int high = Math.min(max, MAX);
        return high >= Math.max(min, MIN) ? high : -1;
    }
}
