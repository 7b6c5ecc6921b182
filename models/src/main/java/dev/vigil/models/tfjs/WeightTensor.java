package dev.vigil.models.tfjs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A decoded (dequantised) weight: the values a TensorFlow.js runtime would hold after loading.
 * Exactly one of {@code floats} and {@code ints} is non-null ({@code bool} weights are kept
 * as ints 0/1). Plain Java arrays: nothing native to close; not to be mutated after decode.
 */
public record WeightTensor(String name, String dtype, long[] shape, float[] floats, int[] ints) {

    /** Little-endian bytes of the values, as TensorFlow's {@code tensor_content} wants them. */
    public byte[] littleEndianBytes() {
        int n = floats != null ? floats.length : ints.length;
        int width = dtype.equals("bool") ? 1 : 4;
        ByteBuffer out = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
        if (floats != null) {
            out.asFloatBuffer().put(floats);
        } else if (width == 1) {
            for (int v : ints) {
                out.put((byte) v);
            }
        } else {
            out.asIntBuffer().put(ints);
        }
        return out.array();
    }

    public int size() {
        return floats != null ? floats.length : ints.length;
    }
}
