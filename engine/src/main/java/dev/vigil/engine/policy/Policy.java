package dev.vigil.engine.policy;

import dev.vigil.engine.Decision;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A named, ordered list of rules over signals: the first rule that fires decides, and when none
 * fires the policy's default decision applies. Signals are read lazily, only as the condition
 * being evaluated needs them. Immutable and thread-safe; one instance serves every request.
 */
public final class Policy {
    /** What a signal that could not be computed does to the evaluation ({@code on_error}). */
    public enum OnError {
        /**
         * Fail closed: the first signal that cannot be computed ends the evaluation with
         * {@link Decision#BLOCK}, rule {@link Evaluation#ERROR}.
         */
        BLOCK("block"),
        /**
         * The comparison on that signal is neither true nor false but unknown: {@code all} with
         * an unknown operand fires only if it never fires, {@code any} fires if another operand
         * fires, {@code not} of unknown is unknown, and a rule fires only when its condition is
         * known to hold. Evaluation goes on with the next rule; the signal is not asked for again.
         */
        ALLOW("allow");

        private final String key;

        OnError(String key) {
            this.key = key;
        }

        /** The value in a policy file: {@code block}. */
        public String key() {
            return key;
        }
    }

    private final String name;
    private final String version;
    private final String description;
    private final String classifier;
    private final OnError onError;
    private final Decision defaultDecision;
    private final List<PolicyRule> rules;
    private final Set<String> signals;

    Policy(String name, String version, String description, String classifier, OnError onError, Decision defaultDecision,
            List<PolicyRule> rules) {
        this.classifier = classifier;
        this.name = Objects.requireNonNull(name, "name");
        this.version = Objects.requireNonNull(version, "version");
        this.description = Objects.requireNonNull(description, "description");
        this.onError = Objects.requireNonNull(onError, "onError");
        this.defaultDecision = Objects.requireNonNull(defaultDecision, "defaultDecision");
        this.rules = List.copyOf(rules);
        if (this.rules.isEmpty()) {
            throw new IllegalArgumentException("rules: empty (expected: at least one rule)");
        }
        Set<String> read = new LinkedHashSet<>();
        for (PolicyRule rule : this.rules) {
            collectSignals(rule.when(), read);
        }
        this.signals = Collections.unmodifiableSet(read);
    }

    /**
     * Walks the rules in order against one request's signals. Never blocks: it asks for a
     * signal, and goes on in that future's completion, on the thread that completes it. Asks
     * for each signal at most once. The result completes normally with a decision whenever the
     * signals complete (failed signals included, per {@link #onError()}); it completes
     * exceptionally only if {@code signals} itself misbehaves in a way that is a bug.
     */
    public CompletableFuture<Evaluation> evaluate(Signals signals) {
        return new PolicyRun(this, Objects.requireNonNull(signals, "signals")).run();
    }

    public String name() {
        return name;
    }

    /** The {@code version} of the file this policy was loaded from. */
    public String version() {
        return version;
    }

    public String description() {
        return description;
    }

    /**
     * The classifier model behind {@code sexual}, {@code suggestive} and {@code drawing} for
     * this policy (for example {@code nsfw-mobilenet-v2} for the fast tier or
     * {@code nsfw-inception-v3} for the accurate one); null for the gate's default.
     */
    public String classifier() {
        return classifier;
    }

    public OnError onError() {
        return onError;
    }

    /** The decision when no rule fires ({@code default}, ALLOW unless the file says otherwise). */
    public Decision defaultDecision() {
        return defaultDecision;
    }

    public List<PolicyRule> rules() {
        return rules;
    }

    /** Every signal some rule may read, in the order the rules first name them. */
    public Set<String> signals() {
        return signals;
    }

    @Override
    public String toString() {
        return "Policy[" + name + " " + version + ", " + rules.size() + " rules]";
    }

    private static void collectSignals(Condition condition, Set<String> into) {
        if (condition instanceof Condition.Threshold threshold) {
            into.add(threshold.signal());
        } else if (condition instanceof Condition.Not not) {
            collectSignals(not.operand(), into);
        } else if (condition instanceof Condition.All all) {
            all.operands().forEach(operand -> collectSignals(operand, into));
        } else if (condition instanceof Condition.Any any) {
            any.operands().forEach(operand -> collectSignals(operand, into));
        }
    }
}
