package dev.vigil.engine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.Decision;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Rule order, laziness, short-circuits, reasons and on_error, on small policies written for each case. */
class PolicyEvaluationTest {

    /** A policy {@code p} of version {@code "t1"} with the given YAML for its fields. */
    private static Policy policy(String body) {
        String yaml = "version: \"t1\"\ndefault_policy: p\npolicies:\n  p:\n" + body.indent(4);
        return PolicyValidationTest.load(yaml).policy("p");
    }

    private static Evaluation evaluate(Policy policy, Signals signals) {
        CompletableFuture<Evaluation> result = policy.evaluate(signals);
        assertTrue(result.isDone(), "completed signals give a completed evaluation");
        return result.join();
    }

    private static final Policy TWO_RULES = policy("""
            rules:
              - { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK }
              - { name: suggestive, when: { suggestive: { at_least: 0.5 } }, decision: REVIEW }
              - { name: anything, when: { sexual: { at_least: 0 } }, decision: ALLOW }
            """);

    @Test
    void theFirstRuleThatFiresDecides() {
        RecordingSignals signals = new RecordingSignals().with("sexual", 0.91234).with("suggestive", 0.8);
        Evaluation evaluation = evaluate(TWO_RULES, signals);
        assertEquals(new Evaluation("p", "t1", Decision.BLOCK, "sexual", "sexual 0.912 >= 0.5", Map.of("sexual", 0.91234), "sexual >= 0.5", null),
                evaluation);
        assertEquals(List.of("sexual"), signals.requests(), "a decided evaluation reads nothing more");
    }

    @Test
    void laterRulesDecideWhenEarlierOnesDoNotFire() {
        RecordingSignals signals = new RecordingSignals().with("sexual", 0.2).with("suggestive", 0.7);
        Evaluation evaluation = evaluate(TWO_RULES, signals);
        assertEquals(Decision.REVIEW, evaluation.decision());
        assertEquals("suggestive", evaluation.rule());
        assertEquals("suggestive 0.7 >= 0.5", evaluation.reason());
        assertEquals(List.of("sexual", "suggestive"), List.copyOf(evaluation.signals().keySet()), "in the order read");
    }

    @Test
    void eachSignalIsAskedForOnceEvenWhenSeveralRulesNameIt() {
        RecordingSignals signals = new RecordingSignals().with("sexual", 0.2);
        Evaluation evaluation = evaluate(TWO_RULES, signals);
        assertEquals("anything", evaluation.rule());
        assertEquals(List.of("sexual", "suggestive"), signals.requests());
    }

    @Test
    void noRuleFiringGivesThePolicyDefault() {
        Policy policy = policy("""
                default: REVIEW
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK }
                """);
        Evaluation evaluation = evaluate(policy, new RecordingSignals().with("sexual", 0.1));
        assertEquals(new Evaluation("p", "t1", Decision.REVIEW, Evaluation.DEFAULT, "no rule fired", Map.of("sexual", 0.1)),
                evaluation);
        Policy withoutDefault = policy("""
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK }
                """);
        assertEquals(Decision.ALLOW, evaluate(withoutDefault, new RecordingSignals()).decision(),
                "ALLOW unless the policy says otherwise");
    }

    @Test
    void aRuleThatCannotFireNeverAsksForItsLaterSignals() {
        Policy policy = policy("""
                rules:
                  - name: minor
                    when: { all: [ { sexual: { at_least: 0.15 } }, { minor: { at_least: 0.2 } } ] }
                    decision: BLOCK
                """);
        RecordingSignals signals = new RecordingSignals().with("sexual", 0.01).with("minor", 0.9);
        assertEquals(Evaluation.DEFAULT, evaluate(policy, signals).rule());
        assertEquals(List.of("sexual"), signals.requests());
    }

    @Test
    void allStopsAtTheFirstOperandThatDoesNotFire() {
        Policy policy = policy("""
                rules:
                  - name: r
                    when: { all: [ { hash_match: { at_least: 0.5 } }, { sexual: { above: 0.5 } }, { minor: { at_least: 0.2 } } ] }
                    decision: BLOCK
                """);
        RecordingSignals stopped = new RecordingSignals().with("hash_match", 1).with("sexual", 0.5).with("minor", 1);
        Evaluation evaluation = evaluate(policy, stopped);
        assertEquals(Evaluation.DEFAULT, evaluation.rule());
        assertEquals(List.of("hash_match", "sexual"), stopped.requests());

        RecordingSignals fired = new RecordingSignals().with("hash_match", 1).with("sexual", 0.6).with("minor", 0.2);
        evaluation = evaluate(policy, fired);
        assertEquals("r", evaluation.rule());
        assertEquals("hash_match 1 >= 0.5 and sexual 0.6 > 0.5 and minor 0.2 >= 0.2", evaluation.reason());
        assertEquals(List.of("hash_match", "sexual", "minor"), fired.requests());
    }

