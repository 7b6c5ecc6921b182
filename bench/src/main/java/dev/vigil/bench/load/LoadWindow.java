package dev.vigil.bench.load;

import java.time.Duration;

/**
 * The bounds of one load run: a warm-up that is not counted, the measured window, a cap on
 * requests sent (warm-up included) that may end the run first, and how long to wait after the
 * window for the answers still due. A run therefore always ends, at the latest
 * {@code warmup + measured + drain} after it started.
 *
 * @param warmup      traffic before the window, not counted (zero: none)
 * @param measured    the window (positive)
 * @param maxRequests most requests sent in the whole run (positive)
 * @param drain       longest wait for answers after the window closes; unanswered ones are then
 *                    reported as unfinished (the command uses the request timeout plus 2 s)
 */
public record LoadWindow(Duration warmup, Duration measured, long maxRequests, Duration drain) {
    public LoadWindow {
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0)");
        }
        if (measured.isNegative() || measured.isZero()) {
            throw new IllegalArgumentException("seconds: " + measured + " (expected: > 0)");
        }
        if (maxRequests < 1) {
            throw new IllegalArgumentException("max-requests: " + maxRequests + " (expected: >= 1)");
        }
        if (drain.isNegative()) {
            throw new IllegalArgumentException("drain: " + drain + " (expected: >= 0)");
        }
    }

    /**
     * Seconds the window really lasted: all of it, unless the request cap ended sending early,
     * in which case it ends at the last answer (never before it starts, never after it ends).
     */
    static double measuredSeconds(boolean stoppedByCount, long lastAnswerNanos, long windowStart, long windowEnd) {
        long end = stoppedByCount ? Math.max(windowStart, Math.min(windowEnd, lastAnswerNanos)) : windowEnd;
        return Math.max(1e-9, (end - windowStart) / 1e9);
    }

    static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
