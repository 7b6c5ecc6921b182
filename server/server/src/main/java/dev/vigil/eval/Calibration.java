package dev.vigil.eval;

import dev.vigil.engine.Decision;
import dev.vigil.engine.policy.Comparison;
import dev.vigil.engine.policy.Condition;
import dev.vigil.engine.policy.Policy;
import dev.vigil.engine.policy.PolicyRule;
import dev.vigil.engine.policy.SignalSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The trade-off of one signal's threshold on a dataset, and the threshold a target false-block
 * rate calls for. A sweep treats the signal alone: an image is blocked when the signal is at
 * least the threshold; its false-block rate is over the {@code allow} set, its miss rate over
 * the {@code block} set. Stateless.
 */
public final class Calibration {
    private Calibration() {
    }

    /** One threshold's outcome. */
    public record Point(double threshold, Wilson falseBlock, Wilson miss) {
    }

    /**
     * Thresholds from the signal's least to its greatest in hundredths for a [0, 1] signal, in
     * whole steps up to the largest value seen for a count, each with its rates.
     */
    public static List<Point> sweep(SignalSpec signal, Dataset dataset, Map<Path, SignalTable.Row> rows) {
        List<Double> thresholds = new ArrayList<>();
        if (Double.isInfinite(signal.max())) {
            double top = 0;
            for (SignalTable.Row r : rows.values()) {
                top = Math.max(top, r.signals().getOrDefault(signal.name(), 0.0));
            }
            for (int t = (int) signal.min(); t <= Math.ceil(top) + 1; t++) {
                thresholds.add((double) t);
            }
        } else {
            for (int i = 0; i <= 100; i++) {
                thresholds.add(Math.round((signal.min() + (signal.max() - signal.min()) * i / 100.0) * 1e4) / 1e4);
            }
        }
        List<Point> out = new ArrayList<>();
        for (double t : thresholds) {
            long allow = 0;
            long falseBlocks = 0;
            long block = 0;
            long misses = 0;
            for (Dataset.Item item : dataset.items()) {
                SignalTable.Row r = rows.get(item.path());
                Double v = r.signals().get(signal.name());
                if (!r.scored() || v == null) {
                    continue;
                }
                boolean blocked = v >= t;
                if (item.expected() == Decision.ALLOW) {
                    allow++;
                    falseBlocks += blocked ? 1 : 0;
                } else if (item.expected() == Decision.BLOCK) {
                    block++;
                    misses += blocked ? 0 : 1;
                }
            }
            out.add(new Point(t, Wilson.of(falseBlocks, allow), Wilson.of(misses, block)));
        }
        return out;
    }

    /**
     * The threshold with the fewest misses among those whose false-block rate is at most
     * {@code target}; among equals, the lowest (the most protective on images unlike the
     * dataset's); null when none is.
     */
    public static Point forTarget(List<Point> sweep, double target) {
        Point best = null;
        for (Point p : sweep) {
            if (p.falseBlock().total() > 0 && p.falseBlock().rate() <= target) {
                if (best == null || p.miss().hits() < best.miss().hits() || p.miss().hits() == best.miss().hits() && p.threshold() < best.threshold()) {
                    best = p;
                }
            }
        }
        return best;
    }

    public static String table(String signal, List<Point> sweep) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-10s %-44s %-44s%n", signal + " >=", "false blocks (allow set)", "misses (block set)"));
        for (Point p : sweep) {
            s.append(String.format(Locale.ROOT, "%-10.2f %-44s %-44s%n", p.threshold(), p.falseBlock(), p.miss()));
        }
        return s.toString();
    }

    /**
     * {@code policy} with {@code signal}'s threshold set to {@code threshold} in every BLOCK rule
     * that compares it from below ({@code at_least}, {@code above}), or with a first rule that
     * blocks on it when none does.
     */
    public static List<PolicyRule> withThreshold(Policy policy, String signal, double threshold) {
        List<PolicyRule> rules = new ArrayList<>();
        boolean changed = false;
        for (PolicyRule r : policy.rules()) {
            if (r.decision() == Decision.BLOCK) {
                Condition c = retune(r.when(), signal, threshold);
                changed |= c != r.when();
                rules.add(new PolicyRule(r.name(), c, r.decision(), r.ground()));
            } else {
                rules.add(r);
            }
        }
        if (!changed) {
            rules.add(0, new PolicyRule("calibrated-" + signal.replace('_', '-'), new Condition.Threshold(signal, Comparison.AT_LEAST, threshold),
                    Decision.BLOCK, null));
        }
        return rules;
    }

    private static Condition retune(Condition c, String signal, double threshold) {
        if (c instanceof Condition.Threshold t) {
            boolean fromBelow = t.comparison() == Comparison.AT_LEAST || t.comparison() == Comparison.ABOVE;
            return t.signal().equals(signal) && fromBelow ? new Condition.Threshold(signal, Comparison.AT_LEAST, threshold) : c;
        }
        if (c instanceof Condition.All a) {
            List<Condition> ops = a.operands().stream().map(o -> retune(o, signal, threshold)).toList();
            return ops.equals(a.operands()) ? c : new Condition.All(ops);
        }
        if (c instanceof Condition.Any a) {
            List<Condition> ops = a.operands().stream().map(o -> retune(o, signal, threshold)).toList();
            return ops.equals(a.operands()) ? c : new Condition.Any(ops);
        }
        return c; // under a not, a lower threshold would mean the opposite: left alone
    }

    /** A policy file in the shipped grammar holding {@code policy} with {@code rules}, headed by {@code comment}. */
    public static String policyFile(Policy policy, List<PolicyRule> rules, String version, String comment) {
        StringBuilder y = new StringBuilder();
        for (String line : comment.split("\n")) {
            y.append("# ").append(line).append('\n');
        }
        y.append("version: ").append(quote(version)).append('\n');
        y.append("default_policy: ").append(policy.name()).append('\n');
        y.append("policies:\n  ").append(policy.name()).append(":\n");
        if (policy.description() != null && !policy.description().isEmpty()) {
            y.append("    description: ").append(quote(policy.description())).append('\n');
        }
        if (policy.classifier() != null) {
            y.append("    classifier: ").append(policy.classifier()).append('\n');
        }
        y.append("    on_error: ").append(policy.onError().key()).append('\n');
        y.append("    default: ").append(policy.defaultDecision()).append('\n');
        y.append("    rules:\n");
        for (PolicyRule r : rules) {
            y.append("      - { name: ").append(r.name()).append(", when: ").append(yaml(r.when())).append(", decision: ").append(r.decision());
            if (r.ground() != null) {
                y.append(", ground: ").append(quote(r.ground()));
            }
            y.append(" }\n");
        }
        return y.toString();
    }

    private static String yaml(Condition c) {
        if (c instanceof Condition.Threshold t) {
            return "{ " + t.signal() + ": { " + t.comparison().key() + ": " + plain(t.threshold()) + " } }";
        }
        if (c instanceof Condition.Not n) {
            return "{ not: " + yaml(n.operand()) + " }";
        }
        if (c instanceof Condition.All a) {
            return "{ all: [" + String.join(", ", a.operands().stream().map(Calibration::yaml).toList()) + "] }";
        }
        return "{ any: [" + String.join(", ", ((Condition.Any) c).operands().stream().map(Calibration::yaml).toList()) + "] }";
    }

    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
