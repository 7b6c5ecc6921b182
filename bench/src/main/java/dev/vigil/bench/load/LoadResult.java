package dev.vigil.bench.load;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * One load run, closed or open loop: the load, what came back, and the latencies. This is the
 * JSON of {@code ./vigil bench load --json} (snake_case keys, fields of the other mode left
 * out) and one step of a sweep.
 *
 * @param mode               {@code closed-loop} or {@code open-loop}
 * @param target             transport and address
 * @param server             {@code in-process} (started by the command, sharing its cores) or {@code external}
 * @param clients            closed loop: virtual clients, each sending when its previous request was answered
 * @param offeredPerSecond   open loop: requests per second on the schedule
 * @param arrivals           open loop: {@code constant} or {@code poisson}
 * @param seed               open loop, Poisson: the schedule's seed
 * @param maxInFlight        open loop: the generator's bound on unanswered requests
 * @param warmupSeconds      traffic before the window, not counted
 * @param seconds            length of the measured window (shorter than asked when max_requests stopped the run)
 * @param stoppedBy          {@code time}, or {@code max-requests} when the request bound ended the run first
 * @param requests           requests of the window: intended in it (open loop) or sent in it (closed loop)
 * @param verdicts           of those, answered with a verdict (ALLOW, REVIEW, or BLOCK by policy)
 * @param failedClosed       answered with a fail-closed BLOCK: the gate could not decide
 * @param errors             answered with no verdict (errors_by_code says which)
 * @param unsent             open loop: never sent, because max_in_flight requests were still unanswered when the window closed
 * @param unfinished         sent, but unanswered when the run gave up waiting (request timeout after the window)
 * @param errorsByCode       error code to count
 * @param errorExamples      error code to the first message seen with it
 * @param throughputPerSecond verdicts that are not fail-closed answered inside the window, per second of it
 * @param latency            latencies of verdicts and fail-closed verdicts, corrected for coordinated omission
 *                           (errors are counted, not timed)
 * @param uncorrected        the same answers as the requests saw them: from the actual send (open loop:
 *                           the service time), without added values (closed loop)
 * @param coCorrection       how {@code latency} was corrected, in words
 * @param expectedIntervalMs closed loop: the interval each client was expected to send at
 * @param maxSendLagMs       open loop: the furthest a send of the window fell behind its intended time
 * @param photos             distinct photos cycled through
 * @param cores              available processors of the generator's machine
 * @param jvm                Java version and VM name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"mode", "target", "server", "clients", "offered_per_s", "arrivals", "seed", "max_in_flight", "warmup_seconds",
        "seconds", "stopped_by", "throughput_per_s", "requests", "verdicts", "failed_closed", "errors", "unsent", "unfinished",
        "errors_by_code", "error_examples", "latency_ms", "uncorrected_ms", "co_correction", "expected_interval_ms", "max_send_lag_ms",
        "photos", "cores", "jvm"})
public record LoadResult(
        @JsonProperty("mode") String mode,
        @JsonProperty("target") String target,
        @JsonProperty("server") String server,
        @JsonProperty("clients") Integer clients,
        @JsonProperty("offered_per_s") Double offeredPerSecond,
        @JsonProperty("arrivals") String arrivals,
        @JsonProperty("seed") Long seed,
        @JsonProperty("max_in_flight") Integer maxInFlight,
        @JsonProperty("warmup_seconds") double warmupSeconds,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("stopped_by") String stoppedBy,
        @JsonProperty("requests") long requests,
        @JsonProperty("verdicts") long verdicts,
        @JsonProperty("failed_closed") long failedClosed,
        @JsonProperty("errors") long errors,
        @JsonProperty("unsent") Long unsent,
        @JsonProperty("unfinished") long unfinished,
        @JsonProperty("errors_by_code") Map<String, Long> errorsByCode,
        @JsonProperty("error_examples") Map<String, String> errorExamples,
        @JsonProperty("throughput_per_s") double throughputPerSecond,
        @JsonProperty("latency_ms") LatencySummary latency,
        @JsonProperty("uncorrected_ms") LatencySummary uncorrected,
        @JsonProperty("co_correction") String coCorrection,
        @JsonProperty("expected_interval_ms") Double expectedIntervalMs,
        @JsonProperty("max_send_lag_ms") Double maxSendLagMs,
        @JsonProperty("photos") int photos,
        @JsonProperty("cores") int cores,
        @JsonProperty("jvm") String jvm) {

    public static final String CLOSED_LOOP = "closed-loop";
    public static final String OPEN_LOOP = "open-loop";

    /** Requests of the window that got no verdict: errors, unsent and unfinished (fail-closed verdicts apart). */
    public long withoutVerdict() {
        return errors + unfinished + (unsent == null ? 0 : unsent);
    }

    /** Human-readable summary, a few lines, for the command's default output. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%.1f verdicts/s, %s%n", throughputPerSecond,
                mode.equals(CLOSED_LOOP) ? clients + " closed-loop clients"
                        : String.format("open loop offering %.1f/s (%s arrivals)", offeredPerSecond, arrivals)));
        s.append(String.format("  target %s, server %s%n", target, server));
        s.append(String.format("  %.1f s measured after %.1f s warm-up (stopped by %s): %d requests, %d verdicts, %d fail-closed, %d errors",
                seconds, warmupSeconds, stoppedBy, requests, verdicts, failedClosed, errors));
        if (unsent != null) {
            s.append(", ").append(unsent).append(" unsent");
        }
        s.append(", ").append(unfinished).append(" unfinished%n".formatted());
        errorsByCode.forEach((code, n) -> s.append(String.format("    %s x%d, e.g. %s%n", code, n, errorExamples.get(code))));
        s.append(String.format("  latency ms      p50 %8.2f  p90 %8.2f  p99 %8.2f  p99.9 %8.2f  max %8.2f  (%d values)%n",
                latency.p50(), latency.p90(), latency.p99(), latency.p999(), latency.max(), latency.count()));
        s.append(String.format("  uncorrected ms  p50 %8.2f  p90 %8.2f  p99 %8.2f  p99.9 %8.2f  max %8.2f  (%d values)%n",
                uncorrected.p50(), uncorrected.p90(), uncorrected.p99(), uncorrected.p999(), uncorrected.max(), uncorrected.count()));
        s.append("  coordinated omission: ").append(coCorrection).append('\n');
        if (maxSendLagMs != null) {
            s.append(String.format("  generator: max in flight %d, furthest behind schedule %.2f ms%n", maxInFlight, maxSendLagMs));
        }
        s.append(String.format("  %d photos, cores %d, JVM %s", photos, cores, jvm));
        return s.toString();
    }
}
