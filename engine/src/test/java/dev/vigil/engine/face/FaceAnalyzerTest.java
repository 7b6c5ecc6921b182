package dev.vigil.engine.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.TestModels;
import dev.vigil.engine.model.MatPixels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * BlazeFace then FaceRes on real photos, with the default settings. Face counts and face
 * centres were read by eye from each photo (enlarged where faces are small); each centre must
 * fall in exactly one detected box and no box may be left over.
 */
class FaceAnalyzerTest {
    private static FaceModels models;

    @BeforeAll
    static void open() {
        models = FaceModels.open();
    }

    @AfterAll
    static void close() {
        models.close();
    }

    static Path photo(String source, String file) {
        return switch (source) {
            case "reference" -> TestModels.photo(file);
            case "fetched" -> TestModels.facePhoto(file);
            default -> throw new IllegalArgumentException(source);
        };
    }

    @ParameterizedTest(name = "{1}: {2}")
    @CsvSource(delimiter = ';', value = {
        // source; photo; face centres by eye (x:y in image pixels, space separated)
        "reference; astronaut.png; 225:125",                 // Eileen Collins, 512x512
        "reference; camera.png; 223:157",                    // the cameraman, profile, grey
        "reference; c.png; ''",                              // coaster and pen; BlazeFace's best: 0.306
        "reference; q0003.jpg; ''",                          // PDQ: blue sky
        "reference; q0004.jpg; ''",                          // PDQ: clouds
        "reference; q0122.jpg; ''",                          // PDQ: sea and a boat
        "reference; q0291.jpg; 47:43 131:46 166:48",         // PDQ: three men walking, faces ~20 px in 256x256
        "reference; q0746.jpg; ''",                          // PDQ: stacked strips
        "reference; q1050.jpg; ''",                          // PDQ: Amsterdam house fronts
        "reference; q2821.jpg; ''",                          // PDQ: zebra stripes
        "reference; small.jpg; ''",                          // PDQ: black, 224x399
        "reference; wee.jpg; ''",                            // PDQ: 34x42 letters
        "fetched; messi5.jpg; 247:114",                      // footballer; the crowd behind is ~10 px blur
        "fetched; quickie-flip-example-source.jpg; 77:62 125:60 153:55 188:40 222:60", // five soldiers, faces 15-24 px
    })
    void findsTheFacesSeenByEye(String source, String file, String centres) {
        List<double[]> expected = new ArrayList<>();
        for (String c : centres.isBlank() ? new String[0] : centres.trim().split(" ")) {
            String[] xy = c.split(":");
            expected.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
        }
        FaceAnalyzer analyzer = new FaceAnalyzer(models.blazeface(), models.faceres());
        try (MatPixels pixels = new MatPixels(photo(source, file))) {
            List<Face> faces = analyzer.analyze(pixels);
            for (Face f : faces) {
                FaceBox b = f.box();
                System.out.printf("%s: score %.3f box [%.0f, %.0f %.0fx%.0f] age %.1f (mean %.1f) P(<18) %.3f P(male) %.3f%n",
                        file, b.score(), b.x(), b.y(), b.width(), b.height(), f.attributes().humanAge(),
                        f.attributes().expectedAge(), f.attributes().minorProbability(), f.attributes().male());
            }
            assertEquals(expected.size(), faces.size(), file + ": faces");
            for (double[] centre : expected) {
                long holding = faces.stream().filter(f -> contains(f.box(), centre)).count();
                assertEquals(1, holding, file + ": boxes holding the face at " + centre[0] + ", " + centre[1]);
            }
        }
    }

    private static boolean contains(FaceBox b, double[] p) {
        return p[0] >= b.x() && p[0] <= b.x() + b.width() && p[1] >= b.y() && p[1] <= b.y() + b.height();
    }

