package dev.vigil.client;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * An image to send: encoded file bytes (PNG, JPEG, WebP or BMP) or raw 8-bit pixels. The bytes
 * are not copied: they are written to the socket straight from the caller's array or buffer (a
 * retry writes them again), so the caller must not change them until the score future completes.
 * Immutable and thread-safe as long as the caller keeps that promise.
 */
public sealed interface ClientImage permits ClientImage.Encoded, ClientImage.Raw {

    /** Bytes this image puts on the wire (the frame's byte_length). */
    int byteLength();

    /** Encoded image bytes, e.g. a PNG file as generated. */
    static Encoded encoded(byte[] bytes) {
        return new Encoded(ByteBuffer.wrap(bytes));
    }

    /**
     * Raw pixels: {@code height} rows of {@code rowStride} bytes, each row starting with
     * {@code width} pixels in {@code format}; the last row may stop after its pixels.
     */
    static Raw raw(byte[] pixels, int width, int height, int rowStride, PixelFormat format) {
        return new Raw(ByteBuffer.wrap(pixels), width, height, rowStride, format);
    }

    /** Tightly packed raw pixels ({@code rowStride = width * channels}). */
    static Raw raw(byte[] pixels, int width, int height, PixelFormat format) {
        return raw(pixels, width, height, width * format.channels(), format);
    }

    /**
     * Encoded image bytes from the buffer's position to its limit (the buffer's position is not moved).
     *
     * @param bytes the file's bytes, heap or direct
     */
    record Encoded(ByteBuffer bytes) implements ClientImage {
        public Encoded {
            Objects.requireNonNull(bytes, "bytes");
            if (!bytes.hasRemaining()) {
                throw new IllegalArgumentException("image.bytes: 0 bytes (expected: > 0)");
            }
            bytes = bytes.slice().asReadOnlyBuffer();
        }

        @Override
        public int byteLength() {
            return bytes.remaining();
        }
    }

    /**
     * Raw pixels from the buffer's position to its limit (the buffer's position is not moved).
     *
     * @param pixels    the pixel bytes, heap or direct
     * @param width     pixels per row, at least 1
     * @param height    rows, at least 1
     * @param rowStride bytes from one row's start to the next's, at least {@code width * channels}
     * @param format    channel order and count
     */
    record Raw(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat format) implements ClientImage {
        public Raw {
            Objects.requireNonNull(pixels, "pixels");
            Objects.requireNonNull(format, "format");
            if (width < 1) {
                throw new IllegalArgumentException("width: " + width + " (expected: >= 1)");
            }
            if (height < 1) {
                throw new IllegalArgumentException("height: " + height + " (expected: >= 1)");
            }
            long rowBytes = (long) width * format.channels();
            if (rowStride < rowBytes) {
                throw new IllegalArgumentException("rowStride: " + rowStride + " (expected: >= " + rowBytes + " for width "
                        + width + " " + format + ")");
            }
            long needed = (long) rowStride * (height - 1) + rowBytes;
            if (pixels.remaining() < needed) {
                throw new IllegalArgumentException("pixels: " + pixels.remaining() + " bytes (expected: >= " + needed
                        + " = rowStride * (height - 1) + width * channels)");
            }
            pixels = pixels.slice().asReadOnlyBuffer();
        }

        @Override
        public int byteLength() {
            return pixels.remaining();
        }
    }
}
