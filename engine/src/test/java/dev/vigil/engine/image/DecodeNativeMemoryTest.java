package dev.vigil.engine.image;

import static dev.vigil.engine.image.TestImages.encode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.InputException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/**
 * Decoding must hand back every byte of native memory when the pixels are closed, on the
 * failure paths too, without waiting for the garbage collector. A memory assertion, not a
 * timing one.
 */
class DecodeNativeMemoryTest {
    private static final int WARM_UP = 100;
    private static final int ROUNDS = 2000;
    /**
     * A leak of one 256 x 256 BGR image a round would be 2000 x 196 kB = 393 MB. Without one,
     * resident memory still grows 10 to 20 kB a round as the JVM touches fresh heap pages for
     * its garbage (measured 19 to 37 MB in all), hence this margin.
     */
    private static final long RESIDENT_BOUND = 96L << 20;

    private record Case(ImageInput input, int targetSide, boolean broken) {
    }

    @Test
    void twoThousandDecodesLeaveNativeMemoryWhereItWas() {
        List<Case> cases = new ArrayList<>();
        byte[] jpeg;
        byte[] png;
        try (Mat noise = TestImages.noise(256, 256, 3, 11); Mat alpha = TestImages.noise(256, 256, 4, 12)) {
            jpeg = encode(".jpg", noise);
            png = encode(".png", noise);
            cases.add(new Case(new EncodedImage(TestImages.withExifOrientation(jpeg, 6)), 0, false));
            cases.add(new Case(new EncodedImage(jpeg), 64, false));
            cases.add(new Case(new EncodedImage(png), 0, false));
            cases.add(new Case(new EncodedImage(encode(".png", alpha)), 0, false));
            cases.add(new Case(new EncodedImage(encode(".webp", noise, IMWRITE_WEBP_QUALITY, 80)), 0, false));
            cases.add(new Case(new EncodedImage(encode(".bmp", noise)), 0, false));
        }
        cases.add(new Case(new RawImage(ByteBuffer.allocateDirect(256 * 256 * 3), 256, 256, 256 * 3, PixelFormat.RGB), 0, false));
        // Failures after native memory was taken: a PNG cut short, a JPEG whose tables are gone.
        cases.add(new Case(new EncodedImage(Arrays.copyOf(png, png.length / 2)), 0, true));
        byte[] noTables = jpeg.clone();
        noTables[TestImages.jpegSegment(jpeg, 0xDB) + 1] = (byte) 0xFE;
        cases.add(new Case(new EncodedImage(noTables), 0, true));

        ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
        for (int i = 0; i < WARM_UP; i++) {
            decodeOnce(decoder, cases.get(i % cases.size()));
        }
        long tracked = Pointer.totalBytes();
        long resident = Pointer.physicalBytes();
        long maxTracked = tracked;
        for (int i = 0; i < ROUNDS; i++) {
            Case c = cases.get(i % cases.size());
            int round = i;
            assertEquals(!c.broken(), decodeOnce(decoder, c), () -> "round " + round);
            maxTracked = Math.max(maxTracked, Pointer.totalBytes());
        }
        long grown = Pointer.physicalBytes() - resident;
        System.err.printf("native memory after %d decodes: JavaCPP-tracked %+d bytes (peak %+d), resident %+d kB%n",
                ROUNDS, Pointer.totalBytes() - tracked, maxTracked - tracked, grown >> 10);
        // Every BytePointer and Mat handle is freed by close, so JavaCPP's count is back at once, every round.
        assertEquals(tracked, maxTracked, "a round left JavaCPP-allocated memory behind");
        assertTrue(grown < RESIDENT_BOUND, "resident memory grew by " + (grown >> 20) + " MB over " + ROUNDS + " decodes");
    }

    /** Decodes and closes; false when the input was refused. */
    private static boolean decodeOnce(ImageDecoder decoder, Case c) {
        try (Pixels p = c.targetSide() == 0 ? decoder.decode(c.input()) : decoder.decode(c.input(), c.targetSide(), c.targetSide())) {
            assertTrue(p.width() > 0 && p.data().capacity() >= p.rowStride() * (p.height() - 1));
            return true;
        } catch (InputException e) {
            return false;
        }
    }
}
