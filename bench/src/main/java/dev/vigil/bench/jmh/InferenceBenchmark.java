package dev.vigil.bench.jmh;

import dev.vigil.bench.ModelFixtures;
import dev.vigil.engine.model.ModelSession;
import java.util.List;
import java.util.Map;
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
import org.tensorflow.types.TFloat32;

/**
 * One question: what does one batch of inference cost per model and batch size, and so how
 * many images a second can each model sustain on this host when batches are full?
 *
 * <p>The engine's own session ({@link ModelSession#runPrepared}) on a batch tensor filled in
 * {@code @Setup} with seeded uniform values in the model's input range, so preprocessing is
 * not measured (see {@link PreprocessBenchmark}); the outputs are copied out per image as the
 * engine does and returned. Score is milliseconds per batch; images per second is
 * {@code 1000 × batch / score}. {@code intraOpThreads} 0 means the engine's default (one per
 * core); BlazeFace takes a fixed batch of 1 and has its own class,
 * {@link BlazeFaceInferenceBenchmark}.
 *
 * <p>Measured, SMOKE ONLY (./vigil bench jmh --quick: 1 fork, 1 x 1 s warm-up, 2 x 1 s iterations, on the shared
 * 2-core build machine at load average 3 to 4; to be replaced by a --full run on a quiet machine): nsfw-mobilenet-v2-mid at batch 1 / 8 / 32: 11.3 / 67.8 / 236.5 ms per
 * batch, that is 88 / 118 / 135 images/s. Reading: on 2 cores batching buys about 1.5x over
 * batch 1 and little past 8; the other models and batch sizes run only in --full.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Thread)
public class InferenceBenchmark {
    @Param({"nsfw-mobilenet-v2-mid", "nsfw-mobilenet-v2", "nsfw-inception-v3", "faceres"})
    String model;

    @Param({"1", "2", "4", "8", "16", "32", "64"})
    int batch;

    @Param({"0"})
    int intraOpThreads;

    private ModelSession session;
    private TFloat32 input;

    @Setup
    public void setUp() {
        session = ModelFixtures.open(model, intraOpThreads);
        input = ModelFixtures.randomBatch(session, batch, 42);
    }

    @Benchmark
    public List<Map<String, float[]>> inference() {
        return session.runPrepared(input);
    }

    @TearDown
    public void tearDown() {
        input.close();
        session.close();
    }
}
