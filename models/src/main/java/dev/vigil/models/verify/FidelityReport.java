package dev.vigil.models.verify;

import java.util.List;

/**
 * How closely one converted model reproduces the original runtime's outputs.
 *
 * @param model      repository name
 * @param cases      number of reference cases compared
 * @param worst      the largest difference over all cases and outputs: absolute for
 *                   probabilities, relative to the output's largest magnitude otherwise
 * @param worstWhere which case and output it came from
 * @param perOutput  the worst difference of each output key
 */
public record FidelityReport(String model, int cases, double worst, String worstWhere, List<OutputDifference> perOutput) {
    /** The bound from the foundation issue, for both kinds of output. */
    public static final double BOUND = 1e-4;

    public boolean withinBound() {
        return cases > 0 && worst <= BOUND;
    }

    /** The worst difference of one output over all cases. */
    public record OutputDifference(String key, String kind, double worst) {
    }
}
