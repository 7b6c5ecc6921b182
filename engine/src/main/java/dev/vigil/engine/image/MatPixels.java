package dev.vigil.engine.image;

import java.nio.ByteBuffer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Pixels decoded by OpenCV: the one owner of their {@link Mat}, which {@link #close()} frees
 * at once rather than leaving it to the garbage collector. Use after close throws
 * {@link IllegalStateException}; closing twice does nothing. Not thread-safe.
 */
final class MatPixels implements Pixels {
    private final int width;
    private final int height;
    private final int rowStride;
    private final ByteBuffer data;
    private Mat mat;

    /** Takes ownership of {@code mat}, 8-bit BGR as {@code imdecode} returns it with {@code IMREAD_COLOR}. */
    MatPixels(Mat mat) {
        this.width = mat.cols();
        this.height = mat.rows();
        this.rowStride = (int) mat.step();
        this.data = mat.data().capacity((long) rowStride * height).asByteBuffer();
        this.mat = mat;
    }

    @Override
    public int width() {
        requireOpen();
        return width;
    }

    @Override
    public int height() {
        requireOpen();
        return height;
    }

    @Override
    public int rowStride() {
        requireOpen();
        return rowStride;
    }

    @Override
    public PixelFormat format() {
        requireOpen();
        return PixelFormat.BGR;
    }

    @Override
    public ByteBuffer data() {
        requireOpen();
        return data;
    }

    @Override
    public void close() {
        if (mat != null) {
            mat.close();
            mat = null;
        }
    }

    private void requireOpen() {
        if (mat == null) {
            throw new IllegalStateException("pixels closed");
        }
    }
}
