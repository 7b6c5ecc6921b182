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
 * One question: what does BlazeFace (face detection, 256x256 input) cost per image? Its graph
 * fixes the batch at 1, so unlike {@link InferenceBenchmark} there is no batch size to sweep:
 * a batch of n costs n times this. Same fixture: a seeded [1, 256, 256, 3] tensor in [-1, 1]
 * made in {@code @Setup}, the engine's {@link ModelSession#runPrepared}, outputs returned.
 *
 * <p>Measured, SMOKE ONLY (./vigil bench jmh --quick: 1 fork, 1 x 1 s warm-up, 2 x 1 s iterations, on the shared
 * 2-core build machine at load average 3 to 4; to be replaced by a --full run on a quiet machine): 9.3 ms per image. Reading: a face check costs about as much as a
 * batch-1 classifier run, and unlike the classifier it cannot be batched.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class BlazeFaceInferenceBenchmark {
    @Param({"0"})
    int intraOpThreads;

    private ModelSession session;
    private TFloat32 input;

    @Setup
    public void setUp() {
        session = ModelFixtures.open("blazeface", intraOpThreads);
        input = ModelFixtures.randomBatch(session, 1, 42);
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
