package dev.vigil.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.Decision;
import dev.vigil.engine.Verdict;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The status page's sliding windows and the Prometheus counters, on a clock the test moves:
 * what falls out of a window, what stays, and that both views count the same verdicts.
 */
class VigilMetricsTest {
    final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(5)); // anywhere: the windows only use differences
    final VigilMetrics metrics = new VigilMetrics(now::get, false);

    void advanceSeconds(double s) {
        now.addAndGet((long) (s * 1e9));
    }

    static Verdict verdict(Decision decision, String rule, String reason, long totalMicros) {
        return new Verdict("r", decision, rule, reason, Map.of(), Map.of(), List.of(), List.of("nsfw-mobilenet-v2-mid/1"), "strict", "1",
                new Verdict.Timings(totalMicros / 4, 0, totalMicros / 2, totalMicros / 4, totalMicros));
    }

    @Test
    void ratesCountTheLast10And60SecondsAndTheHistoryEndsNow() {
        for (int s = 0; s < 70; s++) {
            for (int i = 0; i < s % 5; i++) {
                metrics.recordVerdict(verdict(Decision.ALLOW, "default", "no rule fired", 1000), VigilMetrics.HTTP);
            }
            advanceSeconds(1);
        }
        // seconds 0..69 recorded (s % 5) verdicts each; now is second 70, still empty
        LiveStatus status = metrics.status();
        long last10 = 0;
        long last60 = 0;
        for (int s = 61; s < 70; s++) {
            last10 += s % 5;
        }
        for (int s = 11; s < 70; s++) {
            last60 += s % 5;
        }
        assertEquals(last10 / 10.0, status.perSecond10s(), 1e-9);
        assertEquals(last60 / 60.0, status.perSecond60s(), 1e-9);
        List<Long> history = status.perSecondHistory();
        assertEquals(60, history.size());
        assertEquals(0L, history.get(59), "the current second");
        assertEquals(69 % 5, history.get(58).longValue());
        assertEquals(11 % 5, history.get(0).longValue());
        assertEquals(140, status.verdicts());

        advanceSeconds(61);
        LiveStatus idle = metrics.status();
        assertEquals(0.0, idle.perSecond60s());
        assertTrue(idle.perSecondHistory().stream().allMatch(n -> n == 0));
        assertEquals(140, idle.verdicts(), "totals do not slide");
    }

    @Test
    void latencyPercentilesCoverTheLastMinuteOnly() {
        for (int i = 1; i <= 100; i++) {
            metrics.recordVerdict(verdict(Decision.ALLOW, "default", "no rule fired", i * 1000L), VigilMetrics.HTTP); // 1..100 ms
        }
        LiveStatus.Latency l = metrics.status().latency();
        assertEquals(60, l.windowSeconds());
        assertEquals(100, l.count());
        assertEquals(50_000, l.p50Micros(), 50_000 * 0.01);
        assertEquals(90_000, l.p90Micros(), 90_000 * 0.01);
        assertEquals(99_000, l.p99Micros(), 99_000 * 0.01);
        assertEquals(100_000, l.maxMicros(), 100_000 * 0.01);

        advanceSeconds(35);
        metrics.recordVerdict(verdict(Decision.BLOCK, "error", "timeout: no verdict within the request's deadline", 5_000_000), VigilMetrics.HTTP);
        assertEquals(101, metrics.status().latency().count());
        advanceSeconds(35); // the first hundred are 70 s old, the slow one 35 s
        l = metrics.status().latency();
        assertEquals(1, l.count());
        assertEquals(5_000_000, l.p50Micros(), 5_000_000 * 0.01);
        advanceSeconds(60);
        assertEquals(0, metrics.status().latency().count());
        assertEquals(0, metrics.status().latency().maxMicros());
    }

    @Test
    void decisionsErrorsBatchesAndInFlightAgreeWithPrometheus() throws Exception {
        metrics.recordVerdict(verdict(Decision.ALLOW, "default", "no rule fired", 1000), VigilMetrics.HTTP);
        metrics.recordVerdict(verdict(Decision.REVIEW, "suggestive", "suggestive 0.7 >= 0.6", 1000), VigilMetrics.BINARY);
        metrics.recordVerdict(verdict(Decision.BLOCK, "error", "decode: image.bytes: truncated PNG", 1000), VigilMetrics.HTTP);
        metrics.recordError("OVERLOADED", VigilMetrics.BINARY);
        metrics.recordError("OVERLOADED", VigilMetrics.HTTP);
        metrics.batchListener().onBatch(3, 2_000_000, 10_000_000, false);
        metrics.batchListener().onBatch(3, 1_000_000, 9_000_000, false);
        metrics.batchListener().onBatch(8, 1_000_000, 20_000_000, true);
        metrics.inFlight(VigilMetrics.HTTP, 1);
        metrics.inFlight(VigilMetrics.HTTP, 1);
        metrics.inFlight(VigilMetrics.HTTP, -1);
        metrics.watchQueues(() -> Map.of("decode", 4));

        LiveStatus s = metrics.status();
        assertEquals(Map.of(Decision.ALLOW, 1L, Decision.REVIEW, 1L, Decision.BLOCK, 1L), s.decisions());
        assertEquals(1, s.failedClosed());
        assertEquals(Map.of("OVERLOADED", 2L), s.errors());
        assertEquals(Map.of(3, 2L, 8, 1L), s.batchSizes());
        assertEquals(3, s.batches());
        assertEquals(Map.of("http", 1), s.inFlight());
        assertEquals(Map.of("decode", 4), s.queueDepths());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeText(out);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("vigil_requests_total{decision=\"REVIEW\",rule=\"suggestive\",transport=\"binary\"} 1.0"), text);
        assertTrue(text.contains("vigil_requests_total{decision=\"BLOCK\",rule=\"error\",transport=\"http\"} 1.0"), text);
        assertTrue(text.contains("vigil_verdict_failures_total{stage=\"decode\"} 1.0"), text);
        assertTrue(text.contains("vigil_errors_total{code=\"OVERLOADED\",transport=\"binary\"} 1.0"), text);
        assertTrue(text.contains("vigil_batch_size_bucket{le=\"4.0\"} 2"), text);
        assertTrue(text.contains("vigil_batch_size_bucket{le=\"8.0\"} 3"), text);
        assertTrue(text.contains("vigil_batch_size_sum 14.0"), text);
        assertTrue(text.contains("vigil_batch_failures_total 1.0"), text);
        assertTrue(text.contains("vigil_batch_queue_wait_seconds_sum 0.004"), text);
        assertTrue(text.contains("vigil_in_flight_requests{transport=\"http\"} 1.0"), text);
        assertTrue(text.contains("vigil_queue_depth{queue=\"decode\"} 4.0"), text);
        assertTrue(text.contains("vigil_stage_duration_seconds_count{stage=\"inference\"} 3"), text);
        assertTrue(text.contains("vigil_stage_duration_seconds_sum{stage=\"total\"} 0.003"), text);
    }
}
