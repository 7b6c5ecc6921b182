package dev.vigil.engine.policy;

import dev.vigil.engine.Decision;
import java.util.Objects;

/** One rule of a policy: when {@code when} fires, the policy answers {@code decision}. Immutable. */
public record PolicyRule(String name, Condition when, Decision decision) {
    public PolicyRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(when, "when");
        Objects.requireNonNull(decision, "decision");
    }
}
