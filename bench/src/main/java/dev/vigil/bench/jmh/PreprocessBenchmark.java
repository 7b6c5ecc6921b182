package dev.vigil.bench.jmh;

import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.Preprocessing;
import dev.vigil.engine.model.Preprocessor;
import dev.vigil.preprocess.NativePreprocessing;
import dev.vigil.models.VigilPaths;
import dev.vigil.models.repository.ModelRepository;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * One question: what does turning one decoded image into its slot of the batch tensor cost
 * ({@link Preprocessor#write}: bilinear resize, channel order, value range, written straight
 * into the tensor's native memory), by decoded size, model input size and implementation
 * (the Java loops against the native kernel at each instruction set)?
 *
 * <p>{@code side}: the decoded image, 8-bit BGR, square (512 is what the gate's reduced JPEG
 * decode usually hands over; 1024 and 2048 are full-size PNGs or raw pixels). {@code model}:
 * nsfw-mobilenet-v2-mid takes 224x224, nsfw-inception-v3 299x299. The image is decoded and the
 * one-image tensor allocated in {@code @Setup}; each operation overwrites the same slot, and
 * returns a written value. The work is per output pixel (four reads, three writes), so the
 * decoded size should matter only through cache misses on the rows it samples.
 *
 * <p>Measured (bench/README.md, "Native preprocessing", --full, 2026-12-06, shared 2-core Zen 4):
 * 224x224 from 512, Java 531 us, native 156 us (3.4x); 299x299 from 2048, Java 645 us, native
 * 265 us (2.4x). Every native variant beat Java at every size; AVX-512 over AVX2 up to 1.25x.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class PreprocessBenchmark {
    @Param({"512", "1024", "2048"})
    int side;

    @Param({"nsfw-mobilenet-v2-mid", "nsfw-inception-v3"})
    String model;

    /**
     * {@code java}: the Java loops; {@code native}: the kernel at the widest instruction set the
     * CPU has; {@code native-avx2} and {@code native-baseline}: the kernel held to AVX2 or to
     * x86-64's SSE2 (skipped where the CPU lacks it).
     */
    @Param({"java", "native", "native-avx2", "native-baseline"})
    String path;

    private Preprocessor preprocessor;
    private Pixels pixels;
    private TFloat32 batch;
    private FloatDataBuffer data;
    private long last;

    @Setup
    public void setUp() {
        ModelRepository repository = new ModelRepository(VigilPaths.resolve(null, null).repository());
        var input = repository.latest(model).input();
        preprocessor = switch (path) {
            case "java" -> new Preprocessor(input, Preprocessing.JAVA);
            case "native" -> new Preprocessor(input, Preprocessing.NATIVE);
            case "native-avx2" -> new Preprocessor(input, Preprocessing.NATIVE, NativePreprocessing.Isa.AVX2);
            case "native-baseline" -> new Preprocessor(input, Preprocessing.NATIVE, NativePreprocessing.Isa.BASELINE);
            default -> throw new IllegalArgumentException("path: " + path + " (expected: java, native, native-avx2 or native-baseline)");
        };
        pixels = new ImageDecoder(DecodeLimits.defaults()).decode(new EncodedImage(TestImages.encoded(side, "png")));
        batch = TFloat32.tensorOf(Shape.of(1, preprocessor.height(), preprocessor.width(), 3));
        data = batch.asRawTensor().data().asFloats();
        last = preprocessor.imageSize() - 1;
    }

    @Benchmark
    public float write() {
        preprocessor.write(pixels, data, 0);
        return data.getFloat(last);
    }

    @TearDown
    public void tearDown() {
        pixels.close();
        batch.close();
    }
}
