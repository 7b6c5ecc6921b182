package dev.vigil.engine.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The batching contract, driven step by step: a manual clock, no worker thread, and
 * {@link DynamicBatcher#runOnce()} standing in for each turn of the worker. Every test asserts
 * the exact batch split the processor saw.
 */
class DynamicBatcherTest {
    private static final long MS = 1_000_000L;
    /** Arbitrary origin: the batcher must only ever subtract clock readings. */
    private static final long T0 = -7 * MS;

    private final AtomicLong clock = new AtomicLong(T0);
    private final List<List<Integer>> batches = new ArrayList<>();
    private final List<String> listened = new ArrayList<>();

    /** Records each batch and answers item {@code n} with {@code "r" + n}. */
    private final BatchProcessor<Integer, String> recording = batch -> {
        batches.add(List.copyOf(batch));
        return batch.stream().map(n -> "r" + n).toList();
    };

    private DynamicBatcher<Integer, String> batcher(int maxBatchSize, long delayMs, int capacity,
            BatchProcessor<Integer, String> processor) {
        BatchingConfig config = new BatchingConfig(
                maxBatchSize, Duration.ofMillis(delayMs), capacity, Duration.ofSeconds(5));
        BatchListener listener = (size, oldest, processing, failed) ->
                listened.add(size + "/" + oldest + "/" + processing + "/" + failed);
        return new DynamicBatcher<>("test", config, processor, listener, clock::get, false);
    }

    private List<CompletableFuture<Batched<String>>> submitAll(
            DynamicBatcher<Integer, String> batcher, int from, int to) {
        List<CompletableFuture<Batched<String>>> futures = new ArrayList<>();
        for (int i = from; i < to; i++) {
            futures.add(batcher.submit(i, DynamicBatcher.NO_DEADLINE));
        }
        return futures;
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        assertTrue(future.isCompletedExceptionally(), "expected a failed future: " + future);
        return assertThrows(ExecutionException.class, future::get).getCause();
    }

    @Test
    void fiveRequestsWithMaxTwoSplitTwoTwoOne() throws Exception {
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 16, recording);
        var futures = submitAll(batcher, 0, 5);

        assertEquals(2, batcher.runOnce());
        assertEquals(2, batcher.runOnce());
        assertEquals(0, batcher.runOnce(), "a lone request waits for maxQueueDelay");
        assertEquals(List.of(List.of(0, 1), List.of(2, 3)), batches);
        assertFalse(futures.get(4).isDone());

        clock.addAndGet(2 * MS);
        assertEquals(1, batcher.runOnce());

        assertEquals(List.of(List.of(0, 1), List.of(2, 3), List.of(4)), batches);
        assertEquals(new Batched<>("r0", 0, 2), futures.get(0).get());
        assertEquals(new Batched<>("r3", 0, 2), futures.get(3).get());
        assertEquals(new Batched<>("r4", 2 * MS, 1), futures.get(4).get());
        assertEquals(0, batcher.queueDepth());
    }

    @Test
    void waitsUntilTheOldestHasWaitedMaxQueueDelayThenTakesWhatIsReady() throws Exception {
        DynamicBatcher<Integer, String> batcher = batcher(4, 2, 16, recording);
        var a = batcher.submit(0, DynamicBatcher.NO_DEADLINE);
        clock.addAndGet(MS);
        var b = batcher.submit(1, DynamicBatcher.NO_DEADLINE);

        clock.addAndGet(MS - 1);
        assertEquals(0, batcher.runOnce());
        assertEquals(List.of(), batches);
        assertEquals(2, batcher.queueDepth());

        clock.addAndGet(1);
        assertEquals(2, batcher.runOnce());
        assertEquals(List.of(List.of(0, 1)), batches);
        assertEquals(new Batched<>("r0", 2 * MS, 2), a.get());
        assertEquals(new Batched<>("r1", MS, 2), b.get());
        assertEquals(List.of("2/" + 2 * MS + "/0/false"), listened);
    }

    @Test
    void zeroDelayBatchesWhateverIsQueued() {
        DynamicBatcher<Integer, String> batcher = batcher(4, 0, 16, recording);
        submitAll(batcher, 0, 6);

        assertEquals(4, batcher.runOnce());
        assertEquals(2, batcher.runOnce());
        assertEquals(0, batcher.runOnce());
        assertEquals(List.of(List.of(0, 1, 2, 3), List.of(4, 5)), batches);
    }

    @Test
    void queueFullRejectsAtCapacityPlusOneAndAcceptsAgainOnceDrained() {
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 4, recording);
        submitAll(batcher, 0, 4);

        QueueFullException full = assertThrows(QueueFullException.class,
                () -> batcher.submit(4, DynamicBatcher.NO_DEADLINE));
        assertEquals(4, full.capacity());
        assertTrue(full.getMessage().contains("(capacity: 4)"), full.getMessage());
        assertEquals(4, batcher.queueDepth());

        assertEquals(2, batcher.runOnce());
        batcher.submit(4, DynamicBatcher.NO_DEADLINE);
        assertEquals(3, batcher.queueDepth());
    }

    @Test
    void cancelledRequestsFreeTheirPlaceWhenTheQueueIsFull() {
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 2, recording);
        var futures = submitAll(batcher, 0, 2);
        futures.get(0).cancel(false);

        batcher.submit(2, DynamicBatcher.NO_DEADLINE);
        assertEquals(2, batcher.runOnce());
        assertEquals(List.of(List.of(1, 2)), batches);
    }

    @Test
    void requestExpiredWhileQueuedFailsAndNeverReachesTheProcessor() throws Exception {
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 16, recording);
        var early = batcher.submit(0, clock.get() + MS);
        var patient = batcher.submit(1, DynamicBatcher.NO_DEADLINE);
        var late = batcher.submit(2, clock.get() + 10 * MS);

        // A full batch was queued, but by the time it forms the first request has expired.
        clock.addAndGet(MS);
        assertEquals(2, batcher.runOnce());

        assertEquals(List.of(List.of(1, 2)), batches);
        Throwable cause = failureOf(early);
        assertInstanceOf(DeadlineExceededException.class, cause);
        assertTrue(cause.getMessage().contains("while queued"), cause.getMessage());
        assertEquals("r1", patient.get().value());
        assertEquals("r2", late.get().value());
    }

    @Test
    void expiredRequestsFailEvenWhenNoBatchIsDue() {
        DynamicBatcher<Integer, String> batcher = batcher(4, 2, 16, recording);
        var doomed = batcher.submit(0, clock.get() + MS);
        clock.addAndGet(MS);
        var fresh = batcher.submit(1, DynamicBatcher.NO_DEADLINE);

        assertEquals(0, batcher.runOnce());
        assertInstanceOf(DeadlineExceededException.class, failureOf(doomed));
        assertFalse(fresh.isDone());
        assertEquals(1, batcher.queueDepth());
        assertEquals(List.of(), batches);
    }

    @Test
    void deadlineAlreadyPassedIsRejectedAtSubmit() {
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 16, recording);
        assertThrows(DeadlineExceededException.class, () -> batcher.submit(0, clock.get()));
        assertEquals(0, batcher.queueDepth());
    }

    @Test
    void cancelledRequestIsLeftOutOfItsBatch() throws Exception {
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 16, recording);
        var futures = submitAll(batcher, 0, 3);
        assertTrue(futures.get(1).cancel(false));

        assertEquals(2, batcher.runOnce());
        assertEquals(List.of(List.of(0, 2)), batches);
        assertEquals(new Batched<>("r2", 0, 2), futures.get(2).get());
    }

    @Test
    void processorFailureFailsTheWholeBatchAndTheNextBatchSucceeds() throws Exception {
        IllegalStateException boom = new IllegalStateException("model exploded");
        BatchProcessor<Integer, String> failingFirst = batch -> {
            List<String> results = recording.process(batch);
            if (batches.size() == 1) {
                throw boom;
            }
            return results;
        };
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 16, failingFirst);
        var futures = submitAll(batcher, 0, 4);

        assertEquals(2, batcher.runOnce());
        assertEquals(2, batcher.runOnce());

        assertEquals(List.of(List.of(0, 1), List.of(2, 3)), batches);
        for (int i = 0; i < 2; i++) {
            Throwable cause = failureOf(futures.get(i));
            assertInstanceOf(BatchFailedException.class, cause);
            assertSame(boom, cause.getCause());
            assertTrue(cause.getMessage().contains("batch of 2 failed"), cause.getMessage());
        }
        assertEquals("r2", futures.get(2).get().value());
        assertEquals("r3", futures.get(3).get().value());
        assertEquals(List.of("2/0/0/true", "2/0/0/false"), listened);
    }

    @Test
    void resultListOfTheWrongSizeFailsEveryRequestInTheBatch() {
        DynamicBatcher<Integer, String> batcher = batcher(3, 2, 16, batch -> List.of("only one"));
        var futures = submitAll(batcher, 0, 3);

        assertEquals(3, batcher.runOnce());

        for (var future : futures) {
            Throwable cause = failureOf(future);
            assertInstanceOf(BatchFailedException.class, cause);
            assertTrue(cause.getMessage().endsWith(
                    "batch of 3 failed: processor returned 1 results (expected: 3)"),
                    cause.getMessage());
        }
    }

    @Test
    void listenerAndCountersSeeTheBatchWhileItRuns() {
        List<String> seenInside = new ArrayList<>();
        AtomicReference<DynamicBatcher<Integer, String>> self = new AtomicReference<>();
        BatchProcessor<Integer, String> slow = batch -> {
            DynamicBatcher<Integer, String> running = self.get();
            seenInside.add(running.inFlight() + " in flight, " + running.queueDepth() + " queued");
            clock.addAndGet(3 * MS);
            return recording.process(batch);
        };
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 16, slow);
        self.set(batcher);
        batcher.submit(0, DynamicBatcher.NO_DEADLINE);
        clock.addAndGet(MS);
        submitAll(batcher, 1, 3);

        assertEquals(2, batcher.runOnce());

        assertEquals(List.of("2 in flight, 1 queued"), seenInside);
        assertEquals(0, batcher.inFlight());
        assertEquals(List.of("2/" + MS + "/" + 3 * MS + "/false"), listened);
    }

    @Test
    void closeFlushesWhatIsQueuedWithoutWaitingAndRejectsLaterSubmits() throws Exception {
        DynamicBatcher<Integer, String> batcher = batcher(2, 2, 16, recording);
        var futures = submitAll(batcher, 0, 3);

        batcher.close();

        assertEquals(List.of(List.of(0, 1), List.of(2)), batches);
        assertEquals(new Batched<>("r2", 0, 1), futures.get(2).get());
        BatcherClosedException closed = assertThrows(BatcherClosedException.class,
                () -> batcher.submit(3, DynamicBatcher.NO_DEADLINE));
        assertEquals("test batcher is closed", closed.getMessage());
        batcher.close();
        assertEquals(2, batches.size());
    }

    @Test
    void configDefaultsAndValidation() {
        BatchingConfig defaults = BatchingConfig.defaults();
        assertEquals(4, defaults.maxBatchSize());
        assertEquals(Duration.ofMillis(2), defaults.maxQueueDelay());
        assertEquals(256, defaults.queueCapacity());

        var tooSmall = assertThrows(IllegalArgumentException.class,
                () -> new BatchingConfig(0, Duration.ZERO, 8, Duration.ZERO));
        assertEquals("maxBatchSize: 0 (expected: >= 1)", tooSmall.getMessage());
        var capacity = assertThrows(IllegalArgumentException.class,
                () -> new BatchingConfig(16, Duration.ZERO, 8, Duration.ZERO));
        assertEquals("queueCapacity: 8 (expected: >= maxBatchSize 16)", capacity.getMessage());
        var delay = assertThrows(IllegalArgumentException.class,
                () -> new BatchingConfig(1, Duration.ofMillis(-1), 8, Duration.ZERO));
        assertEquals("maxQueueDelay: PT-0.001S (expected: >= PT0S and <= PT10S)",
                delay.getMessage());

        assertEquals(BatchingConfig.defaultConcurrentBatches(Runtime.getRuntime().availableProcessors()), defaults.concurrentBatches());
        assertEquals(1, BatchingConfig.defaultConcurrentBatches(1));
        assertEquals(2, BatchingConfig.defaultConcurrentBatches(2));
        assertEquals(4, BatchingConfig.defaultConcurrentBatches(64));
        assertEquals(1, new BatchingConfig(1, Duration.ZERO, 8, Duration.ZERO).concurrentBatches());
        var none = assertThrows(IllegalArgumentException.class,
                () -> new BatchingConfig(1, Duration.ZERO, 8, Duration.ZERO, 0));
        assertEquals("concurrentBatches: 0 (expected: >= 1 and <= 256)", none.getMessage());
        var many = assertThrows(IllegalArgumentException.class,
                () -> defaults.withConcurrentBatches(257));
        assertEquals("concurrentBatches: 257 (expected: >= 1 and <= 256)", many.getMessage());
    }
}
