package dev.vigil.server.metrics;

import dev.vigil.engine.Decision;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the server is doing right now, as {@link VigilMetrics#status()} saw it: the numbers the
 * status page shows. Counts are since the metrics were made; rates and latencies are over
 * sliding windows. Immutable.
 *
 * @param uptime         since the metrics were made (the server's start)
 * @param perSecond10s   verdicts per second over the last 10 s
 * @param perSecond60s   verdicts per second over the last 60 s
 * @param perSecondHistory verdicts in each of the last 60 seconds, oldest first (the last is partial)
 * @param latency        gate latency (the verdict's total) over the last 60 s
 * @param verdicts       verdicts answered
 * @param decisions      verdicts per decision (every decision present)
 * @param failedClosed   verdicts that were fail-closed BLOCKs
 * @param errors         requests answered with an error instead of a verdict, per error code
 * @param batches        model batches run
 * @param batchSizes     batches per batch size, ascending
 * @param inFlight       requests being served now, per transport
 * @param queueDepths    requests waiting now, per queue (decode, then each model)
 * @param models         models that have answered for some verdict ({@code name/version})
 * @param javacppBytes   native memory JavaCPP tracks as allocated (OpenCV Mats, tensors' buffers)
 * @param physicalBytes  the process's resident memory
 */
public record LiveStatus(Duration uptime, double perSecond10s, double perSecond60s, List<Long> perSecondHistory, Latency latency,
                         long verdicts, Map<Decision, Long> decisions, long failedClosed, Map<String, Long> errors, long batches,
                         Map<Integer, Long> batchSizes, Map<String, Integer> inFlight, Map<String, Integer> queueDepths, Set<String> models,
                         long javacppBytes, long physicalBytes) {

    /**
     * Latency percentiles over a sliding window, in microseconds; all 0 when the window holds no
     * request.
     *
     * @param windowSeconds how far back the window reaches
     * @param count         requests in the window
     */
    public record Latency(long windowSeconds, long count, long p50Micros, long p90Micros, long p99Micros, long maxMicros) {
    }
}
