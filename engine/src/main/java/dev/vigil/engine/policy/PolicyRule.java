package dev.vigil.engine.policy;

import dev.vigil.engine.Decision;
import java.util.Objects;

/**
 * One rule of a policy: when {@code when} fires, the policy answers {@code decision}.
 * {@code ground} is the legal or terms-of-service reference a statement of reasons cites for it
 * (the rule's {@code ground} in the policy file), or null. Immutable.
 */
public record PolicyRule(String name, Condition when, Decision decision, String ground) {
    public PolicyRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(when, "when");
        Objects.requireNonNull(decision, "decision");
    }

    public PolicyRule(String name, Condition when, Decision decision) {
        this(name, when, decision, null);
    }

    /** The rule's condition as the policy file reads, e.g. {@code all(sexual >= 0.4, minor >= 0.5)}. */
    public String criteria() {
        return describe(when);
    }

    private static String describe(Condition c) {
        if (c instanceof Condition.Threshold t) {
            return t.toString();
        }
        if (c instanceof Condition.Not n) {
            return "not(" + describe(n.operand()) + ")";
        }
        if (c instanceof Condition.All a) {
            return "all(" + String.join(", ", a.operands().stream().map(PolicyRule::describe).toList()) + ")";
        }
        return "any(" + String.join(", ", ((Condition.Any) c).operands().stream().map(PolicyRule::describe).toList()) + ")";
    }
}
