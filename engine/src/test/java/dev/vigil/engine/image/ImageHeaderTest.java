package dev.vigil.engine.image;

import static dev.vigil.engine.image.TestImages.encode;
import static dev.vigil.engine.image.TestImages.filled;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vigil.engine.InputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

class ImageHeaderTest {
    private static final Scalar GREY = new Scalar(90, 120, 150, 200);

    private static byte[] encoded(String ext, int width, int height, int type, int... params) {
        try (Mat m = filled(width, height, type, GREY)) {
            return encode(ext, m, params);
        }
    }

    private static void assertHeader(ImageHeader expected, byte[] bytes) {
        assertEquals(expected, ImageHeader.read(bytes));
    }

    private static void assertRefused(String message, byte[] bytes) {
        InputException e = assertThrows(InputException.class, () -> ImageHeader.read(bytes));
        assertEquals(message, e.getMessage());
    }

    @Test
    void readsPngSizeDepthAndColourType() {
        assertHeader(new ImageHeader(ImageFormat.PNG, 40, 30, 8, 3, 1), encoded(".png", 40, 30, CV_8UC3));
        assertHeader(new ImageHeader(ImageFormat.PNG, 40, 30, 16, 3, 1), encoded(".png", 40, 30, CV_16UC3));
        assertHeader(new ImageHeader(ImageFormat.PNG, 40, 30, 8, 1, 1), encoded(".png", 40, 30, CV_8UC1));
        assertHeader(new ImageHeader(ImageFormat.PNG, 40, 30, 8, 4, 1), encoded(".png", 40, 30, CV_8UC4));
        assertHeader(new ImageHeader(ImageFormat.PNG, 7, 3, 4, 3, 1), TestImages.pngHeader(7, 3, 4, 3, new byte[0]));
    }

    @Test
    void readsJpegFrameHeaderPastFillBytesAndExif() {
        byte[] jpeg = encoded(".jpg", 40, 30, CV_8UC3);
        assertHeader(new ImageHeader(ImageFormat.JPEG, 40, 30, 8, 3, 1), jpeg);
        assertHeader(new ImageHeader(ImageFormat.JPEG, 40, 30, 8, 1, 1), encoded(".jpg", 40, 30, CV_8UC1));
        // Any marker may be preceded by FF fill bytes.
        int sof = TestImages.jpegSegment(jpeg, 0xC0);
        byte[] filledJpeg = TestImages.inserted(jpeg, sof, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF);
        assertHeader(new ImageHeader(ImageFormat.JPEG, 40, 30, 8, 3, 1), filledJpeg);

        ImageHeader rotated = ImageHeader.read(TestImages.withExifOrientation(jpeg, 6));
        assertEquals(new ImageHeader(ImageFormat.JPEG, 40, 30, 8, 3, 6), rotated);
        assertEquals(30, rotated.displayWidth());
        assertEquals(40, rotated.displayHeight());
        // Out-of-range orientation values are ignored, as OpenCV ignores them.
        assertEquals(1, ImageHeader.read(TestImages.withExifOrientation(jpeg, 9)).orientation());
    }

    @Test
    void readsEachWebpChunkKind() {
        byte[] lossy = encoded(".webp", 40, 30, CV_8UC3, IMWRITE_WEBP_QUALITY, 80);
        byte[] lossless = encoded(".webp", 40, 30, CV_8UC3, IMWRITE_WEBP_QUALITY, 101);
        byte[] losslessAlpha = encoded(".webp", 40, 30, CV_8UC4, IMWRITE_WEBP_QUALITY, 101);
        byte[] extended = encoded(".webp", 40, 30, CV_8UC4, IMWRITE_WEBP_QUALITY, 80);
        assertEquals("VP8 ", new String(lossy, 12, 4, StandardCharsets.US_ASCII));
        assertEquals("VP8L", new String(lossless, 12, 4, StandardCharsets.US_ASCII));
        assertEquals("VP8X", new String(extended, 12, 4, StandardCharsets.US_ASCII));
        assertHeader(new ImageHeader(ImageFormat.WEBP, 40, 30, 8, 3, 1), lossy);
        assertHeader(new ImageHeader(ImageFormat.WEBP, 40, 30, 8, 3, 1), lossless);
        assertHeader(new ImageHeader(ImageFormat.WEBP, 40, 30, 8, 4, 1), losslessAlpha);
        assertHeader(new ImageHeader(ImageFormat.WEBP, 40, 30, 8, 4, 1), extended);
    }

