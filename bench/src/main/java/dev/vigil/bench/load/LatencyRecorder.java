package dev.vigil.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latencies of one load run, in microseconds, into two HdrHistogram {@link Recorder}s: one
 * corrected for coordinated omission, one as the requests saw it.
 * <p>
 * Coordinated omission: a generator that waits for an answer before it sends again sends less
 * while the server stalls, so the stall is sampled once instead of by every request that would
 * have met it. Two corrections, one per mode:
 * <ul>
 * <li>open loop ({@link #recordFromIntended}): latency runs from the request's <em>intended</em>
 *     send time on the schedule, not from when it went out. A generator that fell behind sends
 *     late, and the lateness is part of what a user arriving on schedule would have waited.
 *     The uncorrected histogram holds the service time, from the actual send.</li>
 * <li>closed loop ({@link #recordWithExpectedInterval}): each virtual client is expected to send
 *     once per interval; a latency of k intervals also records the k - 1 requests it held back,
 *     at latencies one interval shorter each ({@link Recorder#recordValueWithExpectedInterval}).</li>
 * </ul>
 * Values are clamped to [1 us, {@value #HIGHEST_MICROS} us]. Thread-safe: recording is wait-free
 * from any number of threads; {@link #take} is for one reader at a time.
 */
public final class LatencyRecorder {
    /** One hour: far beyond any request timeout, so no answer is ever clamped in practice. */
    static final long HIGHEST_MICROS = 3_600_000_000L;
    /** Three significant digits: 0.1% resolution at any latency. */
    static final int SIGNIFICANT_DIGITS = 3;

    private final Recorder corrected = new Recorder(HIGHEST_MICROS, SIGNIFICANT_DIGITS);
    private final Recorder uncorrected = new Recorder(HIGHEST_MICROS, SIGNIFICANT_DIGITS);

    /** The histograms recorded since the last {@link #take}: corrected and as the requests saw it. */
    public record Sample(Histogram corrected, Histogram uncorrected) {
    }

    /**
     * Open loop: one answer to a request meant to go out at {@code intendedNanos}, sent at
     * {@code sentNanos} and answered at {@code answeredNanos} ({@link System#nanoTime()} values).
     * Corrected: answered - intended; uncorrected: answered - sent.
     */
    public void recordFromIntended(long intendedNanos, long sentNanos, long answeredNanos) {
        corrected.recordValue(micros(answeredNanos - intendedNanos));
        uncorrected.recordValue(micros(answeredNanos - sentNanos));
    }

    /**
     * Closed loop: one answer to a request sent at {@code sentNanos}, answered at
     * {@code answeredNanos}, by a client expected to send every {@code expectedIntervalNanos}
     * (0 or less: no correction, both histograms get the same value).
     */
    public void recordWithExpectedInterval(long sentNanos, long answeredNanos, long expectedIntervalNanos) {
        long latency = micros(answeredNanos - sentNanos);
        if (expectedIntervalNanos > 0) {
            corrected.recordValueWithExpectedInterval(latency, micros(expectedIntervalNanos));
        } else {
            corrected.recordValue(latency);
        }
        uncorrected.recordValue(latency);
    }

    /** What was recorded since the last call (or since creation); recording starts afresh. */
    public synchronized Sample take() {
        return new Sample(corrected.getIntervalHistogram(), uncorrected.getIntervalHistogram());
    }

    static long micros(long nanos) {
        return Math.max(1, Math.min(HIGHEST_MICROS, (nanos + 500) / 1000));
    }
}
