package dev.vigil.server.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency percentiles over a sliding window, for the status page: writers record into an
 * HdrHistogram {@link Recorder} without locking; at most once per second (on a read, or on a
 * write that finds the second over) the recorder's interval histogram is added to the slot of
 * the current {@code slotSeconds}, and a read sums the slots still inside the window. A value
 * therefore lands in the slot of the second it was swapped out, at most about a second late.
 * <p>
 * No coordinated-omission correction: a server sees requests when clients choose to send them,
 * with no expected interval to correct against; the load generator in bench corrects for its
 * own schedule. Thread-safe.
 */
final class LatencyWindow {
    /** Longest latency tracked; longer ones count as this. */
    static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);
    /** Two significant digits: percentiles within 1%, ~26 KB per histogram. */
    private static final int DIGITS = 2;

    private final LongSupplier nanoClock;
    private final long slotNanos;
    private final Recorder recorder = new Recorder(MAX_MICROS, DIGITS);
    private final ReentrantLock lock = new ReentrantLock();
    private final Histogram[] slots;
    private final long[] slotIndex;
    private final Histogram sum = new Histogram(MAX_MICROS, DIGITS);
    private Histogram interval;
    private volatile long nextRollNanos;

    /**
     * @param slots how many slots make the window
     * @param slotSeconds each slot's length; the window is {@code slots * slotSeconds} seconds
     * @param nanoClock the clock, in nanoseconds ({@code System::nanoTime} outside tests)
     */
    LatencyWindow(int slots, int slotSeconds, LongSupplier nanoClock) {
        if (slots < 1 || slotSeconds < 1) {
            throw new IllegalArgumentException("slots: " + slots + ", slotSeconds: " + slotSeconds + " (expected: >= 1)");
        }
        this.nanoClock = nanoClock;
        this.slotNanos = TimeUnit.SECONDS.toNanos(slotSeconds);
        this.slots = new Histogram[slots];
        this.slotIndex = new long[slots];
        for (int i = 0; i < slots; i++) {
            this.slots[i] = new Histogram(MAX_MICROS, DIGITS);
            this.slotIndex[i] = Long.MIN_VALUE;
        }
        this.nextRollNanos = nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos(1);
    }

    /** Records one latency, in microseconds; negative ones count as 0, longer than an hour as an hour. */
    void record(long micros) {
        recorder.recordValue(Math.min(Math.max(micros, 0), MAX_MICROS));
        if (nanoClock.getAsLong() - nextRollNanos >= 0 && lock.tryLock()) {
            try {
                roll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Count, p50, p90, p99 and max of the latencies recorded inside the window, in microseconds. */
    LiveStatus.Latency snapshot() {
        lock.lock();
        try {
            long current = roll();
            sum.reset();
            for (int i = 0; i < slots.length; i++) {
                if (slotIndex[i] > current - slots.length) {
                    sum.add(slots[i]);
                }
            }
            long window = slots.length * slotNanos / 1_000_000_000L;
            return new LiveStatus.Latency(window, sum.getTotalCount(), sum.getValueAtPercentile(50), sum.getValueAtPercentile(90),
                    sum.getValueAtPercentile(99), sum.getTotalCount() == 0 ? 0 : sum.getMaxValue());
        } finally {
            lock.unlock();
        }
    }

    /** Moves what the recorder holds into the current slot; returns the current slot's index. Under the lock. */
    private long roll() {
        long now = nanoClock.getAsLong();
        long index = Math.floorDiv(now, slotNanos);
        int at = (int) Math.floorMod(index, (long) slots.length);
        if (slotIndex[at] != index) {
            slots[at].reset();
            slotIndex[at] = index;
        }
        interval = recorder.getIntervalHistogram(interval);
        slots[at].add(interval);
        nextRollNanos = now + TimeUnit.SECONDS.toNanos(1);
        return index;
    }
}
