package dev.vigil.engine.face;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.TestModels;
import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.model.HeapPixels;
import dev.vigil.engine.model.MatPixels;
import dev.vigil.models.repository.ModelManifest;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.ndarray.buffer.DataBuffers;

/** The FaceRes input cut here against the tensor human fed FaceRes, and crop_and_resize's edges. */
class FaceCropperTest {
    private static final int SIZE = 224 * 224 * 3;

    private static ModelManifest.Input faceres() {
        return TestModels.repository().latest("faceres").input();
    }

    private static float[] crop(FaceCropper cropper, dev.vigil.engine.image.Pixels pixels, CropBox box) {
        float[] out = new float[SIZE];
        cropper.write(pixels, box, DataBuffers.of(out, false, false));
        return out;
    }

    /**
     * Boxes from human's decoding (crops.json). PNG photos only: PNG decoding is exact in both
     * runtimes, while jpeg-js and OpenCV's libjpeg-turbo differ by a few levels per pixel.
     */
    @ParameterizedTest
    @CsvSource({
        "astronaut.png, photo-astronaut-face0",
        "camera.png, photo-camera-face0",    // grey PNG, read as BGR
        "c.png, photo-c-face0",              // 1432x812 RGBA, a large box
    })
    void equalsTheTensorHumanFedFaceRes(String photo, String referenceCase) throws Exception {
        Path dir = TestModels.reference("faceres");
        JsonNode crop = null;
        for (JsonNode c : new ObjectMapper().readTree(dir.resolve("crops.json").toFile()).get("crops")) {
            if (c.get("case").asText().equals(referenceCase)) {
                crop = c;
            }
        }
        CropBox box = new CropBox(crop.get("startPoint").get(0).asInt(), crop.get("startPoint").get(1).asInt(),
                crop.get("endPoint").get(0).asInt(), crop.get("endPoint").get(1).asInt());
        float[] expected = TestModels.readFloats(dir.resolve(referenceCase + ".input.f32"));
        float[] actual;
        try (MatPixels pixels = new MatPixels(TestModels.photo(photo))) {
            actual = crop(new FaceCropper(faceres()), pixels, box);
        }
        double worst = 0;
        for (int i = 0; i < SIZE; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        System.out.printf("%s %s: worst |Vigil - human| FaceRes input difference %.1e%n", photo, box, worst);
        assertArrayEquals(expected, actual, photo);
    }

    @Test
    void outsideTheImageIsBlack() {
        byte[] white = new byte[10 * 10 * 3];
        Arrays.fill(white, (byte) 255);
        FaceCropper cropper = new FaceCropper(faceres());
        HeapPixels image = HeapPixels.of(white, 10, 10, PixelFormat.RGB);
        // normalised box [-1, -1]-[0.5, 0.5]: crop_and_resize samples x = -9 + 13.5 * i / 191,
        // negative (black) up to i = 127, inside from i = 128 on
        float[] out = crop(cropper, image, new CropBox(-10, -10, 5, 5));
        assertEquals(0f, out[0]);
        assertEquals(255f, out[SIZE - 1]);
        // output column c samples mesh column 192 c / 224: c = 149 -> 127.7 (black-white blend), c = 150 -> 128.57 (white)
        int row = 223 * 224 * 3;
        assertEquals(0f, out[row + 148 * 3]);
        assertTrue(out[row + 149 * 3] > 0 && out[row + 149 * 3] < 255, "blend: " + out[row + 149 * 3]);
        assertEquals(255f, out[row + 150 * 3]);
        float[] gone = crop(cropper, image, new CropBox(20, 20, 30, 30));
        assertArrayEquals(new float[SIZE], gone);
    }

    @Test
    void greyBgrAndRgbaGiveTheSameRgbInput() {
        byte[] grey = new byte[7 * 5];
        byte[] bgr = new byte[7 * 5 * 3];
        byte[] rgba = new byte[7 * 5 * 4];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = (byte) (i * 7);
            Arrays.fill(bgr, 3 * i, 3 * i + 3, grey[i]);
            Arrays.fill(rgba, 4 * i, 4 * i + 3, grey[i]);
            rgba[4 * i + 3] = (byte) 17;
        }
        FaceCropper cropper = new FaceCropper(faceres());
        CropBox box = new CropBox(1, 0, 6, 5);
        float[] fromGrey = crop(cropper, HeapPixels.of(grey, 7, 5, PixelFormat.GRAY), box);
        assertArrayEquals(fromGrey, crop(cropper, HeapPixels.of(bgr, 7, 5, PixelFormat.BGR), box));
        assertArrayEquals(fromGrey, crop(cropper, HeapPixels.of(rgba, 7, 5, PixelFormat.RGBA), box));
    }
}
