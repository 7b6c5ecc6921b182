package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.models.ImportException;
import java.util.Arrays;

/**
 * One entry of a TensorFlow.js {@code weightsManifest}: the tensor's name, shape and dtype,
 * and how it is stored in the shards (plain, uint8/uint16 affine-quantised with
 * {@code min}/{@code scale}, or float16). Immutable.
 *
 * @param name        the weight's name, which the graph's {@code Const} node or the Keras layer uses
 * @param shape       the dequantised tensor's shape
 * @param dtype       the dequantised dtype: {@code float32}, {@code int32} or {@code bool}
 * @param storedDtype how the values sit in the shard bytes: the dtype itself, or the
 *                    quantisation dtype ({@code uint8}, {@code uint16}, {@code float16})
 * @param min         affine quantisation offset (NaN when not affine)
 * @param scale       affine quantisation step (NaN when not affine)
 */
public record WeightSpec(String name, long[] shape, String dtype, String storedDtype, double min, double scale) {

    /** Reads one weight entry, failing with the model and field named on anything unexpected. */
    public static WeightSpec parse(String model, JsonNode entry) {
        String name = requiredText(model, entry, "name", "weight");
        JsonNode shapeNode = entry.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new ImportException(model, "weight " + name + ": field shape missing (expected: an array of sizes)");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            long size = shapeNode.get(i).asLong(-1);
            if (size < 0) {
                throw new ImportException(model, "weight " + name + ": shape " + shapeNode + " (expected: non-negative sizes)");
            }
            shape[i] = size;
        }
        String dtype = requiredText(model, entry, "dtype", "weight " + name);
        if (!dtype.equals("float32") && !dtype.equals("int32") && !dtype.equals("bool")) {
            throw new ImportException(model, "weight " + name + ": dtype " + dtype + " is not supported (expected: float32, int32 or bool)");
        }
        JsonNode q = entry.get("quantization");
        if (q == null || q.isNull()) {
            return new WeightSpec(name, shape, dtype, dtype, Double.NaN, Double.NaN);
        }
        String qtype = requiredText(model, q, "dtype", "weight " + name + " quantization");
        switch (qtype) {
            case "uint8", "uint16" -> {
                if (!q.has("min") || !q.has("scale")) {
                    throw new ImportException(model, "weight " + name + ": " + qtype + " quantization without min/scale (expected: affine min and scale)");
                }
                return new WeightSpec(name, shape, dtype, qtype, q.get("min").asDouble(), q.get("scale").asDouble());
            }
            case "float16" -> {
                if (!dtype.equals("float32")) {
                    throw new ImportException(model, "weight " + name + ": float16 quantization of dtype " + dtype + " (expected: float32)");
                }
                return new WeightSpec(name, shape, dtype, qtype, Double.NaN, Double.NaN);
            }
            default -> throw new ImportException(model, "weight " + name + ": quantization dtype " + qtype
                    + " is not supported (expected: uint8, uint16 or float16)");
        }
    }

    private static String requiredText(String model, JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new ImportException(model, where + ": field " + field + " missing or not a string");
        }
        return v.asText();
    }

    /** Number of elements in the tensor. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes this weight occupies in the concatenated shards. */
    public long storedBytes() {
        int width = switch (storedDtype) {
            case "uint8", "bool" -> 1;
            case "uint16", "float16" -> 2;
            default -> 4;
        };
        return Math.multiplyExact(elementCount(), width);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + dtype + (storedDtype.equals(dtype) ? "" : " stored as " + storedDtype);
    }
}
