package dev.vigil.engine.model;

import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.Pixels;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/** Test pixels: a file read with OpenCV (BGR), or a BGR Mat handed over; owns its Mat. */
public final class MatPixels implements Pixels {
    private final Mat mat;

    public MatPixels(Path file) {
        mat = opencv_imgcodecs.imread(file.toString(), opencv_imgcodecs.IMREAD_COLOR);
        if (mat.empty()) {
            mat.close();
            throw new IllegalArgumentException("cannot read " + file);
        }
    }

    /** Takes ownership of {@code mat}, an 8-bit BGR image. */
    public MatPixels(Mat mat) {
        if (mat.empty() || mat.type() != org.bytedeco.opencv.global.opencv_core.CV_8UC3) {
            throw new IllegalArgumentException("mat: type " + mat.type() + " (expected: non-empty CV_8UC3)");
        }
        this.mat = mat;
    }

    /** The Mat itself, for building variants of the image; still owned by this. */
    public Mat mat() {
        return mat;
    }

    @Override
    public int width() {
        return mat.cols();
    }

    @Override
    public int height() {
        return mat.rows();
    }

    @Override
    public int rowStride() {
        return (int) mat.step();
    }

    @Override
    public PixelFormat format() {
        return PixelFormat.BGR;
    }

    @Override
    public ByteBuffer data() {
        return mat.data().capacity((long) mat.step() * mat.rows()).asByteBuffer();
    }

    @Override
    public void close() {
        mat.close();
    }
}
