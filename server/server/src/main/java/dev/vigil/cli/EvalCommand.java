package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.audit.AuditVerifier;
import dev.vigil.engine.Decision;
import dev.vigil.engine.Gate;
import dev.vigil.engine.policy.Policy;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.engine.policy.SignalSpec;
import dev.vigil.eval.Calibration;
import dev.vigil.eval.Dataset;
import dev.vigil.eval.Evaluation;
import dev.vigil.eval.SignalTable;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil eval DATASET...}: how a policy does on labelled images. Every image's signals are
 * computed once (all of them, lazy ones included) and cached by content, then the policy (or
 * two, to compare) is decided from the stored signals: the confusion matrix, false-block and
 * miss rates with Wilson intervals, rule counts, failures, disagreements; a threshold sweep of
 * one signal and a calibrated policy file for a target false-block rate; the same comparison
 * over the audit log's past traffic. Exit 0.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a policy on labelled images: confusion matrix, false-block and miss rates (95 % Wilson intervals), rule counts,"
                + " disagreements; --sweep and --target-false-block calibrate a threshold; --compare A B lists the images whose decision changes.",
                "A DATASET is a folder with allow/, review/ and block/ subfolders, or a CSV (path,label) or JSON-lines manifest."})
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DATASET", arity = "1..*", description = "Folders with allow/, review/, block/ (any depth below), or manifests (.csv, .jsonl).")
    List<Path> datasets = new ArrayList<>();

    @Option(names = "--labels", paramLabel = "YAML", description = "Maps a manifest's labels to decisions (label: ALLOW | REVIEW | BLOCK).")
    Path labels;

    @Option(names = "--policies", paramLabel = "FILE", description = "Policy file (default: the shipped policies).")
    Path policies;

    @Option(names = "--policy", paramLabel = "NAME", description = "Policy to evaluate (default: the file's default).")
    String policy;

    @Option(names = "--json", description = "Print one JSON object: total, confusion, rates, rules, failed, errors (and sweep, compare, calibrated).")
    boolean json;

    @Option(names = "--sweep", paramLabel = "SIGNAL", description = "Show the trade-off of blocking when SIGNAL is at least each threshold.")
    String sweep;

    @Option(names = "--target-false-block", paramLabel = "RATE",
            description = "With --sweep: the threshold that keeps false blocks on the allow set at most RATE (0-1) with the fewest misses,"
                    + " written into a policy file (--write-policy).")
    Double targetFalseBlock;

    @Option(names = "--write-policy", paramLabel = "FILE", description = "Where --target-false-block writes the calibrated policy (default: ./<policy>-calibrated.yaml).")
    Path writePolicy;

    @Option(names = "--compare", paramLabel = "POLICY", arity = "2",
            description = {"Two policies (names in --policies, or policy files: their default policy): the images whose decision changes, and a summary.",
                    "POLICY@MODEL runs the policy with another classifier model (e.g. strict@nsfw-inception-v3); POLICY@MODEL:bf16 in bfloat16"
                            + " (refused on a CPU without it): two models or precisions compared on the same images."})
    List<String> compare;

    @Option(names = "--audit-dir", paramLabel = "DIR",
            description = "With --compare: also re-decide the audit log's past verdicts from their recorded signals, without the images.")
    Path auditDir;

    @Option(names = "--repository", paramLabel = "DIR", description = "Model repository (default: $VIGIL_MODEL_REPOSITORY, else <cache>/models).")
    Path repository;

    @Option(names = "--hash-lists", paramLabel = "DIR", description = "Folder of PDQ hash lists (default: <cache>/hash-lists).")
    Path hashListsDir;

    @Option(names = "--hash-distance", paramLabel = "BITS", defaultValue = "31", description = "Hash match distance (default: ${DEFAULT-VALUE}, as serve).")
    int hashDistance;

    @Option(names = "--protected-people", paramLabel = "FILE", description = "Protected-people registry (default: <cache>/protected-people.json).")
    Path protectedPeople;

    @Option(names = "--signal-cache", paramLabel = "DIR", description = "Where computed signals are kept, by image content (default: <cache>/eval).")
    Path signalCache;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s", converter = ServeCommand.DurationConverter.class,
            description = "Deadline per image (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--report", paramLabel = "DIR", description = "Also write a self-contained HTML report (index.html) there.")
    Path report;

    @Option(names = "--unblur", description = "In the report, show thumbnails of blocked images unblurred (default: blurred).")
    boolean unblur;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (targetFalseBlock != null && (sweep == null || !(targetFalseBlock >= 0 && targetFalseBlock <= 1))) {
            throw new IllegalArgumentException("target-false-block: " + targetFalseBlock + " (expected: a rate in [0, 1], with --sweep SIGNAL)");
        }
        if (auditDir != null && compare == null) {
            throw new IllegalArgumentException("audit-dir: " + auditDir + " (expected: with --compare A B)");
        }
        long t0 = System.nanoTime();
        Dataset dataset = Dataset.load(datasets, labels);
        PolicySet set = policies != null ? PolicySet.load(policies) : PolicySet.defaults();
        Policy main = set.policy(policy != null ? policy : set.defaultPolicy().name());
        List<Policy> compared = new ArrayList<>();
        Map<Policy, Boolean> bf16 = new java.util.IdentityHashMap<>();
        if (compare != null) {
            for (String c : compare) {
                Policy p = resolve(c, set);
                compared.add(p);
                bf16.put(p, c.endsWith(":bf16"));
            }
        }
        SignalSpec sweepSignal = null;
        if (sweep != null) {
            sweepSignal = set.catalog().signal(sweep).orElseThrow(() -> new IllegalArgumentException("sweep: " + sweep + " (expected: one of "
                    + String.join(", ", set.catalog().names()) + ")"));
        }

        VigilPaths paths = VigilPaths.resolve(null, repository);
        ModelRepository models = new ModelRepository(paths.repository());
        CliSupport.importMissingDefaults(paths, models, err);
        Path cacheDir = signalCache != null ? signalCache : paths.cache().resolve("eval");
        List<Path> images = dataset.items().stream().map(Dataset.Item::path).toList();
        // one probe per classifier the evaluated policies use
        Map<String, Map<Path, SignalTable.Row>> byClassifier = new LinkedHashMap<>();
        keys.clear();
        List<Policy> all = new ArrayList<>(List.of(main));
        all.addAll(compared);
        int scored = 0;
        int cached = 0;
        for (Policy p : all) {
            String classifier = p.classifier() != null ? p.classifier() : "nsfw-mobilenet-v2-mid";
            boolean half = bf16.getOrDefault(p, false);
            String variant = key(p, half);
            if (byClassifier.containsKey(variant)) {
                continue;
            }
            String modelsKey = modelsKey(models, classifier, set, half);
            SignalTable table = SignalTable.open(cacheDir, modelsKey);
            PolicySet probe = SignalTable.probe(set, classifier);
            Map<Path, SignalTable.Row> rows;
            // a gate only when some image is not in the cache: a cached re-run loads no model
            Gate.Builder options = Gate.builder().optRepository(models).optPolicies(probe).optWarmUp(false)
                    .optHashLists(CliSupport.hashLists(hashListsDir != null ? hashListsDir : CliSupport.hashListsDir(paths), hashDistance, 1.0))
                    .optProtectedPeople(CliSupport.protectedPeople(protectedPeople != null ? protectedPeople : CliSupport.protectedPeopleFile(paths)))
                    .optTimeout(timeout);
            if (half) {
                options.optPrecision(classifier, dev.vigil.engine.model.Precision.BF16);
            }
            Gate[] gate = {null}; // built only when some image is not in the cache
            try {
                rows = table.fill(images, () -> {
                    Gate g = options.build();
                    gate[0] = g;
                    return request -> CliSupport.scoreWaiting(g, request);
                }, timeout, json ? null : err);
            } finally {
                if (gate[0] != null) {
                    gate[0].close();
                }
            }
            scored += table.computed();
            cached += table.fromCache();
            byClassifier.put(variant, rows);
            keys.put(p, variant);
        }
        Evaluation evaluation = Evaluation.of(main, dataset, rows(byClassifier, main));
        double seconds = (System.nanoTime() - t0) / 1e9;
        ObjectNode result = evaluation.toJson();
        result.put("images_scored", scored);
        result.put("images_from_cache", cached);
        result.put("seconds", Math.round(seconds * 100) / 100.0);
        StringBuilder text = new StringBuilder(evaluation.describe());
        text.append(String.format(Locale.ROOT, "%n%d image(s) scored, %d from the signal cache, in %.1f s%n", scored, cached, seconds));

        if (sweepSignal != null) {
            List<Calibration.Point> points = Calibration.sweep(sweepSignal, dataset, rows(byClassifier, main));
            ArrayNode s = result.putArray("sweep");
            for (Calibration.Point p : points) {
                s.addObject().put("threshold", p.threshold()).put("false_blocks", p.falseBlock().hits()).put("allow", p.falseBlock().total())
                        .put("misses", p.miss().hits()).put("block", p.miss().total());
            }
            text.append('\n').append(Calibration.table(sweepSignal.name(), points));
            if (targetFalseBlock != null) {
                Calibration.Point chosen = Calibration.forTarget(points, targetFalseBlock);
                if (chosen == null) {
                    throw new IllegalArgumentException("target-false-block: " + targetFalseBlock + ": no threshold of " + sweep
                            + " keeps false blocks that low on this dataset (or it has no allow images)");
                }
                Path file = writePolicy != null ? writePolicy : Path.of(main.name() + "-calibrated.yaml");
                var rules = Calibration.withThreshold(main, sweepSignal.name(), chosen.threshold());
                var counts = dataset.counts();
                String comment = String.format(Locale.ROOT, "Calibrated by vigil eval on %s, %s:%n%d image(s): %d allow, %d review, %d block.%n"
                                + "%s >= %s keeps false blocks on the allow set at %s (target <= %.4f) with misses %s.",
                        datasets, Instant.now(), dataset.items().size(), counts.getOrDefault(Decision.ALLOW, 0), counts.getOrDefault(Decision.REVIEW, 0),
                        counts.getOrDefault(Decision.BLOCK, 0), sweepSignal.name(), plain(chosen.threshold()), chosen.falseBlock(), targetFalseBlock, chosen.miss());
                String yaml = Calibration.policyFile(main, rules, set.version() + "-calibrated", comment);
                Files.writeString(file, yaml);
                // the written file, loaded as serve would, and the whole policy evaluated again
                Policy calibrated = PolicySet.load(file).policy(main.name());
                Evaluation after = Evaluation.of(calibrated, dataset, rows(byClassifier, main));
                ObjectNode c = result.putObject("calibrated");
                c.put("signal", sweepSignal.name());
                c.put("threshold", chosen.threshold());
                c.put("policy_file", file.toString());
                c.set("evaluation", after.toJson());
                text.append(String.format(Locale.ROOT, "%nthreshold for false blocks <= %.4f: %s >= %s (false blocks %s, misses %s)%nwritten to %s; the whole"
                        + " policy with it:%n%s", targetFalseBlock, sweepSignal.name(), plain(chosen.threshold()), chosen.falseBlock(), chosen.miss(), file,
                        after.describe()));
            }
        }

        if (!compared.isEmpty()) {
            Policy a = compared.get(0);
            Policy b = compared.get(1);
            Evaluation ea = Evaluation.of(a, dataset, rows(byClassifier, a));
            Evaluation eb = Evaluation.of(b, dataset, rows(byClassifier, b));
            ObjectNode c = result.putObject("compare");
            c.put("a", compare.get(0));
            c.put("b", compare.get(1));
            Map<String, Integer> transitions = new TreeMap<>();
            ArrayNode changed = c.putArray("changed");
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < ea.outcomes().size(); i++) {
                var x = ea.outcomes().get(i);
                var y = eb.outcomes().get(i);
                if (x.decision() != y.decision()) {
                    transitions.merge(x.decision() + "->" + y.decision(), 1, Integer::sum);
                    changed.addObject().put("path", x.path().toString()).put("expected", x.expected().name()).put("a", x.decision().name())
                            .put("a_rule", x.rule()).put("b", y.decision().name()).put("b_rule", y.rule());
                    lines.append(String.format(Locale.ROOT, "  %s (expected %s): %s (%s) -> %s (%s)%n", x.path(), x.expected(), x.decision(), x.rule(),
                            y.decision(), y.rule()));
                }
            }
            ObjectNode t = c.putObject("transitions");
            transitions.forEach(t::put);
            c.set("a_rates", ea.toJson().get("rates"));
            c.set("b_rates", eb.toJson().get("rates"));
            text.append(String.format(Locale.ROOT, "%ncompare %s -> %s: %d of %d image(s) change decision %s%n%s", compare.get(0), compare.get(1),
                    changed.size(), ea.outcomes().size(), transitions, lines));
            text.append(String.format(Locale.ROOT, "  false blocks %s -> %s; misses %s -> %s%n", ea.falseBlock(), eb.falseBlock(), ea.miss(), eb.miss()));
            if (auditDir != null) {
                ObjectNode past = pastTraffic(a, b, text);
                c.set("audit", past);
            }
        }
        if (report != null) {
            Path index = EvalReport.write(report, evaluation, dataset, rows(byClassifier, main), set, unblur);
            result.put("report", index.toString());
            text.append("\nreport: ").append(index).append('\n');
        }
        out.print(json ? CliSupport.JSON.writeValueAsString(result) + "\n" : text.toString());
        out.flush();
        return 0;
    }

    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** Which signal table each policy reads: its classifier and precision. */
    private final Map<Policy, String> keys = new java.util.IdentityHashMap<>();

    private static String key(Policy p, boolean bf16) {
        return (p.classifier() != null ? p.classifier() : "nsfw-mobilenet-v2-mid") + (bf16 ? ":bf16" : "");
    }

    private Map<Path, SignalTable.Row> rows(Map<String, Map<Path, SignalTable.Row>> byClassifier, Policy p) {
        String k = keys.get(p);
        return byClassifier.get(k != null ? k : key(p, false));
    }

    /**
     * A policy by name in {@code set}, or a policy file's default policy; {@code @MODEL} runs it
     * with that classifier instead ({@code :bf16} in bfloat16, which the caller arranges).
     */
    private static Policy resolve(String spec, PolicySet set) {
        String name = spec;
        String model = null;
        int at = spec.lastIndexOf('@');
        if (at > 0) {
            name = spec.substring(0, at);
            model = spec.substring(at + 1);
            if (model.endsWith(":bf16")) {
                model = model.substring(0, model.length() - 5);
            }
            if (model.isEmpty()) {
                throw new IllegalArgumentException("compare: " + spec + " (expected: POLICY, POLICY@MODEL or POLICY@MODEL:bf16)");
            }
        }
        Path file = Path.of(name);
        Policy base = Files.isRegularFile(file) ? PolicySet.load(file).defaultPolicy() : set.policy(name);
        if (model == null) {
            return base;
        }
        // the same rules over another classifier, through the policy file grammar so that the model name is checked as serve checks it
        String yaml = Calibration.policyFile(base, base.rules(), base.version(), "compare " + spec).replaceFirst("(?m)^    classifier: .*\n", "")
                .replaceFirst("(?m)^(  " + java.util.regex.Pattern.quote(base.name()) + ":\n)", "$1    classifier: " + model + "\n");
        return PolicySet.load(new java.io.ByteArrayInputStream(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)), spec, set.catalog()).defaultPolicy();
    }

    /** The versions behind the signals: the classifier's and the face models', and the precision. */
    private static String modelsKey(ModelRepository repo, String classifier, PolicySet set, boolean bf16) {
        StringBuilder k = new StringBuilder(bf16 ? "bf16" : "fp32");
        for (String name : List.of(classifier, "blazeface", "faceres")) {
            try {
                ModelManifest m = repo.latest(name);
                k.append(' ').append(m.name()).append('/').append(m.version());
            } catch (RuntimeException missing) {
                k.append(' ').append(name).append("/none");
            }
        }
        k.append(" signals:").append(String.join(",", set.catalog().names()));
        return k.toString();
    }

    /** Re-decides every audit record from its recorded signals under {@code a} and {@code b}. */
    private ObjectNode pastTraffic(Policy a, Policy b, StringBuilder text) throws java.io.IOException {
        ObjectNode o = CliSupport.JSON.createObjectNode();
        Map<String, Integer> transitions = new TreeMap<>();
        int[] counts = new int[3]; // records, changed, not re-decidable
        AuditVerifier.read(auditDir, r -> {
            counts[0]++;
            JsonNode signals = r.json().path("signals");
            Map<String, Double> values = new LinkedHashMap<>();
            signals.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asDouble()));
            Map<String, String> failures = new LinkedHashMap<>();
            r.json().path("failures").fields().forEachRemaining(e -> failures.put(e.getKey(), e.getValue().asText()));
            SignalTable.Row row = new SignalTable.Row("", values, failures, List.of());
            Decision da = Evaluation.redecide(a, row);
            Decision db = Evaluation.redecide(b, row);
            if (da == null || db == null) {
                counts[2]++;
                return;
            }
            if (da != db) {
                counts[1]++;
                transitions.merge(da + "->" + db, 1, Integer::sum);
            }
        });
        o.put("records", counts[0]);
        o.put("changed", counts[1]);
        o.put("not_redecidable", counts[2]);
        ObjectNode t = o.putObject("transitions");
        transitions.forEach(t::put);
        text.append(String.format(Locale.ROOT, "%npast traffic in %s: %d record(s), %d would change decision %s; %d could not be re-decided"
                + " (a signal the new policy reads was never computed for them)%n", auditDir, counts[0], counts[1], transitions, counts[2]));
        return o;
    }
}
