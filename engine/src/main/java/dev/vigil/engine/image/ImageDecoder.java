package dev.vigil.engine.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;

import dev.vigil.engine.GateException;
import dev.vigil.engine.InputException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Turns a request's image into pixels, refusing anything its {@link DecodeLimits} forbid before
 * any pixel memory is allocated. Thread-safe and stateless apart from the limits: one instance
 * serves every request. The caller owns each returned {@link Pixels} and must close it.
 *
 * <p>Encoded images are checked in this order: byte count, format signature, accepted formats,
 * header (truncation and consistency), pixel count, side length; then OpenCV decodes them with
 * {@code IMREAD_COLOR} into 8-bit BGR. That means: 16-bit samples keep their high byte; grey
 * and palette images expand to three channels; alpha is dropped without compositing onto any
 * background, which is what TF.js's {@code fromPixels} and {@code tf.node.decodeImage} with
 * three channels do, so scores match the original runtime; a JPEG's EXIF orientation is
 * applied (OpenCV 4.10 does so unless {@code IMREAD_IGNORE_ORIENTATION} is set). libjpeg
 * decodes corrupt entropy-coded data with only a warning, so such a JPEG comes back with
 * damaged blocks rather than an error; a truncated one is refused by {@link ImageHeader}, and
 * one whose scan data ends early (whatever trailer follows) by {@link JpegScanCheck}.
 *
 * <p>Raw images are validated against the limits and their buffer and returned as a view of
 * the caller's buffer: no copy, no decode.
 */
public final class ImageDecoder {
    private static final String BYTES = "image.bytes";
    private static final int[] JPEG_REDUCTIONS = {8, 4, 2};

    private final DecodeLimits limits;

