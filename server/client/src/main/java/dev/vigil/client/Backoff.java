package dev.vigil.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential back-off with "equal jitter": after {@code n >= 1} failures the wait is uniform in
 * {@code [cap / 2, cap]} with {@code cap = min(max, initial * 2^(n-1))}, so that clients that failed
 * together do not come back together, yet none comes back at once. Immutable and thread-safe.
 *
 * @param initial the cap after the first failure
 * @param max     the cap never exceeded
 */
record Backoff(Duration initial, Duration max) {
    Backoff {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial back-off: " + initial + " (expected: > 0)");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max back-off: " + max + " (expected: >= initial back-off " + initial + ")");
        }
    }

    /** Nanoseconds to wait after {@code failures} consecutive failures (0 counts as 1). */
    long delayNanos(int failures) {
        long maxNanos = max.toNanos();
        long cap = Math.min(initial.toNanos(), maxNanos);
        for (int i = 1; i < failures && cap < maxNanos; i++) {
            cap = cap > maxNanos / 2 ? maxNanos : cap * 2;
        }
        long half = cap / 2;
        return half + ThreadLocalRandom.current().nextLong(cap - half + 1);
    }
}
