package dev.vigil.engine.hash;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The PDQ test data committed with the project ({@code testdata/pdq}, facebook/ThreatExchange,
 * BSD licence). The parent POM sets {@code vigil.referencePhotos} to its images folder; without
 * it, {@code testdata/pdq/images} is looked for in each folder above the working directory.
 */
final class ReferencePhotos {

    /** A photo from EXPECTED.tsv decoded by OpenCV into packed BGR rows (stride = 3 x width). */
    record Photo(String name, PdqHash expected, int width, int height, byte[] bgr) {
        ByteBuffer buffer() {
            return ByteBuffer.wrap(bgr);
        }

        PdqResult hash(PdqHasher hasher) {
            return hasher.hash(buffer(), width, height, width * 3, dev.vigil.engine.image.PixelFormat.BGR);
        }
    }

    /** Packed BGR pixels of a turned photo. */
    record Turned(int width, int height, byte[] bgr) {
        PdqResult hash(PdqHasher hasher) {
            return hasher.hash(ByteBuffer.wrap(bgr), width, height, width * 3, dev.vigil.engine.image.PixelFormat.BGR);
        }
    }

    private ReferencePhotos() {
    }

    /** The images folder; its parent holds EXPECTED.tsv, haystack.txt and needles.txt. */
    static Path images() {
        return dev.vigil.engine.TestModels.referencePhotos();
    }

    static Path testData() {
        return images().getParent();
    }

    /** Every photo EXPECTED.tsv lists, decoded with OpenCV (colour, EXIF orientation ignored as the reference does). */
    static List<Photo> photos() throws IOException {
        Path table = testData().resolve("EXPECTED.tsv");
        List<Photo> photos = new ArrayList<>();
        for (String line : Files.readAllLines(table)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t");
            photos.add(decode(testData().resolve(fields[0]), PdqHash.fromHex(fields[1])));
        }
        return photos;
    }

    static Photo photo(String name) throws IOException {
        return photos().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no photo " + name + " in EXPECTED.tsv"));
    }

    private static Photo decode(Path file, PdqHash expected) {
        try (Mat mat = imread(file.toString(), IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION)) {
            if (mat.empty()) {
                throw new AssertionError("OpenCV could not read " + file);
            }
            int rowBytes = mat.cols() * 3;
            byte[] bgr = new byte[mat.rows() * rowBytes];
            ByteBuffer data = mat.createBuffer();
            for (int y = 0; y < mat.rows(); y++) {
                data.get((int) (y * mat.step()), bgr, y * rowBytes, rowBytes);
            }
            return new Photo(file.getFileName().toString(), expected, mat.cols(), mat.rows(), bgr);
        }
    }

    /** Turns pixels as each transform's documentation says, independently of how the DCT side does it. */
    static Turned turn(Photo photo, Dihedral transform) {
        int w = photo.width();
        int h = photo.height();
        boolean swaps = switch (transform) {
            case ROTATE_90, ROTATE_270, FLIP_PLUS_1, FLIP_MINUS_1 -> true;
            default -> false;
        };
        int outW = swaps ? h : w;
        int outH = swaps ? w : h;
        byte[] out = new byte[outW * outH * 3];
        for (int r = 0; r < outH; r++) {
            for (int c = 0; c < outW; c++) {
                int sr;
                int sc;
                switch (transform) {
                    case ORIGINAL -> { sr = r; sc = c; }
                    case ROTATE_90 -> { sr = c; sc = w - 1 - r; }          // counter-clockwise
                    case ROTATE_180 -> { sr = h - 1 - r; sc = w - 1 - c; }
                    case ROTATE_270 -> { sr = h - 1 - c; sc = r; }         // clockwise
                    case FLIP_X -> { sr = h - 1 - r; sc = c; }             // top to bottom
                    case FLIP_Y -> { sr = r; sc = w - 1 - c; }             // left to right
                    case FLIP_PLUS_1 -> { sr = c; sc = r; }                // transpose
                    case FLIP_MINUS_1 -> { sr = h - 1 - c; sc = w - 1 - r; }
                    default -> throw new AssertionError(transform);
                }
                System.arraycopy(photo.bgr(), (sr * w + sc) * 3, out, (r * outW + c) * 3, 3);
            }
        }
        return new Turned(outW, outH, out);
    }
}
