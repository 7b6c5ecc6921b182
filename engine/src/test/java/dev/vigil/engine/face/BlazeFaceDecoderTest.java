package dev.vigil.engine.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.GateException;
import dev.vigil.engine.TestModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Decoding on hand-made outputs (values worked out by hand) and on human's own reference outputs. */
class BlazeFaceDecoderTest {
    /** All anchors at logit -10 (score 4.5e-5) with zero offsets. */
    private static Map<String, float[]> silence() {
        Map<String, float[]> out = new HashMap<>();
        float[] s16 = new float[512];
        float[] s8 = new float[384];
        Arrays.fill(s16, -10f);
        Arrays.fill(s8, -10f);
        out.put("scores_16x16", s16);
        out.put("scores_8x8", s8);
        out.put("boxes_16x16", new float[512 * 16]);
        out.put("boxes_8x8", new float[384 * 16]);
        return out;
    }

    /** Anchor {@code index} (0..895) gets {@code logit} and box (dx, dy, w, h); keypoint k gets offset (k, -k). */
    private static void face(Map<String, float[]> out, int index, float logit, float dx, float dy, float w, float h) {
        boolean first = index < 512;
        int i = first ? index : index - 512;
        out.get(first ? "scores_16x16" : "scores_8x8")[i] = logit;
        float[] boxes = out.get(first ? "boxes_16x16" : "boxes_8x8");
        float[] row = {dx, dy, w, h, 0, 0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5};
        System.arraycopy(row, 0, boxes, i * 16, 16);
    }

    @Test
    void boxLandmarksAndCropInImagePixels() {
        Map<String, float[]> out = silence();
        // 16x16 grid, row 3, column 7, second anchor: index (3 * 16 + 7) * 2 + 1 = 111, centre (120, 56)
        face(out, 111, 2f, 1.5f, -2f, 40f, 30f);
        List<FaceBox> faces = BlazeFaceDecoder.defaults().decode(out, 512, 256); // x scale 2, y scale 1
        assertEquals(1, faces.size());
        FaceBox f = faces.get(0);
        assertEquals((float) (1 / (1 + Math.exp(-2))), f.score());
        // centre (121.5, 54) ± (20, 15) in the 256 input -> x 101.5..141.5, y 39..69 -> image x * 2
        assertEquals(203, f.x());
        assertEquals(39, f.y());
        assertEquals(80, f.width());
        assertEquals(30, f.height());
        for (int k = 0; k < 6; k++) {
            assertEquals(new FaceBox.Point((120 + k) * 2, 56 - k), f.landmarks().get(k));
        }
        // centre (243, 54); enlarged 1.4x: 112 x 42; squared to 112: [187, -2]-[299, 110]
        assertEquals(new CropBox(187, -2, 299, 110), f.crop());
    }

    @Test
    void secondGridAnchors() {
        Map<String, float[]> out = silence();
        // 8x8 grid (stride 32), row 2, column 5, fourth anchor: 512 + (2 * 8 + 5) * 6 + 3 = 641, centre (176, 80)
        face(out, 641, 3f, 0, 0, 64, 64);
        FaceBox f = BlazeFaceDecoder.defaults().decode(out, 256, 256).get(0);
        assertEquals(144, f.x());
        assertEquals(48, f.y());
        assertEquals(new FaceBox.Point(176, 80), f.landmark(FaceBox.Landmark.IMAGE_LEFT_EYE));
    }

    @Test
    void overlappingBoxesAreOneFaceAndTheBestScoreWins() {
        Map<String, float[]> out = silence();
        face(out, 110, 1f, 0, 0, 40, 40);   // same cell as 111, same box
        face(out, 111, 2f, 2, 0, 40, 40);   // IoU with 110: 38 * 40 / (2 * 1600 - 38 * 40) = 0.905
        face(out, 20, 1.5f, 0, 0, 20, 20);  // row 0, column 10: far away
        List<FaceBox> faces = BlazeFaceDecoder.defaults().decode(out, 256, 256);
        assertEquals(2, faces.size());
        assertEquals(102, faces.get(0).x()); // anchor 111: 120 + 2 - 20
        assertEquals(158, faces.get(1).x()); // anchor 20: 168 - 10
    }

    @Test
    void iouAtTheThresholdSuppresses() {
        Map<String, float[]> out = silence();
        // two 40x40 boxes 36 px apart: IoU = 4 * 40 / (3200 - 160) = 0.0526
        face(out, 111, 2f, 0, 0, 40, 40);
        face(out, 111 + 4, 1f, 4, 0, 40, 40); // anchor 115: two cells right (+32) and 4 more
        assertEquals(2, new BlazeFaceDecoder(0.5, 20, 0.06, 1.4).decode(out, 256, 256).size());
        assertEquals(1, new BlazeFaceDecoder(0.5, 20, 160.0 / 3040, 1.4).decode(out, 256, 256).size());
    }

