package dev.vigil.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Decision;
import dev.vigil.engine.policy.Policy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One policy's decisions over a dataset, re-decided from the stored signals (no image is
 * scored again): the confusion matrix (expected to decided), the false-block rate on the
 * {@code allow} set and the miss rate on the {@code block} set with 95 % Wilson intervals, how
 * often each rule fired, the images that could not be scored, and every disagreement.
 * Immutable once made.
 */
public final class Evaluation {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One image's outcome under the policy. */
    public record Outcome(Path path, Decision expected, Decision decision, String rule, String reason, SignalTable.Row row) {
        boolean agrees() {
            return expected == decision;
        }
    }

    private final String policy;
    private final List<Outcome> outcomes;

    private Evaluation(String policy, List<Outcome> outcomes) {
        this.policy = policy;
        this.outcomes = List.copyOf(outcomes);
    }

    /** Decides every image of {@code dataset} under {@code policy} from {@code rows}. */
    public static Evaluation of(Policy policy, Dataset dataset, Map<Path, SignalTable.Row> rows) {
        List<Outcome> out = new ArrayList<>();
        for (Dataset.Item item : dataset.items()) {
            SignalTable.Row row = rows.get(item.path());
            out.add(decide(policy, item.path(), item.expected(), row));
        }
        return new Evaluation(policy.name(), out);
    }

    /** What the gate would answer for an image with these signals under {@code policy}. */
    static Outcome decide(Policy policy, Path path, Decision expected, SignalTable.Row row) {
        if (!row.scored()) {
            // as the gate answers an image it cannot decode: the policy's on_error
            Decision d = policy.onError() == Policy.OnError.ALLOW ? Decision.ALLOW : Decision.BLOCK;
            return new Outcome(path, expected, d, dev.vigil.engine.policy.Evaluation.ERROR, "decode: " + row.failures().get("decode"), row);
        }
        CompletableFuture<dev.vigil.engine.policy.Evaluation> e = policy.evaluate(name -> {
            Double v = row.signals().get(name);
            return v != null ? CompletableFuture.completedFuture(v)
                    : CompletableFuture.failedFuture(new IllegalStateException(row.failures().getOrDefault(name, name + " was not computed")));
        });
        try {
            dev.vigil.engine.policy.Evaluation r = e.join();
            return new Outcome(path, expected, r.decision(), r.rule(), r.reason(), row);
        } catch (RuntimeException failed) {
            Decision d = policy.onError() == Policy.OnError.ALLOW ? Decision.ALLOW : Decision.BLOCK;
            Throwable c = failed.getCause() != null ? failed.getCause() : failed;
            return new Outcome(path, expected, d, dev.vigil.engine.policy.Evaluation.ERROR, String.valueOf(c.getMessage()), row);
        }
    }

    /**
     * The decision {@code policy} makes on signals recorded elsewhere (an audit record's): null
     * when it needs a signal that was never computed for them.
     */
    public static Decision redecide(Policy policy, SignalTable.Row row) {
        boolean[] unknown = {false};
        CompletableFuture<dev.vigil.engine.policy.Evaluation> e = policy.evaluate(name -> {
            Double v = row.signals().get(name);
            if (v == null) {
                unknown[0] = true;
                return CompletableFuture.failedFuture(new IllegalStateException(name + " not recorded"));
            }
            return CompletableFuture.completedFuture(v);
        });
        try {
            dev.vigil.engine.policy.Evaluation r = e.join();
            return unknown[0] ? null : r.decision();
        } catch (RuntimeException failed) {
            return null;
        }
    }

    public String policy() {
        return policy;
    }

    public List<Outcome> outcomes() {
        return outcomes;
    }

    /** expected -> decided -> count, every cell present. */
    public Map<Decision, Map<Decision, Integer>> confusion() {
        Map<Decision, Map<Decision, Integer>> m = new EnumMap<>(Decision.class);
        for (Decision e : Decision.values()) {
            Map<Decision, Integer> row = new EnumMap<>(Decision.class);
            for (Decision d : Decision.values()) {
                row.put(d, 0);
            }
            m.put(e, row);
        }
        for (Outcome o : outcomes) {
            m.get(o.expected()).merge(o.decision(), 1, Integer::sum);
        }
        return m;
    }

    /** Images expected ALLOW that were BLOCKed. */
    public Wilson falseBlock() {
        return rate(Decision.ALLOW, Decision.BLOCK);
    }

    /** Images expected ALLOW that were not allowed (blocked or sent to review). */
    public Wilson falseRestrict() {
        long n = outcomes.stream().filter(o -> o.expected() == Decision.ALLOW).count();
        long hits = outcomes.stream().filter(o -> o.expected() == Decision.ALLOW && o.decision() != Decision.ALLOW).count();
        return Wilson.of(hits, n);
    }

