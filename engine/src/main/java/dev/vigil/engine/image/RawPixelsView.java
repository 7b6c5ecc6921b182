package dev.vigil.engine.image;

import java.nio.ByteBuffer;

/**
 * A view over a caller's raw pixel buffer, validated but not copied: the caller keeps owning
 * the memory, and {@link #close()} only ends the view. Use after close throws
 * {@link IllegalStateException}. Not thread-safe.
 */
final class RawPixelsView implements Pixels {
    private final ByteBuffer data;
    private final int width;
    private final int height;
    private final int rowStride;
    private final PixelFormat format;
    private boolean closed;

    RawPixelsView(ByteBuffer data, int width, int height, int rowStride, PixelFormat format) {
        this.data = data;
        this.width = width;
        this.height = height;
        this.rowStride = rowStride;
        this.format = format;
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
        closed = true;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("pixels closed");
        }
    }
}
