package dev.vigil.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.Verdict;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.policy.PolicySet;
import dev.vigil.engine.policy.SignalSpec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Every signal of every image, computed once: a probe policy whose rules read every signal of
 * the catalogue and never fire (each asks for a value below the signal's least) makes the gate
 * compute them all, lazy ones included, so that any threshold can later be swept and any policy
 * re-decided without the images. Rows are cached by the image's SHA-256 in a JSON-lines file
 * whose name carries the models' versions and precision (a new model version starts a new
 * cache), so a re-run scores only images it has not seen. Not thread-safe: one evaluation owns it.
 */
public final class SignalTable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WINDOW = 64;

    /** One image's signals (and what failed), as the probe saw them. */
    public record Row(String sha256, Map<String, Double> signals, Map<String, String> failures, List<String> models) {
        /** Whether the image could be scored at all (decoded): a decode failure leaves no signal. */
        public boolean scored() {
            return !failures.containsKey("decode");
        }
    }

    private final Path file;
    private final Map<String, Row> rows = new HashMap<>();
    private int fromCache;
    private int computed;

    private SignalTable(Path file) {
        this.file = file;
    }

    /** The probe policy for {@code classifier} over every signal of {@code set}'s catalogue. */
    public static PolicySet probe(PolicySet set, String classifier) {
        StringBuilder yaml = new StringBuilder("version: \"eval-probe\"\ndefault_policy: probe\npolicies:\n  probe:\n    on_error: allow\n");
        if (classifier != null) {
            yaml.append("    classifier: ").append(classifier).append('\n');
        }
        yaml.append("    rules:\n");
        for (SignalSpec s : set.catalog().signals()) {
            yaml.append("      - { name: read-").append(s.name().replace('_', '-')).append(", when: { ").append(s.name()).append(": { below: ")
                    .append(s.min()).append(" } }, decision: BLOCK }\n");
        }
        return PolicySet.load(new java.io.ByteArrayInputStream(yaml.toString().getBytes(StandardCharsets.UTF_8)), "eval-probe", set.catalog());
    }

    /** The cache file for these models, in {@code dir}. */
    public static SignalTable open(Path dir, String modelsKey) throws IOException {
        Files.createDirectories(dir);
        String name = "signals-" + HexFormat.of().formatHex(sha256(modelsKey.getBytes(StandardCharsets.UTF_8))).substring(0, 16) + ".jsonl";
        SignalTable t = new SignalTable(dir.resolve(name));
        if (Files.exists(t.file)) {
            for (String line : Files.readAllLines(t.file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode o = JSON.readTree(line);
                    Map<String, Double> signals = new LinkedHashMap<>();
                    o.path("signals").fields().forEachRemaining(e -> signals.put(e.getKey(), e.getValue().asDouble()));
                    Map<String, String> failures = new LinkedHashMap<>();
                    o.path("failures").fields().forEachRemaining(e -> failures.put(e.getKey(), e.getValue().asText()));
                    List<String> models = new java.util.ArrayList<>();
                    o.path("models").forEach(m -> models.add(m.asText()));
                    t.rows.put(o.get("sha256").asText(), new Row(o.get("sha256").asText(), signals, failures, models));
                } catch (IOException | RuntimeException torn) {
                    // a line cut by a crash: its image is scored again
                }
            }
        }
        return t;
    }

    public Path file() {
        return file;
    }

    /** Rows read from the cache in the last {@link #fill}. */
    public int fromCache() {
        return fromCache;
    }

    /** Rows computed in the last {@link #fill}. */
    public int computed() {
        return computed;
    }

    /**
     * The row of every image in {@code images}, scoring those not in the cache, {@value #WINDOW} at
     * a time, with a progress line on {@code progress}. {@code scorer} is asked for only when some
     * image is not in the cache (a cached re-run loads no model); it scores with the probe policy
     * and waits out the gate's admission refusals rather than answering them.
     */
    public Map<Path, Row> fill(List<Path> images, java.util.function.Supplier<Function<ScoreRequest, CompletableFuture<Verdict>>> scorer, Duration timeout,
                               PrintWriter progress) throws IOException {
        Map<Path, Row> out = new LinkedHashMap<>();
        Map<Path, String> hashes = new LinkedHashMap<>();
        Map<Path, byte[]> pending = new LinkedHashMap<>();
        fromCache = 0;
        computed = 0;
        for (Path p : images) {
            byte[] bytes = Files.readAllBytes(p);
            String sha = HexFormat.of().formatHex(sha256(bytes));
            hashes.put(p, sha);
            Row cached = rows.get(sha);
            if (cached != null) {
                out.put(p, cached);
                fromCache++;
            } else {
                pending.put(p, null);
            }
        }
        long t0 = System.nanoTime();
        int total = pending.size();
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            Deque<Map.Entry<Path, CompletableFuture<Verdict>>> window = new ArrayDeque<>();
            Function<Map.Entry<Path, CompletableFuture<Verdict>>, Void> finish = e -> {
                Path p = e.getKey();
                Row row;
                try {
                    Verdict v = e.getValue().join();
                    row = new Row(hashes.get(p), v.signals(), v.failures(), v.models());
                } catch (RuntimeException failed) {
                    row = new Row(hashes.get(p), Map.of(), Map.of("decode", String.valueOf(failed.getCause() != null ? failed.getCause().getMessage()
                            : failed.getMessage())), List.of());
                }
                rows.put(row.sha256(), row);
                out.put(p, row);
                computed++;
                try {
                    ObjectNode o = JSON.createObjectNode();
                    o.put("sha256", row.sha256());
                    ObjectNode s = o.putObject("signals");
                    row.signals().forEach(s::put);
                    ObjectNode f = o.putObject("failures");
                    row.failures().forEach(f::put);
                    var m = o.putArray("models");
                    row.models().forEach(m::add);
                    w.write(JSON.writeValueAsString(o));
                    w.write('\n');
                } catch (IOException io) {
                    throw new java.io.UncheckedIOException(io);
                }
                if (progress != null) {
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    double rate = computed / Math.max(seconds, 1e-9);
                    int bar = total == 0 ? 30 : (int) (30L * computed / total);
                    progress.printf(Locale.ROOT, "\rvigil eval: [%s%s] %d/%d scored (%.1f/s, %d from the cache)%s", "=".repeat(bar), " ".repeat(30 - bar),
                            computed, total, rate, fromCache, computed == total ? "\n" : "");
                    progress.flush();
                }
                return null;
            };
            Function<ScoreRequest, CompletableFuture<Verdict>> score = pending.isEmpty() ? null : scorer.get();
            for (Path p : pending.keySet()) {
                if (window.size() == WINDOW) {
                    finish.apply(window.removeFirst());
                }
                byte[] bytes = Files.readAllBytes(p);
                window.addLast(Map.entry(p, score.apply(new ScoreRequest(p.toString(), new EncodedImage(bytes), null, null, timeout))));
            }
            while (!window.isEmpty()) {
                finish.apply(window.removeFirst());
            }
        }
        // in the order given
        Map<Path, Row> ordered = new LinkedHashMap<>();
        for (Path p : images) {
            ordered.put(p, out.get(p));
        }
        return ordered;
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