    @Test
    void anyStopsAtTheFirstOperandThatFires() {
        Policy policy = policy("""
                rules:
                  - name: r
                    when: { any: [ { sexual: { at_least: 0.15 } }, { suggestive: { at_least: 0.3 } }, { drawing: { at_most: 0.1 } } ] }
                    decision: BLOCK
                """);
        RecordingSignals first = new RecordingSignals().with("sexual", 0.2);
        Evaluation evaluation = evaluate(policy, first);
        assertEquals("sexual 0.2 >= 0.15", evaluation.reason());
        assertEquals(List.of("sexual"), first.requests());

        RecordingSignals none = new RecordingSignals().with("drawing", 0.9);
        assertEquals(Evaluation.DEFAULT, evaluate(policy, none).rule());
        assertEquals(List.of("sexual", "suggestive", "drawing"), none.requests());
    }

    @Test
    void notFiresWhenItsOperandDoesNotAndExplainsWhy() {
        Policy policy = policy("""
                rules:
                  - name: no-faces
                    when: { not: { faces: { at_least: 1 } } }
                    decision: REVIEW
                  - name: not-both
                    when: { not: { all: [ { sexual: { at_least: 0.5 } }, { drawing: { below: 0.5 } } ] } }
                    decision: ALLOW
                """);
        assertEquals("faces 0 < 1", evaluate(policy, new RecordingSignals()).reason());

        RecordingSignals signals = new RecordingSignals().with("faces", 2).with("sexual", 0.9).with("drawing", 0.7);
        Evaluation evaluation = evaluate(policy, signals);
        assertEquals("not-both", evaluation.rule());
        assertEquals("drawing 0.7 >= 0.5", evaluation.reason());
    }

    @Test
    void aValueThatRoundsOntoTheThresholdIsPrintedInFull() {
        Policy policy = policy("""
                rules:
                  - { name: sexual, when: { not: { sexual: { at_least: 0.5 } } }, decision: ALLOW }
                """);
        assertEquals("sexual 0.49996 < 0.5", evaluate(policy, new RecordingSignals().with("sexual", 0.49996)).reason());
    }

    private static final String FACE_RULES = """
            rules:
              - name: minor
                when: { all: [ { suggestive: { at_least: 0.3 } }, { minor: { at_least: 0.2 } } ] }
                decision: BLOCK
              - name: minor-or-sexual
                when: { any: [ { minor: { at_least: 0.2 } }, { sexual: { at_least: 0.5 } } ] }
                decision: BLOCK
              - name: not-minor
                when: { not: { minor: { at_least: 0.2 } } }
                decision: REVIEW
            """;

    @Test
    void onErrorBlockStopsAtTheFirstSignalThatFails() {
        Policy policy = policy("on_error: block\n" + FACE_RULES);
        RecordingSignals signals = new RecordingSignals().with("suggestive", 0.6).with("sexual", 0.9)
                .failing("minor", new TimeoutException("face model timed out"));
        Evaluation evaluation = evaluate(policy, signals);
        assertEquals(new Evaluation("p", "t1", Decision.BLOCK, Evaluation.ERROR,
                "minor could not be computed: TimeoutException: face model timed out", Map.of("suggestive", 0.6)), evaluation);
        assertEquals(List.of("suggestive", "minor"), signals.requests());
    }

    @Test
    void onErrorBlockIsTheDefault() {
        Policy policy = policy(FACE_RULES);
        assertEquals(Policy.OnError.BLOCK, policy.onError());
        Evaluation evaluation = evaluate(policy, new RecordingSignals().with("suggestive", 0.6)
                .failing("minor", new IllegalStateException()));
        assertEquals("minor could not be computed: IllegalStateException", evaluation.reason());
    }

    @Test
    void onErrorBlockCountsOnlySignalsTheEvaluationAskedFor() {
        Policy policy = policy("on_error: block\n" + FACE_RULES);
        RecordingSignals signals = new RecordingSignals().with("suggestive", 0.1).with("sexual", 0.9)
                .failing("minor", new TimeoutException("face model timed out"));
        // minor is needed by the second rule's any, which asks for it first: the failure counts
        assertEquals(Evaluation.ERROR, evaluate(policy, signals).rule());
        // with the classifier rule alone, minor is never asked for
        Policy classifierOnly = policy("on_error: block\nrules:\n  - { name: s, when: { sexual: { at_least: 0.5 } }, decision: BLOCK }\n");
        assertEquals("s", evaluate(classifierOnly, signals).rule());
    }

