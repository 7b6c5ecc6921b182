package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.DepthwiseConv2dNative;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/**
 * The Keras layer classes Vigil can convert, each as one method that builds the layer's
 * inference-time computation from standard TensorFlow ops (NHWC, float32), reading every
 * config field that changes the numbers and refusing values it does not implement.
 * Training-only fields (initialisers, regularisers, constraints, momentum) are ignored.
 * Stateless and thread-safe; the state of one build is in its {@link LayerCall}.
 */
final class KerasLayers {

    /** Builds one call of a layer and returns its (single) output. */
    @FunctionalInterface
    interface LayerBuilder {
        Operand<TFloat32> build(LayerCall call);
    }

    /** Filled once by the static initialiser, read-only afterwards. */
    private static final Map<String, LayerBuilder> BUILDERS = new TreeMap<>();

    static {
        BUILDERS.put("Conv2D", KerasLayers::conv2d);
        BUILDERS.put("DepthwiseConv2D", KerasLayers::depthwiseConv2d);
        BUILDERS.put("Dense", KerasLayers::dense);
        BUILDERS.put("BatchNormalization", KerasLayers::batchNormalization);
        BUILDERS.put("Activation", KerasLayers::activation);
        BUILDERS.put("ReLU", KerasLayers::relu);
        BUILDERS.put("LeakyReLU", KerasLayers::leakyRelu);
        BUILDERS.put("PReLU", KerasLayers::prelu);
        BUILDERS.put("ELU", KerasLayers::elu);
        BUILDERS.put("ThresholdedReLU", KerasLayers::thresholdedRelu);
        BUILDERS.put("Softmax", KerasLayers::softmax);
        BUILDERS.put("ZeroPadding2D", KerasLayers::zeroPadding2d);
        BUILDERS.put("MaxPooling2D", KerasLayers::maxPooling2d);
        BUILDERS.put("AveragePooling2D", KerasLayers::averagePooling2d);
        BUILDERS.put("GlobalAveragePooling2D", KerasLayers::globalAveragePooling2d);
        BUILDERS.put("GlobalMaxPooling2D", KerasLayers::globalMaxPooling2d);
        BUILDERS.put("Flatten", KerasLayers::flatten);
        BUILDERS.put("Reshape", KerasLayers::reshape);
        BUILDERS.put("Add", call -> merge(call, 2, call.tf().math::add));
        BUILDERS.put("Subtract", KerasLayers::subtract);
        BUILDERS.put("Multiply", call -> merge(call, 2, call.tf().math::mul));
        BUILDERS.put("Maximum", call -> merge(call, 2, call.tf().math::maximum));
        BUILDERS.put("Minimum", call -> merge(call, 2, call.tf().math::minimum));
        BUILDERS.put("Average", KerasLayers::average);
        BUILDERS.put("Concatenate", KerasLayers::concatenate);
        // Identity at inference: Keras applies noise and dropout only while training.
        for (String identity : List.of("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianDropout", "GaussianNoise", "AlphaDropout")) {
            BUILDERS.put(identity, LayerCall::input);
        }
    }

    private KerasLayers() {
    }

    /** Builds the layer the call names; an unknown class fails with the classes that are known. */
    static Operand<TFloat32> build(LayerCall call) {
        KerasLayer layer = call.layer();
        LayerBuilder builder = BUILDERS.get(layer.className());
        if (builder == null) {
            throw layer.error("layer class " + layer.className() + " is not supported (expected one of " + BUILDERS.keySet() + ")");
        }
        layer.requireFloat32();
        return builder.build(call);
    }

    // ---- convolutions and dense ----

