package dev.vigil.protocol;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * An image inside SCORE: encoded bytes (PNG, JPEG, WebP, BMP) or raw 8-bit pixels. The buffers
 * are views, not copies: the caller must not change their contents while the frame is in use.
 * Frames decoded by {@link FrameDecoder} own fresh heap arrays.
 */
public sealed interface ImageData {

    /** The image's byte_length field. */
    int byteLength();

    /**
     * Checks what the decoder cannot: the size against the receiver's limit and, for raw pixels,
     * that the dimensions fit the bytes. Throws {@link IllegalArgumentException} naming the
     * field ({@code field.byte_length}, {@code field.width}, ...), the value and the limit; the
     * server answers it with BAD_REQUEST.
     */
    void check(String field, int maxImageBytes);

    /** Kind 1: encoded image bytes. */
    record Encoded(ByteBuffer bytes) implements ImageData {
        public Encoded {
            bytes = Objects.requireNonNull(bytes, "bytes").slice();
        }

        public static Encoded of(byte[] bytes) {
            return new Encoded(ByteBuffer.wrap(bytes));
        }

        @Override
        public int byteLength() {
            return bytes.remaining();
        }

        @Override
        public void check(String field, int maxImageBytes) {
            if (bytes.remaining() == 0) {
                throw new IllegalArgumentException(field + ".byte_length: 0 (expected: > 0)");
            }
            if (bytes.remaining() > maxImageBytes) {
                throw new IllegalArgumentException(field + ".byte_length: " + bytes.remaining() + " (expected: <= " + maxImageBytes + ")");
            }
        }

        @Override
        public String toString() {
            return "Encoded[" + bytes.remaining() + " bytes]";
        }
    }

    /**
     * Kind 2: {@code height} rows of {@code rowStride} bytes, each starting with {@code width}
     * pixels in {@code format}; the last row needs no padding after its pixels.
     */
    record Raw(PixelFormat format, int width, int height, int rowStride, ByteBuffer pixels) implements ImageData {
        public Raw {
            Objects.requireNonNull(format, "format");
            U16.checkU31("width", width);
            U16.checkU31("height", height);
            U16.checkU31("row_stride", rowStride);
            pixels = Objects.requireNonNull(pixels, "pixels").slice();
        }

        @Override
        public int byteLength() {
            return pixels.remaining();
        }

        /** Bytes the layout needs: {@code rowStride * (height - 1) + width * channels}. */
        public long neededBytes() {
            return height == 0 ? 0 : (long) rowStride * (height - 1) + (long) width * format.channels();
        }

        @Override
        public void check(String field, int maxImageBytes) {
            if (width == 0) {
                throw new IllegalArgumentException(field + ".width: 0 (expected: > 0)");
            }
            if (height == 0) {
                throw new IllegalArgumentException(field + ".height: 0 (expected: > 0)");
            }
            long rowBytes = (long) width * format.channels();
            if (rowStride < rowBytes) {
                throw new IllegalArgumentException(field + ".row_stride: " + rowStride + " (expected: >= width * channels = " + rowBytes + ")");
            }
            if (pixels.remaining() > maxImageBytes) {
                throw new IllegalArgumentException(field + ".byte_length: " + pixels.remaining() + " (expected: <= " + maxImageBytes + ")");
            }
            if (pixels.remaining() < neededBytes()) {
                throw new IllegalArgumentException(field + ".byte_length: " + pixels.remaining()
                        + " (expected: >= row_stride * (height - 1) + width * channels = " + neededBytes() + ")");
            }
        }

        @Override
        public String toString() {
            return "Raw[" + format + " " + width + "x" + height + ", row_stride " + rowStride + ", " + pixels.remaining() + " bytes]";
        }
    }

    /** Raw pixel layouts: 8 bits per channel, interleaved. */
    enum PixelFormat {
        RGB(1, 3), BGR(2, 3), RGBA(3, 4), BGRA(4, 4), GRAY(5, 1);

        private final int code;
        private final int channels;

        PixelFormat(int code, int channels) {
            this.code = code;
            this.channels = channels;
        }

        /** The pixel_format byte. */
        public int code() {
            return code;
        }

        public int channels() {
            return channels;
        }

        /** The format with this code, or null when version 1 defines none. */
        public static PixelFormat of(int code) {
            for (PixelFormat f : values()) {
                if (f.code == code) {
                    return f;
                }
            }
            return null;
        }
    }
}
