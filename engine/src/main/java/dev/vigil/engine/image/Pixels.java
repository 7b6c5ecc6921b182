package dev.vigil.engine.image;

import java.nio.ByteBuffer;

/**
 * A decoded (or raw) image ready for preprocessing: 8-bit interleaved pixels in native or
 * heap memory. The owner closes it, which frees any native memory behind {@link #data()};
 * the buffer must not be used after that. Not thread-safe.
 */
public interface Pixels extends AutoCloseable {
    int width();

    int height();

    /** Bytes from the start of one row to the next. */
    int rowStride();

    PixelFormat format();

    /** The pixel bytes, position 0 at the first row; read-only by convention. */
    ByteBuffer data();

    @Override
    void close();
}