    private static Operand<TFloat32> conv2d(LayerCall call) {
        KerasLayer layer = call.layer();
        layer.requireChannelsLast();
        layer.requireDefault("groups", IntNode.valueOf(1), "grouped convolutions are not supported");
        Operand<TFloat32> x = call.input();
        long channels = call.dims(x, 4)[3];
        int filters = layer.positiveInteger("filters");
        int[] kernelSize = requiredPair(layer, "kernel_size");
        int[] strides = layer.pair("strides", new int[] {1, 1});
        int[] dilation = dilation(layer, strides);
        Operand<TFloat32> kernel = call.weight("kernel", kernelSize[0], kernelSize[1], channels, filters);
        Operand<TFloat32> y = call.tf().nn.conv2d(x, kernel, nhwc(strides), padding(layer), Conv2d.dilations(nhwc(dilation)));
        return KerasActivations.apply(call.tf(), layer, "activation", bias(call, y, filters));
    }

    private static Operand<TFloat32> depthwiseConv2d(LayerCall call) {
        KerasLayer layer = call.layer();
        layer.requireChannelsLast();
        Operand<TFloat32> x = call.input();
        long channels = call.dims(x, 4)[3];
        int multiplier = layer.integer("depth_multiplier", 1);
        if (multiplier < 1) {
            throw layer.error("config depth_multiplier = " + multiplier + " (expected: an integer >= 1)");
        }
        int[] kernelSize = requiredPair(layer, "kernel_size");
        int[] strides = layer.pair("strides", new int[] {1, 1});
        int[] dilation = dilation(layer, strides);
        Operand<TFloat32> kernel = call.weight("depthwise_kernel", kernelSize[0], kernelSize[1], channels, multiplier);
        Operand<TFloat32> y = call.tf().nn.depthwiseConv2dNative(x, kernel, nhwc(strides), padding(layer),
                DepthwiseConv2dNative.dilations(nhwc(dilation)));
        return KerasActivations.apply(call.tf(), layer, "activation", bias(call, y, channels < 0 ? -1 : channels * multiplier));
    }

    /** Dense acts on the last axis; inputs of rank above 2 are flattened to a matrix and back, as Keras' dot does. */
    private static Operand<TFloat32> dense(LayerCall call) {
        KerasLayer layer = call.layer();
        Ops tf = call.tf();
        Operand<TFloat32> x = call.input();
        long[] dims = call.dims(x);
        if (dims.length < 2) {
            throw layer.error("input of rank " + dims.length + " (expected: rank >= 2)");
        }
        int units = layer.positiveInteger("units");
        long inputs = dims[dims.length - 1];
        Operand<TFloat32> kernel = call.weight("kernel", inputs, units);
        Operand<TFloat32> y;
        if (dims.length == 2) {
            y = tf.linalg.matMul(x, kernel);
        } else {
            requireKnown(layer, Arrays.copyOfRange(dims, 1, dims.length), "Dense on an input of rank " + dims.length);
            long[] out = dims.clone();
            out[0] = -1;
            out[out.length - 1] = units;
            Operand<TFloat32> matrix = tf.reshape(x, tf.constant(new long[] {-1, inputs}));
            y = tf.reshape(tf.linalg.matMul(matrix, kernel), tf.constant(out));
        }
        return KerasActivations.apply(tf, layer, "activation", bias(call, y, units));
    }

    private static Operand<TFloat32> bias(LayerCall call, Operand<TFloat32> y, long size) {
        if (!call.layer().flag("use_bias", true)) {
            return y;
        }
        return call.tf().nn.biasAdd(y, call.weight("bias", size));
    }

    // ---- normalisation ----

