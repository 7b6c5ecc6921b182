package dev.vigil.engine.model;

import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.Pixels;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/** Test pixels: a file read with OpenCV (BGR), owning its Mat. */
final class MatPixels implements Pixels {
    private final Mat mat;

    MatPixels(Path file) {
        mat = opencv_imgcodecs.imread(file.toString(), opencv_imgcodecs.IMREAD_COLOR);
        if (mat.empty()) {
            mat.close();
            throw new IllegalArgumentException("cannot read " + file);
        }
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
