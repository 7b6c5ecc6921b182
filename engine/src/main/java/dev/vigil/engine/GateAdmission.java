package dev.vigil.engine;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether the gate takes a request on: only work it can finish within the request's deadline,
 * and only while the memory budget has room. The estimate of a request's time to verdict is the
 * queue ahead times the measured gap between completions while busy (an EWMA, which under load
 * is the service time divided by the work done at once), plus a learned overhead: the moving
 * average of how much longer served requests really took than their estimate said (their own
 * decoding and inference, stages that do not run in arrival order). Triton's queue policy and
 * TF Serving's batch timeout act once a request has waited; this refuses up front, while the
 * answer is still a cheap, retryable OVERLOADED, and keeps the queue short enough that what is
 * admitted finishes: work admitted and then dropped at its deadline is capacity thrown away.
 * <p>
 * Thread-safe; the check and the count are not one atomic step, so a burst may overshoot by the
 * number of threads admitting at once, which the safety margin absorbs.
 */
final class GateAdmission {
    /** Admit only when the estimate is within this share of the time left, so that admitted work finishes. */
    static final double DEADLINE_SHARE = 0.6;
    /** Weight of the newest sample in the moving averages. */
    private static final double ALPHA = 0.1;

    /** A request taken on: the bytes it holds, when it was admitted and the queue's wait it was expected to meet. */
    record Ticket(long bytes, long admittedAt, long queueWaitNanos) {
    }

    private final MemoryBudget budget;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final Object rate = new Object();
    /** Guarded by rate. */
    private long lastCompletion;
    /** Guarded by rate; 0 until measured. */
    private double gapNanos;
    /** Guarded by rate: how much longer than estimated served requests took (never below 0). */
    private double overheadNanos;

    GateAdmission(MemoryBudget budget, int maxPending) {
        this.budget = budget;
        this.maxPending = maxPending;
    }

    /**
     * Takes the request on, holding {@code bytes} of the budget until {@link #finished}; or
     * throws {@link OverloadedException} saying why, having taken nothing.
     */
    Ticket admit(long now, long deadline, long bytes) {
        long queueWait = refuseWhenLate(now, deadline);
        if (!budget.tryReserve(bytes)) {
            throw new OverloadedException("memory held by requests: " + budget.held() + " bytes + " + bytes + " for this one (expected: <= "
                    + budget.limit() + ", the memory budget)", retryAfter(queueWait));
        }
        pending.incrementAndGet();
        return new Ticket(bytes, now, queueWait);
    }

    /**
     * What {@link #admit} would say of a request with this deadline now, without taking
     * anything: the refusal, or null when the queue would take it. For a transport that can
     * refuse before the request's body is sent (HTTP's {@code Expect: 100-continue}); the
     * memory budget is not asked, as the body's size is not the request's whole size yet.
     */
    OverloadedException wouldRefuse(long now, long deadline) {
        try {
            refuseWhenLate(now, deadline);
            return null;
        } catch (OverloadedException e) {
            return e;
        }
    }

    /** Throws when the queue is full or its estimated wait leaves too little of the deadline; else returns that wait. */
    private long refuseWhenLate(long now, long deadline) {
        int ahead = pending.get();
        double gap;
        double overhead;
        synchronized (rate) {
            gap = gapNanos;
            overhead = overheadNanos;
        }
        long queueWait = (long) (ahead * gap);
        long estimate = queueWait + (long) overhead;
        if (ahead >= maxPending) {
            throw new OverloadedException("requests in the gate: " + ahead + " (expected: < " + maxPending + ")", retryAfter(queueWait));
        }
        long left = deadline - now;
        // with nothing ahead a request starts at once, and a deadline shorter than its own service
        // time is the request's problem (a fail-closed BLOCK), not load
        if (ahead > 0 && estimate > left * DEADLINE_SHARE) {
            throw new OverloadedException(String.format(Locale.ROOT,
                    "estimated time to verdict: %d ms, %d request(s) ahead at %.1f ms each and %d ms of its own"
                            + " (expected: <= %d ms, %.0f%% of the deadline)",
                    estimate / 1_000_000, ahead, gap / 1e6, (long) overhead / 1_000_000, (long) (left * DEADLINE_SHARE) / 1_000_000,
                    DEADLINE_SHARE * 100), retryAfter(queueWait));
        }
        return queueWait;
    }

    /**
     * The request's work has ended and its memory is freed. {@code answeredAt}: when it ran to a
     * verdict (its completion says something about the service rate), or 0 when it was dropped
     * early or refused after admission.
     */
    void finished(Ticket ticket, long now, long answeredAt) {
        budget.release(ticket.bytes());
        int before = pending.getAndDecrement();
        if (answeredAt == 0) {
            return;
        }
        synchronized (rate) {
            if (lastCompletion != 0 && lastCompletion >= ticket.admittedAt()) {
                // pending since the last completion: the gate was busy all along
                sampleGap(now - lastCompletion);
            } else if (before >= 2) {
                // admitted after it, with others: the interval starts at its admission, so that a
                // quiet spell before it never counts as service time
                sampleGap(now - ticket.admittedAt());
            } else if (gapNanos > now - ticket.admittedAt()) {
                // served alone in less than the gap: work done at once only shortens the gap, so
                // this bounds it (an estimate too high to admit anything behind a request would
                // otherwise never be measured again)
                gapNanos = now - ticket.admittedAt();
            }
            lastCompletion = now;
            long over = Math.max(0, answeredAt - ticket.admittedAt() - ticket.queueWaitNanos());
            overheadNanos = overheadNanos * (1 - ALPHA) + over * ALPHA;
        }
    }

    /** Guarded by rate. */
    private void sampleGap(long g) {
        gapNanos = gapNanos == 0 ? g : gapNanos * (1 - ALPHA) + g * ALPHA;
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
        synchronized (rate) {
            return gapNanos / 1e6;
        }
    }

    /** How much longer than the queue estimate served requests took, in milliseconds (a moving average). */
    double overheadMillis() {
        synchronized (rate) {
            return overheadNanos / 1e6;
        }
    }

    MemoryBudget budget() {
        return budget;
    }
}