    /**
     * Inference-mode batch normalisation with the moving statistics. TF.js computes
     * {@code (x - mean) * gamma / sqrt(variance + epsilon) + beta}; this builds the equal
     * {@code x * m + (beta - mean * m)} with {@code m = gamma / sqrt(variance + epsilon)}, both
     * constants folded in double precision here, because TensorFlow's graph optimiser then
     * folds the Mul into the preceding convolution's kernel and the Add into its bias: half the
     * CPU time of the three-op form on MobileNetV2. Measured against TF.js 4.22 on the nsfwjs
     * models, the outputs differ by at most 1.5e-6 either way.
     */
    private static Operand<TFloat32> batchNormalization(LayerCall call) {
        KerasLayer layer = call.layer();
        Ops tf = call.tf();
        Operand<TFloat32> x = call.input();
        long[] dims = call.dims(x);
        int axis = normalisationAxis(layer, dims.length);
        long channels = dims[axis];
        if (channels < 0) {
            throw layer.error("normalised axis " + axis + " of input " + Arrays.toString(dims) + " has unknown size (expected: a known size)");
        }
        double epsilon = layer.number("epsilon", 1e-3);
        float[] mean = call.weightValues("moving_mean", channels);
        float[] variance = call.weightValues("moving_variance", channels);
        float[] gamma = layer.flag("scale", true) ? call.weightValues("gamma", channels) : null;
        float[] beta = layer.flag("center", true) ? call.weightValues("beta", channels) : null;
        float[] multiplier = new float[(int) channels];
        float[] shift = new float[(int) channels];
        for (int c = 0; c < multiplier.length; c++) {
            double m = (gamma == null ? 1.0 : gamma[c]) / Math.sqrt(variance[c] + epsilon);
            multiplier[c] = (float) m;
            shift[c] = (float) ((beta == null ? 0.0 : beta[c]) - mean[c] * m);
        }
        // Broadcast along the normalised axis: [C] for the last axis, [C, 1, ..., 1] otherwise.
        long[] broadcast = new long[dims.length - axis];
        Arrays.fill(broadcast, 1);
        broadcast[0] = channels;
        Operand<TFloat32> scaled = tf.math.mul(x, constant(tf, "multiplier", broadcast, multiplier));
        return tf.math.add(scaled, constant(tf, "shift", broadcast, shift));
    }

    private static int normalisationAxis(KerasLayer layer, int rank) {
        JsonNode node = layer.get("axis");
        if (node.isArray() && node.size() == 1) {
            node = node.get(0);
        }
        int axis = node.isMissingNode() || node.isNull() ? -1 : (node.canConvertToInt() ? node.asInt() : Integer.MIN_VALUE);
        int resolved = axis < 0 ? rank + axis : axis;
        if (resolved < 1 || resolved >= rank) {
            throw layer.error("config axis = " + layer.get("axis") + " for an input of rank " + rank
                    + " (expected: one axis other than the batch, -" + (rank - 1) + " to " + (rank - 1) + ")");
        }
        return resolved;
    }

    // ---- activations ----

    private static Operand<TFloat32> activation(LayerCall call) {
        if (call.layer().isUnset("activation")) {
            throw call.layer().error("config activation missing (expected: the name of an activation)");
        }
        return KerasActivations.apply(call.tf(), call.layer(), "activation", call.input());
    }

    /**
     * Keras' ReLU: {@code x} clipped to {@code max_value} above {@code threshold},
     * {@code negative_slope * (x - threshold)} below it. TF.js 4.x reads only max_value; the
     * other two are applied here as Keras defines them, since they are part of the model.
     */
    private static Operand<TFloat32> relu(LayerCall call) {
        KerasLayer layer = call.layer();
        Ops tf = call.tf();
        Operand<TFloat32> x = call.input();
        Double maxValue = layer.optionalNumber("max_value");
        double slope = layer.number("negative_slope", 0);
        double threshold = layer.number("threshold", 0);
        if (maxValue != null && maxValue < 0) {
            throw layer.error("config max_value = " + maxValue + " (expected: >= 0 or null)");
        }
        Operand<TFloat32> y;
        if (threshold == 0 && slope == 0 && maxValue != null && maxValue == 6) {
            return tf.nn.relu6(x);
        }
        if (threshold == 0) {
            y = tf.nn.relu(x);
        } else {
            Operand<TFloat32> above = tf.dtypes.cast(tf.math.greater(x, tf.constant((float) threshold)), TFloat32.class);
            y = tf.math.mul(x, above);
        }
        if (maxValue != null) {
            y = tf.clipByValue(y, tf.constant(0f), tf.constant(maxValue.floatValue()));
        }
        if (slope != 0) {
            Operand<TFloat32> below = tf.nn.relu(tf.math.sub(tf.constant((float) threshold), x));
            y = tf.math.sub(y, tf.math.mul(tf.constant((float) slope), below));
        }
        return y;
    }

