package dev.vigil.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Decision;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.server.Failures;
import dev.vigil.server.VerdictJson;
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

    @picocli.CommandLine.Mixin
    AuditOptions audit = new AuditOptions();

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
        dev.vigil.audit.AuditLog auditLog = audit.open(paths, log);
        log.flush();
        dev.vigil.server.Auditor auditor = audit.auditor(auditLog, models, log);
        String user = System.getProperty("user.name", "");
        client = new dev.vigil.server.Auditor.Client("cli", "local-user", user, "vigil score", "local");
        this.auditor = auditor;
        try (auditLog; Gate gate = Gate.builder().optRepository(models).optPolicies(set).optWarmUp(false)
                .optHashLists(CliSupport.hashLists(hashListsDir != null ? hashListsDir : CliSupport.hashListsDir(paths), hashDistance, 1.0))
                .optProtectedPeople(CliSupport.protectedPeople(protectedPeople != null ? protectedPeople : CliSupport.protectedPeopleFile(paths)))
                .optTimeout(timeout).optEvidence(auditLog != null).build()) {
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

    private dev.vigil.server.Auditor auditor;
    private dev.vigil.server.Auditor.Client client;

    private record Pending(Path file, CompletableFuture<dev.vigil.server.Auditor.Recorded> verdict, String readError) {
    }

    private Pending submit(Gate gate, Path file, EncodedImage sourceImage) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | SecurityException e) {
            return new Pending(file, null, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        ScoreRequest request = new ScoreRequest(file.toString(), new EncodedImage(bytes), sourceImage, policy, timeout);
        return new Pending(file, auditor.record(CliSupport.scoreWaiting(gate, request), client, false, request.image()), null);
    }

    /**
     * Prints one line; returns this input's exit status (0 allowed, 1 reviewed/blocked, 2 not
     * scored). With --json the line is the verdict as HTTP and the binary protocol give it
     * ({@link VerdictJson}, request_id the file's path), or an error object whose code comes from
     * the same mapping ({@link Failures}).
     */
    private int print(Pending p, PrintWriter out) {
        if (p.readError() != null) {
            return error(out, p.file(), new IllegalArgumentException("file: " + p.readError()));
        }
        Verdict v;
        try {
            v = p.verdict().join().verdict();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return error(out, p.file(), e);
        }
        if (json) {
            out.println(new String(VerdictJson.toJson(v), java.nio.charset.StandardCharsets.UTF_8));
        } else {
            StringBuilder s = new StringBuilder();
            s.append(p.file()).append(": ").append(v.decision());
            if (v.failedClosed()) {
                s.append(" (not scored, failed closed: ").append(v.reason()).append(')');
            } else if (!"default".equals(v.rule())) {
                s.append(" (").append(v.rule()).append(": ").append(v.reason()).append(')');
            }
            for (Map.Entry<String, Double> e : v.signals().entrySet()) {
                if (!e.getKey().startsWith("classifier.")) {
                    s.append(String.format(Locale.ROOT, "  %s=%.3f", e.getKey(), e.getValue()));
                }
            }
            out.println(s);
        }
        if (v.failedClosed()) {
            return 2;
        }
        return v.decision() == Decision.ALLOW ? 0 : 1;
    }

    private int error(PrintWriter out, Path file, Throwable failure) {
        ErrorCode code = Failures.code(failure);
        String message = Failures.message(failure, "scoring " + file);
        if (json) {
            ObjectNode line = CliSupport.JSON.createObjectNode();
            line.put("request_id", file.toString());
            ObjectNode error = line.putObject("error");
            error.put("code", code.name()).put("message", message).put("retryable", code.retryable());
            out.println(line);
        } else {
            out.println(file + ": ERROR " + code + ": " + message);
        }
        return 2;
    }
}
