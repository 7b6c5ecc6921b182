package dev.vigil.server.http;

import dev.vigil.engine.Gate;
import dev.vigil.engine.TestModels;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.engine.policy.SignalCatalog;
import dev.vigil.engine.signal.RequestContext;
import dev.vigil.engine.signal.SignalProvider;
import dev.vigil.engine.signal.SignalValues;
import dev.vigil.server.metrics.VigilMetrics;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A gate for the HTTP tests: the real classifier behind a test policy file (the default
 * {@code strict} policy needs the face models), plus a {@code held} signal whose requests wait
 * until the test lets them go, to hold requests in flight.
 */
final class TestGate {
    static final String POLICIES = """
            version: "http-test.1"
            default_policy: classify
            policies:
              classify:
                rules:
                  - { name: sexual, when: { sexual: { at_least: 0.4 } }, decision: BLOCK }
                  - { name: suggestive, when: { suggestive: { at_least: 0.6 } }, decision: REVIEW }
              held:
                rules:
                  - { name: held, when: { held: { at_least: 0.5 } }, decision: BLOCK }
            """;

    private TestGate() {
    }

    /** A signal that answers 0 for every request, but only when {@link #release()} is called. */
    static final class HeldSignal implements SignalProvider {
        final Queue<CompletableFuture<SignalValues>> held = new ConcurrentLinkedQueue<>();

        public Set<String> signals() {
            return Set.of("held");
        }

        public CompletableFuture<SignalValues> compute(RequestContext request) {
            CompletableFuture<SignalValues> f = new CompletableFuture<>();
            held.add(f);
            return f;
        }

        /** Lets every request held so far go on. */
        void release() {
            CompletableFuture<SignalValues> f;
            while ((f = held.poll()) != null) {
                f.complete(new SignalValues(Map.of("held", 0.0), List.of("held/1"), 0, 0));
            }
        }

        public void close() {
            release();
        }
    }

    static Gate build(VigilMetrics metrics, HeldSignal held) {
        SignalCatalog catalog = SignalCatalog.builtIn().toBuilder().add("held", 0, 1, "a signal the test holds back").build();
        PolicySet policies = PolicySet.load(new ByteArrayInputStream(POLICIES.getBytes(StandardCharsets.UTF_8)), "TestGate", catalog);
        return Gate.builder()
                .optRepository(TestModels.repository())
                .optPolicies(policies)
                .optBatching(new BatchingConfig(8, Duration.ofMillis(5), 64, Duration.ofSeconds(5)))
                .optBatchListener(metrics.batchListener())
                .optSignalProvider(held)
                .build();
    }

    static byte[] photo(String name) throws Exception {
        return Files.readAllBytes(TestModels.photo(name));
    }
}
