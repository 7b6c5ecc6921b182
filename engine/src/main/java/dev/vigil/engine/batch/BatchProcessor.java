package dev.vigil.engine.batch;

import java.util.List;

/**
 * Runs one batch through a model. Called by a single thread at a time (the batcher's worker),
 * so an implementation need not be thread-safe unless it is shared between batchers.
 *
 * @param <I> one request's input
 * @param <O> one request's output
 */
@FunctionalInterface
public interface BatchProcessor<I, O> {
    /**
     * Returns one result per input, in input order: {@code result.get(i)} answers
     * {@code batch.get(i)}. A thrown exception, or a list of another size, fails every request
     * in the batch with {@link BatchFailedException}; the batcher then goes on with the next
     * batch. The list given is unmodifiable and holds between 1 and
     * {@link BatchingConfig#maxBatchSize()} items.
     */
    List<O> process(List<I> batch) throws Exception;
}
