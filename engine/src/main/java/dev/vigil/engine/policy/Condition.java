package dev.vigil.engine.policy;

import java.util.List;
import java.util.Objects;

/**
 * A rule's {@code when}: comparisons of signals with thresholds, joined by {@code all},
 * {@code any} and {@code not}. Immutable; built by the policy loader, which has already checked
 * every signal name and threshold against the catalogue.
 */
public sealed interface Condition permits Condition.All, Condition.Any, Condition.Not, Condition.Threshold {

    /** Fires when every operand fires; evaluated left to right, stopping at the first that does not. */
    record All(List<Condition> operands) implements Condition {
        public All {
            operands = List.copyOf(operands);
            if (operands.isEmpty()) {
                throw new IllegalArgumentException("all: empty (expected: at least one condition)");
            }
        }
    }

    /** Fires when some operand fires; evaluated left to right, stopping at the first that does. */
    record Any(List<Condition> operands) implements Condition {
        public Any {
            operands = List.copyOf(operands);
            if (operands.isEmpty()) {
                throw new IllegalArgumentException("any: empty (expected: at least one condition)");
            }
        }
    }

    /** Fires when its operand does not fire (and was computed). */
    record Not(Condition operand) implements Condition {
        public Not {
            Objects.requireNonNull(operand, "operand");
        }
    }

    /** Fires when {@code signal comparison threshold} holds, for example {@code sexual >= 0.4}. */
    record Threshold(String signal, Comparison comparison, double threshold) implements Condition {
        public Threshold {
            Objects.requireNonNull(signal, "signal");
            Objects.requireNonNull(comparison, "comparison");
        }

        @Override
        public String toString() {
            return signal + " " + comparison.symbol() + " " + Numbers.plain(threshold);
        }
    }
}
