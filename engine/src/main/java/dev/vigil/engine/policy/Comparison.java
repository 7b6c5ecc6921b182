package dev.vigil.engine.policy;

import java.util.Optional;

/** How a condition compares a signal with its threshold; the YAML key is {@link #key()}. */
public enum Comparison {
    AT_LEAST("at_least", ">="),
    ABOVE("above", ">"),
    AT_MOST("at_most", "<="),
    BELOW("below", "<");

    private final String key;
    private final String symbol;

    Comparison(String key, String symbol) {
        this.key = key;
        this.symbol = symbol;
    }

    /** The field name in a policy file: {@code at_least}. */
    public String key() {
        return key;
    }

    /** The operator as reasons print it: {@code >=}. */
    public String symbol() {
        return symbol;
    }

    public boolean test(double value, double threshold) {
        return switch (this) {
            case AT_LEAST -> value >= threshold;
            case ABOVE -> value > threshold;
            case AT_MOST -> value <= threshold;
            case BELOW -> value < threshold;
        };
    }

    /** The comparison that holds exactly when this one does not: {@code >=} for {@code <}. */
    public Comparison negation() {
        return switch (this) {
            case AT_LEAST -> BELOW;
            case ABOVE -> AT_MOST;
            case AT_MOST -> ABOVE;
            case BELOW -> AT_LEAST;
        };
    }

    public static Optional<Comparison> forKey(String key) {
        for (Comparison comparison : values()) {
            if (comparison.key.equals(key)) {
                return Optional.of(comparison);
            }
        }
        return Optional.empty();
    }
}
