package dev.vigil.models.tfjs;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keras activation functions by the names configs use ({@code "activation": "relu"}), as
 * TensorFlow ops. Where Keras 2 and TensorFlow.js define a function differently from plain
 * TensorFlow, the TF.js/Keras 2 form is the one built: {@code hard_sigmoid} is
 * {@code clip(0.2 x + 0.5, 0, 1)} (Keras 3 changed it), {@code gelu} the exact erf form.
 * Stateless and thread-safe.
 */
final class KerasActivations {
    /** Filled once by the static initialiser, read-only afterwards. */
    private static final Map<String, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>>> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("linear", (tf, x) -> x);
        BY_NAME.put("relu", (tf, x) -> tf.nn.relu(x));
        BY_NAME.put("relu6", (tf, x) -> tf.nn.relu6(x));
        BY_NAME.put("sigmoid", (tf, x) -> tf.math.sigmoid(x));
        BY_NAME.put("tanh", (tf, x) -> tf.math.tanh(x));
        BY_NAME.put("softmax", (tf, x) -> tf.nn.softmax(x));
        BY_NAME.put("elu", (tf, x) -> tf.nn.elu(x));
        BY_NAME.put("selu", (tf, x) -> tf.nn.selu(x));
        BY_NAME.put("softplus", (tf, x) -> tf.math.softplus(x));
        BY_NAME.put("softsign", (tf, x) -> tf.nn.softsign(x));
        BY_NAME.put("swish", KerasActivations::swish);
        BY_NAME.put("silu", KerasActivations::swish);
        BY_NAME.put("hard_sigmoid", (tf, x) -> tf.clipByValue(
                tf.math.add(tf.math.mul(x, tf.constant(0.2f)), tf.constant(0.5f)), tf.constant(0f), tf.constant(1f)));
        BY_NAME.put("exponential", (tf, x) -> tf.math.exp(x));
        BY_NAME.put("gelu", (tf, x) -> tf.math.mul(tf.math.mul(x, tf.constant(0.5f)),
                tf.math.add(tf.constant(1f), tf.math.erf(tf.math.mul(x, tf.constant((float) (1 / Math.sqrt(2))))))));
        BY_NAME.put("mish", (tf, x) -> tf.math.mul(x, tf.math.tanh(tf.math.softplus(x))));
    }

    private KerasActivations() {
    }

    /** Applies the activation the layer's config field names; null or absent means linear. */
    static Operand<TFloat32> apply(Ops tf, KerasLayer layer, String field, Operand<TFloat32> x) {
        if (layer.isUnset(field)) {
            return x;
        }
        if (!layer.get(field).isTextual()) {
            throw layer.error("config " + field + " = " + layer.get(field) + " (expected: the name of an activation, one of " + BY_NAME.keySet() + ")");
        }
        String name = layer.get(field).asText();
        BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> activation = BY_NAME.get(name);
        if (activation == null) {
            throw layer.error("activation " + name + " is not supported (expected one of " + BY_NAME.keySet() + ")");
        }
        return activation.apply(tf, x);
    }

    private static Operand<TFloat32> swish(Ops tf, Operand<TFloat32> x) {
        return tf.math.mul(x, tf.math.sigmoid(x));
    }
}
