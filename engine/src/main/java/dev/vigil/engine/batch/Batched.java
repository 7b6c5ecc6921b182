package dev.vigil.engine.batch;

/**
 * One request's answer from a {@link DynamicBatcher}, with what batching cost it.
 *
 * @param value the processor's result for this request
 * @param queuedNanos time from submit until the request's batch was formed
 * @param batchSize how many requests shared the batch, this one included
 * @param <O> the result type
 */
public record Batched<O>(O value, long queuedNanos, int batchSize) {
}
