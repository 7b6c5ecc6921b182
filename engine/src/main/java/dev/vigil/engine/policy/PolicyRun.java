package dev.vigil.engine.policy;

import dev.vigil.engine.Decision;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One evaluation of one policy against one request's signals. Holds the signals read so far.
 * Not thread-safe and need not be: each step runs in the completion of the future the step
 * before it waited on, so steps never overlap and each sees what the previous one wrote.
 *
 * <p>Conditions evaluate to true, false or unknown (a signal failed under {@code on_error:
 * allow}), each with the comparisons that explain the value: a true {@code all} joins its
 * operands' reasons, a false {@code any} likewise, and {@code not} keeps its operand's reason,
 * since the comparison that made the operand false is the one that makes {@code not} true.
 */
final class PolicyRun {
    private enum Truth { TRUE, FALSE, UNKNOWN }

    private record Outcome(Truth truth, String reason) {
        Outcome negated() {
            return switch (truth) {
                case TRUE -> new Outcome(Truth.FALSE, reason);
                case FALSE -> new Outcome(Truth.TRUE, reason);
                case UNKNOWN -> this;
            };
        }
    }

    /** Ends an evaluation under {@code on_error: block}; carries the signal and its cause. */
    private static final class SignalFailure extends RuntimeException {
        final String signal;

        SignalFailure(String signal, Throwable cause) {
            super(signal, cause, false, false);
            this.signal = signal;
        }
    }

    private final Policy policy;
    private final Signals signals;
    private final Map<String, CompletableFuture<Double>> requested = new HashMap<>();
    private final Map<String, Double> values = new LinkedHashMap<>();
    private final Map<String, Throwable> failures = new LinkedHashMap<>();

    PolicyRun(Policy policy, Signals signals) {
        this.policy = policy;
        this.signals = signals;
    }

    CompletableFuture<Evaluation> run() {
        CompletableFuture<Evaluation> result = new CompletableFuture<>();
        rules(0).whenComplete((evaluation, error) -> {
            if (error == null) {
                result.complete(evaluation);
                return;
            }
            Throwable cause = unwrap(error);
            if (cause instanceof SignalFailure failure) {
                result.complete(evaluation(Decision.BLOCK, Evaluation.ERROR,
                        failure.signal + " could not be computed: " + describe(failure.getCause())));
            } else {
                result.completeExceptionally(cause);
            }
        });
        return result;
    }

    /**
     * Rules from {@code from} on. Loops while conditions are already decided (signals the engine
     * had ready) and continues in a future's completion only when one is not, so that a long
     * policy does not nest one stack frame per rule.
     */
    private CompletableFuture<Evaluation> rules(int from) {
        List<PolicyRule> rules = policy.rules();
        for (int index = from; index < rules.size(); index++) {
            PolicyRule rule = rules.get(index);
            CompletableFuture<Outcome> pending = condition(rule.when());
            if (!pending.isDone() || pending.isCompletedExceptionally()) {
                int next = index + 1;
                return pending.thenCompose(outcome -> outcome.truth() == Truth.TRUE
                        ? CompletableFuture.completedFuture(fired(rule, outcome.reason()))
                        : rules(next));
            }
            Outcome outcome = pending.join();
            if (outcome.truth() == Truth.TRUE) {
                return CompletableFuture.completedFuture(fired(rule, outcome.reason()));
            }
        }
        String reason = failures.isEmpty()
                ? "no rule fired"
                : "no rule fired (could not compute: " + String.join(", ", failures.keySet()) + ")";
        return CompletableFuture.completedFuture(evaluation(policy.defaultDecision(), Evaluation.DEFAULT, reason));
    }

    private CompletableFuture<Outcome> condition(Condition condition) {
        if (condition instanceof Condition.Threshold threshold) {
            return read(threshold.signal()).thenApply(value -> compare(threshold, value));
        } else if (condition instanceof Condition.Not not) {
            return condition(not.operand()).thenApply(Outcome::negated);
        } else if (condition instanceof Condition.All all) {
            return join(all.operands(), 0, Truth.FALSE, new ArrayList<>(), null);
        } else if (condition instanceof Condition.Any any) {
            return join(any.operands(), 0, Truth.TRUE, new ArrayList<>(), null);
        }
        throw new AssertionError(condition);
    }

