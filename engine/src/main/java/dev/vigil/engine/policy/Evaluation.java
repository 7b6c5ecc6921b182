package dev.vigil.engine.policy;

import dev.vigil.engine.Decision;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a policy decided for one request and why.
 *
 * @param policy   the policy's name
 * @param version  the version of the file the policy came from
 * @param decision the answer
 * @param rule     the rule that fired; {@link #DEFAULT} when none did, {@link #ERROR} when a
 *                 signal could not be computed under {@code on_error: block}
 * @param reason   for people: the comparisons that made the rule fire ({@code sexual 0.91 >= 0.4}),
 *                 the signal that failed and why, or that no rule fired
 * @param signals  every signal value the evaluation read, in the order read; failed signals
 *                 are absent
 * @param criteria the fired rule's condition as the policy states it ({@code sexual >= 0.4}),
 *                 or null when no rule fired
 * @param ground   the fired rule's legal or terms-of-service reference, or null
 */
public record Evaluation(String policy, String version, Decision decision, String rule, String reason,
        Map<String, Double> signals, String criteria, String ground) {
    /** The rule name when no rule fired and the policy's default decision applies. */
    public static final String DEFAULT = "default";
    /** The rule name when a needed signal could not be computed and the policy fails closed. */
    public static final String ERROR = "error";

    public Evaluation {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(reason, "reason");
        signals = Collections.unmodifiableMap(new LinkedHashMap<>(signals));
    }

    /** An evaluation without a rule's criteria or ground. */
    public Evaluation(String policy, String version, Decision decision, String rule, String reason, Map<String, Double> signals) {
        this(policy, version, decision, rule, reason, signals, null, null);
    }
}
