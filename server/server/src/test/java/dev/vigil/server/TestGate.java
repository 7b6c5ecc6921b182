package dev.vigil.server;

import dev.vigil.engine.Gate;
import dev.vigil.engine.TestModels;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.engine.policy.SignalCatalog;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

/**
 * One gate for all the server's tests in a JVM, over the real default classifier, with a test
 * policy file: {@code classify} (the default: sexual BLOCK, suggestive REVIEW) and {@code held}
 * (waits on {@link HeldSignal}). The face signals of the shipped {@code strict} policy are not
 * needed. Built on first use; never closed (the JVM ends with the tests).
 */
final class TestGate {
    static final String POLICIES = """
            version: "server-test.1"
            default_policy: classify
            policies:
              classify:
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                  - { name: suggestive, when: { suggestive: { at_least: 0.6 } }, decision: REVIEW }
              held:
                rules:
                  - { name: hold, when: { hold: { at_least: 0.5 } }, decision: BLOCK }
            """;

    static final HeldSignal HELD = new HeldSignal();
    private static Gate gate;

    private TestGate() {
    }

    static synchronized Gate gate() {
        if (gate == null) {
            SignalCatalog catalog = SignalCatalog.builtIn().toBuilder().add("hold", 0, 1, "held until the test releases it (test)").build();
            PolicySet policies = PolicySet.load(new ByteArrayInputStream(POLICIES.getBytes(StandardCharsets.UTF_8)), "TestGate", catalog);
            gate = Gate.builder()
                    .optRepository(TestModels.repository())
                    .optPolicies(policies)
                    .optBatching(new BatchingConfig(8, Duration.ofMillis(2), 64, Duration.ofSeconds(5)))
                    .optSignalProvider(HELD)
                    .optEvidence(true) // for the audited servers' records
                    .build();
        }
        return gate;
    }

    static byte[] photo(String name) {
        try {
            return Files.readAllBytes(TestModels.photo(name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
