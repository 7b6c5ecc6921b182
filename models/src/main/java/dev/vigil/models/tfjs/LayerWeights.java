package dev.vigil.models.tfjs;

import dev.vigil.models.ImportException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The weights of a layers model, looked up the way TensorFlow.js loads them: the manifest
 * names a layer's weight {@code <layer>/<weight>} ({@code Conv1/kernel},
 * {@code bn_Conv1/moving_mean}); Keras 2 H5 exports may add {@code :0}, and nested models may
 * put the enclosing model's name in front. A lookup checks the dtype and shape, and
 * remembers which weights were taken so that {@link #requireAllUsed} can refuse a manifest
 * whose weights do not all belong to a layer (TF.js refuses those too, in strict mode).
 * Each weight becomes one {@code Const} node, shared by every call of the layer.
 * Not thread-safe: one instance serves one import.
 */
final class LayerWeights {
    private final String model;
    private final Map<String, WeightTensor> weights;
    private final Set<String> used = new LinkedHashSet<>();
    private final Map<String, Operand<TFloat32>> constants = new HashMap<>();

    LayerWeights(TfjsModel model) {
        this.model = model.name();
        this.weights = model.weights();
    }

    /**
     * The weight's values after checking its shape.
     *
     * @param expected the shape the layer's config implies; -1 for a size the config does not fix
     */
    float[] values(KerasLayer layer, String weight, long... expected) {
        return find(layer, weight, expected).floats();
    }

    /** The weight as a {@code Const} node in the layer's scope, made on first use. */
    Operand<TFloat32> constant(Ops tf, KerasLayer layer, String weight, long... expected) {
        WeightTensor w = find(layer, weight, expected);
        return constants.computeIfAbsent(w.name(),
                n -> tf.withName(weight).constant(Shape.of(w.shape()), DataBuffers.of(w.floats(), true, false)));
    }

    /** Fails if the manifest holds weights that no layer took. */
    void requireAllUsed() {
        List<String> unused = new ArrayList<>();
        for (String name : weights.keySet()) {
            if (!used.contains(name)) {
                unused.add(name);
            }
        }
        if (!unused.isEmpty()) {
            List<String> shown = unused.subList(0, Math.min(5, unused.size()));
            throw new ImportException(model, "weightsManifest: " + unused.size() + " weights belong to no layer: " + shown
                    + (unused.size() > shown.size() ? " ..." : "") + " (expected: every weight named <layer>/<weight> after a layer of the model)");
        }
    }

    private WeightTensor find(KerasLayer layer, String weight, long[] expected) {
        String key = layer.name() + "/" + weight;
        WeightTensor w = weights.get(key);
        if (w == null) {
            w = weights.get(key + ":0");
        }
        if (w == null) {
            w = bySuffix("/" + key, layer);
        }
        if (w == null) {
            throw layer.error("weight " + key + " missing from weightsManifest (expected: a " + describe(expected) + " float32 tensor)");
        }
        if (!w.dtype().equals("float32")) {
            throw layer.error("weight " + w.name() + " has dtype " + w.dtype() + " (expected: float32)");
        }
        if (!matches(w.shape(), expected)) {
            throw layer.error("weight " + w.name() + " has shape " + Arrays.toString(w.shape()) + " (expected: " + describe(expected) + ")");
        }
        used.add(w.name());
        return w;
    }

    /** A weight saved under an enclosing scope, e.g. {@code model_1/dense_1/kernel}; must be unambiguous. */
    private WeightTensor bySuffix(String suffix, KerasLayer layer) {
        WeightTensor found = null;
        for (WeightTensor w : weights.values()) {
            if (w.name().endsWith(suffix) || w.name().endsWith(suffix + ":0")) {
                if (found != null) {
                    throw layer.error("weights " + found.name() + " and " + w.name() + " both end in " + suffix
                            + " (expected: one weight per layer and name)");
                }
                found = w;
            }
        }
        return found;
    }

    private static boolean matches(long[] actual, long[] expected) {
        if (actual.length != expected.length) {
            return false;
        }
        for (int i = 0; i < actual.length; i++) {
            if (expected[i] >= 0 && actual[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(long[] shape) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            out.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return out.append(']').toString();
    }
}
