package dev.vigil.bench.jmh;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;

import dev.vigil.bench.BenchPhotos;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Square test images made from one real photo ({@link BenchPhotos#SOURCE_PHOTO}, 512x512) by
 * resizing it with OpenCV (area averaging down, bicubic up) and encoding it as a generator
 * would hand it over: PNG at OpenCV's default compression (3), JPEG at quality 90. Used in
 * {@code @Setup}, never in a measurement.
 *
 * <p>Caveat for the numbers: the 1024 and 2048 images are upscaled, so they hold less fine
 * detail than a generated image of that size; PNG compresses them better (smaller files, a
 * little less inflate work) than it would a real 2048x2048 generation.
 */
final class TestImages {
    static final int JPEG_QUALITY = 90;

    private TestImages() {
    }

    /** The source photo resized to {@code side} x {@code side} and encoded as {@code format} ("png" or "jpeg"). */
    static byte[] encoded(int side, String format) {
        Mat source = opencv_imgcodecs.imread(BenchPhotos.sourcePhoto().toString(), IMREAD_COLOR);
        try (source; Mat resized = new Mat(); BytePointer out = new BytePointer(); IntPointer jpegParams = new IntPointer(IMWRITE_JPEG_QUALITY, JPEG_QUALITY)) {
            if (source.empty()) {
                throw new IllegalStateException("photo " + BenchPhotos.sourcePhoto() + ": OpenCV cannot read it");
            }
            int interpolation = side < source.cols() ? INTER_AREA : INTER_CUBIC;
            opencv_imgproc.resize(source, resized, new Size(side, side), 0, 0, interpolation);
            boolean ok = switch (format) {
                case "png" -> opencv_imgcodecs.imencode(".png", resized, out);
                case "jpeg" -> opencv_imgcodecs.imencode(".jpg", resized, out, jpegParams);
                default -> throw new IllegalArgumentException("format: " + format + " (expected: png or jpeg)");
            };
            if (!ok) {
                throw new IllegalStateException("OpenCV could not encode a " + side + "x" + side + " " + format);
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }
}