    /**
     * The top face of astronaut and camera against human's decoding (detections.json), and
     * FaceRes on Vigil's own crop of it against FaceRes's outputs on human's crop. c.png's
     * false face (0.306, below Vigil's threshold) is cut with human's settings.
     */
    @ParameterizedTest
    @CsvSource({"astronaut.png, photo-astronaut, 0.4", "camera.png, photo-camera, 0.4", "c.png, photo-c, 0.2"})
    void agreesWithHuman(String file, String name, double threshold) throws Exception {
        JsonNode detection = null;
        for (JsonNode d : new ObjectMapper().readTree(TestModels.reference("blazeface").resolve("detections.json").toFile()).get("detections")) {
            if (d.get("case").asText().equals(name)) {
                detection = d;
            }
        }
        JsonNode expected = detection.get("boxes").get(0);
        FaceAnalyzer analyzer = new FaceAnalyzer(models.blazeface(), models.faceres(), new BlazeFaceDecoder(threshold, 20, 0.1, 1.4), 16);
        try (MatPixels pixels = new MatPixels(TestModels.photo(file))) {
            List<FaceBox> boxes = analyzer.detect(pixels);
            FaceBox top = boxes.get(0);
            double fx = pixels.width() / 256.0;
            double fy = pixels.height() / 256.0;
            JsonNode raw = expected.get("raw");
            double worstBox = Math.max(
                    Math.max(Math.abs(top.x() - raw.get("startPoint").get(0).asDouble() * fx), Math.abs(top.y() - raw.get("startPoint").get(1).asDouble() * fy)),
                    Math.max(Math.abs(top.x() + top.width() - raw.get("endPoint").get(0).asDouble() * fx),
                            Math.abs(top.y() + top.height() - raw.get("endPoint").get(1).asDouble() * fy)));
            CropBox crop = top.crop();
            int worstCrop = Math.max(Math.max(Math.abs(crop.left() - expected.get("startPoint").get(0).asInt()), Math.abs(crop.top() - expected.get("startPoint").get(1).asInt())),
                    Math.max(Math.abs(crop.right() - expected.get("endPoint").get(0).asInt()), Math.abs(crop.bottom() - expected.get("endPoint").get(1).asInt())));
            assertTrue(worstBox <= 1, file + ": box off by " + worstBox + " px");
            assertTrue(worstCrop <= 1, file + ": crop off by " + worstCrop + " px");

            FaceAttributes ours = analyzer.describe(List.of(new FaceAnalyzer.ImageFaces(pixels, List.of(top)))).get(0).get(0).attributes();
            Path dir = TestModels.reference("faceres");
            float[] age = TestModels.readFloats(dir.resolve(name + "-face0.out0.f32"));
            float[] gender = TestModels.readFloats(dir.resolve(name + "-face0.out1.f32"));
            float[] descriptor = TestModels.readFloats(dir.resolve(name + "-face0.out2.f32"));
            double worstAge = 0;
            for (int i = 0; i < 100; i++) {
                worstAge = Math.max(worstAge, Math.abs(age[i] - ours.ageDistribution()[i]));
            }
            double cosine = cosine(descriptor, ours.descriptor());
            FaceAttributes theirs = new FaceAttributes(age, gender[0], descriptor);
            System.out.printf("%s: box within %.2g px, crop within %d px of human; age bins within %.1e, P(male) within %.1e, "
                            + "descriptor cosine %.7f, similarity %.4f; human age %.1f (human's %.1f), P(<18) %.3f%n",
                    file, worstBox, worstCrop, worstAge, Math.abs(gender[0] - ours.male()), cosine, ours.similarity(theirs),
                    ours.humanAge(), theirs.humanAge(), ours.minorProbability());
            assertTrue(worstAge < 1e-3, file + ": age bins off by " + worstAge);
            assertEquals(gender[0], ours.male(), 1e-3, file + ": P(male)");
            assertTrue(cosine > 0.999, file + ": descriptor cosine " + cosine);
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Faces of three images in one call, split into FaceRes runs of 4, give each image's faces as if alone. */
    @Test
    void facesOfManyImagesShareBatches() {
        FaceAnalyzer batched = new FaceAnalyzer(models.blazeface(), models.faceres(), BlazeFaceDecoder.defaults(), 4);
        FaceAnalyzer alone = new FaceAnalyzer(models.blazeface(), models.faceres());
        try (MatPixels astronaut = new MatPixels(TestModels.photo("astronaut.png"));
             MatPixels walkers = new MatPixels(TestModels.photo("q0291.jpg"));
             MatPixels soldiers = new MatPixels(TestModels.facePhoto("quickie-flip-example-source.jpg"))) {
            List<FaceAnalyzer.ImageFaces> requests = List.of(
                    new FaceAnalyzer.ImageFaces(astronaut, batched.detect(astronaut)),
                    new FaceAnalyzer.ImageFaces(walkers, batched.detect(walkers)),
                    new FaceAnalyzer.ImageFaces(soldiers, batched.detect(soldiers)));
            List<List<Face>> together = batched.describe(requests);   // 1 + 3 + 5 crops: runs of 4, 4, 1
            assertEquals(List.of(1, 3, 5), together.stream().map(List::size).toList());
            for (int i = 0; i < requests.size(); i++) {
                List<Face> single = alone.describe(List.of(requests.get(i))).get(0);
                for (int f = 0; f < single.size(); f++) {
                    FaceAttributes a = together.get(i).get(f).attributes();
                    FaceAttributes b = single.get(f).attributes();
                    assertEquals(requests.get(i).boxes().get(f), together.get(i).get(f).box());
                    assertEquals(b.male(), a.male(), 1e-5);
                    assertEquals(b.minorProbability(), a.minorProbability(), 1e-5);
                    assertTrue(cosine(a.descriptor(), b.descriptor()) > 0.99999);
                }
            }
            assertEquals(List.of(List.of()), batched.describe(List.of(new FaceAnalyzer.ImageFaces(astronaut, List.of()))));
        }
    }

    @Test
    void refusesSwappedModels() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.vigil.engine.GateException.class, () -> new FaceAnalyzer(models.faceres(), models.blazeface()));
        assertEquals("model faceres/1: task face-attributes (expected: face-detector)", e.getMessage());
    }
}
