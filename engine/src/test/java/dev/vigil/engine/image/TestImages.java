package dev.vigil.engine.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Images made for the tests with OpenCV's encoders, plus hand-built headers OpenCV cannot write. */
final class TestImages {
    private TestImages() {
    }

    /** Encodes {@code image} with {@code imencode}; {@code ext} like ".png", params as OpenCV's IMWRITE pairs. */
    static byte[] encode(String ext, Mat image, int... params) {
        try (BytePointer out = new BytePointer(); IntPointer p = new IntPointer(params)) {
            if (!imencode(ext, image, out, p)) {
                throw new IllegalStateException("imencode " + ext + " failed");
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    /** A {@code width} x {@code height} image of {@code type} filled with {@code fill} (OpenCV order: B, G, R, A). */
    static Mat filled(int width, int height, int type, Scalar fill) {
        return new Mat(height, width, type, fill);
    }

    /** A {@code width} x {@code height} 8-bit image of {@code channels} channels of seeded random noise. */
    static Mat noise(int width, int height, int channels, long seed) {
        Mat m = new Mat(height, width, CV_8UC(channels));
        byte[] samples = new byte[width * height * channels];
        new Random(seed).nextBytes(samples);
        m.data().put(samples);
        return m;
    }

    /** Paints a rectangle of {@code image} with {@code colour}. */
    static void paint(Mat image, int x, int y, int width, int height, Scalar colour) {
        try (Rect r = new Rect(x, y, width, height); Mat roi = new Mat(image, r)) {
            roi.put(colour);
        }
    }

    /** A JPEG of {@code width} x {@code height} with the left half red and the right half blue. */
    static byte[] redLeftBlueRightJpeg(int width, int height) {
        try (Mat m = filled(width, height, CV_8UC3, new Scalar(0, 0, 255, 0))) {
            paint(m, width / 2, 0, width - width / 2, height, new Scalar(255, 0, 0, 0));
            return encode(".jpg", m, IMWRITE_JPEG_QUALITY, 95);
        }
    }

    /**
     * Inserts an APP1 Exif segment holding only the orientation tag right after the SOI: a
     * big-endian TIFF header and IFD0 with one SHORT entry, 0x0112.
     */
    static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {
            'M', 'M', 0, 42, 0, 0, 0, 8, // byte order, magic, IFD0 at 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, // orientation, SHORT, count 1, value
            0, 0, 0, 0, // no next IFD
        };
        int length = 2 + 6 + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (length >> 8), (byte) length, 'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** Returns a copy of {@code bytes} with {@code insert} placed at {@code offset}. */
    static byte[] inserted(byte[] bytes, int offset, byte... insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, offset);
        out.writeBytes(insert);
        out.write(bytes, offset, bytes.length - offset);
        return out.toByteArray();
    }

    /** The offset of the first {@code FF marker} segment in a JPEG, walking segment lengths. */
    static int jpegSegment(byte[] jpeg, int marker) {
        int pos = 2;
        while (pos + 4 <= jpeg.length) {
            if ((jpeg[pos + 1] & 0xFF) == marker) {
                return pos;
            }
            pos += 2 + (((jpeg[pos + 2] & 0xFF) << 8) | (jpeg[pos + 3] & 0xFF));
        }
        throw new IllegalArgumentException("no marker " + Integer.toHexString(marker));
    }

    /** A PNG signature and IHDR chunk (valid CRC) with the given fields, followed by {@code rest}. */
    static byte[] pngHeader(long width, long height, int bitDepth, int colourType, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(33 + rest.length);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        b.putInt(13).put(new byte[] {'I', 'H', 'D', 'R'});
        b.putInt((int) width).putInt((int) height).put((byte) bitDepth).put((byte) colourType).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 12, 17);
        b.putInt((int) crc.getValue());
        b.put(rest);
        return b.array();
    }

    /**
     * A 24-bit uncompressed BMP with an info header of {@code headerSize} bytes (40, 108 or 124),
     * stored top-down when {@code topDown}. {@code bgr} holds {@code height} rows of
     * {@code width} B, G, R triples, top row first.
     */
    static byte[] bmp24(int headerSize, int width, int height, boolean topDown, byte[] bgr) {
        int rowBytes = (width * 3 + 3) / 4 * 4;
        int offset = 14 + headerSize;
        ByteBuffer b = ByteBuffer.allocate(offset + rowBytes * height).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(b.capacity()).putInt(0).putInt(offset);
        b.putInt(headerSize).putInt(width).putInt(topDown ? -height : height).putShort((short) 1).putShort((short) 24);
        b.putInt(0).putInt(rowBytes * height).putInt(2835).putInt(2835).putInt(0).putInt(0);
        if (headerSize > 40) {
            b.putInt(0x00FF0000).putInt(0x0000FF00).putInt(0x000000FF).putInt(0); // masks, unused for BI_RGB
            b.putInt(0x73524742); // 'sRGB' colour space
        }
        b.position(offset);
        for (int row = 0; row < height; row++) {
            int source = topDown ? row : height - 1 - row;
            b.position(offset + row * rowBytes);
            b.put(bgr, source * width * 3, width * 3);
        }
        return b.array();
    }

    /** The PDQ reference photos committed with the project. */
    static Path referencePhotos() {
        return dev.vigil.engine.TestModels.referencePhotos();
    }
}
