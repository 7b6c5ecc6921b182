package dev.vigil.engine.image;

import static dev.vigil.engine.image.TestImages.encode;
import static dev.vigil.engine.image.TestImages.filled;
import static dev.vigil.engine.image.TestImages.paint;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.engine.InputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
    /** OpenCV order: B, G, R, A. */
    private static final Scalar BACKGROUND = new Scalar(10, 20, 30, 255);
    private static final Scalar ORANGE = new Scalar(50, 100, 200, 255);

    private final ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());

    /** A 40 x 30 image of {@code type} on the background with an orange 16 x 16 block at (16, 0), one JPEG MCU. */
    private static byte[] orangeBlock(String ext, int type, int... params) {
        try (Mat m = filled(40, 30, type, BACKGROUND)) {
            paint(m, 16, 0, 16, 16, ORANGE);
            return encode(ext, m, params);
        }
    }

    /** R, G, B at (x, y), whatever the channel order. */
    private static int[] rgb(Pixels p, int x, int y) {
        ByteBuffer d = p.data();
        int at = y * p.rowStride() + x * p.format().channels();
        PixelFormat f = p.format();
        return new int[] {d.get(at + f.redOffset()) & 0xFF, d.get(at + f.greenOffset()) & 0xFF, d.get(at + f.blueOffset()) & 0xFF};
    }

    private static double[] meanRgb(Pixels p) {
        double[] sum = new double[3];
        for (int y = 0; y < p.height(); y++) {
            for (int x = 0; x < p.width(); x++) {
                int[] c = rgb(p, x, y);
                for (int i = 0; i < 3; i++) {
                    sum[i] += c[i];
                }
            }
        }
        return Arrays.stream(sum).map(s -> s / ((double) p.width() * p.height())).toArray();
    }

    private static void assertNear(int[] expected, int[] actual, int tolerance) {
        for (int i = 0; i < 3; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance, Arrays.toString(expected) + " vs " + Arrays.toString(actual));
        }
    }

    private InputException refused(ImageDecoder d, ImageInput input) {
        return assertThrows(InputException.class, () -> d.decode(input).close());
    }

    private void assertRefused(String message, ImageInput input) {
        assertEquals(message, refused(decoder, input).getMessage());
    }

    @Test
    void decodesLosslessFormatsToExactBgr() {
        List<byte[]> images = List.of(
                orangeBlock(".png", CV_8UC3),
                orangeBlock(".webp", CV_8UC3, IMWRITE_WEBP_QUALITY, 101),
                orangeBlock(".bmp", CV_8UC3));
        for (byte[] image : images) {
            try (Pixels p = decoder.decode(new EncodedImage(image))) {
                assertEquals(40, p.width());
                assertEquals(30, p.height());
                assertEquals(PixelFormat.BGR, p.format());
                assertEquals(120, p.rowStride());
                assertArrayEquals(new int[] {200, 100, 50}, rgb(p, 16, 0));
                assertArrayEquals(new int[] {200, 100, 50}, rgb(p, 31, 15));
                assertArrayEquals(new int[] {30, 20, 10}, rgb(p, 15, 0));
                assertArrayEquals(new int[] {30, 20, 10}, rgb(p, 32, 15));
                assertArrayEquals(new int[] {30, 20, 10}, rgb(p, 39, 29));
            }
        }
    }

    @Test
    void decodesLossyFormatsToNearlyTheSameColours() {
        List<byte[]> images = List.of(
                orangeBlock(".jpg", CV_8UC3, IMWRITE_JPEG_QUALITY, 95),
                orangeBlock(".webp", CV_8UC3, IMWRITE_WEBP_QUALITY, 95));
        for (byte[] image : images) {
            try (Pixels p = decoder.decode(new EncodedImage(image))) {
                assertEquals(40, p.width());
                assertEquals(30, p.height());
                assertNear(new int[] {200, 100, 50}, rgb(p, 24, 8), 6);
                assertNear(new int[] {30, 20, 10}, rgb(p, 4, 26), 6);
            }
        }
    }

    @Test
    void reducesSixteenBitGreyAndAlphaToEightBitBgr() {
        // 16-bit samples keep their high byte: 1000 >> 8 = 3, 30000 >> 8 = 117.
        try (Mat deep = filled(8, 6, CV_16UC3, new Scalar(1000, 30000, 65535, 0));
             Pixels p = decoder.decode(new EncodedImage(encode(".png", deep)))) {
            assertArrayEquals(new int[] {255, 117, 3}, rgb(p, 5, 3));
        }
        try (Mat grey = filled(8, 6, CV_8UC1, new Scalar(7));
             Pixels p = decoder.decode(new EncodedImage(encode(".png", grey)))) {
            assertEquals(PixelFormat.BGR, p.format());
            assertArrayEquals(new int[] {7, 7, 7}, rgb(p, 5, 3));
        }
        // Alpha is dropped, not composited: a transparent pixel keeps its colour. (Alpha 1 for
        // WebP: libwebp's encoder blanks the colour of fully transparent pixels.)
        try (Mat clear = filled(8, 6, CV_8UC4, new Scalar(50, 100, 200, 0));
             Mat faint = filled(8, 6, CV_8UC4, new Scalar(50, 100, 200, 1))) {
            for (byte[] image : List.of(encode(".png", clear), encode(".webp", faint, IMWRITE_WEBP_QUALITY, 101))) {
                try (Pixels p = decoder.decode(new EncodedImage(image))) {
                    assertEquals(24, p.rowStride());
                    assertArrayEquals(new int[] {200, 100, 50}, rgb(p, 5, 3));
                }
            }
        }
    }

    @Test
    void decodesTopDownAndBottomUpBmpWithV5Header() {
        byte[] bgr = new byte[3 * 2 * 3];
        bgr[2] = (byte) 200; // top-left pixel red
        bgr[bgr.length - 3] = (byte) 200; // bottom-right pixel blue
        for (boolean topDown : new boolean[] {true, false}) {
            try (Pixels p = decoder.decode(new EncodedImage(TestImages.bmp24(124, 3, 2, topDown, bgr)))) {
                assertArrayEquals(new int[] {200, 0, 0}, rgb(p, 0, 0), "top-down " + topDown);
                assertArrayEquals(new int[] {0, 0, 200}, rgb(p, 2, 1), "top-down " + topDown);
            }
        }
    }

    @Test
    void appliesExifOrientation() {
        byte[] plain = TestImages.redLeftBlueRightJpeg(100, 60);
        try (Pixels p = decoder.decode(new EncodedImage(TestImages.withExifOrientation(plain, 1)))) {
            assertEquals(100, p.width());
            assertEquals(60, p.height());
        }
        // Orientation 6: the stored image is to be turned 90 degrees clockwise, so its left (red) half ends on top.
        try (Pixels p = decoder.decode(new EncodedImage(TestImages.withExifOrientation(plain, 6)))) {
            assertEquals(60, p.width());
            assertEquals(100, p.height());
            assertNear(new int[] {255, 0, 0}, rgb(p, 30, 20), 8);
            assertNear(new int[] {0, 0, 255}, rgb(p, 30, 80), 8);
        }
        // Orientation 8: turned counter-clockwise, the left half ends at the bottom.
        try (Pixels p = decoder.decode(new EncodedImage(TestImages.withExifOrientation(plain, 8)))) {
            assertEquals(60, p.width());
            assertNear(new int[] {0, 0, 255}, rgb(p, 30, 20), 8);
        }
    }

    @Test
    void decodesJpegAtReducedScaleWithNearlyTheSameMeanColour() {
        byte[] jpeg;
        try (Mat m = filled(800, 600, CV_8UC3, BACKGROUND)) {
            paint(m, 100, 100, 300, 200, ORANGE);
            paint(m, 500, 300, 200, 250, new Scalar(240, 30, 90, 0));
            jpeg = encode(".jpg", m, IMWRITE_JPEG_QUALITY, 90);
        }
        double[] full;
        try (Pixels p = decoder.decode(new EncodedImage(jpeg))) {
            full = meanRgb(p);
        }
        int[][] cases = {{400, 300, 400, 300}, {200, 150, 200, 150}, {201, 150, 400, 300}, {100, 75, 100, 75}, {20, 20, 100, 75}, {801, 10, 800, 600}};
        for (int[] c : cases) {
            try (Pixels p = decoder.decode(new EncodedImage(jpeg), c[0], c[1])) {
                String target = c[0] + "x" + c[1];
                assertEquals(c[2], p.width(), target);
                assertEquals(c[3], p.height(), target);
                double[] mean = meanRgb(p);
                for (int i = 0; i < 3; i++) {
                    assertEquals(full[i], mean[i], 1.5, target + " channel " + i);
                }
            }
        }
        // Other formats come back at full size.
        try (Pixels p = decoder.decode(new EncodedImage(orangeBlock(".png", CV_8UC3)), 10, 10)) {
            assertEquals(40, p.width());
        }
    }

    @Test
    void choosesTheReductionAfterExifOrientation() {
        byte[] rotated = TestImages.withExifOrientation(TestImages.redLeftBlueRightJpeg(800, 600), 6);
        // Shown 600 wide and 800 high: 300 x 400 fits at 1/2, 400 x 300 only at full size.
        try (Pixels p = decoder.decode(new EncodedImage(rotated), 300, 400)) {
            assertEquals(300, p.width());
            assertEquals(400, p.height());
        }
        try (Pixels p = decoder.decode(new EncodedImage(rotated), 400, 300)) {
            assertEquals(600, p.width());
            assertEquals(800, p.height());
        }
        ImageHeader odd = new ImageHeader(ImageFormat.JPEG, 801, 601, 8, 3, 1);
        assertEquals(8, ImageDecoder.reduction(odd, 101, 76), "libjpeg rounds up: 801 / 8 -> 101");
        assertEquals(4, ImageDecoder.reduction(odd, 102, 76));
        assertEquals(1, ImageDecoder.reduction(new ImageHeader(ImageFormat.PNG, 800, 600, 8, 3, 1), 100, 75));
        assertThrows(IllegalArgumentException.class, () -> decoder.decode(new EncodedImage(rotated), 0, 10));
    }

    @Test
    void decodesTheReferencePhotosAtTheirHeaderSize() throws IOException {
        Path folder = TestImages.referencePhotos();
        assumeTrue(Files.isDirectory(folder), "no reference photos at " + folder.toAbsolutePath());
        List<Path> photos;
        try (Stream<Path> files = Files.list(folder)) {
            photos = files.filter(f -> f.toString().matches(".*\\.(jpg|png)$")).sorted().toList();
        }
        assertTrue(photos.size() >= 10, "photos in " + folder + ": " + photos);
        for (Path photo : photos) {
            byte[] bytes = Files.readAllBytes(photo);
            ImageHeader header = ImageHeader.read(bytes);
            try (Pixels p = decoder.decode(new EncodedImage(bytes))) {
                assertEquals(header.displayWidth(), p.width(), photo.toString());
                assertEquals(header.displayHeight(), p.height(), photo.toString());
                double[] mean = meanRgb(p);
                assertTrue(mean[0] + mean[1] + mean[2] > 0, photo + " decoded black");
            }
        }
    }

    @Test
    void refusesTruncatedAndCorruptData() {
        byte[] png;
        byte[] jpeg;
        try (Mat noise = TestImages.noise(400, 300, 3, 7)) {
            png = encode(".png", noise);
            jpeg = encode(".jpg", noise);
        }
        assertRefused("image.bytes: PNG data could not be decoded: corrupt or truncated after a valid 400x300 header",
                new EncodedImage(Arrays.copyOf(png, png.length / 2)));
        byte[] corruptPng = png.clone();
        for (int i = png.length / 3; i < png.length / 3 + 40; i++) {
            corruptPng[i] ^= 0x5A;
        }
        assertRefused("image.bytes: PNG data could not be decoded: corrupt or truncated after a valid 400x300 header",
                new EncodedImage(corruptPng));

        InputException halfJpeg = refused(decoder, new EncodedImage(Arrays.copyOf(jpeg, jpeg.length / 2)));
        assertEquals("image.bytes", halfJpeg.field());
        assertTrue(halfJpeg.getMessage().startsWith("image.bytes: JPEG truncated: no end-of-image marker (ff d9)"), halfJpeg.getMessage());
        // A quantisation table turned into a comment: the header still reads, libjpeg refuses the scan.
        byte[] noTables = jpeg.clone();
        noTables[TestImages.jpegSegment(jpeg, 0xDB) + 1] = (byte) 0xFE;
        assertRefused("image.bytes: JPEG data could not be decoded: corrupt or truncated after a valid 400x300 header",
                new EncodedImage(noTables));
    }

    /**
     * A JPEG cut short with an end-of-image marker appended passes every marker check; libjpeg
     * then fills the missing blocks with grey and only warns. The scan walk refuses it, for
     * baseline (with and without restart intervals, colour and grey) and progressive JPEGs,
     * while every complete one still decodes.
     */
    @Test
    void refusesAJpegWhoseScanEndsEarlyWhateverTrailerFollows() throws IOException {
        byte[] eoi = {(byte) 0xFF, (byte) 0xD9};
        try (Mat colour = TestImages.noise(400, 300, 3, 11); Mat grey = TestImages.noise(333, 211, 1, 12)) {
            Map<String, byte[]> jpegs = new java.util.LinkedHashMap<>();
            jpegs.put("baseline", encode(".jpg", colour));
            jpegs.put("baseline 4:4:4", encode(".jpg", colour, org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_SAMPLING_FACTOR,
                    org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_SAMPLING_FACTOR_444));
            jpegs.put("grey", encode(".jpg", grey));
            jpegs.put("restart intervals", encode(".jpg", colour, org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_RST_INTERVAL, 3));
            jpegs.put("progressive", encode(".jpg", colour, org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_PROGRESSIVE, 1));
            for (Map.Entry<String, byte[]> e : jpegs.entrySet()) {
                byte[] whole = e.getValue();
                try (Pixels p = decoder.decode(new EncodedImage(whole))) {
                    assertTrue(p.width() > 0, e.getKey() + " decodes whole");
                }
                int scan = TestImages.jpegSegment(whole, 0xDA);
                for (double kept : new double[] {0.1, 0.5, 0.97}) {
                    int cut = scan + (int) ((whole.length - scan) * kept);
                    byte[] cutWithEoi = java.nio.ByteBuffer.allocate(cut + 2).put(whole, 0, cut).put(eoi).array();
                    InputException refused = refused(decoder, new EncodedImage(cutWithEoi));
                    assertEquals("image.bytes", refused.field(), e.getKey());
                    assertTrue(refused.getMessage().contains("ends early") || refused.getMessage().contains("Premature end")
                            || refused.getMessage().contains("premature"), e.getKey() + " cut at " + kept + ": " + refused.getMessage());
                }
            }
        }
        for (String photo : new String[] {"q0003.jpg", "q0291.jpg", "q2821.jpg", "small.jpg", "wee.jpg"}) {
            byte[] whole = Files.readAllBytes(TestImages.referencePhotos().resolve(photo));
            decoder.decode(new EncodedImage(whole)).close();
            int scan = TestImages.jpegSegment(whole, 0xDA);
            int cut = scan + (whole.length - scan) / 10;
            byte[] cutWithEoi = java.nio.ByteBuffer.allocate(cut + 2).put(whole, 0, cut).put(eoi).array();
            assertEquals("image.bytes", refused(decoder, new EncodedImage(cutWithEoi)).field(), photo + ", 90% of its scan data gone");
        }
    }

    @Test
    void refusesEmptyUnknownAndUnacceptedInput() {
        assertRefused("image.bytes: 0 (expected: > 0)", new EncodedImage(new byte[0]));
        assertRefused("image.bytes: missing (expected: an encoded image)", new EncodedImage(null));
        assertRefused("image.format: unknown, first bytes 00 01 02 03 04 05 06 07 (expected: a PNG, JPEG, WebP or BMP signature)",
                new EncodedImage(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
        ImageDecoder pngAndJpeg = new ImageDecoder(new DecodeLimits(1 << 20, 1_000_000, 4096, EnumSet.of(ImageFormat.JPEG, ImageFormat.PNG)));
        InputException webp = refused(pngAndJpeg, new EncodedImage(orangeBlock(".webp", CV_8UC3)));
        assertEquals("image.format", webp.field());
        assertEquals("image.format: WEBP (expected: one of PNG, JPEG)", webp.getMessage());
        // Not accepted means not parsed: a broken BMP header is refused for its format alone.
        assertEquals("image.format: BMP (expected: one of PNG, JPEG)", refused(pngAndJpeg, new EncodedImage(new byte[] {'B', 'M', 0})).getMessage());
    }

    @Test
    void refusesImagesOverTheLimits() {
        byte[] png = orangeBlock(".png", CV_8UC3);
        ImageDecoder small = new ImageDecoder(new DecodeLimits(png.length - 1, 1200, 40, EnumSet.allOf(ImageFormat.class)));
        assertEquals("image.bytes: " + png.length + " (expected: <= " + (png.length - 1) + ")",
                refused(small, new EncodedImage(png)).getMessage());
        ImageDecoder fewPixels = new ImageDecoder(new DecodeLimits(1 << 20, 1199, 40, EnumSet.allOf(ImageFormat.class)));
        assertEquals("image.pixels: 1200 (expected: <= 1199)", refused(fewPixels, new EncodedImage(png)).getMessage());
        ImageDecoder narrow = new ImageDecoder(new DecodeLimits(1 << 20, 1200, 39, EnumSet.allOf(ImageFormat.class)));
        InputException wide = refused(narrow, new EncodedImage(png));
        assertEquals("image.width", wide.field());
        assertEquals("image.width: 40 (expected: <= 39)", wide.getMessage());
        ImageDecoder low = new ImageDecoder(new DecodeLimits(1 << 20, 2000, 40, EnumSet.allOf(ImageFormat.class)));
        try (Mat tall = filled(30, 41, CV_8UC3, BACKGROUND)) {
            assertEquals("image.height: 41 (expected: <= 40)", refused(low, new EncodedImage(encode(".bmp", tall))).getMessage());
        }
    }

    @Test
    void refusesADeclaredHugeImageBeforeAnyDecode() {
        // A valid IHDR for 50000 x 50000 RGBA, then junk instead of image data: a decode would
        // fail on the junk, or first try to allocate 10 GB.
        byte[] bomb = TestImages.pngHeader(50_000, 50_000, 8, 6, new byte[64]);
        assertEquals(97, bomb.length);
        long before = Pointer.physicalBytes();
        InputException e = refused(decoder, new EncodedImage(bomb));
        assertEquals("image.pixels", e.field());
        assertEquals("image.pixels: 2500000000 (expected: <= 40000000)", e.getMessage());
        assertTrue(Pointer.physicalBytes() - before < 64L << 20, "resident memory grew by " + (Pointer.physicalBytes() - before));
        // The same for a JPEG whose frame header claims 65535 x 65535.
        byte[] jpeg = orangeBlock(".jpg", CV_8UC3);
        int sof = TestImages.jpegSegment(jpeg, 0xC0);
        Arrays.fill(jpeg, sof + 5, sof + 9, (byte) 0xFF);
        assertEquals("image.pixels: 4294836225 (expected: <= 40000000)", refused(decoder, new EncodedImage(jpeg)).getMessage());
    }

    @Test
    void viewsRawPixelsWithoutCopying() {
        // Two RGB pixels a row, rows padded to 8 bytes, starting at position 3 of the buffer.
        ByteBuffer heap = ByteBuffer.allocate(3 + 8 + 6);
        heap.position(3);
        for (ByteBuffer buffer : List.of(heap, ByteBuffer.allocateDirect(14))) {
            try (Pixels p = decoder.decode(new RawImage(buffer, 2, 2, 8, PixelFormat.RGB))) {
                assertEquals(2, p.width());
                assertEquals(8, p.rowStride());
                assertEquals(PixelFormat.RGB, p.format());
                assertEquals(14, p.data().remaining());
                buffer.put(buffer.position() + 8 + 3, (byte) 77); // red of the second row's second pixel
                assertArrayEquals(new int[] {77, 0, 0}, rgb(p, 1, 1));
            }
        }
        // A raw image may use any of the formats, and is not resized for a target.
        try (Pixels p = decoder.decode(new RawImage(ByteBuffer.allocate(6), 3, 2, 3, PixelFormat.GRAY), 1, 1)) {
            assertEquals(3, p.width());
            assertEquals(PixelFormat.GRAY, p.format());
        }
    }

    @Test
    void refusesInconsistentRawPixels() {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        assertRefused("image.rowStride: 10 (expected: >= width * channels = 12)", new RawImage(buffer, 4, 2, 10, PixelFormat.RGB));
        assertRefused("image.rowStride: 15 (expected: >= width * channels = 16)", new RawImage(buffer, 4, 2, 15, PixelFormat.BGRA));
        assertRefused("image.pixels: 64 bytes (expected: >= rowStride * (height - 1) + width * channels = 77)",
                new RawImage(buffer, 4, 6, 13, PixelFormat.RGB));
        assertRefused("image.width: 0 (expected: > 0)", new RawImage(buffer, 0, 2, 12, PixelFormat.RGB));
        assertRefused("image.height: -1 (expected: > 0)", new RawImage(buffer, 4, -1, 12, PixelFormat.RGB));
        assertRefused("image.format: missing (expected: one of RGB, BGR, RGBA, BGRA, GRAY)", new RawImage(buffer, 4, 2, 12, null));
        assertRefused("image.pixels: missing (expected: a buffer of rowStride * height bytes)", new RawImage(null, 4, 2, 12, PixelFormat.RGB));
        assertRefused("image.pixels: 2500000000 (expected: <= 40000000)", new RawImage(buffer, 50_000, 50_000, 150_000, PixelFormat.RGB));
        assertRefused("image.width: 20000 (expected: <= 16384)", new RawImage(buffer, 20_000, 2, 60_000, PixelFormat.RGB));
    }

    @Test
    void pixelsRefuseUseAfterClose() {
        Pixels decoded = decoder.decode(new EncodedImage(orangeBlock(".png", CV_8UC3)));
        Pixels raw = decoder.decode(new RawImage(ByteBuffer.allocate(12), 2, 2, 6, PixelFormat.RGB));
        for (Pixels p : List.of(decoded, raw)) {
            p.close();
            p.close(); // a second close does nothing
            assertThrows(IllegalStateException.class, p::data);
            assertThrows(IllegalStateException.class, p::width);
        }
    }

    @Test
    void decodesConcurrentlyWithOneDecoder() throws Exception {
        List<byte[]> images = List.of(orangeBlock(".png", CV_8UC3), orangeBlock(".jpg", CV_8UC3), orangeBlock(".webp", CV_8UC3));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<int[]>> results = Stream.generate(() -> images).limit(50).flatMap(List::stream)
                    .map(image -> pool.submit(() -> {
                        try (Pixels p = decoder.decode(new EncodedImage(image))) {
                            return rgb(p, 20, 12);
                        }
                    })).toList();
            for (int i = 0; i < results.size(); i++) {
                try (Pixels p = decoder.decode(new EncodedImage(images.get(i % images.size())))) {
                    assertArrayEquals(rgb(p, 20, 12), results.get(i).get());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void limitsValidateThemselves() {
        DecodeLimits d = DecodeLimits.defaults();
        assertEquals(32 << 20, d.maxBytes());
        assertEquals(40_000_000, d.maxPixels());
        assertEquals(16384, d.maxSide());
        assertEquals(EnumSet.allOf(ImageFormat.class), d.accepted());
        assertEquals("maxBytes: 0 (expected: > 0)",
                assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(0, 1, 1, d.accepted())).getMessage());
        assertEquals("maxPixels: -1 (expected: > 0 and <= 536870911)",
                assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(1, -1, 1, d.accepted())).getMessage());
        assertEquals("maxSide: 2097152 (expected: > 0 and <= 1048576)",
                assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(1, 1, 1 << 21, d.accepted())).getMessage());
        assertEquals("accepted: [] (expected: at least one format)",
                assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(1, 1, 1, EnumSet.noneOf(ImageFormat.class))).getMessage());
        assertThrows(UnsupportedOperationException.class, () -> d.accepted().remove(ImageFormat.BMP));
    }
}