    @Test
    void maxFacesKeepsTheHighestScores() {
        Map<String, float[]> out = silence();
        for (int k = 0; k < 5; k++) {
            face(out, 2 * 16 * 3 * k, 1f + k, 0, 0, 10, 10); // rows 0, 3, 6, 9, 12, column 0
        }
        List<FaceBox> faces = new BlazeFaceDecoder(0.5, 3, 0.1, 1.4).decode(out, 256, 256);
        assertEquals(3, faces.size());
        assertEquals(List.of(200.0, 152.0, 104.0), faces.stream().map(FaceBox::centerY).toList());
    }

    @Test
    void scoreMustExceedTheThresholdAndTiesGoToTheLowerAnchor() {
        Map<String, float[]> out = silence();
        face(out, 300, 0f, 0, 0, 10, 10); // sigmoid(0) = 0.5 exactly
        face(out, 40, 0f, 0, 0, 10, 10);
        assertEquals(0, new BlazeFaceDecoder(0.5, 20, 0.1, 1.4).decode(out, 256, 256).size());
        List<FaceBox> faces = new BlazeFaceDecoder(0.49, 20, 0.1, 1.4).decode(out, 256, 256);
        assertEquals(2, faces.size());
        assertEquals(72, faces.get(0).centerX()); // anchor 40: row 1, column 4; anchor 300: row 9, column 6 (x 104)
        assertEquals(104, faces.get(1).centerX());
    }

    @Test
    void missingOrShortOutputIsNamed() {
        Map<String, float[]> out = silence();
        out.remove("boxes_8x8");
        var e = assertThrows(GateException.class, () -> BlazeFaceDecoder.defaults().decode(out, 10, 10));
        assertTrue(e.getMessage().startsWith("blazeface output boxes_8x8: missing"), e.getMessage());
        out.put("boxes_8x8", new float[10]);
        e = assertThrows(GateException.class, () -> BlazeFaceDecoder.defaults().decode(out, 10, 10));
        assertEquals("blazeface output boxes_8x8: 10 values (expected: 6144)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BlazeFaceDecoder(1.0, 20, 0.1, 1.4));
        assertThrows(IllegalArgumentException.class, () -> new BlazeFaceDecoder(0.5, 0, 0.1, 1.4));
    }

    /**
     * human's own BlazeFace outputs for three photos, decoded here with human's settings, give
     * the boxes human's decoding wrote (detections.json): same anchor, same float32 box, same
     * rounded crop, landmarks to 1e-9.
     */
    @ParameterizedTest
    @ValueSource(strings = {"photo-astronaut", "photo-camera", "photo-c"})
    void humansOutputsDecodeToHumansBoxes(String name) throws Exception {
        Path dir = TestModels.reference("blazeface");
        // the reference names files by output tensor, sorted: Identity (512 scores), Identity_1
        // (384 scores), Identity_2 (512 boxes), Identity_3 (384 boxes)
        Map<String, float[]> out = Map.of(
                "scores_16x16", TestModels.readFloats(dir.resolve(name + ".out0.f32")),
                "scores_8x8", TestModels.readFloats(dir.resolve(name + ".out1.f32")),
                "boxes_16x16", TestModels.readFloats(dir.resolve(name + ".out2.f32")),
                "boxes_8x8", TestModels.readFloats(dir.resolve(name + ".out3.f32")));
        JsonNode detection = null;
        for (JsonNode d : new ObjectMapper().readTree(dir.resolve("detections.json").toFile()).get("detections")) {
            if (d.get("case").asText().equals(name)) {
                detection = d;
            }
        }
        int width = detection.get("width").asInt();
        int height = detection.get("height").asInt();
        JsonNode expected = detection.get("boxes").get(0);
        List<FaceBox> faces = BlazeFaceDecoder.human(1).decode(out, width, height);
        assertEquals(1, faces.size());
        FaceBox f = faces.get(0);
        assertEquals((float) expected.get("confidence").asDouble(), f.score());
        double fx = width / 256.0;
        double fy = height / 256.0;
        JsonNode raw = expected.get("raw");
        assertEquals(raw.get("startPoint").get(0).asDouble(), f.x() / fx, 1e-9);
        assertEquals(raw.get("startPoint").get(1).asDouble(), f.y() / fy, 1e-9);
        assertEquals(raw.get("endPoint").get(0).asDouble(), (f.x() + f.width()) / fx, 1e-9);
        assertEquals(raw.get("endPoint").get(1).asDouble(), (f.y() + f.height()) / fy, 1e-9);
        CropBox crop = new CropBox(expected.get("startPoint").get(0).asInt(), expected.get("startPoint").get(1).asInt(),
                expected.get("endPoint").get(0).asInt(), expected.get("endPoint").get(1).asInt());
        assertEquals(crop, f.crop());
        for (int k = 0; k < 6; k++) {
            assertEquals(expected.get("landmarks").get(k).get(0).asDouble(), f.landmarks().get(k).x(), 1e-9);
            assertEquals(expected.get("landmarks").get(k).get(1).asDouble(), f.landmarks().get(k).y(), 1e-9);
        }
    }
}
