package dev.vigil.engine;

import java.util.List;
import java.util.Map;

/**
 * The gate's answer for one image: what to do, which rule decided and why, every signal value
 * that was computed (only those: signals are computed lazily), the models and policy that
 * produced it, and where the time went. Immutable.
 *
 * @param requestId the request's id
 * @param decision  ALLOW, REVIEW or BLOCK
 * @param rule      the policy rule that decided; {@code default} when none fired; {@code error}
 *                  when the gate could not decide and failed closed
 * @param reason    one human-readable line, e.g. {@code sexual 0.91 >= 0.5} or
 *                  {@code decode: image.bytes: truncated PNG}
 * @param signals   every signal value computed for this request (only those: signals are
 *                  computed lazily): first those the policy read, in the order it read them,
 *                  then the others their providers computed alongside, such as the
 *                  classifier's own classes as {@code classifier.<label>}
 * @param failures  signal name (or stage) to the error that kept it from being computed
 * @param findings  what the signals found, one line each (e.g. the hash list and distance that matched)
 * @param models    {@code name/version} of every model that ran for this request
 * @param policy    the policy's name
 * @param policyVersion the policy file's version
 * @param timings   per-stage wall time
 * @param evidence  the SHA-256 and PDQ hash of the image (and source) the verdict was about;
 *                  {@link Evidence#NONE} when nothing was decoded
 * @param criteria  the fired rule's condition as its policy states it, or null (no rule fired, or a failure)
 * @param ground    the fired rule's legal or terms-of-service reference from the policy file, or null
 */
public record Verdict(String requestId, Decision decision, String rule, String reason, Map<String, Double> signals,
                      Map<String, String> failures, List<String> findings, List<String> models, String policy, String policyVersion, Timings timings,
                      Evidence evidence, String criteria, String ground) {

    /** A verdict that says nothing of the image's identity ({@link Evidence#NONE}) nor of its rule's criteria. */
    public Verdict(String requestId, Decision decision, String rule, String reason, Map<String, Double> signals,
                   Map<String, String> failures, List<String> findings, List<String> models, String policy, String policyVersion, Timings timings) {
        this(requestId, decision, rule, reason, signals, failures, findings, models, policy, policyVersion, timings, Evidence.NONE, null, null);
    }

    /** True when this verdict is a fail-closed BLOCK rather than a policy decision. */
    public boolean failedClosed() {
        return "error".equals(rule) && decision == Decision.BLOCK;
    }

    /**
     * Wall time per stage, in microseconds: decoding the image(s), waiting in model queues,
     * running models (the batches this request was part of), evaluating the policy (excluding
     * the waits above), and the whole request.
     */
    public record Timings(long decodeMicros, long queueMicros, long inferenceMicros, long policyMicros, long totalMicros) {
    }
}
