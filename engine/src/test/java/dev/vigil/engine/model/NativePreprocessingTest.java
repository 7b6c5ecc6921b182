package dev.vigil.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.engine.TestModels;
import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.Pixels;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.preprocess.NativePreprocessing;
import dev.vigil.preprocess.NativePreprocessing.Isa;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * The native kernel against the Java path, which {@link PreprocessorTest} holds to the
 * original libraries' tensors: on the project's photos, in every pixel layout the engine sees
 * (gray, RGB, BGR, RGBA, BGRA), with packed and padded rows, heap and direct pixel buffers,
 * every model input shape and resize rule of the default models, down- and upscaling, and
 * every instruction set this CPU runs, the floats written into a real tensor are the Java
 * path's to the bit.
 */
class NativePreprocessingTest {
    /** Inputs as the default models' manifests declare them, plus an odd size. */
    private static final ModelManifest.Input[] INPUTS = {
        input(224, 224, "bilinear-align-corners", "RGB", 0, 1),   // nsfw-mobilenet-v2(-mid)
        input(299, 299, "bilinear", "RGB", 0, 1),                 // nsfw-inception-v3
        input(256, 256, "bilinear", "RGB", -1, 1),                // blazeface
        input(224, 224, "bilinear", "RGB", 0, 255),               // faceres
        input(37, 61, "bilinear-align-corners", "BGR", -0.5, 2.5), // odd, BGR order
    };

    static ModelManifest.Input input(int h, int w, String resize, String order, double low, double high) {
        return new ModelManifest.Input("image", "in", "in:0", "float32", new long[] {-1, h, w, 3}, order, "NHWC", resize,
                new double[] {low, high}, "test");
    }

    @Test
    void theKernelLoadsHereAndIsTheDefault() {
        // the build compiles it for this platform; a failure to load here is a build defect, not a fallback
        assertTrue(NativePreprocessing.available(), String.valueOf(NativePreprocessing.unavailableReason()));
        assertEquals(Preprocessing.NATIVE, Preprocessing.AUTO.resolve());
        assertEquals(Preprocessing.NATIVE, new Preprocessor(INPUTS[0]).path());
        assertEquals(Preprocessing.JAVA, new Preprocessor(INPUTS[0], Preprocessing.JAVA).path());
        assertTrue(Preprocessing.describe(Preprocessing.NATIVE).startsWith("native (" + NativePreprocessing.bestIsa().label()));
        System.err.println("native preprocessing: " + Preprocessing.describe(Preprocessing.NATIVE));
    }

