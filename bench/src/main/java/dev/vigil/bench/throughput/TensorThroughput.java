package dev.vigil.bench.throughput;

import dev.vigil.bench.ModelFixtures;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.model.ModelSession;
import dev.vigil.engine.model.SessionOptions;
import java.time.Duration;
import org.tensorflow.types.TFloat32;

/**
 * The engine's own batched inference on pre-made batch tensors: one {@link ModelSession} (as
 * the gate opens it) and one {@code [batch, h, w, 3]} tensor of seeded values made before the
 * clock starts, run through {@link ModelSession#runPrepared} by {@code callers} threads at once,
 * as the gate's batching workers call it. No decoding, preprocessing or batching is measured:
 * this is the engine's model-only ceiling.
 */
public final class TensorThroughput {
    private TensorThroughput() {
    }

    /**
     * {@code callers} null means the gate's default concurrent batches for this host, and
     * {@code intraOpThreads} null the gate's default threads for that many callers.
     */
    public static ThroughputResult run(String model, int batch, Integer callers, Integer intraOpThreads, Duration warmUp, Duration measured) {
        int cores = ThroughputResult.hostCores();
        int n = callers != null ? callers : BatchingConfig.defaultConcurrentBatches(cores);
        SessionOptions options = SessionOptions.forConcurrentBatches(cores, n);
        if (intraOpThreads != null) {
            options = new SessionOptions(intraOpThreads, options.interOpThreads());
        }
        try (ModelSession session = ModelFixtures.open(model, options);
             TFloat32 input = ModelFixtures.randomBatch(session, batch, 42)) {
            TimedCalls.Counts counts = TimedCalls.run(n, warmUp, measured, () -> session.runPrepared(input).size());
            return new ThroughputResult("tensors", model, batch, n, null, options.intraOpThreads(), options.interOpThreads(),
                    counts.seconds(), warmUp.toNanos() / 1e9, cores, ThroughputResult.thisJvm(), null,
                    counts.images(), counts.calls(), null, null, counts.imagesPerSecond());
        }
    }
}