    @Test
    void onErrorAllowTreatsTheFailedComparisonAsUnknown() {
        Policy policy = policy("on_error: allow\n" + FACE_RULES);
        RecordingSignals signals = new RecordingSignals().with("suggestive", 0.6).with("sexual", 0.9)
                .failing("minor", new TimeoutException("face model timed out"));
        Evaluation evaluation = evaluate(policy, signals);
        // rule minor: all(true, unknown) is unknown, does not fire; rule minor-or-sexual: any(unknown, true) fires
        assertEquals("minor-or-sexual", evaluation.rule());
        assertEquals("sexual 0.9 >= 0.5", evaluation.reason());
        assertEquals(List.of("suggestive", "minor", "sexual"), signals.requests(), "a failed signal is not asked for again");
        Map<String, Double> read = new LinkedHashMap<>();
        read.put("suggestive", 0.6);
        read.put("sexual", 0.9);
        assertEquals(read, evaluation.signals());

        // not(unknown) is unknown: with sexual low, nothing fires and the default says what was missing
        Evaluation fallThrough = evaluate(policy, new RecordingSignals().with("suggestive", 0.6)
                .failing("minor", new TimeoutException("face model timed out")));
        assertEquals(new Evaluation("p", "t1", Decision.ALLOW, Evaluation.DEFAULT, "no rule fired (could not compute: minor)",
                Map.of("suggestive", 0.6, "sexual", 0.0)), fallThrough);
    }

    @Test
    void allWithAnUnknownOperandIsStillFalseWhenAnotherOperandIsFalse() {
        Policy policy = policy("""
                on_error: allow
                rules:
                  - name: r
                    when: { not: { all: [ { minor: { at_least: 0.2 } }, { sexual: { at_least: 0.5 } } ] } }
                    decision: REVIEW
                """);
        Evaluation evaluation = evaluate(policy, new RecordingSignals().failing("minor", new RuntimeException("x")).with("sexual", 0.1));
        assertEquals("r", evaluation.rule());
        assertEquals("sexual 0.1 < 0.5", evaluation.reason());
    }

    @Test
    void nullNanAndThrowingSignalsCountAsFailures() {
        Policy policy = policy("rules:\n  - { name: s, when: { sexual: { at_least: 0.5 } }, decision: ALLOW }\n");
        assertEquals("sexual could not be computed: IllegalStateException: value is NaN",
                evaluate(policy, new RecordingSignals().with("sexual", Double.NaN)).reason());
        assertEquals("sexual could not be computed: IllegalStateException: no value",
                evaluate(policy, name -> CompletableFuture.completedFuture(null)).reason());
        assertEquals("sexual could not be computed: NullPointerException: Signals.value(sexual) returned null",
                evaluate(policy, name -> null).reason());
        Evaluation thrown = evaluate(policy, name -> {
            throw new IllegalArgumentException("no stage for " + name);
        });
        assertEquals(new Evaluation("p", "t1", Decision.BLOCK, Evaluation.ERROR,
                "sexual could not be computed: IllegalArgumentException: no stage for sexual", Map.of()), thrown);
    }

    @Test
    void evaluationWaitsForSignalsWithoutBlockingAndAsksForTheNextOnlyAfterward() throws Exception {
        Policy policy = policy("""
                rules:
                  - name: minor
                    when: { all: [ { sexual: { at_least: 0.15 } }, { minor: { at_least: 0.2 } } ] }
                    decision: BLOCK
                """);
        CompletableFuture<Double> sexual = new CompletableFuture<>();
        CompletableFuture<Double> minor = new CompletableFuture<>();
        RecordingSignals signals = new RecordingSignals().pending("sexual", sexual).pending("minor", minor);

        CompletableFuture<Evaluation> result = policy.evaluate(signals);
        assertFalse(result.isDone());
        assertEquals(List.of("sexual"), signals.requests());

        Thread classifier = new Thread(() -> sexual.complete(0.4), "classifier");
        classifier.start();
        classifier.join();
        assertFalse(result.isDone());
        assertEquals(List.of("sexual", "minor"), signals.requests());

        minor.completeExceptionally(new TimeoutException("deadline"));
        assertEquals(new Evaluation("p", "t1", Decision.BLOCK, Evaluation.ERROR,
                "minor could not be computed: TimeoutException: deadline", Map.of("sexual", 0.4)), result.join());
    }

    @Test
    void aLongPolicyDoesNotNestAStackFramePerRule() {
        StringBuilder rules = new StringBuilder("rules:\n");
        for (int i = 0; i < 5000; i++) {
            rules.append("  - { name: r").append(i).append(", when: { all: [ { sexual: { at_least: 0.5 } }, { minor: { at_least: 0.5 } } ] }, decision: BLOCK }\n");
        }
        Policy policy = policy(rules.toString());
        assertEquals(Evaluation.DEFAULT, evaluate(policy, new RecordingSignals().with("sexual", 0.9)).rule());

        CompletableFuture<Double> minor = new CompletableFuture<>();
        CompletableFuture<Evaluation> result = policy.evaluate(new RecordingSignals().with("sexual", 0.9).pending("minor", minor));
        minor.complete(0.1);
        assertEquals(Evaluation.DEFAULT, result.join().rule());
    }

    @Test
    void signalsListsEverySignalThePolicyMayRead() {
        Policy policy = policy("on_error: allow\n" + FACE_RULES);
        assertEquals(List.of("suggestive", "minor", "sexual"), List.copyOf(policy.signals()));
        assertEquals(Set.of("sexual", "suggestive"), TWO_RULES.signals());
    }
}
