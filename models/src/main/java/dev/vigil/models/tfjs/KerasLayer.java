package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.models.ImportException;
import java.util.Arrays;
import java.util.List;

/**
 * One layer entry of a Keras model config ({@code {name, class_name, config, inbound_nodes}})
 * with typed reads of its config fields. Every read that finds a value it cannot use fails
 * with an {@link ImportException} naming the model, the layer, its class, the field, the value
 * and what was expected, so that one line tells the reader what to change. Immutable.
 *
 * @param model     the model name, for error messages
 * @param name      the layer's name, unique within its model
 * @param className the Keras class, e.g. {@code Conv2D}
 * @param config    the layer's {@code config} object (never null; empty when absent)
 */
record KerasLayer(String model, String name, String className, JsonNode config) {

    static KerasLayer of(String model, JsonNode entry) {
        JsonNode config = entry.path("config");
        JsonNode name = entry.has("name") ? entry.get("name") : config.get("name");
        if (name == null || !name.isTextual()) {
            throw new ImportException(model, "layer entry " + abbreviate(entry) + ": field name missing (expected: a string)");
        }
        JsonNode className = entry.get("class_name");
        if (className == null || !className.isTextual()) {
            throw new ImportException(model, "layer " + name.asText() + ": field class_name missing (expected: a Keras layer class)");
        }
        if (!config.isObject() && !config.isMissingNode()) {
            throw new ImportException(model, "layer " + name.asText() + " (" + className.asText() + "): config is a "
                    + config.getNodeType() + " (expected: an object)");
        }
        return new KerasLayer(model, name.asText(), className.asText(), config);
    }

    /** An error about this layer; the message gets the model, layer and class in front. */
    ImportException error(String message) {
        return new ImportException(model, "layer " + name + " (" + className + "): " + message);
    }

    private ImportException badValue(String field, JsonNode value, String expected) {
        return error("config " + field + " = " + value + " (expected: " + expected + ")");
    }

    /** Whether the field is absent or JSON null, which Keras reads as "use the default". */
    boolean isUnset(String field) {
        JsonNode v = config.get(field);
        return v == null || v.isNull();
    }

    JsonNode get(String field) {
        return config.path(field);
    }

    int integer(String field, int fallback) {
        if (isUnset(field)) {
            return fallback;
        }
        JsonNode v = config.get(field);
        if (!v.canConvertToInt() || v.asDouble() != v.asInt()) {
            throw badValue(field, v, "an integer");
        }
        return v.asInt();
    }

    int positiveInteger(String field) {
        int v = integer(field, -1);
        if (v < 1) {
            throw badValue(field, config.path(field), "an integer >= 1");
        }
        return v;
    }

    double number(String field, double fallback) {
        if (isUnset(field)) {
            return fallback;
        }
        JsonNode v = config.get(field);
        if (!v.isNumber()) {
            throw badValue(field, v, "a number");
        }
        return v.asDouble();
    }

    /** The number, or null where the field is absent or null (e.g. ReLU's max_value). */
    Double optionalNumber(String field) {
        return isUnset(field) ? null : number(field, Double.NaN);
    }

    boolean flag(String field, boolean fallback) {
        if (isUnset(field)) {
            return fallback;
        }
        JsonNode v = config.get(field);
        if (!v.isBoolean()) {
            throw badValue(field, v, "true or false");
        }
        return v.asBoolean();
    }

    String text(String field, String fallback) {
        if (isUnset(field)) {
            return fallback;
        }
        JsonNode v = config.get(field);
        if (!v.isTextual()) {
            throw badValue(field, v, "a string");
        }
        return v.asText();
    }

    /** One of the allowed strings; the first allowed value where the field is unset. */
    String choice(String field, String... allowed) {
        String v = text(field, allowed[0]);
        if (!Arrays.asList(allowed).contains(v)) {
            throw badValue(field, config.get(field), String.join(" or ", allowed));
        }
        return v;
    }

    /** A pair of positive integers, written either as one integer or as a list of two (kernel_size, strides, ...). */
    int[] pair(String field, int[] fallback) {
        if (isUnset(field)) {
            return fallback;
        }
        JsonNode v = config.get(field);
        if (v.canConvertToInt() && v.asInt() >= 1) {
            return new int[] {v.asInt(), v.asInt()};
        }
        if (v.isArray() && v.size() == 2 && v.get(0).canConvertToInt() && v.get(1).canConvertToInt()
                && v.get(0).asInt() >= 1 && v.get(1).asInt() >= 1) {
            return new int[] {v.get(0).asInt(), v.get(1).asInt()};
        }
        throw badValue(field, v, "an integer >= 1 or a list of two");
    }

    /** A list of integers (Reshape's target_shape, ...). */
    int[] integers(String field) {
        JsonNode v = config.get(field);
        if (v == null || !v.isArray()) {
            throw badValue(field, v, "a list of integers");
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).canConvertToInt()) {
                throw badValue(field, v, "a list of integers");
            }
            out[i] = v.get(i).asInt();
        }
        return out;
    }

    /** A shape with null for unknown sizes (batch_input_shape), as sizes with -1 for unknown. */
    long[] shape(String field) {
        JsonNode v = config.get(field);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw badValue(field, v, "a list of sizes, null for unknown");
        }
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode d = v.get(i);
            if (d.isNull()) {
                out[i] = -1;
            } else if (d.canConvertToLong() && d.asLong() >= 0) {
                out[i] = d.asLong();
            } else {
                throw badValue(field, v, "a list of sizes, null for unknown");
            }
        }
        return out;
    }

    /** Refuses a field set to anything but its neutral value, for features the importer does not implement. */
    void requireDefault(String field, JsonNode neutral, String why) {
        if (!isUnset(field) && !config.get(field).equals(neutral)) {
            throw badValue(field, config.get(field), neutral + "; " + why);
        }
    }

    /** Vigil builds NHWC graphs only; a channels_first layer would need transposes it does not insert. */
    void requireChannelsLast() {
        if (!isUnset("data_format") && !text("data_format", "").equals("channels_last")) {
            throw badValue("data_format", config.get("data_format"), "channels_last; channels_first models are not supported");
        }
    }

    /** Layers compute in float32 only; Keras mixed-precision policies would change the numbers. */
    void requireFloat32() {
        if (!isUnset("dtype") && !(config.get("dtype").isTextual() && config.get("dtype").asText().equals("float32"))) {
            throw badValue("dtype", config.get("dtype"), "float32");
        }
    }

    void requireInputs(List<?> inputs, int count) {
        if (inputs.size() != count) {
            throw error(inputs.size() + " inputs (expected: " + count + ")");
        }
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
