package dev.vigil.engine.policy;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** How policies print numbers in reasons and error messages: plain, no trailing zeros. */
final class Numbers {
    private Numbers() {
    }

    /** {@code 0.5} as {@code 0.5}, {@code 1.0} as {@code 1}, {@code 1e-4} as {@code 0.0001}. */
    static String plain(double value) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** {@code value} to at most three decimals, for reasons: {@code 0.91234} as {@code 0.912}. */
    static String rounded(double value) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        return BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }
}
