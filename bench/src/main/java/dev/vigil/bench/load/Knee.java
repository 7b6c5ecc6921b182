package dev.vigil.bench.load;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The knee of a sweep's latency-versus-throughput curve: the highest offered rate the server
 * still kept up with, at a latency close to its low-load latency. A step <em>qualifies</em> when
 * <ol>
 * <li>its throughput (verdicts per second) is at least {@code 1 - throughputTolerance} of the
 *     offered rate (default 95%): the server answers what it is sent, it is not queueing it;</li>
 * <li>its p99 (coordinated-omission corrected) is at most {@code p99Factor} times the baseline
 *     (default 3x): the low-load p99, taken as the smallest p99 of any step. That is normally
 *     the lowest rate's; the minimum keeps a first step slowed by a cold JIT or a neighbour's
 *     build from raising the bar;</li>
 * <li>at most {@code maxFailedFraction} of its requests got no proper verdict: errors, fail-closed
 *     verdicts, unsent or unfinished (default 1%).</li>
 * </ol>
 * The knee is the highest offered rate that qualifies, whether or not every lower one did (on
 * a busy machine a low step can miss by noise; a real saturation fails every step above it).
 * Null, with a reason, when no step qualifies. Immutable.
 *
 * @param offeredPerSecond    the knee's offered rate; null when none
 * @param throughputPerSecond the throughput achieved there
 * @param p99Ms               its p99
 * @param baselineP99Ms       the low-load p99: the smallest p99 of the steps
 * @param criteria            what qualified a step
 * @param qualifying          offered rates of every step that qualified, ascending
 * @param reason              when there is no knee, why
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"offered_per_s", "throughput_per_s", "p99_ms", "baseline_p99_ms", "criteria", "qualifying_offered_per_s", "reason"})
public record Knee(
        @JsonProperty("offered_per_s") Double offeredPerSecond,
        @JsonProperty("throughput_per_s") Double throughputPerSecond,
        @JsonProperty("p99_ms") Double p99Ms,
        @JsonProperty("baseline_p99_ms") Double baselineP99Ms,
        @JsonProperty("criteria") Criteria criteria,
        @JsonProperty("qualifying_offered_per_s") List<Double> qualifying,
        @JsonProperty("reason") String reason) {

    /**
     * @param throughputTolerance largest shortfall of throughput below the offered rate, as a fraction (0.05)
     * @param p99Factor           largest p99 as a multiple of the baseline p99 (3)
     * @param maxFailedFraction   largest fraction of requests without a proper verdict (0.01)
     */
    @JsonPropertyOrder({"throughput_tolerance", "p99_factor", "max_failed_fraction"})
    public record Criteria(
            @JsonProperty("throughput_tolerance") double throughputTolerance,
            @JsonProperty("p99_factor") double p99Factor,
            @JsonProperty("max_failed_fraction") double maxFailedFraction) {
        public static final Criteria DEFAULT = new Criteria(0.05, 3.0, 0.01);

        public Criteria {
            if (!(throughputTolerance >= 0 && throughputTolerance < 1)) {
                throw new IllegalArgumentException("knee-throughput-tolerance: " + throughputTolerance + " (expected: >= 0 and < 1)");
            }
            if (!(p99Factor >= 1)) {
                throw new IllegalArgumentException("knee-p99-factor: " + p99Factor + " (expected: >= 1)");
            }
            if (!(maxFailedFraction >= 0 && maxFailedFraction <= 1)) {
                throw new IllegalArgumentException("knee-max-failed: " + maxFailedFraction + " (expected: 0..1)");
            }
        }

        /** Whether the step kept up with its offered rate (criterion 1 alone); a sweep stops early on steps that did not. */
        public boolean keptUp(LoadResult step) {
            return step.throughputPerSecond() >= (1 - throughputTolerance) * step.offeredPerSecond();
        }

        boolean qualifies(LoadResult step, double baselineP99) {
            if (step.requests() == 0 || step.latency().count() == 0) {
                return false;
            }
            double failed = (double) (step.withoutVerdict() + step.failedClosed()) / step.requests();
            return keptUp(step) && step.latency().p99() <= p99Factor * baselineP99 && failed <= maxFailedFraction;
        }
    }

    /** The knee of {@code steps} (open-loop results, in any order) under {@code criteria}. */
    public static Knee find(List<LoadResult> steps, Criteria criteria) {
        if (steps.isEmpty()) {
            return new Knee(null, null, null, null, criteria, List.of(), "no steps");
        }
        List<LoadResult> sorted = new ArrayList<>(steps);
        sorted.sort(Comparator.comparingDouble(LoadResult::offeredPerSecond));
        double baseline = sorted.stream().filter(r -> r.latency().count() > 0).mapToDouble(r -> r.latency().p99()).min().orElse(-1);
        if (baseline < 0) {
            return new Knee(null, null, null, null, criteria, List.of(), "no step got a verdict, so there is no baseline p99");
        }
        List<Double> qualifying = new ArrayList<>();
        LoadResult knee = null;
        for (LoadResult step : sorted) {
            if (criteria.qualifies(step, baseline)) {
                qualifying.add(step.offeredPerSecond());
                knee = step;
            }
        }
        if (knee == null) {
            return new Knee(null, null, null, baseline, criteria, List.of(), String.format(
                    "no step kept within %.0f%% of its offered rate with p99 <= %.1f x %.2f ms and <= %.1f%% of requests without a proper verdict",
                    criteria.throughputTolerance() * 100, criteria.p99Factor(), baseline, criteria.maxFailedFraction() * 100));
        }
        return new Knee(knee.offeredPerSecond(), knee.throughputPerSecond(), knee.latency().p99(), baseline, criteria, List.copyOf(qualifying), null);
    }
}