    private static Operand<TFloat32> leakyRelu(LayerCall call) {
        KerasLayer layer = call.layer();
        // Keras 2 and TF.js call the slope alpha; Keras 3 calls it negative_slope.
        double alpha = layer.isUnset("alpha") ? layer.number("negative_slope", 0.3) : layer.number("alpha", 0.3);
        return call.tf().nn.leakyRelu(call.input(), LeakyRelu.alpha((float) alpha));
    }

    /** {@code relu(x) - alpha * relu(-x)} with a learned alpha per position, shared along shared_axes. */
    private static Operand<TFloat32> prelu(LayerCall call) {
        KerasLayer layer = call.layer();
        Ops tf = call.tf();
        Operand<TFloat32> x = call.input();
        long[] dims = call.dims(x);
        long[] alphaShape = Arrays.copyOfRange(dims, 1, dims.length);
        if (!layer.isUnset("shared_axes")) {
            for (int axis : layer.integers("shared_axes")) {
                if (axis < 1 || axis >= dims.length) {
                    throw layer.error("config shared_axes = " + layer.get("shared_axes") + " (expected: axes 1 to " + (dims.length - 1) + ")");
                }
                alphaShape[axis - 1] = 1;
            }
        }
        Operand<TFloat32> alpha = call.weight("alpha", alphaShape);
        return tf.math.sub(tf.nn.relu(x), tf.math.mul(alpha, tf.nn.relu(tf.math.neg(x))));
    }

    /** {@code x} above 0, {@code alpha * (exp(x) - 1)} below. */
    private static Operand<TFloat32> elu(LayerCall call) {
        Ops tf = call.tf();
        Operand<TFloat32> x = call.input();
        double alpha = call.layer().number("alpha", 1.0);
        if (alpha == 1.0) {
            return tf.nn.elu(x);
        }
        Operand<TFloat32> negative = tf.math.expm1(tf.math.minimum(x, tf.constant(0f)));
        return tf.math.add(tf.nn.relu(x), tf.math.mul(tf.constant((float) alpha), negative));
    }

    private static Operand<TFloat32> thresholdedRelu(LayerCall call) {
        Ops tf = call.tf();
        Operand<TFloat32> x = call.input();
        float theta = (float) call.layer().number("theta", 1.0);
        return tf.math.mul(x, tf.dtypes.cast(tf.math.greater(x, tf.constant(theta)), TFloat32.class));
    }

    private static Operand<TFloat32> softmax(LayerCall call) {
        KerasLayer layer = call.layer();
        Operand<TFloat32> x = call.input();
        int rank = call.dims(x).length;
        int axis = layer.integer("axis", -1);
        if (axis != -1 && axis != rank - 1) {
            throw layer.error("config axis = " + axis + " (expected: the last axis, -1 or " + (rank - 1) + ")");
        }
        return call.tf().nn.softmax(x);
    }

    // ---- spatial ----

    private static Operand<TFloat32> zeroPadding2d(LayerCall call) {
        KerasLayer layer = call.layer();
        layer.requireChannelsLast();
        Operand<TFloat32> x = call.input();
        call.dims(x, 4);
        int[][] pads = zeroPadding(layer);
        Ops tf = call.tf();
        return tf.pad(x, tf.constant(new int[][] {{0, 0}, pads[0], pads[1], {0, 0}}), tf.constant(0f));
    }

