package dev.vigil.bench.jmh;

import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.Preprocessor;
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
 * into the tensor's native memory), by decoded size and model input size?
 *
 * <p>{@code side}: the decoded image, 8-bit BGR, square (512 is what the gate's reduced JPEG
 * decode usually hands over; 1024 and 2048 are full-size PNGs or raw pixels). {@code model}:
 * nsfw-mobilenet-v2-mid takes 224x224, nsfw-inception-v3 299x299. The image is decoded and the
 * one-image tensor allocated in {@code @Setup}; each operation overwrites the same slot, and
 * returns a written value. The work is per output pixel (four reads, three writes), so the
 * decoded size should matter only through cache misses on the rows it samples.
 *
 * <p>Measured, SMOKE ONLY (./vigil bench jmh --quick: 1 fork, 1 x 1 s warm-up, 2 x 1 s iterations, on the shared
 * 2-core build machine at load average 3 to 4; to be replaced by a --full run on a quiet machine): nsfw-mobilenet-v2-mid from 512 / 1024 / 2048, 295 / 296 / 300 us per
 * image. Reading: as expected, independent of the source size; about 3% of a batch-1
 * inference of the same model, so preprocessing is not where the time goes.
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

    private Preprocessor preprocessor;
    private Pixels pixels;
    private TFloat32 batch;
    private FloatDataBuffer data;
    private long last;

    @Setup
    public void setUp() {
        ModelRepository repository = new ModelRepository(VigilPaths.resolve(null, null).repository());
        preprocessor = new Preprocessor(repository.latest(model).input());
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
