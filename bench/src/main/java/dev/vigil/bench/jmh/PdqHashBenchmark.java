package dev.vigil.bench.jmh;

import dev.vigil.engine.hash.PdqHasher;
import dev.vigil.engine.hash.PdqResult;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
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

/**
 * One question: what does the PDQ hash of one decoded image cost (with its seven dihedral
 * variants, as the hash-list signal asks for), by image size?
 *
 * <p>{@link PdqHasher} with its default 512-pixel working limit: larger images are first
 * area-averaged down to 512, so above 512 the extra cost is that reduction alone. Pixels are
 * a {@link TestImages} PNG decoded in {@code @Setup}; the result is returned.
 *
 * <p>Measured, SMOKE ONLY (./vigil bench jmh --quick: 1 fork, 1 x 1 s warm-up, 2 x 1 s iterations, on the shared
 * 2-core build machine at load average 3 to 4; to be replaced by a --full run on a quiet machine): 3.3 / 5.2 / 10.7 ms at 512 / 1024 / 2048. Reading: the hash itself is
 * about 3 ms; the rest is the area-average reduction, which grows with the pixel count.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class PdqHashBenchmark {
    @Param({"512", "1024", "2048"})
    int side;

    private PdqHasher hasher;
    private Pixels pixels;

    @Setup
    public void setUp() {
        hasher = new PdqHasher();
        pixels = new ImageDecoder(DecodeLimits.defaults()).decode(new EncodedImage(TestImages.encoded(side, "png")));
    }

    @Benchmark
    public PdqResult hash() {
        return hasher.hash(pixels);
    }

    @TearDown
    public void tearDown() {
        pixels.close();
    }
}