    /** Keras accepts 1, (1, 2) (symmetric per axis) or ((top, bottom), (left, right)). */
    private static int[][] zeroPadding(KerasLayer layer) {
        JsonNode p = layer.get("padding");
        if (p.isMissingNode() || p.isNull()) {
            return new int[][] {{1, 1}, {1, 1}};
        }
        if (p.canConvertToInt() && p.asInt() >= 0) {
            return new int[][] {{p.asInt(), p.asInt()}, {p.asInt(), p.asInt()}};
        }
        if (p.isArray() && p.size() == 2) {
            if (p.get(0).canConvertToInt() && p.get(1).canConvertToInt() && p.get(0).asInt() >= 0 && p.get(1).asInt() >= 0) {
                return new int[][] {{p.get(0).asInt(), p.get(0).asInt()}, {p.get(1).asInt(), p.get(1).asInt()}};
            }
            int[][] out = new int[2][];
            for (int i = 0; i < 2; i++) {
                JsonNode side = p.get(i);
                if (!side.isArray() || side.size() != 2 || !side.get(0).canConvertToInt() || !side.get(1).canConvertToInt()
                        || side.get(0).asInt() < 0 || side.get(1).asInt() < 0) {
                    out = null;
                    break;
                }
                out[i] = new int[] {side.get(0).asInt(), side.get(1).asInt()};
            }
            if (out != null) {
                return out;
            }
        }
        throw layer.error("config padding = " + p + " (expected: n, [rows, cols] or [[top, bottom], [left, right]], sizes >= 0)");
    }

    private static Operand<TFloat32> maxPooling2d(LayerCall call) {
        KerasLayer layer = call.layer();
        int[][] window = poolWindow(call);
        Ops tf = call.tf();
        return tf.nn.maxPool(call.input(), tf.constant(new int[] {1, window[0][0], window[0][1], 1}),
                tf.constant(new int[] {1, window[1][0], window[1][1], 1}), padding(layer));
    }

    /** TensorFlow's and TF.js's AvgPool both average over the window's positions inside the input, not the padding. */
    private static Operand<TFloat32> averagePooling2d(LayerCall call) {
        KerasLayer layer = call.layer();
        int[][] window = poolWindow(call);
        return call.tf().nn.avgPool(call.input(), nhwc(window[0]), nhwc(window[1]), padding(layer));
    }

    /** pool_size (default 2x2) and strides (default: pool_size). */
    private static int[][] poolWindow(LayerCall call) {
        KerasLayer layer = call.layer();
        layer.requireChannelsLast();
        call.dims(call.input(), 4);
        int[] size = layer.pair("pool_size", new int[] {2, 2});
        int[] strides = layer.pair("strides", size);
        return new int[][] {size, strides};
    }

    private static Operand<TFloat32> globalAveragePooling2d(LayerCall call) {
        KerasLayer layer = call.layer();
        layer.requireChannelsLast();
        Operand<TFloat32> x = call.input();
        call.dims(x, 4);
        Ops tf = call.tf();
        return tf.math.mean(x, tf.constant(new int[] {1, 2}), Mean.keepDims(layer.flag("keepdims", false)));
    }

    private static Operand<TFloat32> globalMaxPooling2d(LayerCall call) {
        KerasLayer layer = call.layer();
        layer.requireChannelsLast();
        Operand<TFloat32> x = call.input();
        call.dims(x, 4);
        Ops tf = call.tf();
        return tf.max(x, tf.constant(new int[] {1, 2}), Max.keepDims(layer.flag("keepdims", false)));
    }

    // ---- shape ----

    /** With channels_last, Keras' Flatten is a row-major reshape to [batch, everything else]. */
    private static Operand<TFloat32> flatten(LayerCall call) {
        KerasLayer layer = call.layer();
        layer.requireChannelsLast();
        Operand<TFloat32> x = call.input();
        long[] dims = call.dims(x);
        long[] rest = Arrays.copyOfRange(dims, 1, dims.length);
        requireKnown(layer, rest, "Flatten");
        long size = 1;
        for (long d : rest) {
            size = Math.multiplyExact(size, d);
        }
        return call.tf().reshape(x, call.tf().constant(new long[] {-1, size}));
    }

