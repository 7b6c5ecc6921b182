package dev.vigil.server;

import dev.vigil.engine.signal.RequestContext;
import dev.vigil.engine.signal.SignalProvider;
import dev.vigil.engine.signal.SignalValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A signal, {@code hold}, that stays uncomputed until the test releases it: requests under the
 * {@code held} policy stay in flight exactly as long as a test needs. Released values are 0
 * (the policy then allows). Thread-safe.
 */
final class HeldSignal implements SignalProvider {
    private final List<CompletableFuture<SignalValues>> pending = new ArrayList<>();

    @Override
    public Set<String> signals() {
        return Set.of("hold");
    }

    @Override
    public synchronized CompletableFuture<SignalValues> compute(RequestContext request) {
        CompletableFuture<SignalValues> f = new CompletableFuture<>();
        pending.add(f);
        notifyAll();
        return f;
    }

    /** Waits until {@code n} held requests have reached the signal. */
    synchronized void awaitPending(int n) throws InterruptedException {
        while (pending.size() < n) {
            wait();
        }
    }

    synchronized int pending() {
        return pending.size();
    }

    /** Lets every held request go on. */
    void releaseAll() {
        List<CompletableFuture<SignalValues>> now;
        synchronized (this) {
            now = new ArrayList<>(pending);
            pending.clear();
        }
        now.forEach(f -> f.complete(new SignalValues(Map.of("hold", 0.0), List.of("held/1"), 0, 0)));
    }

    @Override
    public void close() {
        releaseAll();
    }
}
