package dev.vigil.bench.load;

import java.util.Random;

/**
 * When an open-loop generator means to send each request: offsets in nanoseconds from the
 * start of the run, non-decreasing, independent of when answers come back. Constant spacing
 * ({@code 1/rate} apart) or a Poisson process (exponential gaps of mean {@code 1/rate}, from a
 * seeded generator, so a run can be repeated). These intended times are what open-loop latency
 * is measured from: a request the generator sends late, because it fell behind, still counts
 * the delay (see {@link LatencyRecorder}).
 * <p>
 * Not thread-safe: one sending thread owns a schedule.
 */
public final class ArrivalSchedule {
    /** Constant spacing or exponential gaps. */
    public enum Kind { CONSTANT, POISSON }

    private final Kind kind;
    private final double rate;
    private final double meanGapNanos;
    private final Random random;
    private long index;
    private double poissonOffsetNanos;

    private ArrivalSchedule(Kind kind, double rate, Random random) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: > 0 requests/s)");
        }
        this.kind = kind;
        this.rate = rate;
        this.meanGapNanos = 1e9 / rate;
        this.random = random;
    }

    /** Requests exactly {@code 1/rate} seconds apart: the first at offset 0. */
    public static ArrivalSchedule constant(double ratePerSecond) {
        return new ArrivalSchedule(Kind.CONSTANT, ratePerSecond, null);
    }

    /**
     * A Poisson process of {@code ratePerSecond}: gaps drawn from the exponential distribution
     * with mean {@code 1/rate}, the first after one gap. The same seed gives the same schedule.
     */
    public static ArrivalSchedule poisson(double ratePerSecond, long seed) {
        return new ArrivalSchedule(Kind.POISSON, ratePerSecond, new Random(seed));
    }

    /** The offset of the next request from the start of the run, in nanoseconds. */
    public long nextOffsetNanos() {
        long i = index++;
        if (kind == Kind.CONSTANT) {
            // from the index, not a running sum, so rounding never drifts over a long run
            return Math.round(i * meanGapNanos);
        }
        // inverse CDF of the exponential; 1 - u is in (0, 1], so the log is finite
        poissonOffsetNanos += -Math.log(1.0 - random.nextDouble()) * meanGapNanos;
        return Math.round(poissonOffsetNanos);
    }

    public Kind kind() {
        return kind;
    }

    /** Requests per second offered. */
    public double rate() {
        return rate;
    }
}
