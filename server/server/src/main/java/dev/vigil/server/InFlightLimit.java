package dev.vigil.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The count of requests in flight over every listener of a process, bounded by {@link #max()}.
 * A permit is taken before a request reaches the gate and given back once the request is
 * answered (verdict, error, or CANCELLED). Work the gate still holds for a cancelled request
 * counts in the gate's own admission ({@link dev.vigil.engine.Gate#load()}), which drops it at
 * its next stage. Thread-safe.
 */
public final class InFlightLimit {
    private final int max;
    private final AtomicInteger count = new AtomicInteger();

    InFlightLimit(int max) {
        this.max = max;
    }

    /** Takes a permit, or returns false at once when all {@link #max()} are taken. */
    public boolean tryAcquire() {
        for (int c = count.get(); c < max; c = count.get()) {
            if (count.compareAndSet(c, c + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every permit is taken now (a moment later it may not be). */
    public boolean full() {
        return count.get() >= max;
    }

    public void release() {
        count.decrementAndGet();
    }

    public int current() {
        return count.get();
    }

    /** What a refused request is told, the same on every listener. */
    public String refusal() {
        return "in flight on this server: " + max + " requests over every listener (expected: < " + max + ", --max-in-flight); retry later or elsewhere";
    }

    public int max() {
        return max;
    }
}