    /** Images expected BLOCK that were ALLOWed. */
    public Wilson miss() {
        return rate(Decision.BLOCK, Decision.ALLOW);
    }

    /** Images whose decision is the expected one. */
    public Wilson accuracy() {
        return Wilson.of(outcomes.stream().filter(Outcome::agrees).count(), outcomes.size());
    }

    private Wilson rate(Decision expected, Decision decided) {
        long n = outcomes.stream().filter(o -> o.expected() == expected).count();
        long hits = outcomes.stream().filter(o -> o.expected() == expected && o.decision() == decided).count();
        return Wilson.of(hits, n);
    }

    /** How often each rule decided ({@code default} when none fired, {@code error} when it could not). */
    public Map<String, Integer> rules() {
        Map<String, Integer> m = new TreeMap<>();
        for (Outcome o : outcomes) {
            m.merge(o.rule(), 1, Integer::sum);
        }
        return m;
    }

    public List<Outcome> failedToScore() {
        return outcomes.stream().filter(o -> !o.row().scored()).toList();
    }

    public List<Outcome> disagreements() {
        return outcomes.stream().filter(o -> !o.agrees()).toList();
    }

    /** The {@code --json} object: total, confusion, rates, rules, failed and errors (every disagreement). */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("policy", policy);
        o.put("total", outcomes.size());
        ObjectNode c = o.putObject("confusion");
        confusion().forEach((e, row) -> {
            ObjectNode r = c.putObject(e.name());
            row.forEach((d, n) -> r.put(d.name(), n));
        });
        ObjectNode rates = o.putObject("rates");
        put(rates, "false_block", falseBlock());
        put(rates, "false_restrict", falseRestrict());
        put(rates, "miss", miss());
        put(rates, "accuracy", accuracy());
        ObjectNode rules = o.putObject("rules");
        rules().forEach(rules::put);
        ArrayNode failed = o.putArray("failed");
        for (Outcome f : failedToScore()) {
            failed.addObject().put("path", f.path().toString()).put("error", f.reason());
        }
        ArrayNode errors = o.putArray("errors");
        for (Outcome d : disagreements()) {
            ObjectNode e = errors.addObject();
            e.put("path", d.path().toString());
            e.put("expected", d.expected().name());
            e.put("decision", d.decision().name());
            e.put("rule", d.rule());
            e.put("reason", d.reason());
            ObjectNode s = e.putObject("signals");
            d.row().signals().forEach(s::put);
        }
        return o;
    }

    private static void put(ObjectNode rates, String name, Wilson w) {
        ObjectNode r = rates.putObject(name);
        r.put("count", w.hits());
        r.put("of", w.total());
        if (w.total() > 0) {
            r.put("rate", w.rate());
        } else {
            r.putNull("rate");
        }
        r.put("ci95_low", w.low());
        r.put("ci95_high", w.high());
    }

    /** A readable summary. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append("policy ").append(policy).append(": ").append(outcomes.size()).append(" image(s)\n\n");
        s.append(String.format(java.util.Locale.ROOT, "%-16s %8s %8s %8s%n", "expected \\ got", "ALLOW", "REVIEW", "BLOCK"));
        confusion().forEach((e, row) -> s.append(String.format(java.util.Locale.ROOT, "%-16s %8d %8d %8d%n", e, row.get(Decision.ALLOW),
                row.get(Decision.REVIEW), row.get(Decision.BLOCK))));
        s.append("\nfalse blocks (allow set blocked):      ").append(falseBlock()).append('\n');
        s.append("false restrictions (allow set not allowed): ").append(falseRestrict()).append('\n');
        s.append("misses (block set allowed):            ").append(miss()).append('\n');
        s.append("agreement:                             ").append(accuracy()).append('\n');
        s.append("\nrules: ");
        rules().forEach((r, n) -> s.append(r).append(' ').append(n).append("  "));
        s.append('\n');
        if (!failedToScore().isEmpty()) {
            s.append("\ncould not be scored (").append(failedToScore().size()).append("):\n");
            failedToScore().forEach(f -> s.append("  ").append(f.path()).append(": ").append(f.reason()).append('\n'));
        }
        if (!disagreements().isEmpty()) {
            s.append("\ndisagreements (").append(disagreements().size()).append("):\n");
            for (Outcome d : disagreements()) {
                s.append("  ").append(d.path()).append(": expected ").append(d.expected()).append(", got ").append(d.decision()).append(" (")
                        .append(d.rule()).append(": ").append(d.reason()).append(")\n");
            }
        }
        return s.toString();
    }
}
