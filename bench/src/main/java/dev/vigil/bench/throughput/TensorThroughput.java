package dev.vigil.bench.throughput;

import dev.vigil.bench.ModelFixtures;
import dev.vigil.engine.model.ModelSession;
import dev.vigil.engine.model.SessionOptions;
import java.time.Duration;
import org.tensorflow.types.TFloat32;

/**
 * The engine's own batched inference on pre-made batch tensors: one {@link ModelSession} (as
 * the gate opens it) and one {@code [batch, h, w, 3]} tensor of seeded values made before the
 * clock starts, run through {@link ModelSession#runPrepared} by {@code callers} threads. No
 * decoding, preprocessing or batching is measured: this is the engine's model-only ceiling.
 */
public final class TensorThroughput {
    private TensorThroughput() {
    }

    /** {@code intraOpThreads} 0 means the engine's default, one per core. */
    public static ThroughputResult run(String model, int batch, int callers, int intraOpThreads, Duration warmUp, Duration measured) {
        SessionOptions options = intraOpThreads > 0 ? new SessionOptions(intraOpThreads, 1) : SessionOptions.forCores(ThroughputResult.hostCores());
        try (ModelSession session = ModelFixtures.open(model, options.intraOpThreads());
             TFloat32 input = ModelFixtures.randomBatch(session, batch, 42)) {
            TimedCalls.Counts counts = TimedCalls.run(callers, warmUp, measured, () -> session.runPrepared(input).size());
            return new ThroughputResult("tensors", model, batch, callers, null, options.intraOpThreads(), options.interOpThreads(),
                    counts.seconds(), warmUp.toNanos() / 1e9, ThroughputResult.hostCores(), ThroughputResult.thisJvm(), null,
                    counts.images(), counts.calls(), null, null, counts.imagesPerSecond());
        }
    }
}
