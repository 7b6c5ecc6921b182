package dev.vigil.models.tfjs;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * One application of a Keras layer while its graph is built: the scope its ops go into (a
 * sub-scope named after the layer), the layer, the tensors it is applied to and the model's
 * weights. Lives only while {@link KerasLayers} builds that layer. Not thread-safe.
 */
record LayerCall(Ops tf, KerasLayer layer, List<Operand<TFloat32>> inputs, LayerWeights weights) {

    /** The only input; fails for a layer applied to several tensors. */
    Operand<TFloat32> input() {
        layer.requireInputs(inputs, 1);
        return inputs.get(0);
    }

    /** The weight as a constant, after checking its shape (-1: any size). */
    Operand<TFloat32> weight(String name, long... expectedShape) {
        return weights.constant(tf, layer, name, expectedShape);
    }

    /** The weight's values, for layers that fold weights together before building constants. */
    float[] weightValues(String name, long... expectedShape) {
        return weights.values(layer, name, expectedShape);
    }

    /** The static shape of a tensor, -1 for sizes unknown until run time (the batch). */
    long[] dims(Operand<TFloat32> x) {
        if (x.shape().isUnknown()) {
            throw layer.error("input of unknown rank (expected: a tensor of known rank)");
        }
        return x.shape().asArray();
    }

    /** The static shape, checking the rank the layer needs. */
    long[] dims(Operand<TFloat32> x, int rank) {
        long[] d = dims(x);
        if (d.length != rank) {
            throw layer.error("input of rank " + d.length + " " + Arrays.toString(d) + " (expected: rank " + rank + ")");
        }
        return d;
    }
}
