package dev.vigil.engine.hash;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.InputException;
import dev.vigil.engine.image.PixelFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PDQ against the reference hashes of the ThreatExchange test photos (the folder named by
 * the {@code vigil.referencePhotos} system property, see {@link ReferencePhotos}).
 * Photos are decoded with OpenCV and hashed from its BGR buffer in place.
 */
class PdqHasherTest {
    /** The reference test's own tolerance: JPEG decoders differ. */
    private static final int TOLERANCE = 16;

    private static final PdqHasher HASHER = new PdqHasher();
    private static List<ReferencePhotos.Photo> photos;

    @BeforeAll
    static void decodePhotos() throws IOException {
        photos = ReferencePhotos.photos();
        assertEquals(10, photos.size(), "photos listed in EXPECTED.tsv");
    }

    @Test
    void photosHashWithinTheReferenceToleranceStraightFromOpenCvBuffers() {
        PdqHasher fullResolution = new PdqHasher(Integer.MAX_VALUE);
        List<String> failures = new ArrayList<>();
        System.out.println("PDQ vs EXPECTED.tsv (distance; full-resolution distance where the image was reduced)");
        for (ReferencePhotos.Photo photo : photos) {
            String path = ReferencePhotos.images().resolve(photo.name()).toString();
            PdqResult result;
            try (Mat mat = imread(path, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION)) {
                // Hash OpenCV's own buffer: BGR read through channel offsets, rows at mat.step().
                result = HASHER.hash(mat.createBuffer(), mat.cols(), mat.rows(), (int) mat.step(), PixelFormat.BGR);
            }
            int distance = result.hash().hammingDistance(photo.expected());
            String full = "";
            if (Math.max(photo.width(), photo.height()) > PdqHasher.DEFAULT_MAX_DIMENSION) {
                PdqResult unreduced = fullResolution.hash(photo.buffer(), photo.width(), photo.height(), photo.width() * 3,
                        PixelFormat.BGR);
                full = " full-resolution=" + unreduced.hash().hammingDistance(photo.expected());
            }
            System.out.printf("  %-10s %4dx%-4d distance=%2d quality=%3d %s%s%n", photo.name(), photo.width(),
                    photo.height(), distance, result.quality(), result.hash(), full);
            if (distance > TOLERANCE) {
                failures.add(photo.name() + ": distance " + distance + " (expected: <= " + TOLERANCE + ")");
            }
        }
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }

    /**
     * At a 64x64 working size the blur is the identity and the 64x64 samples of a turned image
     * are exactly the turned samples, so the DCT-side transforms must give the hashes of the
     * turned pixels (up to float rounding at the median).
     */
    @Test
    void dihedralHashesFromTheDctEqualHashesOfTurnedPixelsWhereSamplingIsSymmetric() {
        PdqHasher at64 = new PdqHasher(64);
        System.out.println("Dihedral hash from the DCT vs hash of the turned pixels, 64x64 working size");
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (ReferencePhotos.Photo photo : photos) {
            if (photo.width() != photo.height() || photo.width() < 64) {
                continue;
            }
            PdqResult original = photo.hash(at64);
            StringBuilder line = new StringBuilder(String.format("  %-10s", photo.name()));
            for (Dihedral transform : Dihedral.values()) {
                ReferencePhotos.Turned turned = ReferencePhotos.turn(photo, transform);
                PdqHash direct = turned.hash(at64).hash();
                int distance = direct.hammingDistance(original.dihedral(transform));
                line.append(String.format(" %s=%d", transform, distance));
                compared++;
                if (distance > 2) {
                    failures.add(photo.name() + " " + transform + ": distance " + distance + " (expected: <= 2)");
                }
            }
            System.out.println(line);
        }
        assertEquals(7 * 8, compared, "square photos x transforms compared");
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }

