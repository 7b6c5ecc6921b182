package dev.vigil.bench.load;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.HdrHistogram.Histogram;

/**
 * Percentiles of one latency histogram ({@link LatencyRecorder}), in milliseconds. With no
 * values every field is 0. Immutable.
 *
 * @param count values in the histogram: answers, plus in the closed loop's corrected histogram
 *              the requests that coordinated-omission correction added
 * @param p50   median
 * @param p999  99.9th percentile
 * @param max   largest value (to the histogram's 0.1% resolution)
 * @param mean  arithmetic mean
 */
@JsonPropertyOrder({"count", "p50", "p90", "p99", "p99_9", "max", "mean"})
public record LatencySummary(
        @JsonProperty("count") long count,
        @JsonProperty("p50") double p50,
        @JsonProperty("p90") double p90,
        @JsonProperty("p99") double p99,
        @JsonProperty("p99_9") double p999,
        @JsonProperty("max") double max,
        @JsonProperty("mean") double mean) {

    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0);

    /** The summary of a histogram of microseconds. */
    public static LatencySummary of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencySummary(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()),
                Math.round(micros.getMean()) / 1000.0);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}
