package dev.vigil.engine.policy;

import dev.vigil.engine.GateException;

/**
 * A policy file that cannot be used, or a request naming a policy that does not exist. Load
 * errors name the file, the policy, the rule, the field and the value found, in the form
 * {@code policies.yaml: policy strict: rule sexual: when.sexual.at_least: 1.5 (expected: a number in [0, 1])}.
 */
public class PolicyException extends GateException {
    public PolicyException(String message) {
        super(message);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
