package dev.vigil.engine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.Decision;
import dev.vigil.engine.GateException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a policy file can be wrong, and the exact message each gives. */
class PolicyValidationTest {
    private static final String SIGNALS =
            "hash_match, sexual, suggestive, drawing, faces, minor, source_match, protected_person";

    static PolicySet load(String yaml) {
        return PolicySet.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    /** A one-policy, one-rule file whose rule has {@code when} and {@code decision} as given. */
    private static String oneRule(String when, String decision) {
        return """
                version: "1"
                policies:
                  strict:
                    rules:
                      - name: sexual
                        when: %s
                        decision: %s
                """.formatted(when, decision);
    }

    private static void assertRejected(String expected, String yaml) {
        PolicyException e = assertThrows(PolicyException.class, () -> load(yaml));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void aValidFileLoadsWithItsNamesVersionAndRules() {
        PolicySet set = load(oneRule("{ sexual: { at_least: 0.5 } }", "BLOCK"));
        assertEquals("1", set.version());
        assertEquals("test.yaml", set.origin());
        Policy strict = set.policy("strict");
        assertEquals("strict", strict.name());
        assertEquals("1", strict.version());
        assertEquals(Policy.OnError.BLOCK, strict.onError());
        assertEquals(Decision.ALLOW, strict.defaultDecision());
        assertEquals(List.of(new PolicyRule("sexual", new Condition.Threshold("sexual", Comparison.AT_LEAST, 0.5), Decision.BLOCK)),
                strict.rules());
        assertTrue(GateException.class.isInstance(assertThrows(PolicyException.class, () -> set.policy("other"))));
    }

    @Test
    void aRulesGroundIsCarriedAndABadOneIsRefusedByName() {
        String yaml = "version: \"1\"\npolicies:\n  strict:\n    rules:\n      - { name: sexual, when: { all: [ { sexual: { at_least: 0.5 } },"
                + " { not: { drawing: { above: 0.8 } } } ] }, decision: BLOCK, ground: \"ToS 4.2: sexual content\" }\n";
        PolicyRule rule = load(yaml).policy("strict").rules().get(0);
        assertEquals("ToS 4.2: sexual content", rule.ground());
        assertEquals("all(sexual >= 0.5, not(drawing > 0.8))", rule.criteria());
        assertRejected("test.yaml: policy strict: rule sexual: ground: \"\" (expected: the legal or terms-of-service reference statements of reasons cite,"
                + " as text of 1 to 500 characters)", yaml.replace("\"ToS 4.2: sexual content\"", "\"\""));
    }

    @Test
    void unknownSignal() {
        assertRejected("test.yaml: policy strict: rule sexual: when.sexaul: unknown signal (expected: all, any, not or a signal: "
                + SIGNALS + ")", oneRule("{ sexaul: { at_least: 0.5 } }", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: when.all[1].ani: unknown signal (expected: all, any, not or a signal: "
                + SIGNALS + ")", oneRule("{ all: [ { sexual: { at_least: 0.5 } }, { ani: [] } ] }", "BLOCK"));
    }

    @Test
    void aSignalAddedToTheCatalogueMayBeNamed() {
        SignalCatalog catalog = SignalCatalog.builtIn().toBuilder().add("violence", 0, 1, "violence probability").build();
        String yaml = oneRule("{ violence: { at_least: 0.5 } }", "BLOCK");
        PolicySet set = PolicySet.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml", catalog);
        assertEquals(java.util.Set.of("violence"), set.policy("strict").signals());
    }

    @Test
    void thresholdOutsideTheSignalsRange() {
        assertRejected("test.yaml: policy strict: rule sexual: when.sexual.at_least: 1.5 (expected: a number in [0, 1])",
                oneRule("{ sexual: { at_least: 1.5 } }", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: when.all[1].not.minor.below: -0.1 (expected: a number in [0, 1])",
                oneRule("{ all: [ { sexual: { at_least: 0.5 } }, { not: { minor: { below: -0.1 } } } ] }", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: when.faces.above: -1 (expected: a number >= 0)",
                oneRule("{ faces: { above: -1 } }", "BLOCK"));
        PolicyException infinite = assertThrows(PolicyException.class, () -> load(oneRule("{ faces: { above: .inf } }", "BLOCK")));
        assertTrue(infinite.getMessage().startsWith("test.yaml: line 6, column "), infinite.getMessage());
        assertRejected("test.yaml: policy strict: rule sexual: when.sexual.at_least: \"0.5\" (expected: a number in [0, 1])",
                oneRule("{ sexual: { at_least: \"0.5\" } }", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: when.sexual.at_least: \"\" (expected: a number in [0, 1])",
                oneRule("{ sexual: { at_least: } }", "BLOCK"));
    }

    @Test
    void duplicatePolicyName() {
        assertRejected("test.yaml: policies.strict: duplicate policy name", """
                version: "1"
                policies:
                  strict:
                    rules: [ { name: a, when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                  strict:
                    rules: [ { name: b, when: { sexual: { at_least: 0.9 } }, decision: BLOCK } ]
                """);
    }

    @Test
    void duplicateRuleNameInAPolicy() {
        assertRejected("test.yaml: policy strict: rule sexual: duplicate rule name (rules[0] and rules[2])", """
                version: "1"
                policies:
                  strict:
                    rules:
                      - { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK }
                      - { name: suggestive, when: { suggestive: { at_least: 0.5 } }, decision: REVIEW }
                      - { name: sexual, when: { sexual: { at_least: 0.2 } }, decision: REVIEW }
                """);
    }

    @Test
    void theSameRuleNameInTwoPoliciesIsFine() {
        PolicySet set = load("""
                version: "1"
                policies:
                  strict:
                    rules: [ { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                  lax:
                    rules: [ { name: sexual, when: { sexual: { at_least: 0.9 } }, decision: REVIEW } ]
                """);
        assertEquals(List.of("strict", "lax"), List.copyOf(set.names()));
    }

    @Test
    void unknownDecision() {
        assertRejected("test.yaml: policy strict: rule sexual: decision: DENY (expected one of: ALLOW, REVIEW, BLOCK)",
                oneRule("{ sexual: { at_least: 0.5 } }", "DENY"));
        assertRejected("test.yaml: policy strict: rule sexual: decision: block (expected one of: ALLOW, REVIEW, BLOCK)",
                oneRule("{ sexual: { at_least: 0.5 } }", "block"));
        assertRejected("test.yaml: policy strict: default: DENY (expected one of: ALLOW, REVIEW, BLOCK)", """
                version: "1"
                policies:
                  strict:
                    default: DENY
                    rules: [ { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                """);
    }

    @Test
    void missingDecisionAndCondition() {
        assertRejected("test.yaml: policy strict: rule sexual: decision: missing (expected one of: ALLOW, REVIEW, BLOCK)", """
                version: "1"
                policies:
                  strict:
                    rules: [ { name: sexual, when: { sexual: { at_least: 0.5 } } } ]
                """);
        assertRejected("test.yaml: policy strict: rule sexual: when: missing (expected: a condition: all, any, not or a signal)", """
                version: "1"
                policies:
                  strict:
                    rules: [ { name: sexual, decision: BLOCK } ]
                """);
    }

    @Test
    void unknownFieldAtEveryLevel() {
        assertRejected("test.yaml: policy strict: rule sexual: when.sexual.at_lest: unknown field (expected one of: at_least, above, at_most, below)",
                oneRule("{ sexual: { at_lest: 0.5 } }", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: decison: unknown field (expected one of: name, when, decision, ground)", """
                version: "1"
                policies:
                  strict:
                    rules: [ { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK, decison: REVIEW } ]
                """);
        assertRejected("test.yaml: policy strict: onerror: unknown field (expected one of: description, classifier, on_error, default, rules)", """
                version: "1"
                policies:
                  strict:
                    onerror: allow
                    rules: [ { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                """);
        assertRejected("test.yaml: polices: unknown field (expected one of: version, default_policy, policies)", """
                version: "1"
                polices: {}
                """);
    }

    @Test
    void duplicateFieldIsNotSilentlyOverwritten() {
        assertRejected("test.yaml: policy strict: rule sexual: decision: duplicate field", """
                version: "1"
                policies:
                  strict:
                    rules:
                      - name: sexual
                        when: { sexual: { at_least: 0.5 } }
                        decision: BLOCK
                        decision: ALLOW
                """);
        assertRejected("test.yaml: policy strict: rule sexual: when.sexual: duplicate field",
                oneRule("{ sexual: { at_least: 0.5 }, sexual: { at_least: 0.1 } }", "BLOCK"));
    }

    @Test
    void aConditionOrComparisonHasExactlyOneField() {
        assertRejected("test.yaml: policy strict: rule sexual: when: 2 fields sexual, minor"
                        + " (expected: exactly one of all, any, not or a signal; join conditions with all or any)",
                oneRule("{ sexual: { at_least: 0.5 }, minor: { at_least: 0.5 } }", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: when.sexual: 2 fields at_least, below"
                        + " (expected: exactly one of at_least, above, at_most, below; join comparisons with all)",
                oneRule("{ sexual: { at_least: 0.2, below: 0.5 } }", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: when: {}"
                        + " (expected: exactly one of all, any, not or a signal; join conditions with all or any)",
                oneRule("{}", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: when.any: [] (expected: a list of at least one condition)",
                oneRule("{ any: [] }", "BLOCK"));
        assertRejected("test.yaml: policy strict: rule sexual: when.sexual: 0.5 (expected: a mapping with one of at_least, above, at_most, below)",
                oneRule("{ sexual: 0.5 }", "BLOCK"));
    }

    @Test
    void emptyOrMissingRules() {
        assertRejected("test.yaml: policy strict: rules: [] (expected: a list of at least one rule)", """
                version: "1"
                policies:
                  strict:
                    rules: []
                """);
        assertRejected("test.yaml: policy strict: rules: missing (expected: a list of at least one rule)", """
                version: "1"
                policies:
                  strict:
                    description: nothing yet
                """);
    }

    @Test
    void ruleNames() {
        assertRejected("test.yaml: policy strict: rules[0].name: missing"
                        + " (expected: a rule name of letters, digits, '.', '_' and '-', starting with a letter or digit)", """
                version: "1"
                policies:
                  strict:
                    rules: [ { when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                """);
        assertRejected("test.yaml: policy strict: rules[0].name: default"
                        + " (expected: a rule name other than default and error, which evaluations use)", """
                version: "1"
                policies:
                  strict:
                    rules: [ { name: default, when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                """);
    }

    @Test
    void onError() {
        assertRejected("test.yaml: policy strict: on_error: ignore (expected one of: block, allow)", """
                version: "1"
                policies:
                  strict:
                    on_error: ignore
                    rules: [ { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                """);
        assertEquals(Policy.OnError.ALLOW, load("""
                version: "1"
                policies:
                  strict:
                    on_error: allow
                    rules: [ { name: sexual, when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                """).policy("strict").onError());
    }

    @Test
    void unknownPolicyRequested() {
        PolicySet set = load("""
                version: "1"
                policies:
                  strict:
                    rules: [ { name: a, when: { sexual: { at_least: 0.5 } }, decision: BLOCK } ]
                  permissive:
                    rules: [ { name: a, when: { sexual: { at_least: 0.9 } }, decision: REVIEW } ]
                """);
        PolicyException e = assertThrows(PolicyException.class, () -> set.policy("nsfw-lax"));
        assertEquals("policy: nsfw-lax (expected one of: strict, permissive)", e.getMessage());
    }

    @Test
    void defaultPolicy() {
        assertRejected("test.yaml: default_policy: strict"
                        + " (expected one of: lax; default_policy is strict unless the file sets it)", """
                version: "1"
                policies:
                  lax:
                    rules: [ { name: a, when: { sexual: { at_least: 0.9 } }, decision: REVIEW } ]
                """);
        assertRejected("test.yaml: default_policy: strcit (expected one of: lax)", """
                version: "1"
                default_policy: strcit
                policies:
                  lax:
                    rules: [ { name: a, when: { sexual: { at_least: 0.9 } }, decision: REVIEW } ]
                """);
        assertEquals("lax", load("""
                version: "1"
                default_policy: lax
                policies:
                  lax:
                    rules: [ { name: a, when: { sexual: { at_least: 0.9 } }, decision: REVIEW } ]
                """).defaultPolicy().name());
    }

    @Test
    void fileLevel() {
        assertRejected("test.yaml: empty (expected: a mapping with version and policies)", "# nothing\n");
        assertRejected("test.yaml: a list (expected: a mapping with version and policies)", "- strict\n");
        assertRejected("test.yaml: version: missing (expected: a string such as \"2026.11.1\")", "policies: {}\n");
        assertRejected("test.yaml: version: 1.1 (expected: a string such as \"2026.11.1\")", "version: 1.10\npolicies: {}\n");
        assertRejected("test.yaml: policies: {} (expected: a mapping from policy name to policy, at least one)", "version: \"1\"\npolicies: {}\n");
        assertRejected("test.yaml: policies: \"my policy\" (expected: a policy name of letters, digits, '.', '_' and '-', starting with a letter or digit)", """
                version: "1"
                policies:
                  my policy:
                    rules: [ { name: a, when: { sexual: { at_least: 0.9 } }, decision: REVIEW } ]
                """);
        assertRejected("test.yaml: line 9: a second YAML document (expected: one document)",
                oneRule("{ sexual: { at_least: 0.5 } }", "BLOCK") + "---\nversion: \"2\"\n");
    }

    @Test
    void yamlSyntaxErrorsNameTheFileAndLine() {
        PolicyException e = assertThrows(PolicyException.class, () -> load("version: \"1\"\npolicies: { strict: [\n"));
        assertTrue(e.getMessage().startsWith("test.yaml: line "), e.getMessage());
    }

    @Test
    void loadFromAPathNamesThePath(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("policies.yaml");
        Files.writeString(file, oneRule("{ sexual: { at_least: 2 } }", "BLOCK"));
        PolicyException e = assertThrows(PolicyException.class, () -> PolicySet.load(file));
        assertEquals(file + ": policy strict: rule sexual: when.sexual.at_least: 2 (expected: a number in [0, 1])", e.getMessage());

        Path missing = dir.resolve("missing.yaml");
        e = assertThrows(PolicyException.class, () -> PolicySet.load(missing));
        assertTrue(e.getMessage().startsWith(missing + ": cannot read: java.nio.file.NoSuchFileException"), e.getMessage());
    }
}