    @Test
    void everyLayoutStrideAndSizeMatchesTheJavaPathToTheBit() throws IOException {
        List<Path> photos;
        try (Stream<Path> s = Files.list(TestModels.referencePhotos())) {
            photos = s.filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".png")).sorted().toList();
        }
        assertTrue(photos.size() >= 5, "photos: " + photos);
        List<Isa> isas = new ArrayList<>();
        for (Isa isa : Isa.values()) {
            if (NativePreprocessing.supports(isa)) {
                isas.add(isa);
            }
        }
        int compared = 0;
        for (Path photo : photos) {
            try (MatPixels bgr = new MatPixels(photo)) {
                for (PixelFormat format : PixelFormat.values()) {
                    for (int pad : new int[] {0, 13}) {
                        for (boolean direct : new boolean[] {false, true}) {
                            Pixels pixels = relayout(bgr, format, pad, direct);
                            for (ModelManifest.Input in : INPUTS) {
                                compareAll(pixels, in, isas, photo.getFileName() + " " + format + " pad " + pad + (direct ? " direct" : " heap"));
                                compared++;
                            }
                        }
                    }
                }
            }
        }
        // upscaling a tiny image (source rows shared by many output rows)
        byte[] tiny = new byte[7 * 5 * 3];
        for (int i = 0; i < tiny.length; i++) {
            tiny[i] = (byte) (i * 37 + 11);
        }
        for (ModelManifest.Input in : INPUTS) {
            compareAll(HeapPixels.of(tiny, 7, 5, PixelFormat.RGB), in, isas, "7x5 RGB");
            compared++;
        }
        System.err.printf("native preprocessing: %d image x input cases equal to the Java path on %s%n", compared, isas);
    }

    private static void compareAll(Pixels pixels, ModelManifest.Input in, List<Isa> isas, String what) {
        Preprocessor java = new Preprocessor(in, Preprocessing.JAVA);
        int n = (int) java.imageSize();
        float[] expected = new float[n];
        java.writeJava(pixels, DataBuffers.of(expected, false, false), 0);
        Preprocessor nativePath = new Preprocessor(in, Preprocessing.NATIVE);
        // two images per batch: image 1 lands at its offset and leaves image 0 alone
        try (TFloat32 batch = TFloat32.tensorOf(Shape.of(2, in.height(), in.width(), 3))) {
            FloatDataBuffer data = batch.asRawTensor().data().asFloats();
            data.write(new float[2 * n]);
            nativePath.write(pixels, data, 1);
            float[] actual = new float[n];
            data.slice(n, n).read(actual);
            assertBitEqual(expected, actual, what + " -> " + in.height() + "x" + in.width() + " " + in.resize() + " (default ISA)");
            float[] first = new float[n];
            data.slice(0, n).read(first);
            for (float f : first) {
                assertEquals(0f, f, what + ": image 0 was written to");
            }
            PixelFormat f = pixels.format();
            int[] offsets = "BGR".equals(in.colorOrder())
                    ? new int[] {f.blueOffset(), f.greenOffset(), f.redOffset()}
                    : new int[] {f.redOffset(), f.greenOffset(), f.blueOffset()};
            long address = data.accept(new org.tensorflow.ndarray.buffer.DataStorageVisitor<Long>() {
                @Override
                public Long visit(long a, long length, long scale) {
                    return a;
                }

                @Override
                public Long fallback() {
                    throw new AssertionError("a tensor's buffer is native memory");
                }
            });
            double[] range = in.valueRange();
            for (Isa isa : isas) {
                data.write(new float[2 * n]);
                Isa ran = NativePreprocessing.preprocess(pixels.data(), pixels.width(), pixels.height(), pixels.rowStride(), f.channels(),
                        offsets, address, 2L * n, in.width(), in.height(), in.resize().equals("bilinear-align-corners"), range[0],
                        (range[1] - range[0]) / 255.0, isa);
                assertEquals(isa, ran);
                data.slice(0, n).read(actual);
                assertBitEqual(expected, actual, what + " -> " + in.height() + "x" + in.width() + " " + in.resize() + " " + isa);
            }
        }
    }

    private static void assertBitEqual(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": float " + i + " is " + actual[i] + " (Java path: " + expected[i] + ")");
            }
        }
    }

    /** The photo in {@code format}, rows {@code pad} bytes longer than the pixels, in a heap or direct buffer. */
    private static Pixels relayout(MatPixels bgr, PixelFormat format, int pad, boolean direct) {
        int w = bgr.width();
        int h = bgr.height();
        int ch = format.channels();
        int stride = w * ch + pad;
        ByteBuffer src = bgr.data();
        byte[] out = new byte[stride * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int s = y * bgr.rowStride() + x * 3;
                int b = src.get(s) & 0xff;
                int g = src.get(s + 1) & 0xff;
                int r = src.get(s + 2) & 0xff;
                int d = y * stride + x * ch;
                if (format == PixelFormat.GRAY) {
                    out[d] = (byte) ((r * 77 + g * 150 + b * 29) >> 8);
                } else {
                    out[d + format.redOffset()] = (byte) r;
                    out[d + format.greenOffset()] = (byte) g;
                    out[d + format.blueOffset()] = (byte) b;
                    if (ch == 4) {
                        out[d + 3] = (byte) 0xff;
                    }
                }
            }
        }
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(out.length).put(out).flip() : ByteBuffer.wrap(out);
        return new StridedPixels(buffer, w, h, stride, format);
    }

    private record StridedPixels(ByteBuffer data, int width, int height, int rowStride, PixelFormat format) implements Pixels {
        @Override
        public void close() {
        }
    }

    /** Where the batch is not native memory (a Java array), the native choice writes through the Java path. */
    @Test
    void aHeapBatchFallsBackToTheJavaPath() {
        byte[] px = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};
        Pixels p = HeapPixels.of(px, 2, 2, PixelFormat.RGB);
        Preprocessor pre = new Preprocessor(INPUTS[0], Preprocessing.NATIVE);
        float[] viaNative = new float[(int) pre.imageSize()];
        pre.write(p, DataBuffers.of(viaNative, false, false), 0);
        float[] viaJava = new float[(int) pre.imageSize()];
        new Preprocessor(INPUTS[0], Preprocessing.JAVA).write(p, DataBuffers.of(viaJava, false, false), 0);
        assertBitEqual(viaJava, viaNative, "heap batch");
        assertFalse(viaJava[0] == 0 && viaJava[viaJava.length - 1] == 0, "something was written");
    }

    /** Bounds are checked in Java before a pointer reaches native code; each message names the argument and the limit. */
    @Test
    void badArgumentsAreRefusedBeforeNativeCode() {
        try (TFloat32 batch = TFloat32.tensorOf(Shape.of(1, 4, 4, 3))) {
            FloatDataBuffer data = batch.asRawTensor().data().asFloats();
            long address = data.accept(new org.tensorflow.ndarray.buffer.DataStorageVisitor<Long>() {
                @Override
                public Long visit(long a, long length, long scale) {
                    return a;
                }

                @Override
                public Long fallback() {
                    return 0L;
                }
            });
            ByteBuffer px = ByteBuffer.allocateDirect(2 * 2 * 3);
            int[] rgb = {0, 1, 2};
            IllegalArgumentException short1 = assertThrows(IllegalArgumentException.class,
                    () -> NativePreprocessing.preprocess(px, 2, 3, 6, 3, rgb, address, 48, 4, 4, false, 0, 1, null));
            assertTrue(short1.getMessage().startsWith("pixels: 12 bytes (expected: >= 18"), short1.getMessage());
            IllegalArgumentException stride = assertThrows(IllegalArgumentException.class,
                    () -> NativePreprocessing.preprocess(px, 2, 2, 5, 3, rgb, address, 48, 4, 4, false, 0, 1, null));
            assertTrue(stride.getMessage().startsWith("rowStride: 5 (expected: >= width x channels = 6"), stride.getMessage());
            IllegalArgumentException dst = assertThrows(IllegalArgumentException.class,
                    () -> NativePreprocessing.preprocess(px, 2, 2, 6, 3, rgb, address, 47, 4, 4, false, 0, 1, null));
            assertTrue(dst.getMessage().startsWith("dst: 47 floats"), dst.getMessage());
            IllegalArgumentException offsets = assertThrows(IllegalArgumentException.class,
                    () -> NativePreprocessing.preprocess(px, 2, 2, 6, 3, new int[] {0, 1, 3}, address, 48, 4, 4, false, 0, 1, null));
            assertTrue(offsets.getMessage().startsWith("offsets: [0, 1, 3] (expected: each in 0..2"), offsets.getMessage());
            IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                    () -> NativePreprocessing.preprocess(px, 2, 2, 6, 5, rgb, address, 48, 4, 4, false, 0, 1, null));
            assertTrue(channels.getMessage().startsWith("channels: 5 (expected: 1 to 4)"), channels.getMessage());
            // a batch too small for image 1 is refused by the preprocessor, naming the floats
            IllegalArgumentException batchSize = assertThrows(IllegalArgumentException.class,
                    () -> new Preprocessor(input(4, 4, "bilinear", "RGB", 0, 1), Preprocessing.NATIVE)
                            .write(HeapPixels.of(new byte[12], 2, 2, PixelFormat.RGB), data, 1));
            assertTrue(batchSize.getMessage().startsWith("batch: 48 floats (expected: >= 96"), batchSize.getMessage());
        }
    }

    /** One preprocessor shared by threads writes what one thread alone writes. */
    @Test
    void concurrentWritesEqualOneAtATime() throws Exception {
        Path photo = TestModels.referencePhotos().resolve("c.png");
        Preprocessor pre = new Preprocessor(INPUTS[1], Preprocessing.NATIVE);
        int n = (int) pre.imageSize();
        float[] alone;
        try (MatPixels px = new MatPixels(photo); TFloat32 t = TFloat32.tensorOf(Shape.of(1, 299, 299, 3))) {
            FloatDataBuffer data = t.asRawTensor().data().asFloats();
            pre.write(px, data, 0);
            alone = new float[n];
            data.read(alone);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (MatPixels px = new MatPixels(photo)) {
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                results.add(pool.submit(() -> {
                    try (TFloat32 t = TFloat32.tensorOf(Shape.of(1, 299, 299, 3))) {
                        FloatDataBuffer data = t.asRawTensor().data().asFloats();
                        pre.write(px, data, 0);
                        float[] out = new float[n];
                        data.read(out);
                        return out;
                    }
                }));
            }
            for (Future<float[]> r : results) {
                assertBitEqual(alone, r.get(), "concurrent");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * End to end: a gate preprocessing in Java and one preprocessing natively give the same
     * signals, to the last digit, and the same decisions on every photo (classifier and faces).
     */
    @Test
    void gatesOnEitherPathGiveTheSameVerdicts() throws Exception {
        List<byte[]> photos = new ArrayList<>();
        photos.add(Files.readAllBytes(TestModels.photo("astronaut.png")));
        photos.add(Files.readAllBytes(TestModels.facePhoto("messi5.jpg")));
        try (Stream<Path> files = Files.list(TestModels.referencePhotos())) {
            for (Path f : files.sorted().toList()) {
                photos.add(Files.readAllBytes(f));
            }
        }
        // every signal computed for every photo, faces included
        var policies = dev.vigil.engine.policy.PolicySet.load(new java.io.ByteArrayInputStream(
                dev.vigil.engine.GateConcurrencyTest.POLICIES.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "all-signals");
        try (dev.vigil.engine.Gate viaJava = dev.vigil.engine.Gate.builder().optRepository(TestModels.repository()).optPolicies(policies)
                        .optPreprocessing(Preprocessing.JAVA).build();
                dev.vigil.engine.Gate viaNative = dev.vigil.engine.Gate.builder().optRepository(TestModels.repository()).optPolicies(policies)
                        .build()) {
            assertEquals(Preprocessing.JAVA, viaJava.preprocessing());
            assertEquals(Preprocessing.NATIVE, viaNative.preprocessing());
            int withFaces = 0;
            for (byte[] photo : photos) {
                var request = new dev.vigil.engine.ScoreRequest(null, new dev.vigil.engine.image.EncodedImage(photo), null, null,
                        java.time.Duration.ofMinutes(2));
                var j = viaJava.score(request).get(2, java.util.concurrent.TimeUnit.MINUTES);
                var n = viaNative.score(request).get(2, java.util.concurrent.TimeUnit.MINUTES);
                assertEquals(j.signals(), n.signals(), "signals");
                assertEquals(j.decision() + " " + j.rule(), n.decision() + " " + n.rule());
                assertEquals(j.failures(), n.failures());
                if (((Number) j.signals().getOrDefault("faces", 0.0)).doubleValue() > 0) {
                    withFaces++;
                }
            }
            assertTrue(withFaces >= 2, "photos with faces: " + withFaces + " (expected: some, so the face models' inputs were compared too)");
        }
    }

    @Test
    void theChoiceIsParsedAsFlagsGiveIt() {
        assertEquals(Preprocessing.AUTO, Preprocessing.parse("auto"));
        assertEquals(Preprocessing.JAVA, Preprocessing.parse(" Java "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Preprocessing.parse("gpu"));
        assertEquals("preprocessing: gpu (expected: auto, native or java)", e.getMessage());
    }
}
