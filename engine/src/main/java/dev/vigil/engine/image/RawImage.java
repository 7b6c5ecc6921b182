package dev.vigil.engine.image;

import java.nio.ByteBuffer;

/**
 * Raw 8-bit pixels, used as they are (no encode, no decode, no copy): {@code height} rows of
 * {@code rowStride} bytes from the buffer's position, each row holding {@code width} pixels
 * in {@code format}. The caller must not change the buffer until the request is answered.
 */
public record RawImage(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat format) implements ImageInput {
}
