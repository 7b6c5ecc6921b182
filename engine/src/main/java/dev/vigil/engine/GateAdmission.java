package dev.vigil.engine;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether the gate takes a request on: only work it can finish within the request's deadline,
 * and only while the memory budget has room. The estimate is the queue ahead times the measured
 * gap between completions while busy (an EWMA, which under load is the service time divided by
 * the work done at once): Triton's queue policy and TF Serving's batch timeout act once a
 * request has waited; this refuses up front, while the answer is still a cheap, retryable
 * OVERLOADED. Thread-safe; the check and the count are not one atomic step, so a burst may
 * overshoot by the number of threads admitting at once, which the safety margin absorbs.
 */
final class GateAdmission {
    /** Admit only when the estimate is within this share of the time left, so that admitted work finishes. */
    static final double DEADLINE_SHARE = 0.8;
    /** Weight of the newest gap in the moving average. */
    private static final double ALPHA = 0.1;

    private final MemoryBudget budget;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final Object rate = new Object();
    /** Guarded by rate. */
    private long lastCompletion;
    /** Guarded by rate; 0 until measured. */
    private double gapNanos;

    GateAdmission(MemoryBudget budget, int maxPending) {
        this.budget = budget;
        this.maxPending = maxPending;
    }

    /**
     * Takes the request on, holding {@code bytes} of the budget until {@link #finished}; or
     * throws {@link OverloadedException} saying why, having taken nothing.
     */
    void admit(long now, long deadline, long bytes) {
        int ahead = pending.get();
        double gap = gap();
        // the wait for the queue ahead: with nothing ahead a request starts at once, and a deadline
        // shorter than its own service time is the request's problem (a fail-closed BLOCK), not load
        long wait = (long) (ahead * gap);
        if (ahead >= maxPending) {
            throw new OverloadedException("requests in the gate: " + ahead + " (expected: < " + maxPending + ")", retryAfter(wait));
        }
        long left = deadline - now;
        if (ahead > 0 && gap > 0 && wait > left * DEADLINE_SHARE) {
            throw new OverloadedException(String.format(Locale.ROOT,
                    "estimated time to verdict: %d ms, %d request(s) ahead at %.1f ms each (expected: <= %d ms, %.0f%% of the deadline)",
                    wait / 1_000_000, ahead, gap / 1e6, (long) (left * DEADLINE_SHARE) / 1_000_000, DEADLINE_SHARE * 100), retryAfter(wait));
        }
        if (!budget.tryReserve(bytes)) {
            throw new OverloadedException("memory held by requests: " + budget.held() + " bytes + " + bytes + " for this one (expected: <= "
                    + budget.limit() + ", the memory budget)", retryAfter(wait));
        }
        pending.incrementAndGet();
    }

    /**
     * The request's work has ended and its memory is freed. {@code served}: it ran to a verdict
     * (not dropped early), so its completion says something about the service rate.
     */
    void finished(long bytes, boolean served) {
        budget.release(bytes);
        int before = pending.getAndDecrement();
        if (!served) {
            return;
        }
        synchronized (rate) {
            long now = System.nanoTime();
            if (before >= 2 && lastCompletion != 0) {
                long g = now - lastCompletion;
                gapNanos = gapNanos == 0 ? g : gapNanos * (1 - ALPHA) + g * ALPHA;
            }
            lastCompletion = now;
        }
    }

    private double gap() {
        synchronized (rate) {
            return gapNanos;
        }
    }

    private static Duration retryAfter(long waitNanos) {
        return Duration.ofMillis(Math.max(100, waitNanos / 1_000_000));
    }

    /** Requests taken on and not yet finished. */
    int pending() {
        return pending.get();
    }

    /** The measured time between completions under load, in milliseconds; 0 until measured. */
    double gapMillis() {
        return gap() / 1e6;
    }

    MemoryBudget budget() {
        return budget;
    }
}
