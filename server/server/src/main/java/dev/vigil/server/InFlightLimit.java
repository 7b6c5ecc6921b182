package dev.vigil.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server-wide count of requests the gate is working on, bounded by {@link #max()}. A
 * permit is taken before a request reaches the gate and given back when the gate's future
 * completes (not when the client cancels: the engine's work goes on until then). Thread-safe.
 */
final class InFlightLimit {
    private final int max;
    private final AtomicInteger count = new AtomicInteger();

    InFlightLimit(int max) {
        this.max = max;
    }

    /** Takes a permit, or returns false at once when all {@link #max()} are taken. */
    boolean tryAcquire() {
        for (int c = count.get(); c < max; c = count.get()) {
            if (count.compareAndSet(c, c + 1)) {
                return true;
            }
        }
        return false;
    }

    void release() {
        count.decrementAndGet();
    }

    int current() {
        return count.get();
    }

    int max() {
        return max;
    }
}
