package dev.vigil.server.metrics;

import java.util.function.LongSupplier;

/**
 * Events per second over the last few seconds, one slot per second in a ring, for the status
 * page's live throughput (the Prometheus counters answer the same over any range, but only with
 * a Prometheus server behind them). Thread-safe: one lock, held for a few array accesses.
 */
final class RateWindow {
    private final LongSupplier nanoClock;
    private final long origin;
    /** Slot {@code s % length} counts the events of second {@code s} (seconds since origin) when stamps[...] == s. */
    private final long[] counts;
    private final long[] stamps;

    /**
     * @param seconds how many of the latest seconds are kept (the longest window asked of it)
     * @param nanoClock the clock, in nanoseconds ({@code System::nanoTime} outside tests)
     */
    RateWindow(int seconds, LongSupplier nanoClock) {
        if (seconds < 1) {
            throw new IllegalArgumentException("seconds: " + seconds + " (expected: >= 1)");
        }
        this.nanoClock = nanoClock;
        this.origin = nanoClock.getAsLong();
        this.counts = new long[seconds];
        this.stamps = new long[seconds];
        java.util.Arrays.fill(stamps, -1);
    }

    synchronized void record() {
        long now = second();
        int slot = (int) (now % counts.length);
        if (stamps[slot] != now) {
            stamps[slot] = now;
            counts[slot] = 0;
        }
        counts[slot]++;
    }

    /**
     * Events per second over the last {@code window} seconds, the current (partial) second
     * included: the events in that span divided by {@code window}.
     */
    synchronized double perSecond(int window) {
        if (window < 1 || window > counts.length) {
            throw new IllegalArgumentException("window: " + window + " (expected: >= 1 and <= " + counts.length + ")");
        }
        long now = second();
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (stamps[i] > now - window && stamps[i] <= now) {
                sum += counts[i];
            }
        }
        return (double) sum / window;
    }

    /** The events of each of the kept seconds, oldest first; the last is the current, partial second. */
    synchronized long[] history() {
        long now = second();
        long[] out = new long[counts.length];
        for (int k = 0; k < counts.length; k++) {
            long s = now - counts.length + 1 + k;
            if (s >= 0) {
                int slot = (int) (s % counts.length);
                out[k] = stamps[slot] == s ? counts[slot] : 0;
            }
        }
        return out;
    }

    private long second() {
        return Math.max(0, nanoClock.getAsLong() - origin) / 1_000_000_000L;
    }
}
