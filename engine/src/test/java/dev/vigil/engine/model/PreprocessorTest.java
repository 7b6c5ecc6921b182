package dev.vigil.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.TestModels;
import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.Pixels;
import dev.vigil.models.repository.ModelManifest;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.ndarray.buffer.DataBuffers;

/**
 * Preprocessing against the original libraries: the reference runtime saved the exact tensors
 * nsfwjs and human fed their models for these PNG photos (PNG decoding is exact in both
 * runtimes, so every difference would be the resize or the value mapping).
 */
class PreprocessorTest {

    @ParameterizedTest
    @CsvSource({
        "nsfw-mobilenet-v2-mid, c.png, photo-c",            // 1432x812 -> 224x224, align corners, [0,1]
        "nsfw-mobilenet-v2-mid, astronaut.png, photo-astronaut",
        "nsfw-inception-v3, camera.png, photo-camera",      // greyscale PNG -> 299x299
        "blazeface, c.png, photo-c",                         // -> 256x256, legacy bilinear, [-1,1]
        "blazeface, astronaut.png, photo-astronaut",
    })
    void matchesTheTensorTheOriginalLibraryFed(String model, String photo, String referenceCase) throws IOException {
        ModelManifest manifest = TestModels.repository().latest(model);
        Preprocessor pre = new Preprocessor(manifest.input());
        float[] expected = TestModels.readFloats(TestModels.reference(model).resolve(referenceCase + ".input.f32"));
        float[] actual = new float[(int) pre.imageSize()];
        try (MatPixels pixels = new MatPixels(TestModels.photo(photo))) {
            pre.write(pixels, DataBuffers.of(actual, false, false), 0);
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        System.err.printf("%s %s: worst |Vigil - original| input difference %.1e%n", model, photo, worst);
        assertTrue(worst <= 1e-6, model + " " + photo + ": input differs by " + worst);
    }

    /** A 2x2 image scaled to 3x3 with align corners, computed by hand. */
    @Test
    void alignCornersByHand() {
        ModelManifest.Input input = new ModelManifest.Input("image", "in", "in:0", "float32", new long[] {1, 3, 3, 3}, "RGB", "NHWC",
                "bilinear-align-corners", new double[] {0, 255}, "test");
        // RGB pixels: (0,0)=red 0/100, rest: R channel 0, 100 / 200, 40
        byte[] bytes = {0, 1, 2, 100, 1, 2, (byte) 200, 1, 2, 40, 1, 2};
        Pixels p = raw(bytes, 2, 2, PixelFormat.RGB);
        float[] out = new float[27];
        new Preprocessor(input).write(p, DataBuffers.of(out, false, false), 0);
        float[] red = new float[9];
        for (int i = 0; i < 9; i++) {
            red[i] = out[3 * i];
        }
        // corners keep their values; centre is the mean of the four
        assertArrayEquals(new float[] {0, 50, 100, 100, 85, 70, 200, 120, 40}, red, 1e-5f);
        assertEquals(1f, out[1]);
        assertEquals(2f, out[2]);
    }

    /** BGR pixels come out in the model's RGB order. */
    @Test
    void channelOrderFollowsTheManifest() {
        ModelManifest.Input input = new ModelManifest.Input("image", "in", "in:0", "float32", new long[] {1, 1, 1, 3}, "RGB", "NHWC",
                "bilinear", new double[] {0, 1}, "test");
        float[] out = new float[3];
        new Preprocessor(input).write(raw(new byte[] {(byte) 255, 0, 51, 0}, 1, 1, PixelFormat.BGRA), DataBuffers.of(out, false, false), 0);
        assertArrayEquals(new float[] {0.2f, 0f, 1f}, out, 1e-7f);
    }

    static Pixels raw(byte[] bytes, int w, int h, PixelFormat format) {
        return HeapPixels.of(bytes, w, h, format);
    }
}
