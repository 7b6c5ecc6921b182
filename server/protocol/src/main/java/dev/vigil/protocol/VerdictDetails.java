package dev.vigil.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * VERDICT's JSON details. Unknown fields are ignored when parsing, so that a newer server
 * may add some. Immutable.
 *
 * @param requestId     the frame's request id, in decimal
 * @param decision      ALLOW, REVIEW or BLOCK (the frame's decision byte is authoritative)
 * @param rule          the policy rule that decided; {@code default} when none fired; {@code error}
 *                      when the gate could not decide
 * @param reason        one line, e.g. {@code sexual 0.91 >= 0.5} or {@code decode: image.bytes: truncated PNG}
 * @param signals       each signal computed, in the order it was computed, with its value
 * @param failures      signal or stage to the error that kept it from being computed
 * @param findings      what the signals found, one line each
 * @param models        {@code name/version} of every model that ran
 * @param policy        the policy applied
 * @param policyVersion the policy file's version
 * @param timings       wall time per stage, in microseconds
 */
public record VerdictDetails(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("decision") String decision,
        @JsonProperty("rule") String rule,
        @JsonProperty("reason") String reason,
        @JsonProperty("signals") Map<String, Double> signals,
        @JsonProperty("failures") Map<String, String> failures,
        @JsonProperty("findings") List<String> findings,
        @JsonProperty("models") List<String> models,
        @JsonProperty("policy") String policy,
        @JsonProperty("policy_version") String policyVersion,
        @JsonProperty("timings_us") Timings timings) {

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Microseconds spent decoding, waiting in model queues, running models, evaluating the policy, and in all. */
    public record Timings(
            @JsonProperty("decode") long decode,
            @JsonProperty("queue") long queue,
            @JsonProperty("inference") long inference,
            @JsonProperty("policy") long policy,
            @JsonProperty("total") long total) {
    }

    /** Parses VERDICT's JSON; throws {@link IllegalArgumentException} when it is not a details object. */
    public static VerdictDetails parse(String json) {
        try {
            return JSON.readValue(json, VerdictDetails.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("verdict json: " + e.getOriginalMessage(), e);
        }
    }

    /** This as VERDICT's JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("verdict json: " + e.getOriginalMessage(), e);
        }
    }
}
