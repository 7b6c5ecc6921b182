package dev.vigil.engine.signal;

import dev.vigil.engine.hash.HashListRegistry;
import dev.vigil.engine.hash.HashMatch;
import dev.vigil.engine.hash.HashMatchResult;
import dev.vigil.engine.hash.PdqHasher;
import dev.vigil.engine.hash.PdqResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code hash_match} signal: the image's PDQ hash (and its eight dihedral variants) looked
 * up in the hash lists. 1 when any list holds a hash within the registry's distance, else 0;
 * an image whose PDQ quality is under the registry's minimum is not matched (0), as PDQ's
 * authors advise. Runs on the calling thread: hashing a decoded image takes a few
 * milliseconds and needs no model. With no lists configured the signal is 0 for every image,
 * which is the truth about an empty blocklist. Owns and closes the registry. Thread-safe.
 */
public final class HashListSignals implements SignalProvider {
    public static final String SIGNAL = "hash_match";

    private final PdqHasher hasher = new PdqHasher();
    private final HashListRegistry registry;

    public HashListSignals(HashListRegistry registry) {
        this.registry = registry;
    }

    public HashListRegistry registry() {
        return registry;
    }

    @Override
    public Set<String> signals() {
        return Set.of(SIGNAL);
    }

    @Override
    public CompletableFuture<SignalValues> compute(RequestContext request) {
        try {
            long start = System.nanoTime();
            PdqResult pdq = request.imagePdq(hasher);
            HashMatchResult result = registry.match(pdq);
            Map<String, Double> values = new LinkedHashMap<>();
            values.put(SIGNAL, result.matched() ? 1.0 : 0.0);
            List<String> detail = result.matches().stream().map(HashListSignals::describe).toList();
            return CompletableFuture.completedFuture(new SignalValues(values, List.of("pdq"), 0, System.nanoTime() - start, detail));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static String describe(HashMatch m) {
        return "hash list " + m.list() + (m.label() == null || m.label().isEmpty() ? "" : " (" + m.label() + ")") + " at distance " + m.distance()
                + (m.transform() == null ? "" : " " + m.transform().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public void close() {
        registry.close();
    }
}