    /**
     * At the normal working size PDQ's sampling is not symmetric (an even box window reaches one
     * pixel further right; decimation centres do not reflect onto centres), so a turned image
     * hashes a few dozen bits away from the DCT-side transform: still far nearer that transform
     * than any other of the eight, which is what matching relies on.
     */
    @Test
    void eachTurnedPhotoIsNearestToItsOwnDihedralHash() {
        System.out.println("Dihedral hash from the DCT vs hash of the turned pixels, default working size "
                + "(distance / nearest other transform)");
        List<String> failures = new ArrayList<>();
        for (ReferencePhotos.Photo photo : photos) {
            PdqResult original = photo.hash(HASHER);
            if (original.quality() < 50) {
                continue; // near-flat images have no stable bits to compare
            }
            StringBuilder line = new StringBuilder(String.format("  %-10s", photo.name()));
            for (Dihedral transform : Dihedral.values()) {
                ReferencePhotos.Turned turned = ReferencePhotos.turn(photo, transform);
                PdqHash direct = turned.hash(HASHER).hash();
                int distance = direct.hammingDistance(original.dihedral(transform));
                int nearestOther = Integer.MAX_VALUE;
                for (Dihedral other : Dihedral.values()) {
                    if (other != transform) {
                        nearestOther = Math.min(nearestOther, direct.hammingDistance(original.dihedral(other)));
                    }
                }
                line.append(String.format(" %s=%d/%d", transform, distance, nearestOther));
                if (distance >= nearestOther) {
                    failures.add(photo.name() + " " + transform + ": distance " + distance + ", another transform at "
                            + nearestOther);
                }
            }
            System.out.println(line);
        }
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }

    @Test
    void channelOrderAndRowPaddingDoNotChangeTheHash() {
        ReferencePhotos.Photo photo = photos.stream().filter(p -> p.name().equals("q0122.jpg")).findFirst().orElseThrow();
        PdqResult bgr = HASHER.hash(photo.buffer(), photo.width(), photo.height(), photo.width() * 3, PixelFormat.BGR);

        int stride = photo.width() * 4 + 12;
        ByteBuffer rgba = ByteBuffer.allocateDirect(7 + photo.height() * stride);
        rgba.position(7); // hashing starts at the position, not at 0
        for (int y = 0; y < photo.height(); y++) {
            for (int x = 0; x < photo.width(); x++) {
                int from = (y * photo.width() + x) * 3;
                int to = 7 + y * stride + x * 4;
                rgba.put(to, photo.bgr()[from + 2]).put(to + 1, photo.bgr()[from + 1]).put(to + 2, photo.bgr()[from])
                        .put(to + 3, (byte) 0x80);
            }
        }
        PdqResult fromRgba = HASHER.hash(rgba, photo.width(), photo.height(), stride, PixelFormat.RGBA);
        assertEquals(bgr, fromRgba);
        assertEquals(7, rgba.position());
    }

    @Test
    void grayAndEqualRgbAgree() {
        int width = 100;
        int height = 80;
        byte[] gray = new byte[width * height];
        byte[] rgb = new byte[width * height * 3];
        Random random = new Random(7);
        for (int i = 0; i < gray.length; i++) {
            gray[i] = (byte) (((i % width) * 2 + (i / width) * 3 + random.nextInt(40)) & 0xFF);
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
        }
        PdqResult fromGray = HASHER.hash(ByteBuffer.wrap(gray), width, height, width, PixelFormat.GRAY);
        PdqResult fromRgb = HASHER.hash(ByteBuffer.wrap(rgb), width, height, width * 3, PixelFormat.RGB);
        assertTrue(fromGray.hash().hammingDistance(fromRgb.hash()) <= 2,
                "gray " + fromGray.hash() + " vs rgb " + fromRgb.hash());
        assertEquals(128, fromGray.hash().bitCount());
    }

    @Test
    void flatImagesHaveQualityZeroAndTinyImagesTheZeroHash() {
        byte[] flat = new byte[300 * 200 * 3];
        java.util.Arrays.fill(flat, (byte) 77);
        assertEquals(0, HASHER.hash(ByteBuffer.wrap(flat), 300, 200, 900, PixelFormat.RGB).quality());

        PdqResult tiny = HASHER.hash(ByteBuffer.wrap(new byte[4 * 40]), 4, 40, 4, PixelFormat.GRAY);
        assertEquals(PdqHash.ZERO, tiny.hash());
        assertEquals(0, tiny.quality());
    }

    @Test
    void badLayoutsAreRefusedNamingTheFieldAndTheLimit() {
        ByteBuffer small = ByteBuffer.allocate(100);
        InputException stride = assertThrows(InputException.class, () -> HASHER.hash(small, 10, 3, 20, PixelFormat.RGB));
        assertEquals("image.rowStride: 20 (expected: >= 30 for 10 RGB pixels)", stride.getMessage());
        InputException bytes = assertThrows(InputException.class, () -> HASHER.hash(small, 10, 4, 30, PixelFormat.RGB));
        assertEquals("image.pixels: 100 bytes (expected: >= 120 for 10x4 RGB with row stride 30)", bytes.getMessage());
        InputException width = assertThrows(InputException.class, () -> HASHER.hash(small, 0, 4, 30, PixelFormat.RGB));
        assertEquals("image.width", width.field());
    }
}
