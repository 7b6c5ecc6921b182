package dev.vigil.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Decision;
import dev.vigil.engine.Gate;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil score FILE...}: one verdict per image, in the order given, from an in-process
 * gate (the same models, policies, hash lists and protected people as {@code vigil serve}).
 * Exit status: 0 when every image was allowed, 1 when any went to review or was blocked, 2
 * when any could not be scored (its line carries an error instead of a verdict).
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score images with the gate and print one verdict per image.",
                "Exit status: 0 all allowed, 1 something reviewed or blocked, 2 something could not be scored."})
public final class ScoreCommand implements Callable<Integer> {
    /** Images scored at once: enough to fill batches, bounded so thousands of files stream through. */
    private static final int WINDOW = 64;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Images (PNG, JPEG, WebP, BMP).")
    List<Path> files = new ArrayList<>();

    @Option(names = "--policy", paramLabel = "NAME", description = "Policy to apply (default: the policy file's default, strict).")
    String policy;

    @Option(names = "--source", paramLabel = "SOURCE_IMAGE",
            description = "The image these outputs were edited from: enables the source_match signal (same person as the source).")
    Path source;

    @Option(names = "--json", description = "One JSON object per line instead of readable lines.")
    boolean json;

    @Option(names = "--policies", paramLabel = "FILE", description = "Policy file (default: the engine's policies.yaml).")
    Path policies;

    @Option(names = "--repository", paramLabel = "DIR", description = "Model repository (default: $VIGIL_MODEL_REPOSITORY, else <cache>/models).")
    Path repository;

    @Option(names = "--hash-lists", paramLabel = "DIR", description = "Folder of PDQ hash lists (default: <cache>/hash-lists).")
    Path hashListsDir;

    @Option(names = "--hash-distance", paramLabel = "BITS", defaultValue = "31",
            description = "Largest Hamming distance to a listed hash that counts as a match (default: ${DEFAULT-VALUE}, as serve).")
    int hashDistance;

    @Option(names = "--protected-people", paramLabel = "FILE", description = "Protected-people registry (default: <cache>/protected-people.json).")
    Path protectedPeople;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = ServeCommand.DurationConverter.class,
            description = "Deadline per image (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter log = spec.commandLine().getErr();
        VigilPaths paths = VigilPaths.resolve(null, repository);
        ModelRepository models = new ModelRepository(paths.repository());
        CliSupport.importMissingDefaults(paths, models, log);
        PolicySet set = policies != null ? PolicySet.load(policies) : PolicySet.defaults();
        set.policy(policy != null ? policy : set.defaultPolicy().name()); // an unknown name fails before any model loads
        EncodedImage sourceImage = source == null ? null : new EncodedImage(Files.readAllBytes(source));
        int worst = 0;
        try (Gate gate = Gate.builder().optRepository(models).optPolicies(set).optWarmUp(false)
                .optHashLists(CliSupport.hashLists(hashListsDir != null ? hashListsDir : CliSupport.hashListsDir(paths), hashDistance))
                .optProtectedPeople(CliSupport.protectedPeople(protectedPeople != null ? protectedPeople : CliSupport.protectedPeopleFile(paths)))
                .optTimeout(timeout).build()) {
            Deque<Pending> window = new ArrayDeque<>();
            for (Path file : files) {
                if (window.size() == WINDOW) {
                    worst = Math.max(worst, print(window.removeFirst(), out));
                }
                window.addLast(submit(gate, file, sourceImage));
            }
            while (!window.isEmpty()) {
                worst = Math.max(worst, print(window.removeFirst(), out));
            }
        }
        out.flush();
        return worst;
    }

    private record Pending(Path file, CompletableFuture<Verdict> verdict, String readError) {
    }

    private Pending submit(Gate gate, Path file, EncodedImage sourceImage) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | SecurityException e) {
            return new Pending(file, null, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        ScoreRequest request = new ScoreRequest(file.toString(), new EncodedImage(bytes), sourceImage, policy, timeout);
        return new Pending(file, gate.score(request), null);
    }

    /** Prints one line; returns this input's exit status (0 allowed, 1 reviewed/blocked, 2 not scored). */
    private int print(Pending p, PrintWriter out) {
        if (p.readError() != null) {
            return error(out, p.file(), "UNREADABLE", p.readError());
        }
        Verdict v = p.verdict().join();
        if (v.failedClosed()) {
            String stage = v.failures().keySet().stream().reduce((a, b) -> b).orElse("error");
            String code = switch (stage) {
                case "decode" -> "INVALID_IMAGE";
                case "timeout" -> "TIMEOUT";
                case "overloaded" -> "OVERLOADED";
                default -> "NOT_SCORED";
            };
            return error(out, p.file(), code, v.reason());
        }
        if (json) {
            ObjectNode line = CliSupport.JSON.createObjectNode();
            line.put("path", p.file().toString());
            line.put("decision", v.decision().name());
            line.put("rule", v.rule());
            line.put("reason", v.reason());
            ObjectNode signals = line.putObject("signals");
            ObjectNode classes = line.putObject("classes");
            v.signals().forEach((k, value) -> {
                if (k.startsWith("classifier.")) {
                    classes.put(k.substring("classifier.".length()), value);
                } else {
                    signals.put(k, value);
                }
            });
            line.putPOJO("findings", v.findings());
            line.putPOJO("models", v.models());
            line.put("policy", v.policy());
            line.put("policy_version", v.policyVersion());
            line.put("total_ms", v.timings().totalMicros() / 1000.0);
            out.println(line);
        } else {
            StringBuilder s = new StringBuilder();
            s.append(p.file()).append(": ").append(v.decision());
            if (!"default".equals(v.rule())) {
                s.append(" (").append(v.rule()).append(": ").append(v.reason()).append(')');
            }
            for (Map.Entry<String, Double> e : v.signals().entrySet()) {
                if (!e.getKey().startsWith("classifier.")) {
                    s.append(String.format(Locale.ROOT, "  %s=%.3f", e.getKey(), e.getValue()));
                }
            }
            out.println(s);
        }
        return v.decision() == Decision.ALLOW ? 0 : 1;
    }

    private int error(PrintWriter out, Path file, String code, String message) {
        if (json) {
            ObjectNode line = CliSupport.JSON.createObjectNode();
            line.put("path", file.toString());
            line.putObject("error").put("code", code).put("message", message);
            out.println(line);
        } else {
            out.println(file + ": ERROR " + code + ": " + message);
        }
        return 2;
    }
}
