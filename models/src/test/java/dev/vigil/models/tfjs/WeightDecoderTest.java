package dev.vigil.models.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.models.ImportException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightDecoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static WeightSpec spec(String json) throws Exception {
        return WeightSpec.parse("m", JSON.readTree(json));
    }

    @Test
    void dequantisesAffineUint8AsTfjsDoes() throws Exception {
        WeightSpec s = spec("{\"name\":\"w\",\"shape\":[3],\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"uint8\",\"min\":-1.5,\"scale\":0.1}}");
        Map<String, WeightTensor> w = WeightDecoder.decode("m", List.of(s), ByteBuffer.wrap(new byte[] {0, 15, (byte) 255}));
        assertArrayEquals(new float[] {-1.5f, (float) (15 * 0.1 - 1.5), (float) (255 * 0.1 - 1.5)}, w.get("w").floats());
    }

    @Test
    void widensFloat16Exactly() throws Exception {
        WeightSpec s = spec("{\"name\":\"h\",\"shape\":[2,3],\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"float16\"}}");
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        // 1.0, -2.0, 65504 (largest half), 2^-24 (smallest subnormal), -0.0, +infinity
        for (int h : new int[] {0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00}) {
            b.putShort((short) h);
        }
        b.flip();
        float[] v = WeightDecoder.decode("m", List.of(s), b).get("h").floats();
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, -0f, Float.POSITIVE_INFINITY}, v);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(v[4]));
    }

    @Test
    void readsInt32AndFloat32InManifestOrder() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(-7).putFloat(0.25f).putFloat(3f);
        b.flip();
        Map<String, WeightTensor> w = WeightDecoder.decode("m", List.of(
                spec("{\"name\":\"i\",\"shape\":[1],\"dtype\":\"int32\"}"),
                spec("{\"name\":\"f\",\"shape\":[2],\"dtype\":\"float32\"}")), b);
        assertArrayEquals(new int[] {-7}, w.get("i").ints());
        assertArrayEquals(new float[] {0.25f, 3f}, w.get("f").floats());
    }

    @Test
    void truncatedWeightsNameBothSizes() throws Exception {
        WeightSpec s = spec("{\"name\":\"w\",\"shape\":[4],\"dtype\":\"float32\"}");
        ImportException e = assertThrows(ImportException.class, () -> WeightDecoder.decode("m", List.of(s), ByteBuffer.allocate(12)));
        assertEquals("m: weights: shards hold 12 bytes (expected: 16 bytes for the 1 weights in weightsManifest)", e.getMessage());
    }

    @Test
    void unknownDtypeIsNamed() {
        ImportException e = assertThrows(ImportException.class, () -> spec("{\"name\":\"s\",\"shape\":[1],\"dtype\":\"string\"}"));
        assertTrue(e.getMessage().contains("weight s: dtype string is not supported"), e.getMessage());
        ImportException q = assertThrows(ImportException.class,
                () -> spec("{\"name\":\"s\",\"shape\":[1],\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"int4\"}}"));
        assertTrue(q.getMessage().contains("quantization dtype int4 is not supported"), q.getMessage());
    }
}
