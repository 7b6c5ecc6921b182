package dev.vigil.engine.image;

import java.nio.ByteBuffer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Pixels as a view over a buffer: raw pixels a caller handed in (no copy; closing only marks
 * the view closed) or an OpenCV {@link Mat} the view owns and frees at once on
 * {@link #close()}, not when the garbage collector gets to it. Use after close throws
 * {@link IllegalStateException}; closing twice does nothing. Not thread-safe.
 */
final class PixelsView implements Pixels {
    private final ByteBuffer data;
    private final int width;
    private final int height;
    private final int rowStride;
    private final PixelFormat format;
    /** What closing frees (the decoded Mat), or null for a view over the caller's buffer. */
    private Mat owned;
    private boolean closed;

    PixelsView(ByteBuffer data, int width, int height, int rowStride, PixelFormat format) {
        this(data, width, height, rowStride, format, null);
    }

    private PixelsView(ByteBuffer data, int width, int height, int rowStride, PixelFormat format, Mat owned) {
        this.data = data;
        this.width = width;
        this.height = height;
        this.rowStride = rowStride;
        this.format = format;
        this.owned = owned;
    }

    /** Takes ownership of {@code mat}, 8-bit BGR as {@code imdecode} returns it with {@code IMREAD_COLOR}. */
    static PixelsView owning(Mat mat) {
        int stride = (int) mat.step();
        return new PixelsView(mat.data().capacity((long) stride * mat.rows()).asByteBuffer(), mat.cols(), mat.rows(), stride,
                PixelFormat.BGR, mat);
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
        return format;
    }

    @Override
    public ByteBuffer data() {
        requireOpen();
        return data;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (owned != null) {
            owned.close();
            owned = null;
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("pixels closed");
        }
    }
}
