package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.models.ImportException;
import java.util.Map;

/**
 * A TensorFlow.js model as its runtime would see it after loading: the model JSON
 * ({@code modelTopology}, {@code weightsManifest}, signature, ...) and the decoded weights.
 * Plain Java data; immutable by convention.
 *
 * @param name    the name used in error messages (the repository name of the model)
 * @param json    the whole model JSON
 * @param weights decoded weights by name, in manifest order
 */
public record TfjsModel(String name, JsonNode json, Map<String, WeightTensor> weights) {

    /** Whether this is a graph model (a GraphDef) or a layers model (a Keras config). */
    public enum Kind { GRAPH, LAYERS }

    public JsonNode topology() {
        JsonNode t = json.get("modelTopology");
        if (t == null || !t.isObject()) {
            throw new ImportException(name, "model JSON: field modelTopology missing (expected: an object)");
        }
        return t;
    }

    public Kind kind() {
        String format = json.path("format").asText("");
        JsonNode t = topology();
        if (format.equals("graph-model") || t.has("node")) {
            return Kind.GRAPH;
        }
        if (format.equals("layers-model") || t.has("model_config") || t.has("class_name")) {
            return Kind.LAYERS;
        }
        throw new ImportException(name, "model JSON: format '" + format + "' with topology fields " + fieldNames(t)
                + " (expected: a graph model with node[] or a layers model with model_config)");
    }

    private static String fieldNames(JsonNode node) {
        StringBuilder out = new StringBuilder("[");
        node.fieldNames().forEachRemaining(f -> out.append(out.length() > 1 ? ", " : "").append(f));
        return out.append(']').toString();
    }
}
