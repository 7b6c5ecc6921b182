package dev.vigil.models.tfjs;

import dev.vigil.models.ImportException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the concatenated shard bytes of a TensorFlow.js model into named tensors, the way
 * {@code tf.io.decodeWeights} does: weights follow each other in manifest order with no
 * padding; affine-quantised values become {@code v * scale + min} (computed in double, then
 * rounded to float32 as JavaScript's Float32Array does); float16 values are widened exactly.
 * Stateless and thread-safe.
 */
public final class WeightDecoder {
    private WeightDecoder() {
    }

    public static Map<String, WeightTensor> decode(String model, List<WeightSpec> specs, ByteBuffer data) {
        long expected = 0;
        for (WeightSpec spec : specs) {
            expected += spec.storedBytes();
        }
        if (expected != data.remaining()) {
            throw new ImportException(model, "weights: shards hold " + data.remaining() + " bytes (expected: "
                    + expected + " bytes for the " + specs.size() + " weights in weightsManifest)");
        }
        ByteBuffer in = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (WeightSpec spec : specs) {
            int n = Math.toIntExact(spec.elementCount());
            WeightTensor tensor = switch (spec.storedDtype()) {
                case "float32" -> {
                    float[] v = new float[n];
                    in.asFloatBuffer().get(v);
                    in.position(in.position() + 4 * n);
                    yield new WeightTensor(spec.name(), "float32", spec.shape(), v, null);
                }
                case "int32" -> {
                    int[] v = new int[n];
                    in.asIntBuffer().get(v);
                    in.position(in.position() + 4 * n);
                    yield new WeightTensor(spec.name(), "int32", spec.shape(), null, v);
                }
                case "bool" -> {
                    int[] v = new int[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = in.get() != 0 ? 1 : 0;
                    }
                    yield new WeightTensor(spec.name(), "bool", spec.shape(), null, v);
                }
                case "uint8", "uint16" -> dequantiseAffine(spec, in, n);
                case "float16" -> {
                    float[] v = new float[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = halfToFloat(in.getShort());
                    }
                    yield new WeightTensor(spec.name(), "float32", spec.shape(), v, null);
                }
                default -> throw new ImportException(model, "weight " + spec.name() + ": stored dtype " + spec.storedDtype() + " is not supported");
            };
            if (out.put(spec.name(), tensor) != null) {
                throw new ImportException(model, "weightsManifest: weight name " + spec.name() + " appears twice (expected: unique names)");
            }
        }
        return out;
    }

    private static WeightTensor dequantiseAffine(WeightSpec spec, ByteBuffer in, int n) {
        boolean wide = spec.storedDtype().equals("uint16");
        if (spec.dtype().equals("int32")) {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                int q = wide ? Short.toUnsignedInt(in.getShort()) : Byte.toUnsignedInt(in.get());
                v[i] = (int) Math.round(q * spec.scale() + spec.min());
            }
            return new WeightTensor(spec.name(), "int32", spec.shape(), null, v);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int q = wide ? Short.toUnsignedInt(in.getShort()) : Byte.toUnsignedInt(in.get());
            v[i] = (float) (q * spec.scale() + spec.min());
        }
        return new WeightTensor(spec.name(), "float32", spec.shape(), v, null);
    }

    /**
     * IEEE 754 binary16 to binary32, exact for every input (subnormals, infinities and NaN
     * included). {@code Float.float16ToFloat} does this from Java 20 on; Vigil runs on 17.
     */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24, exactly representable in float32
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
