package dev.vigil.bench.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One performance target of the bench issue and what this run measured for it.
 *
 * @param name     what is compared, e.g. "engine on tensors / best bare session"
 * @param goal     the target in words, e.g. "&gt;= 0.90"
 * @param value    the measured ratio or figure; null when a side did not run
 * @param met      whether {@code value} meets the goal; null when it could not be judged
 * @param measured the figures behind the value, in words
 * @param command  the command that measures it on its own
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "goal", "value", "met", "measured", "command"})
public record Target(
        @JsonProperty("name") String name,
        @JsonProperty("goal") String goal,
        @JsonProperty("value") Double value,
        @JsonProperty("met") Boolean met,
        @JsonProperty("measured") String measured,
        @JsonProperty("command") String command) {

    /** A target met when {@code value >= bound}. */
    public static Target atLeast(String name, double bound, Double value, String measured, String command) {
        return new Target(name, ">= " + fmt(bound), round(value), value == null || value.isNaN() ? null : value >= bound, measured, command);
    }

    /** A target met when {@code value <= bound} ({@code strict}: {@code <}). */
    public static Target atMost(String name, double bound, boolean strict, Double value, String measured, String command) {
        Boolean met = value == null || value.isNaN() ? null : strict ? value < bound : value <= bound;
        return new Target(name, (strict ? "< " : "<= ") + fmt(bound), round(value), met, measured, command);
    }

    private static Double round(Double v) {
        return v == null || v.isNaN() ? null : Math.round(v * 100) / 100.0;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
