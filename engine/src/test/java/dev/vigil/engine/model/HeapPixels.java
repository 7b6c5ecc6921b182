package dev.vigil.engine.model;

import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.Pixels;
import java.nio.ByteBuffer;

/** Test pixels over a byte array, rows packed (stride = width × channels). */
public record HeapPixels(ByteBuffer data, int width, int height, PixelFormat format) implements Pixels {
    public static HeapPixels of(byte[] bytes, int width, int height, PixelFormat format) {
        if (bytes.length != width * height * format.channels()) {
            throw new IllegalArgumentException("bytes: " + bytes.length + " (expected: " + width * height * format.channels() + ")");
        }
        return new HeapPixels(ByteBuffer.wrap(bytes), width, height, format);
    }

    @Override
    public int rowStride() {
        return width * format.channels();
    }

    @Override
    public void close() {
    }
}
