package dev.vigil.bench.load;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A sweep: open-loop steps at rising offered rates, the knee, and where the curve was written.
 * This is the JSON of {@code ./vigil bench load --sweep ... --json} and of the sweep's JSON
 * file; {@link #csv()} and {@link #table()} are the same steps as CSV and as text.
 *
 * @param target       transport and address
 * @param server       {@code in-process} or {@code external}
 * @param arrivals     {@code constant} or {@code poisson}
 * @param seed         Poisson: the first step's seed (step i uses seed + i)
 * @param rates        the offered rates asked for, ascending
 * @param stoppedEarly why the sweep ended before the last rate; null when it ran them all
 * @param knee         the knee and its criteria ({@link Knee})
 * @param steps        one open-loop result per step run
 * @param files        {@code csv}, {@code json}, {@code svg}: the files written; null before they are
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"mode", "target", "server", "arrivals", "seed", "rates", "stopped_early", "knee", "steps", "files"})
public record SweepResult(
        @JsonProperty("target") String target,
        @JsonProperty("server") String server,
        @JsonProperty("arrivals") String arrivals,
        @JsonProperty("seed") Long seed,
        @JsonProperty("rates") List<Double> rates,
        @JsonProperty("stopped_early") String stoppedEarly,
        @JsonProperty("knee") Knee knee,
        @JsonProperty("steps") List<LoadResult> steps,
        @JsonProperty("files") Map<String, String> files) {

    static final String CSV_HEADER = "offered_per_s,throughput_per_s,requests,verdicts,failed_closed,errors,unsent,unfinished,"
            + "p50_ms,p90_ms,p99_ms,p99_9_ms,max_ms,uncorrected_p99_ms,max_send_lag_ms,qualifies";

    @JsonProperty("mode")
    public String mode() {
        return "sweep";
    }

    public SweepResult withFiles(Map<String, String> written) {
        return new SweepResult(target, server, arrivals, seed, rates, stoppedEarly, knee, steps, written);
    }

    /** One line per step, the header first; {@code qualifies} marks the steps that met the knee's criteria. */
    public String csv() {
        StringBuilder s = new StringBuilder(CSV_HEADER).append('\n');
        for (LoadResult r : steps) {
            LatencySummary l = r.latency();
            s.append(String.format(Locale.ROOT, "%s,%.3f,%d,%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%b%n",
                    number(r.offeredPerSecond()), r.throughputPerSecond(), r.requests(), r.verdicts(), r.failedClosed(), r.errors(),
                    r.unsent() == null ? 0 : r.unsent(), r.unfinished(), l.p50(), l.p90(), l.p99(), l.p999(), l.max(),
                    r.uncorrected().p99(), r.maxSendLagMs() == null ? 0 : r.maxSendLagMs(), qualifies(r)));
        }
        return s.toString();
    }

    /** The steps as an aligned table, the knee marked, then the knee line. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%10s %10s %9s %9s %9s %9s %9s %10s %11s  %s%n", "offered/s", "verdicts/s", "p50 ms", "p90 ms", "p99 ms",
                "p99.9 ms", "max ms", "no-verdict", "fail-closed", ""));
        for (LoadResult r : steps) {
            LatencySummary l = r.latency();
            String mark = knee.offeredPerSecond() != null && knee.offeredPerSecond().equals(r.offeredPerSecond()) ? "<- knee"
                    : qualifies(r) ? "ok" : "";
            s.append(String.format("%10s %10.1f %9.2f %9.2f %9.2f %9.2f %9.2f %10d %11d  %s%n", number(r.offeredPerSecond()), r.throughputPerSecond(),
                    l.p50(), l.p90(), l.p99(), l.p999(), l.max(), r.withoutVerdict(), r.failedClosed(), mark));
        }
        if (stoppedEarly != null) {
            s.append("stopped early: ").append(stoppedEarly).append('\n');
        }
        s.append(describeKnee()).append('\n');
        return s.toString();
    }

    /** One line: the knee, or why there is none. */
    public String describeKnee() {
        Knee.Criteria c = knee.criteria();
        String criteria = String.format("throughput >= %.0f%% of offered, p99 <= %.1f x baseline p99%s, <= %.1f%% without a proper verdict",
                (1 - c.throughputTolerance()) * 100, c.p99Factor(),
                knee.baselineP99Ms() == null ? "" : String.format(" (%.2f ms)", knee.baselineP99Ms()), c.maxFailedFraction() * 100);
        if (knee.offeredPerSecond() == null) {
            return "knee: none (" + knee.reason() + ")";
        }
        return String.format("knee: %s/s offered, %.1f verdicts/s, p99 %.2f ms (%s)", number(knee.offeredPerSecond()),
                knee.throughputPerSecond(), knee.p99Ms(), criteria);
    }

    boolean qualifies(LoadResult r) {
        return knee.qualifying().contains(r.offeredPerSecond());
    }

    static String number(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
    }
}