    private static Operand<TFloat32> reshape(LayerCall call) {
        KerasLayer layer = call.layer();
        Operand<TFloat32> x = call.input();
        int[] target = layer.integers("target_shape");
        long[] dims = call.dims(x);
        long[] rest = Arrays.copyOfRange(dims, 1, dims.length);
        requireKnown(layer, rest, "Reshape");
        long size = 1;
        for (long d : rest) {
            size = Math.multiplyExact(size, d);
        }
        // The batch takes TensorFlow's one -1, so a -1 in target_shape is resolved here.
        long[] shape = new long[target.length + 1];
        shape[0] = -1;
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1 && unknown < 0) {
                unknown = i;
            } else if (target[i] < 1) {
                throw layer.error("config target_shape = " + layer.get("target_shape") + " (expected: sizes >= 1 and at most one -1)");
            } else {
                known = Math.multiplyExact(known, target[i]);
            }
            shape[i + 1] = target[i];
        }
        if (unknown >= 0 ? size % known != 0 : size != known) {
            throw layer.error("config target_shape = " + layer.get("target_shape") + " for an input of " + size
                    + " values per example (expected: the same number of values)");
        }
        if (unknown >= 0) {
            shape[unknown + 1] = size / known;
        }
        return call.tf().reshape(x, call.tf().constant(shape));
    }

    // ---- merging ----

    private static Operand<TFloat32> merge(LayerCall call, int minimum, BinaryOperator<Operand<TFloat32>> op) {
        List<Operand<TFloat32>> inputs = call.inputs();
        if (inputs.size() < minimum) {
            throw call.layer().error(inputs.size() + " inputs (expected: at least " + minimum + ")");
        }
        Operand<TFloat32> y = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            y = op.apply(y, inputs.get(i));
        }
        return y;
    }

    private static Operand<TFloat32> subtract(LayerCall call) {
        call.layer().requireInputs(call.inputs(), 2);
        return call.tf().math.sub(call.inputs().get(0), call.inputs().get(1));
    }

    private static Operand<TFloat32> average(LayerCall call) {
        Operand<TFloat32> sum = merge(call, 2, call.tf().math::add);
        return call.tf().math.mul(sum, call.tf().constant(1f / call.inputs().size()));
    }

    private static Operand<TFloat32> concatenate(LayerCall call) {
        KerasLayer layer = call.layer();
        List<Operand<TFloat32>> inputs = call.inputs();
        if (inputs.size() < 2) {
            throw layer.error(inputs.size() + " inputs (expected: at least 2)");
        }
        int rank = call.dims(inputs.get(0)).length;
        int axis = layer.integer("axis", -1);
        if (axis < -rank || axis >= rank || axis == 0 || axis == -rank) {
            throw layer.error("config axis = " + axis + " for inputs of rank " + rank + " (expected: an axis other than the batch)");
        }
        return call.tf().concat(new ArrayList<>(inputs), call.tf().constant(axis));
    }

    // ---- shared config reads ----

    private static String padding(KerasLayer layer) {
        // Keras' "same" pads like TensorFlow's SAME: the extra row or column goes at the bottom/right.
        return layer.choice("padding", "valid", "same").toUpperCase(Locale.ROOT);
    }

    private static int[] requiredPair(KerasLayer layer, String field) {
        if (layer.isUnset(field)) {
            throw layer.error("config " + field + " missing (expected: an integer or a list of two)");
        }
        return layer.pair(field, null);
    }

    private static int[] dilation(KerasLayer layer, int[] strides) {
        int[] dilation = layer.pair("dilation_rate", new int[] {1, 1});
        boolean dilated = dilation[0] > 1 || dilation[1] > 1;
        if (dilated && (strides[0] > 1 || strides[1] > 1)) {
            throw layer.error("config dilation_rate = " + layer.get("dilation_rate") + " with strides " + layer.get("strides")
                    + " (expected: dilation_rate 1 where strides > 1, as Keras requires)");
        }
        return dilation;
    }

    private static List<Long> nhwc(int[] spatial) {
        return List.of(1L, (long) spatial[0], (long) spatial[1], 1L);
    }

    private static void requireKnown(KerasLayer layer, long[] dims, String what) {
        for (long d : dims) {
            if (d < 0) {
                throw layer.error(what + " of an input with unknown sizes " + Arrays.toString(dims)
                        + " besides the batch (expected: known sizes; give the model's input a full batch_input_shape)");
            }
        }
    }

    private static Operand<TFloat32> constant(Ops tf, String name, long[] shape, float[] values) {
        return tf.withName(name).constant(Shape.of(shape), DataBuffers.of(values, true, false));
    }
}
