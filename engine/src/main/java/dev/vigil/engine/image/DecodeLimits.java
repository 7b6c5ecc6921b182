package dev.vigil.engine.image;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What an {@link ImageDecoder} agrees to decode. Every limit is checked against the bytes and
 * the header before any pixel memory is allocated, so a small file that declares a huge image
 * costs nothing. Immutable and thread-safe; the server builds one from its flags.
 *
 * @param maxBytes largest encoded image accepted, in bytes (default {@value #DEFAULT_MAX_BYTES},
 *     32 MiB). Bounds the copy of the encoded bytes into native memory.
 * @param maxPixels largest image accepted, as width × height (default
 *     {@value #DEFAULT_MAX_PIXELS}, 40 megapixels). Bounds the decoded buffer at 3 bytes per
 *     pixel (120 MB at the default); at most {@value #MAX_PIXELS_CEILING} so that any decoded or
 *     raw image fits one {@link java.nio.ByteBuffer}.
 * @param maxSide largest width or height accepted, in pixels (default
 *     {@value #DEFAULT_MAX_SIDE}); at most {@value #MAX_SIDE_CEILING}, OpenCV's own limit. Refuses
 *     degenerate strips that pass the pixel limit.
 * @param accepted encoded formats accepted (default all of {@link ImageFormat}); an image in any
 *     other format is refused before its header is read. Raw pixels are always accepted.
 */
public record DecodeLimits(int maxBytes, long maxPixels, int maxSide, Set<ImageFormat> accepted) {
    public static final int DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    public static final int DEFAULT_MAX_SIDE = 16384;
    /** Ceiling of {@code maxPixels}: 4 bytes per pixel must stay within one buffer's int index. */
    public static final long MAX_PIXELS_CEILING = Integer.MAX_VALUE / 4;
    /** Ceiling of {@code maxSide}: OpenCV refuses wider or taller images itself. */
    public static final int MAX_SIDE_CEILING = 1 << 20;

    private static final DecodeLimits DEFAULTS = new DecodeLimits(
            DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE, EnumSet.allOf(ImageFormat.class));

    public DecodeLimits {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
        }
        if (maxPixels <= 0 || maxPixels > MAX_PIXELS_CEILING) {
            throw new IllegalArgumentException("maxPixels: " + maxPixels + " (expected: > 0 and <= " + MAX_PIXELS_CEILING + ")");
        }
        if (maxSide <= 0 || maxSide > MAX_SIDE_CEILING) {
            throw new IllegalArgumentException("maxSide: " + maxSide + " (expected: > 0 and <= " + MAX_SIDE_CEILING + ")");
        }
        if (accepted == null || accepted.isEmpty()) {
            throw new IllegalArgumentException("accepted: " + accepted + " (expected: at least one format)");
        }
        // An EnumSet keeps declaration order, so error messages list the formats stably.
        accepted = Collections.unmodifiableSet(EnumSet.copyOf(accepted));
    }

    /** The defaults: 32 MiB, 40 megapixels, 16384 pixels a side, every format. */
    public static DecodeLimits defaults() {
        return DEFAULTS;
    }
}