    /**
     * {@code all} (decisive = FALSE) or {@code any} (decisive = TRUE) over the operands from
     * {@code from} on: stops at the first operand whose value decides the whole; otherwise
     * unknown if an operand was, else the non-decisive value with every operand's reason.
     * Loops over decided operands like {@link #rules}.
     */
    private CompletableFuture<Outcome> join(List<Condition> operands, int from, Truth decisive,
            List<String> reasons, String firstUnknown) {
        String unknown = firstUnknown;
        for (int index = from; index < operands.size(); index++) {
            CompletableFuture<Outcome> pending = condition(operands.get(index));
            if (!pending.isDone() || pending.isCompletedExceptionally()) {
                int next = index + 1;
                String unknownSoFar = unknown;
                return pending.thenCompose(outcome -> outcome.truth() == decisive
                        ? CompletableFuture.completedFuture(outcome)
                        : join(operands, next, decisive, reasons, note(outcome, reasons, unknownSoFar)));
            }
            Outcome outcome = pending.join();
            if (outcome.truth() == decisive) {
                return CompletableFuture.completedFuture(outcome);
            }
            unknown = note(outcome, reasons, unknown);
        }
        return CompletableFuture.completedFuture(unknown != null
                ? new Outcome(Truth.UNKNOWN, unknown)
                : new Outcome(decisive == Truth.TRUE ? Truth.FALSE : Truth.TRUE, String.join(" and ", reasons)));
    }

    /** Records a non-decisive operand: its reason, or the first unknown one. */
    private static String note(Outcome outcome, List<String> reasons, String unknown) {
        if (outcome.truth() == Truth.UNKNOWN) {
            return unknown != null ? unknown : outcome.reason();
        }
        reasons.add(outcome.reason());
        return unknown;
    }

    private static Outcome compare(Condition.Threshold threshold, Double value) {
        if (value == null) {
            return new Outcome(Truth.UNKNOWN, threshold.signal() + " could not be computed");
        }
        boolean holds = threshold.comparison().test(value, threshold.threshold());
        Comparison shown = holds ? threshold.comparison() : threshold.comparison().negation();
        String printed = Numbers.rounded(value);
        if (!shown.test(Double.parseDouble(printed), threshold.threshold())) {
            printed = Numbers.plain(value); // rounding would print "0.5 < 0.5"
        }
        return new Outcome(holds ? Truth.TRUE : Truth.FALSE,
                threshold.signal() + " " + printed + " " + shown.symbol() + " " + Numbers.plain(threshold.threshold()));
    }

    /**
     * The signal's value, asked for once per evaluation. A failed, null or NaN value is a
     * failure: under {@code on_error: block} it fails the returned future with
     * {@link SignalFailure}; under {@code allow} the future holds null (unknown).
     */
    private CompletableFuture<Double> read(String name) {
        CompletableFuture<Double> known = requested.get(name);
        if (known != null) {
            return known;
        }
        CompletableFuture<Double> pending;
        try {
            pending = signals.value(name);
            if (pending == null) {
                pending = CompletableFuture.failedFuture(new NullPointerException("Signals.value(" + name + ") returned null"));
            }
        } catch (RuntimeException e) {
            pending = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Double> value = pending.handle((result, error) -> {
            Throwable failure = error != null ? unwrap(error)
                    : result == null ? new IllegalStateException("no value")
                    : result.isNaN() ? new IllegalStateException("value is NaN")
                    : null;
            if (failure == null) {
                values.put(name, result);
                return result;
            }
            failures.put(name, failure);
            if (policy.onError() == Policy.OnError.BLOCK) {
                throw new SignalFailure(name, failure);
            }
            return null;
        });
        requested.put(name, value);
        return value;
    }

    private Evaluation evaluation(Decision decision, String rule, String reason) {
        return new Evaluation(policy.name(), policy.version(), decision, rule, reason, values);
    }

    /** The evaluation of a rule that fired: its decision, with its criteria and ground for a statement of reasons. */
    private Evaluation fired(PolicyRule rule, String reason) {
        return new Evaluation(policy.name(), policy.version(), rule.decision(), rule.name(), reason, values, rule.criteria(), rule.ground());
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null || message.isBlank()
                ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + message;
    }
}
