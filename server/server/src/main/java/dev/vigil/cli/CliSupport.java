package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.face.ProtectedPeople;
import dev.vigil.engine.hash.HashListRegistry;
import dev.vigil.models.DefaultRepository;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.DefaultModels;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.repository.ModelRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What several commands share: where things live (model repository, hash lists, protected
 * people, all under the cache by default), the first-run import of the default models, and
 * one JSON writer. Stateless.
 */
public final class CliSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private CliSupport() {
    }

    /** Hash list files: {@code <cache>/hash-lists/NAME.tsv} (also .csv, .txt); the list's name is the file's. */
    static Path hashListsDir(VigilPaths paths) {
        return paths.cache().resolve("hash-lists");
    }

    /** The protected-people registry the server reads: {@code <cache>/protected-people.json}. */
    static Path protectedPeopleFile(VigilPaths paths) {
        return paths.cache().resolve("protected-people.json");
    }

    /**
     * Every list file in {@code dir}, matched within {@code maxDistance} bits; each is reloaded
     * when it changes, lists created in the folder later are picked up, and a list that would
     * shrink by more than {@code maxShrink} of its entries keeps its last good version.
     */
    static HashListRegistry hashLists(Path dir, int maxDistance, double maxShrink) {
        return HashListRegistry.builder().optMaxDistance(maxDistance).optMaxShrink(maxShrink).optFolder(dir).build();
    }

    static ProtectedPeople protectedPeople(Path file) {
        return ProtectedPeople.open(file);
    }

    /**
     * A fresh clone has no models yet: fetch the pinned packages and import the default models
     * missing from the repository (once; later runs find them there).
     */
    static void importMissingDefaults(VigilPaths paths, ModelRepository models, PrintWriter log) {
        Set<String> installed = new HashSet<>();
        models.list().forEach(m -> installed.add(m.name()));
        List<String> missing = DefaultModels.get().models().stream().map(ModelManifest::name).filter(n -> !installed.contains(n)).toList();
        if (missing.isEmpty()) {
            return;
        }
        log.printf(Locale.ROOT, "vigil: %s missing from %s: fetching the pinned packages and importing them (once)%n", missing, paths.repository());
        new DefaultRepository(paths, line -> log.println("vigil: " + line)).importModels(missing);
    }

    private static final java.util.concurrent.ScheduledExecutorService RETRIES = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vigil-cli-retry");
        t.setDaemon(true);
        return t;
    });

    /**
     * The gate's verdict for a batch tool, which waits rather than being refused: a request the
     * gate's admission turns away (its queue estimate is long, as it is while the first batches
     * warm the models) is submitted again after the wait the refusal names, up to 200 times.
     */
    public static java.util.concurrent.CompletableFuture<dev.vigil.engine.Verdict> scoreWaiting(dev.vigil.engine.Gate gate, dev.vigil.engine.ScoreRequest request) {
        java.util.concurrent.CompletableFuture<dev.vigil.engine.Verdict> out = new java.util.concurrent.CompletableFuture<>();
        attempt(gate, request, out, 0);
        return out;
    }

    private static void attempt(dev.vigil.engine.Gate gate, dev.vigil.engine.ScoreRequest request,
                                java.util.concurrent.CompletableFuture<dev.vigil.engine.Verdict> out, int tries) {
        java.util.concurrent.CompletableFuture<dev.vigil.engine.Verdict> f;
        try {
            f = gate.score(request);
        } catch (RuntimeException e) {
            out.completeExceptionally(e);
            return;
        }
        f.whenComplete((v, e) -> {
            Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof dev.vigil.engine.OverloadedException o && tries < 200) {
                long wait = Math.max(20, Math.min(2_000, o.retryAfter() == null ? 200 : o.retryAfter().toMillis()));
                RETRIES.schedule(() -> attempt(gate, request, out, tries + 1), wait, java.util.concurrent.TimeUnit.MILLISECONDS);
            } else if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(v);
            }
        });
    }
}
