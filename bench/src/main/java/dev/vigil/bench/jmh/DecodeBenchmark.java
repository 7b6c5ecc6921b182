package dev.vigil.bench.jmh;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One question: what does decoding one generated image cost, by format and size, and how much
 * does decoding a JPEG at reduced scale save?
 *
 * <p>{@code variant}: {@code png} and {@code jpeg} decode at full size ({@link ImageDecoder#decode(
 * dev.vigil.engine.image.ImageInput)}); {@code jpeg-reduced} decodes as the gate does by
 * default, at the largest libjpeg scale (1/2, 1/4, 1/8) that keeps both sides at least 448
 * (twice the classifier's input): 512 stays at full size, 1024 decodes to 512, 2048 to 512.
 * The images are {@link TestImages} (one real photo resized, PNG level 3, JPEG quality 90),
 * made in {@code @Setup}. Each operation decodes one image into native memory and frees it;
 * the result depends on the pixels, so nothing can be optimised away.
 *
 * <p>Measured, SMOKE ONLY (./vigil bench jmh --quick: 1 fork, 1 x 1 s warm-up, 2 x 1 s iterations, on the shared
 * 2-core build machine at load average 3 to 4; to be replaced by a --full run on a quiet machine), ms per image:
 * <pre>
 * side   png    jpeg   jpeg-reduced
 * 512    3.2    2.3    3.5   (same decode as jpeg at 512: the gap is noise)
 * 1024   12.8   7.5    3.2   (decoded at 1/2)
 * 2048   51.7   36.8   10.5  (decoded at 1/4)
 * </pre>
 * Reading: cost follows the pixel count; reduced decode makes a 2048 JPEG about 3.5x cheaper,
 * while a 2048 PNG, which has no such shortcut, costs about five batch-1 classifier runs
 * (see {@link InferenceBenchmark}). Hence DESIGN.md's "accept raw pixels".
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DecodeBenchmark {
    @Param({"512", "1024", "2048"})
    int side;

    @Param({"png", "jpeg", "jpeg-reduced"})
    String variant;

    /** The gate's default {@code reducedDecodeSide}. */
    static final int REDUCED_SIDE = 448;

    private ImageDecoder decoder;
    private EncodedImage image;
    private boolean reduced;

    @Setup
    public void setUp() {
        decoder = new ImageDecoder(DecodeLimits.defaults());
        reduced = variant.equals("jpeg-reduced");
        image = new EncodedImage(TestImages.encoded(side, reduced ? "jpeg" : variant));
    }

    @Benchmark
    public long decode() {
        try (Pixels pixels = reduced ? decoder.decode(image, REDUCED_SIDE, REDUCED_SIDE) : decoder.decode(image)) {
            return 31L * pixels.width() + pixels.data().get(pixels.data().limit() / 2);
        }
    }
}
