package dev.vigil.engine.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Signals for tests: fixed values (0 for any signal not set), failures, or futures the test
 * completes itself; records every request in order. Not thread-safe; a test completes pending
 * futures only after the policy has asked for them.
 */
final class RecordingSignals implements Signals {
    private final Map<String, Double> values = new HashMap<>();
    private final Map<String, Throwable> failures = new HashMap<>();
    private final Map<String, CompletableFuture<Double>> pending = new HashMap<>();
    private final List<String> requests = new ArrayList<>();

    RecordingSignals with(String name, double value) {
        values.put(name, value);
        return this;
    }

    RecordingSignals failing(String name, Throwable cause) {
        failures.put(name, cause);
        return this;
    }

    /** {@code name} answers with {@code future}, which the test completes when it likes. */
    RecordingSignals pending(String name, CompletableFuture<Double> future) {
        pending.put(name, future);
        return this;
    }

    /** The names asked for, in order, repeats included. */
    List<String> requests() {
        return requests;
    }

    @Override
    public CompletableFuture<Double> value(String name) {
        requests.add(name);
        if (pending.containsKey(name)) {
            return pending.get(name);
        }
        if (failures.containsKey(name)) {
            return CompletableFuture.failedFuture(failures.get(name));
        }
        return CompletableFuture.completedFuture(values.getOrDefault(name, 0.0));
    }
}
