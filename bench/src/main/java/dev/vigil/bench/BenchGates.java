package dev.vigil.bench;

import dev.vigil.engine.Gate;
import dev.vigil.engine.batch.BatchListener;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.policy.PolicySet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Gates as the benchmarks build them: the default model repository and decode settings, with
 * the {@code classifier-only} policy ({@value #POLICIES}) so that no face model is needed.
 */
public final class BenchGates {
    /** Class-path resource holding the benchmarks' one policy. */
    public static final String POLICIES = "dev/vigil/bench/bench-policies.yaml";

    private BenchGates() {
    }

    /** The benchmarks' policy set: {@code classifier-only}, its default. */
    public static PolicySet policies() {
        try (InputStream in = BenchGates.class.getClassLoader().getResourceAsStream(POLICIES)) {
            if (in == null) {
                throw new IllegalStateException(POLICIES + ": not on the class path");
            }
            return PolicySet.load(in, POLICIES);
        } catch (IOException e) {
            throw new UncheckedIOException(POLICIES + ": cannot read", e);
        }
    }

    /**
     * A gate that scores with {@code classifier} and batches up to {@code maxBatch} requests,
     * waiting at most the default queue delay, with the default concurrent batches and threads;
     * models are warmed up for every batch size before it returns. The caller closes it.
     */
    public static Gate build(String classifier, int maxBatch, BatchListener listener) {
        return build(classifier, maxBatch, listener, false);
    }

    /** ... with verdicts carrying the images' digests when {@code evidence} (what an audit log needs). */
    public static Gate build(String classifier, int maxBatch, BatchListener listener, boolean evidence) {
        BatchingConfig batching = new BatchingConfig(maxBatch, BatchingConfig.DEFAULT_MAX_QUEUE_DELAY,
                Math.max(BatchingConfig.DEFAULT_QUEUE_CAPACITY, 4 * maxBatch), BatchingConfig.DEFAULT_CLOSE_TIMEOUT,
                BatchingConfig.defaultConcurrentBatches(Runtime.getRuntime().availableProcessors()));
        return Gate.builder()
                .optPolicies(policies())
                .optClassifier(classifier)
                .optBatching(batching)
                .optBatchListener(listener)
                .optEvidence(evidence)
                .build();
    }
}
