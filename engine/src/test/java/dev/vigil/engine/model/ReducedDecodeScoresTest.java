package dev.vigil.engine.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.TestModels;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

/**
 * What decoding a large JPEG at reduced scale (OpenCV's IMREAD_REDUCED_*, the gate's default
 * keeps both sides >= 448) does to the classifier's scores, against decoding it in full. The
 * test set has no large photos, so real photos are enlarged to about 2048 px and encoded as
 * JPEG (quality 90): enlarged photos are smoother than native ones, so this bounds the effect
 * of the reduction itself, not of lost fine detail. The speed side is in bench (DecodeBenchmark).
 * <p>
 * Measured here: the signals policies act on, {@code sexual} (porn + hentai) and
 * {@code suggestive} (sexy), moved by at most 0.004; {@code drawing}/{@code neutral} moved by up
 * to 0.12 (camera.png: drawing 0.756 full, 0.638 reduced). The full decode is the original
 * pipeline (nsfwjs resizes the whole image with bilinear sampling, which aliases from 2048 px
 * to 224); the reduced decode averages in the DCT domain first, so it differs most on
 * fine-textured images. The assertion holds the policy signals to that measured closeness.
 */
class ReducedDecodeScoresTest {
    private static final List<String> LABELS = List.of("drawing", "hentai", "neutral", "porn", "sexy");

    @Test
    void reducedJpegDecodeKeepsThePolicySignals() throws Exception {
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
        double worst = 0;
        double worstPolicySignal = 0;
        try (ModelSession mid = ModelSession.open(TestModels.repository(), "nsfw-mobilenet-v2-mid", SessionOptions.forCores(2))) {
            for (Path photo : List.of(TestModels.photo("c.png"), TestModels.photo("astronaut.png"), TestModels.photo("camera.png"),
                    TestModels.facePhoto("messi5.jpg"), TestModels.photo("q0291.jpg"))) {
                byte[] jpeg = enlargedJpeg(photo, 2048);
                float[] full;
                float[] reduced;
                int reducedWidth;
                try (Pixels f = decoder.decode(new EncodedImage(jpeg)); Pixels r = decoder.decode(new EncodedImage(jpeg), 448, 448)) {
                    List<Map<String, float[]>> out = mid.run(List.of(f, r));
                    full = out.get(0).get("probabilities");
                    reduced = out.get(1).get("probabilities");
                    reducedWidth = r.width();
                    StringBuilder line = new StringBuilder(String.format("%-16s full %dx%d, reduced %dx%d:", photo.getFileName(), f.width(), f.height(), r.width(), r.height()));
                    worstPolicySignal = Math.max(worstPolicySignal, Math.abs((full[1] + full[3]) - (reduced[1] + reduced[3]))); // sexual
                    worstPolicySignal = Math.max(worstPolicySignal, Math.abs(full[4] - reduced[4])); // suggestive
                    for (int i = 0; i < full.length; i++) {
                        double d = Math.abs(full[i] - reduced[i]);
                        worst = Math.max(worst, d);
                        line.append(String.format("  %s %.4f->%.4f", LABELS.get(i), full[i], reduced[i]));
                    }
                    System.err.println(line);
                }
                assertTrue(reducedWidth < 2048, "the reduction applied");
            }
        }
        System.err.printf("worst |full - reduced|: any class %.4f, sexual or suggestive %.4f%n", worst, worstPolicySignal);
        assertTrue(worstPolicySignal < 0.02, "reduced decoding moved sexual or suggestive by " + worstPolicySignal);
    }

    private static byte[] enlargedJpeg(Path photo, int longSide) {
        try (Mat src = opencv_imgcodecs.imread(photo.toString(), opencv_imgcodecs.IMREAD_COLOR); Mat big = new Mat()) {
            double scale = (double) longSide / Math.max(src.cols(), src.rows());
            opencv_imgproc.resize(src, big, new Size((int) Math.round(src.cols() * scale), (int) Math.round(src.rows() * scale)), 0, 0, opencv_imgproc.INTER_CUBIC);
            try (BytePointer buf = new BytePointer(); IntPointer params = new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, 90)) {
                opencv_imgcodecs.imencode(".jpg", big, buf, params);
                byte[] bytes = new byte[(int) buf.limit()];
                buf.get(bytes);
                return bytes;
            }
        }
    }
}
