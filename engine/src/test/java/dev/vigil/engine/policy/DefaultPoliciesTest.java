package dev.vigil.engine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vigil.engine.Decision;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policies shipped in the engine: they load, and strict answers as DESIGN.md says. */
class DefaultPoliciesTest {
    private static final PolicySet DEFAULTS = PolicySet.defaults();

    /** {@code "sexual=0.9 minor=0.4"}; signals not named are 0, {@code minor=fail} fails. */
    private static RecordingSignals signals(String spec) {
        RecordingSignals signals = new RecordingSignals();
        for (String pair : spec.trim().split("\\s+")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] nameValue = pair.split("=");
            if (nameValue[1].equals("fail")) {
                signals.failing(nameValue[0], new TimeoutException("deadline passed"));
            } else {
                signals.with(nameValue[0], Double.parseDouble(nameValue[1]));
            }
        }
        return signals;
    }

    @Test
    void theShippedFileLoadsWithStrictAsTheDefault() {
        assertEquals("2026.11.1", DEFAULTS.version());
        assertEquals(PolicySet.DEFAULTS_RESOURCE, DEFAULTS.origin());
        assertEquals(List.of("strict", "permissive", "classifier-only"), List.copyOf(DEFAULTS.names()));
        assertEquals("strict", DEFAULTS.defaultPolicy().name());
        for (String name : DEFAULTS.names()) {
            assertEquals(Policy.OnError.BLOCK, DEFAULTS.policy(name).onError(), name + " fails closed");
            assertEquals(Decision.ALLOW, DEFAULTS.policy(name).defaultDecision(), name);
        }
    }

    @Test
    void strictReadsCheapSignalsFirst() {
        assertEquals(List.of("hash_match", "sexual", "suggestive", "minor", "source_match", "protected_person"),
                List.copyOf(DEFAULTS.policy("strict").signals()));
        assertEquals(List.of("hash_match", "sexual", "suggestive"),
                List.copyOf(DEFAULTS.policy("classifier-only").signals()));
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # signals                                          | decision | rule
            sexual=0.02 suggestive=0.05 drawing=0.01           | ALLOW    | default
            sexual=0.9                                         | BLOCK    | sexual
            sexual=0.4                                         | BLOCK    | sexual
            hash_match=1                                       | BLOCK    | hash-list
            hash_match=1 sexual=0                              | BLOCK    | hash-list
            suggestive=0.5 minor=0.4                           | BLOCK    | minor-sexual-or-suggestive
            sexual=0.2 minor=0.16                              | BLOCK    | minor-sexual-or-suggestive
            suggestive=0.2 minor=0.15                          | BLOCK    | minor-sexual-or-suggestive
            suggestive=0.25 minor=0.1                          | ALLOW    | default
            suggestive=0.35 minor=0.05 source_match=0.6        | BLOCK    | sexualised-edit-of-source-person
            sexual=0.15 source_match=0.45                      | BLOCK    | sexualised-edit-of-source-person
            suggestive=0.25 source_match=0.9                   | ALLOW    | default
            suggestive=0.35 protected_person=0.5               | BLOCK    | sexualised-protected-person
            suggestive=0.35 protected_person=0.3               | ALLOW    | default
            suggestive=0.7 minor=0.05                          | REVIEW   | strongly-suggestive
            drawing=0.95 sexual=0.05                           | ALLOW    | default
            minor=0.9 sexual=0.01 suggestive=0.05 faces=3      | ALLOW    | default
            suggestive=0.5 minor=fail                          | BLOCK    | error
            sexual=fail                                        | BLOCK    | error
            hash_match=fail                                    | BLOCK    | error
            """)
    void strictDecides(String spec, Decision decision, String rule) {
        Evaluation evaluation = DEFAULTS.policy("strict").evaluate(signals(spec)).join();
        assertEquals(decision, evaluation.decision(), evaluation.toString());
        assertEquals(rule, evaluation.rule(), evaluation.toString());
        assertEquals("strict", evaluation.policy());
        assertEquals("2026.11.1", evaluation.version());
    }

    @Test
    void strictNeverRunsFaceModelsOnACleanImage() {
        RecordingSignals signals = signals("sexual=0.01 suggestive=0.02 minor=0.9");
        assertEquals(Decision.ALLOW, DEFAULTS.defaultPolicy().evaluate(signals).join().decision());
        assertEquals(List.of("hash_match", "sexual", "suggestive"), signals.requests());
        assertFalse(signals.requests().contains("minor"));
    }

    @Test
    void strictStopsAtAHashMatch() {
        RecordingSignals signals = signals("hash_match=1");
        Evaluation evaluation = DEFAULTS.defaultPolicy().evaluate(signals).join();
        assertEquals("hash_match 1 >= 0.5", evaluation.reason());
        assertEquals(List.of("hash_match"), signals.requests());
    }

    @Test
    void strictExplainsABlockedMinor() {
        Evaluation evaluation = DEFAULTS.defaultPolicy().evaluate(signals("suggestive=0.5 minor=0.4")).join();
        assertEquals("suggestive 0.5 >= 0.2 and minor 0.4 >= 0.15", evaluation.reason());
        assertEquals(List.of("hash_match", "sexual", "suggestive", "minor"), List.copyOf(evaluation.signals().keySet()));
    }

    @Test
    void strictFailsClosedNamingTheSignal() {
        Evaluation evaluation = DEFAULTS.defaultPolicy().evaluate(signals("suggestive=0.5 minor=fail")).join();
        assertEquals("minor could not be computed: TimeoutException: deadline passed", evaluation.reason());
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # signals                                          | decision | rule
            sexual=0.9 faces=1                                 | ALLOW    | default
            sexual=0.9 faces=0                                 | REVIEW   | explicit-without-faces
            sexual=0.9 faces=1 minor=0.3                       | BLOCK    | minor-sexual-or-suggestive
            suggestive=0.4 source_match=0.7                    | BLOCK    | sexualised-edit-of-source-person
            hash_match=1                                       | BLOCK    | hash-list
            """)
    void permissiveDecides(String spec, Decision decision, String rule) {
        Evaluation evaluation = DEFAULTS.policy("permissive").evaluate(signals(spec)).join();
        assertEquals(decision, evaluation.decision(), evaluation.toString());
        assertEquals(rule, evaluation.rule(), evaluation.toString());
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # signals                                          | decision | rule
            suggestive=0.45                                    | BLOCK    | suggestive
            sexual=0.5                                         | BLOCK    | sexual
            suggestive=0.3 minor=fail                          | ALLOW    | default
            """)
    void classifierOnlyDecidesWithoutFaces(String spec, Decision decision, String rule) {
        Evaluation evaluation = DEFAULTS.policy("classifier-only").evaluate(signals(spec)).join();
        assertEquals(decision, evaluation.decision(), evaluation.toString());
        assertEquals(rule, evaluation.rule(), evaluation.toString());
    }
}
