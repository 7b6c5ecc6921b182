package dev.vigil.engine.face;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.TestModels;
import dev.vigil.engine.model.MatPixels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Groundwork for the {@code source_match} threshold: FaceAttributes.similarity between a face
 * and edits of its own photo (same person) and between faces of different people.
 */
class IdentityCalibrationTest {
    private static FaceModels models;

    @BeforeAll
    static void open() {
        models = FaceModels.open();
    }

    @AfterAll
    static void close() {
        models.close();
    }

    /** An edit of a photo and where it moves a point: x' = a x + b, y' = c y + d. */
    private record Edit(String name, UnaryOperator<Mat> apply, double[] map) {
    }

    private static List<Edit> edits(int w, int h) {
        int dx = w / 10;
        int dy = h / 16;
        return List.of(
                new Edit("flip", m -> {
                    Mat out = new Mat();
                    opencv_core.flip(m, out, 1);
                    return out;
                }, new double[] {-1, w, 1, 0}),
                new Edit("0.5x", m -> {
                    Mat out = new Mat();
                    opencv_imgproc.resize(m, out, new Size(w / 2, h / 2), 0, 0, opencv_imgproc.INTER_AREA);
                    return out;
                }, new double[] {0.5, 0, 0.5, 0}),
                new Edit("jpeg50", m -> {
                    BytePointer jpeg = new BytePointer();
                    opencv_imgcodecs.imencode(".jpg", m, jpeg, new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, 50));
                    Mat bytes = new Mat(1, (int) jpeg.capacity(), opencv_core.CV_8UC1, jpeg);
                    Mat out = opencv_imgcodecs.imdecode(bytes, opencv_imgcodecs.IMREAD_COLOR);
                    jpeg.close();
                    return out;
                }, new double[] {1, 0, 1, 0}),
                new Edit("shift", m -> new Mat(m, new Rect(dx, dy, w - dx, h - dy)).clone(), new double[] {1, -dx, 1, -dy}));
    }

    private record Subject(String name, Path photo, int face) {
    }

    /**
     * Prints human's similarity and the descriptors' cosine for each face against edits of its
     * photo (same person) and against every other face (different people), and checks the
     * one separation that holds: faces of 40 px or more match their own edits better than any
     * two different people of that size match each other. Faces near 20 px do not separate:
     * their descriptors shrink towards one another (different soldiers reach similarity 1.0).
     */
    @Test
    void sameFacesMatchBetterThanDifferentOnes() {
        List<Subject> subjects = List.of(
                new Subject("astronaut", TestModels.photo("astronaut.png"), 0),
                new Subject("cameraman", TestModels.photo("camera.png"), 0),
                new Subject("footballer", TestModels.facePhoto("messi5.jpg"), 0),
                new Subject("walker-r", TestModels.photo("q0291.jpg"), 0),
                new Subject("walker-m", TestModels.photo("q0291.jpg"), 1),
                new Subject("walker-l", TestModels.photo("q0291.jpg"), 2),
                new Subject("soldier-2", TestModels.facePhoto("quickie-flip-example-source.jpg"), 0),
                new Subject("soldier-5", TestModels.facePhoto("quickie-flip-example-source.jpg"), 1),
                new Subject("soldier-3", TestModels.facePhoto("quickie-flip-example-source.jpg"), 2),
                new Subject("soldier-1", TestModels.facePhoto("quickie-flip-example-source.jpg"), 3));
        FaceAnalyzer analyzer = new FaceAnalyzer(models.blazeface(), models.faceres(), BlazeFaceDecoder.defaults(), 16);
        List<Face> originals = new ArrayList<>();
        StringBuilder table = new StringBuilder("same person: similarity / cosine against the face in an edit of its photo (-- not found)\n");
        table.append(String.format("%-10s %4s %13s %13s %13s %13s%n", "", "px", "flip", "0.5x", "jpeg q50", "crop shift"));
        double worstSameLarge = 1;
        for (Subject s : subjects) {
            try (MatPixels original = new MatPixels(s.photo())) {
                Face face = analyzer.analyze(original).get(s.face());
                originals.add(face);
                table.append(String.format("%-10s %4.0f", s.name(), face.box().width()));
                for (Edit edit : edits(original.width(), original.height())) {
                    try (MatPixels edited = new MatPixels(edit.apply().apply(original.mat()))) {
                        double[] m = edit.map();
                        double x = m[0] * face.box().centerX() + m[1];
                        double y = m[2] * face.box().centerY() + m[3];
                        Face match = null;
                        for (Face f : analyzer.analyze(edited)) {
                            if (Math.abs(f.box().centerX() - x) < face.box().width() / 2 * Math.abs(m[0])
                                    && Math.abs(f.box().centerY() - y) < face.box().height() / 2 * m[2]) {
                                match = f;
                            }
                        }
                        if (match == null) {
                            table.append(String.format(" %13s", "--"));
                            continue;
                        }
                        double similarity = face.attributes().similarity(match.attributes());
                        if (face.box().width() >= LARGE) {
                            worstSameLarge = Math.min(worstSameLarge, similarity);
                        }
                        table.append(String.format("   %.3f/%.3f", similarity, cosine(face, match)));
                    }
                }
                table.append('\n');
            }
        }
        table.append("different people: similarity above the diagonal, cosine below\n").append(String.format("%-10s", ""));
        for (Subject s : subjects) {
            table.append(String.format(" %6.6s", s.name().replace("soldier", "sold").replace("walker", "walk")));
        }
        table.append('\n');
        double bestDifferentLarge = 0;
        for (int i = 0; i < subjects.size(); i++) {
            table.append(String.format("%-10s", subjects.get(i).name()));
            for (int j = 0; j < subjects.size(); j++) {
                Face a = originals.get(i);
                Face b = originals.get(j);
                if (i == j) {
                    table.append(String.format(" %6s", "-"));
                } else if (j > i) {
                    double similarity = a.attributes().similarity(b.attributes());
                    if (a.box().width() >= LARGE && b.box().width() >= LARGE) {
                        bestDifferentLarge = Math.max(bestDifferentLarge, similarity);
                    }
                    table.append(String.format(" %6.3f", similarity));
                } else {
                    table.append(String.format(" %6.3f", cosine(a, b)));
                }
            }
            table.append('\n');
        }
        table.append(String.format("faces of %.0f px or more: lowest same-person similarity %.3f, highest different-person %.3f%n",
                LARGE, worstSameLarge, bestDifferentLarge));
        System.out.print(table);
        assertTrue(worstSameLarge > bestDifferentLarge, table.toString());
    }

    /** Face width (detector box, image pixels) from which descriptors separate people here. */
    private static final double LARGE = 40;

    private static double cosine(Face a, Face b) {
        return FaceAnalyzerTest.cosine(a.attributes().descriptor(), b.attributes().descriptor());
    }
}
