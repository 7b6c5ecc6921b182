package dev.vigil.engine.policy;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A signal a policy may name: its name, the closed range its values and thresholds lie in,
 * and what it measures. {@code max} may be {@link Double#POSITIVE_INFINITY} for counts.
 * Names are lower-case words joined by {@code _}; {@code all}, {@code any} and {@code not}
 * are taken by the condition grammar.
 */
public record SignalSpec(String name, double min, double max, String description) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Set<String> RESERVED = Set.of("all", "any", "not");

    public SignalSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        if (!NAME.matcher(name).matches() || RESERVED.contains(name)) {
            throw new IllegalArgumentException("signal name: " + name
                    + " (expected: [a-z][a-z0-9_]*, not all, any or not)");
        }
        if (!(min <= max) || min == Double.POSITIVE_INFINITY || max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException(name + ": range [" + min + ", " + max
                    + "] (expected: min <= max, not NaN, some finite value between)");
        }
    }

    /** Whether {@code value} is a finite number in this signal's range. */
    public boolean accepts(double value) {
        return Double.isFinite(value) && value >= min && value <= max;
    }

    /** The range as an error message states the expectation: {@code a number in [0, 1]}. */
    public String rangeText() {
        boolean lower = Double.isFinite(min);
        boolean upper = Double.isFinite(max);
        if (lower && upper) {
            return "a number in [" + Numbers.plain(min) + ", " + Numbers.plain(max) + "]";
        } else if (lower) {
            return "a number >= " + Numbers.plain(min);
        } else if (upper) {
            return "a number <= " + Numbers.plain(max);
        }
        return "a finite number";
    }
}
