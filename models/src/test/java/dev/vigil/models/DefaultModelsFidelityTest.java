package dev.vigil.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.models.repository.ModelManifest;
import dev.vigil.models.verify.FidelityReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The five default models, end to end as a user runs them: fetch the pinned packages (the
 * cache of {@link VigilPaths}, so a second run fetches nothing), convert all five into a fresh
 * repository, record the original runtime's outputs if the cache has none, and require every
 * output of every case to match within 1e-4.
 */
class DefaultModelsFidelityTest {
    @TempDir
    Path repository;

    @Test
    void everyDefaultModelMatchesTheOriginalRuntime() {
        VigilPaths cache = VigilPaths.resolve(null, null);
        VigilPaths paths = new VigilPaths(cache.cache(), repository);
        DefaultRepository defaults = new DefaultRepository(paths, System.err::println);
        defaults.fetch();
        assertEquals(5, defaults.importModels(List.of()).size());

        Map<String, ModelManifest> installed = defaults.repository().list().stream()
                .collect(Collectors.toMap(ModelManifest::name, m -> m));
        assertEquals(List.of("drawing", "hentai", "neutral", "porn", "sexy"), installed.get("nsfw-mobilenet-v2-mid").output("probabilities").labels());
        assertEquals(299, installed.get("nsfw-inception-v3").input().height());
        assertEquals(1024, installed.get("faceres").output("descriptor").shape()[1]);

        String photos = System.getProperty("vigil.referencePhotos", "");
            List<Path> extra = photos.isEmpty() ? List.of() : List.of(Path.of(photos));
            if (!defaults.hasReference(extra, List.of())) {
            defaults.reference(extra, List.of());
        }
        List<FidelityReport> reports = defaults.verify(List.of());
        assertEquals(5, reports.size());
        for (FidelityReport r : reports) {
            System.err.printf("%-24s %.1e over %d cases (worst at %s)%n", r.model(), r.worst(), r.cases(), r.worstWhere());
            assertTrue(r.cases() >= 4, r.model() + ": only " + r.cases() + " reference cases");
            assertTrue(r.withinBound(), r.model() + ": worst difference " + r.worst() + " at " + r.worstWhere() + " exceeds " + FidelityReport.BOUND);
        }
    }
}
