package dev.vigil.models.repository;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.models.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Vigil's default models and the npm packages they come from, read from
 * {@code default-models.json} on the classpath: packages pinned by version and integrity,
 * and for each model the manifest fields that describe how the original library feeds it.
 * Immutable and thread-safe.
 */
public record DefaultModels(List<PinnedPackage> packages, List<ModelManifest> models) {

    /** An npm package at a pinned version, with the sha512 integrity of its tarball. */
    public record PinnedPackage(String name, String version, String integrity, String license) {
        /** {@code name@version}, as npm takes it. */
        public String spec() {
            return name + "@" + version;
        }

        /** A folder name for the unpacked package: {@code @scope/name} becomes {@code scope-name}. */
        public String folderName() {
            return name.replace("@", "").replace('/', '-') + "-" + version;
        }
    }

    private static final DefaultModels INSTANCE = load();

    public static DefaultModels get() {
        return INSTANCE;
    }

    public PinnedPackage pinnedPackage(String name) {
        return packages.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new ModelException("default-models.json: no pinned package " + name));
    }

    public ModelManifest model(String name) {
        return models.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new ModelException("model " + name + ": not a default model (expected one of "
                        + models.stream().map(ModelManifest::name).toList() + ")"));
    }

    private static DefaultModels load() {
        ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        try (InputStream in = DefaultModels.class.getResourceAsStream("/dev/vigil/models/default-models.json")) {
            if (in == null) {
                throw new ModelException("default-models.json missing from the classpath");
            }
            return json.readValue(in, DefaultModels.class);
        } catch (IOException e) {
            throw new ModelException("default-models.json: " + e.getMessage(), e);
        }
    }
}
