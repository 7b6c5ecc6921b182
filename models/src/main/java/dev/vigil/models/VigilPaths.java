package dev.vigil.models;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where Vigil keeps what it fetches and converts, outside the work tree:
 * <ul>
 *   <li>the cache ({@code --cache}, else {@code VIGIL_CACHE}, else {@code $XDG_CACHE_HOME/vigil},
 *       else {@code ~/.cache/vigil}): fetched tarballs, unpacked packages, the reference runtime
 *       and its outputs;</li>
 *   <li>the model repository ({@code --repository}, else {@code VIGIL_MODEL_REPOSITORY}, else
 *       {@code <cache>/models}).</li>
 * </ul>
 * Immutable.
 */
public record VigilPaths(Path cache, Path repository) {

    public static VigilPaths resolve(Path cacheFlag, Path repositoryFlag) {
        return resolve(cacheFlag, repositoryFlag, System.getenv(), System.getProperty("user.home"));
    }

    static VigilPaths resolve(Path cacheFlag, Path repositoryFlag, Map<String, String> env, String home) {
        Path cache = cacheFlag;
        if (cache == null && notBlank(env.get("VIGIL_CACHE"))) {
            cache = Path.of(env.get("VIGIL_CACHE"));
        }
        if (cache == null && notBlank(env.get("XDG_CACHE_HOME"))) {
            cache = Path.of(env.get("XDG_CACHE_HOME"), "vigil");
        }
        if (cache == null) {
            cache = Path.of(home, ".cache", "vigil");
        }
        Path repository = repositoryFlag;
        if (repository == null && notBlank(env.get("VIGIL_MODEL_REPOSITORY"))) {
            repository = Path.of(env.get("VIGIL_MODEL_REPOSITORY"));
        }
        if (repository == null) {
            repository = cache.resolve("models");
        }
        return new VigilPaths(cache.toAbsolutePath().normalize(), repository.toAbsolutePath().normalize());
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    public Path packages() {
        return cache.resolve("packages");
    }

    public Path tarballs() {
        return cache.resolve("tarballs");
    }

    public Path reference() {
        return cache.resolve("reference");
    }
}