    @Test
    void readsBmpInfoV4AndV5HeadersEitherWayUp() {
        assertHeader(new ImageHeader(ImageFormat.BMP, 40, 30, 8, 3, 1), encoded(".bmp", 40, 30, CV_8UC3));
        assertHeader(new ImageHeader(ImageFormat.BMP, 40, 30, 8, 4, 1), encoded(".bmp", 40, 30, CV_8UC4));
        byte[] pixels = new byte[5 * 3 * 3];
        for (int size : new int[] {40, 108, 124}) {
            assertHeader(new ImageHeader(ImageFormat.BMP, 5, 3, 8, 3, 1), TestImages.bmp24(size, 5, 3, true, pixels));
            assertHeader(new ImageHeader(ImageFormat.BMP, 5, 3, 8, 3, 1), TestImages.bmp24(size, 5, 3, false, pixels));
        }
    }

    @Test
    void refusesUnknownAndEmptyInput() {
        byte[] gif = "GIF89a\u0001\u0000".getBytes(StandardCharsets.ISO_8859_1);
        InputException unknown = assertThrows(InputException.class, () -> ImageHeader.read(gif));
        assertEquals("image.format", unknown.field());
        assertEquals("image.format: unknown, first bytes 47 49 46 38 39 61 01 00 (expected: a PNG, JPEG, WebP or BMP signature)",
                unknown.getMessage());
        assertEquals("image.format: unknown, no bytes (expected: a PNG, JPEG, WebP or BMP signature)",
                assertThrows(InputException.class, () -> ImageHeader.read(new byte[0])).getMessage());
        // A single byte matches no signature; two matching bytes read as a truncated file.
        assertThrows(InputException.class, () -> ImageHeader.sniff(new byte[] {(byte) 0x89}));
        assertRefused("image.bytes: PNG truncated in the IHDR chunk: 4 bytes (expected: >= 33)", new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        assertRefused("image.bytes: JPEG truncated at offset 2 before the frame header", new byte[] {(byte) 0xFF, (byte) 0xD8});
    }

    @Test
    void refusesTruncatedHeaders() {
        byte[] png = encoded(".png", 40, 30, CV_8UC3);
        assertRefused("image.bytes: PNG truncated in the IHDR chunk: 20 bytes (expected: >= 33)", Arrays.copyOf(png, 20));

        byte[] jpeg = encoded(".jpg", 40, 30, CV_8UC3);
        assertRefused("image.bytes: JPEG truncated in segment ff e0 at offset 2: declares 16 bytes, 6 remain", Arrays.copyOf(jpeg, 10));
        int sos = TestImages.jpegSegment(jpeg, 0xDA);
        assertRefused("image.bytes: JPEG truncated at offset " + sos + " before the first scan", Arrays.copyOf(jpeg, sos));
        // Cut inside the scan: libjpeg would decode it to grey with a warning; the missing EOI gives it away.
        int scan = sos + 2 + 12; // SOS length for three components is 12
        assertRefused("image.bytes: JPEG truncated: no end-of-image marker (ff d9) after the scan data at offset " + scan,
                Arrays.copyOf(jpeg, jpeg.length - 2));

        byte[] webp;
        try (Mat noise = TestImages.noise(40, 30, 3, 1)) {
            webp = encode(".webp", noise, IMWRITE_WEBP_QUALITY, 101);
        }
        assertRefused("image.bytes: WebP truncated: RIFF declares " + webp.length + " bytes, " + webp.length / 2 + " present",
                Arrays.copyOf(webp, webp.length / 2));
        assertRefused("image.bytes: WebP truncated in the RIFF header: 12 bytes (expected: >= 20)", Arrays.copyOf(webp, 12));

        byte[] bmp = encoded(".bmp", 40, 30, CV_8UC3);
        assertRefused("image.bytes: BMP truncated: 30 rows of 120 bytes from offset 54, 1746 bytes present", Arrays.copyOf(bmp, 1800));
        assertRefused("image.bytes: BMP truncated in the 40-byte info header: 30 bytes (expected: >= 54)", Arrays.copyOf(bmp, 30));
    }

    @Test
    void refusesInconsistentPngHeaders() {
        byte[] png = encoded(".png", 40, 30, CV_8UC3);
        byte[] badCrc = png.clone();
        badCrc[19] = 41; // width 41, CRC left for 40
        InputException crc = assertThrows(InputException.class, () -> ImageHeader.read(badCrc));
        assertEquals(true, crc.getMessage().matches("image\\.bytes: PNG IHDR CRC: [0-9a-f]{8} \\(expected: [0-9a-f]{8}\\)"), crc.getMessage());
        assertRefused("image.bytes: PNG bit depth: 4 for colour type 2 (expected: 8 or 16)", TestImages.pngHeader(4, 4, 4, 2, new byte[0]));
        assertRefused("image.bytes: PNG colour type: 5 (expected: 0, 2, 3, 4 or 6)", TestImages.pngHeader(4, 4, 8, 5, new byte[0]));
        assertRefused("image.bytes: PNG size: 0x4 (expected: 1 to 2147483647 each)", TestImages.pngHeader(0, 4, 8, 2, new byte[0]));
        assertRefused("image.bytes: PNG size: 2147483648x4 (expected: 1 to 2147483647 each)", TestImages.pngHeader(1L << 31, 4, 8, 2, new byte[0]));
        byte[] noIhdr = png.clone();
        noIhdr[12] = 'X';
        assertRefused("image.bytes: PNG first chunk: \"XHDR\" of length 13 (expected: \"IHDR\" of length 13)", noIhdr);
    }

    @Test
    void refusesInconsistentJpegHeaders() {
        byte[] jpeg = encoded(".jpg", 40, 30, CV_8UC3);
        int sof = TestImages.jpegSegment(jpeg, 0xC0);
        byte[] zeroHeight = jpeg.clone();
        zeroHeight[sof + 5] = 0;
        zeroHeight[sof + 6] = 0;
        assertRefused("image.bytes: JPEG size: 40x0 (expected: both > 0; a height deferred to a DNL marker is not supported)", zeroHeight);
        byte[] fiveComponents = jpeg.clone();
        fiveComponents[sof + 9] = 5;
        assertRefused("image.bytes: JPEG components: 5 (expected: 1 to 4)", fiveComponents);
        byte[] shortFrame = jpeg.clone();
        shortFrame[sof + 9] = 2;
        assertRefused("image.bytes: JPEG frame header length: 17 (expected: 8 + 3 * components = 14)", shortFrame);
        byte[] noMarker = jpeg.clone();
        noMarker[sof] = 0x12;
        assertRefused("image.bytes: JPEG byte at offset " + sof + ": 12 (expected: ff, a marker)", noMarker);
        byte[] scanFirst = jpeg.clone();
        scanFirst[sof + 1] = (byte) 0xDA;
        assertRefused("image.bytes: JPEG scan at offset " + sof + " before any frame header", scanFirst);
    }

    @Test
    void refusesInconsistentWebpAndBmpHeaders() {
        byte[] webp = encoded(".webp", 40, 30, CV_8UC3, IMWRITE_WEBP_QUALITY, 101);
        byte[] otherChunk = webp.clone();
        otherChunk[15] = 'Q';
        assertRefused("image.bytes: WebP first chunk: \"VP8Q\" (expected: \"VP8 \", \"VP8L\" or \"VP8X\")", otherChunk);
        byte[] badSignature = webp.clone();
        badSignature[20] = 0x2E;
        assertRefused("image.bytes: WebP VP8L signature, version: 2e, 0 (expected: 2f, 0)", badSignature);

        byte[] bmp = encoded(".bmp", 40, 30, CV_8UC3);
        byte[] os2 = bmp.clone();
        ByteBuffer.wrap(os2).order(ByteOrder.LITTLE_ENDIAN).putInt(14, 64);
        assertRefused("image.bytes: BMP header size: 64 (expected: 12, 40, 52, 56, 108 or 124)", os2);
        byte[] planes = bmp.clone();
        planes[26] = 2;
        assertRefused("image.bytes: BMP planes: 2 (expected: 1)", planes);
        byte[] jpegInside = bmp.clone();
        jpegInside[30] = 4;
        assertRefused("image.bytes: BMP compression: 4 with 24 bits per pixel (expected: 0 none, 1 RLE8 at 8 bits,"
                + " 2 RLE4 at 4 bits, 3 bit fields at 16 or 32 bits; RLE only bottom-up)", jpegInside);
    }
}