    public ImageDecoder(DecodeLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public DecodeLimits limits() {
        return limits;
    }

    /**
     * Decodes an encoded image at full size, or wraps raw pixels.
     *
     * @return 8-bit BGR pixels owning native memory (encoded input), or a view of the caller's
     *     buffer in its own format (raw input); the caller closes it
     * @throws InputException naming the field at fault when the input is refused or undecodable
     */
    public Pixels decode(ImageInput input) {
        return decodeAt(input, 0, 0);
    }

    /**
     * As {@link #decode(ImageInput)}, but a JPEG may be decoded at 1/2, 1/4 or 1/8 scale
     * (libjpeg's DCT scaling, far cheaper than a full decode and a resize): the largest
     * reduction that keeps both sides at or above the target, after EXIF orientation. Other
     * formats, and raw pixels, come back at full size.
     *
     * @param targetWidth the width the caller will resize to, > 0
     * @param targetHeight the height the caller will resize to, > 0
     */
    public Pixels decode(ImageInput input, int targetWidth, int targetHeight) {
        if (targetWidth <= 0 || targetHeight <= 0) {
            throw new IllegalArgumentException("target: " + targetWidth + "x" + targetHeight + " (expected: both > 0)");
        }
        return decodeAt(input, targetWidth, targetHeight);
    }

    /** A target of 0 x 0 means full size. */
    private Pixels decodeAt(ImageInput input, int targetWidth, int targetHeight) {
        Objects.requireNonNull(input, "input");
        if (input instanceof RawImage raw) {
            return view(raw);
        }
        return decodeEncoded(((EncodedImage) input).bytes(), targetWidth, targetHeight);
    }

    /** The JPEG scale denominator (1, 2, 4 or 8) for a target size; 0 x 0 means full size. */
    static int reduction(ImageHeader header, int targetWidth, int targetHeight) {
        if (header.format() != ImageFormat.JPEG || targetWidth == 0) {
            return 1;
        }
        for (int r : JPEG_REDUCTIONS) {
            // libjpeg rounds scaled sizes up.
            if (ceilDiv(header.displayWidth(), r) >= targetWidth && ceilDiv(header.displayHeight(), r) >= targetHeight) {
                return r;
            }
        }
        return 1;
    }

    private Pixels decodeEncoded(byte[] bytes, int targetWidth, int targetHeight) {
        if (bytes == null) {
            throw new InputException(BYTES, "missing (expected: an encoded image)");
        }
        if (bytes.length == 0) {
            throw new InputException(BYTES, "0 (expected: > 0)");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new InputException(BYTES, bytes.length + " (expected: <= " + limits.maxBytes() + ")");
        }
        ImageFormat format = ImageHeader.sniff(bytes);
        if (!limits.accepted().contains(format)) {
            throw new InputException("image.format", format + " (expected: one of "
                    + limits.accepted().stream().map(Enum::name).collect(Collectors.joining(", ")) + ")");
        }
        ImageHeader header = ImageHeader.read(bytes, format);
        checkSize(header.width(), header.height());
        if (header.format() == ImageFormat.JPEG) {
            JpegScanCheck.check(bytes); // libjpeg would fill a scan that ends early with grey and say nothing
        }
        int flags = switch (reduction(header, targetWidth, targetHeight)) {
            case 2 -> IMREAD_REDUCED_COLOR_2;
            case 4 -> IMREAD_REDUCED_COLOR_4;
            case 8 -> IMREAD_REDUCED_COLOR_8;
            default -> IMREAD_COLOR;
        };
        return imdecode(bytes, header, flags);
    }

    private static Pixels imdecode(byte[] bytes, ImageHeader header, int flags) {
        Mat decoded;
        try (BytePointer data = new BytePointer(bytes);
             Mat encoded = new Mat(1, bytes.length, CV_8UC1, data)) {
            decoded = opencv_imgcodecs.imdecode(encoded, flags);
        } catch (RuntimeException e) {
            // JavaCPP rethrows cv::Exception as RuntimeException; only allocation failure is not the input's fault.
            String message = String.valueOf(e.getMessage());
            if (message.contains("Insufficient memory") || message.contains("Failed to allocate")) {
                throw new GateException(header.format() + " decode of " + header.width() + "x" + header.height() + " ran out of memory", e);
            }
            throw new InputException(BYTES, header.format() + " decode failed: " + message, e);
        }
        if (decoded.empty() || decoded.type() != CV_8UC3) {
            boolean empty = decoded.empty();
            int type = decoded.type();
            decoded.close();
            if (empty) {
                throw new InputException(BYTES, header.format() + " data could not be decoded: corrupt or truncated after a valid "
                        + header.width() + "x" + header.height() + " header");
            }
            throw new GateException("OpenCV returned Mat type " + type + " for IMREAD_COLOR (expected: CV_8UC3)");
        }
        return PixelsView.owning(decoded);
    }

    private Pixels view(RawImage raw) {
        ByteBuffer pixels = raw.pixels();
        if (pixels == null) {
            throw new InputException("image.pixels", "missing (expected: a buffer of rowStride * height bytes)");
        }
        PixelFormat format = raw.format();
        if (format == null) {
            throw new InputException("image.format", "missing (expected: one of RGB, BGR, RGBA, BGRA, GRAY)");
        }
        if (raw.width() <= 0) {
            throw new InputException("image.width", raw.width() + " (expected: > 0)");
        }
        if (raw.height() <= 0) {
            throw new InputException("image.height", raw.height() + " (expected: > 0)");
        }
        checkSize(raw.width(), raw.height());
        int rowBytes = raw.width() * format.channels(); // both bounded by the side limit: no overflow
        if (raw.rowStride() < rowBytes) {
            throw new InputException("image.rowStride", raw.rowStride() + " (expected: >= width * channels = " + rowBytes + ")");
        }
        // The last row needs no padding after its pixels.
        long needed = (long) raw.rowStride() * (raw.height() - 1) + rowBytes;
        if (pixels.remaining() < needed) {
            throw new InputException("image.pixels", pixels.remaining() + " bytes (expected: >= rowStride * (height - 1)"
                    + " + width * channels = " + needed + ")");
        }
        return new PixelsView(pixels.slice(pixels.position(), (int) needed), raw.width(), raw.height(), raw.rowStride(), format);
    }

    private void checkSize(int width, int height) {
        long pixels = (long) width * height;
        if (pixels > limits.maxPixels()) {
            throw new InputException("image.pixels", pixels + " (expected: <= " + limits.maxPixels() + ")");
        }
        if (width > limits.maxSide()) {
            throw new InputException("image.width", width + " (expected: <= " + limits.maxSide() + ")");
        }
        if (height > limits.maxSide()) {
            throw new InputException("image.height", height + " (expected: <= " + limits.maxSide() + ")");
        }
    }

    private static int ceilDiv(int positive, int divisor) {
        return (positive - 1) / divisor + 1;
    }
}
