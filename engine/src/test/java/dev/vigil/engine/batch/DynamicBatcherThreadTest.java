package dev.vigil.engine.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batcher with its real worker threads and clock. Timeouts are generous and only guard
 * against hangs; nothing here asserts on how long anything took.
 */
class DynamicBatcherThreadTest {
    private static final long GENEROUS_SECONDS = 60;

    @Test
    void manySubmittersEachRequestProcessedOnceInBatchesNoLargerThanMax() throws Exception {
        int submitters = 8;
        int perSubmitter = 500;
        int maxBatchSize = 8;
        AtomicIntegerArray timesProcessed = new AtomicIntegerArray(submitters * perSubmitter);
        ConcurrentLinkedQueue<Integer> batchSizes = new ConcurrentLinkedQueue<>();
        AtomicReference<DynamicBatcher<Integer, Integer>> self = new AtomicReference<>();
        BatchProcessor<Integer, Integer> doubling = batch -> {
            batchSizes.add(batch.size());
            assertEquals(batch.size(), self.get().inFlight());
            List<Integer> results = new ArrayList<>(batch.size());
            for (int item : batch) {
                timesProcessed.incrementAndGet(item);
                results.add(item * 2);
            }
            return results;
        };
        // A small queue, so that submitters also meet QueueFullException and retry.
        BatchingConfig config = new BatchingConfig(
                maxBatchSize, Duration.ofNanos(200_000), 32, Duration.ofSeconds(GENEROUS_SECONDS));
        ConcurrentLinkedQueue<Integer> listenedSizes = new ConcurrentLinkedQueue<>();
        DynamicBatcher<Integer, Integer> batcher = DynamicBatcher.start("concurrency", config,
                doubling, (size, oldest, processing, failed) -> listenedSizes.add(size));
        self.set(batcher);

        List<CompletableFuture<List<CompletableFuture<Batched<Integer>>>>> submitted =
                new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            int first = s * perSubmitter;
            submitted.add(CompletableFuture.supplyAsync(() -> {
                List<CompletableFuture<Batched<Integer>>> futures = new ArrayList<>();
                for (int item = first; item < first + perSubmitter; item++) {
                    futures.add(submitRetrying(batcher, item));
                }
                return futures;
            }, runnable -> new Thread(runnable, "submitter").start()));
        }
        for (int s = 0; s < submitters; s++) {
            List<CompletableFuture<Batched<Integer>>> futures =
                    submitted.get(s).get(GENEROUS_SECONDS, TimeUnit.SECONDS);
            for (int i = 0; i < perSubmitter; i++) {
                int item = s * perSubmitter + i;
                Batched<Integer> answer = futures.get(i).get(GENEROUS_SECONDS, TimeUnit.SECONDS);
                assertEquals(item * 2, answer.value(), "result matched to its request");
                assertTrue(answer.batchSize() >= 1 && answer.batchSize() <= maxBatchSize);
            }
        }
        batcher.close();

        for (int item = 0; item < timesProcessed.length(); item++) {
            assertEquals(1, timesProcessed.get(item), "times item " + item + " was processed");
        }
        assertTrue(batchSizes.stream().allMatch(size -> size >= 1 && size <= maxBatchSize),
                "batch sizes " + batchSizes);
        assertEquals(submitters * perSubmitter,
                batchSizes.stream().mapToInt(Integer::intValue).sum());
        assertEquals(List.copyOf(batchSizes), List.copyOf(listenedSizes));
        assertEquals(0, batcher.queueDepth());
    }

    private static CompletableFuture<Batched<Integer>> submitRetrying(
            DynamicBatcher<Integer, Integer> batcher, int item) {
        while (true) {
            try {
                return batcher.submit(item, DynamicBatcher.NO_DEADLINE);
            } catch (QueueFullException full) {
                Thread.yield();
            }
        }
    }

    @Test
    void closeFlushesTheQueueWithoutWaitingForTheDelayAndJoinsTheWorker() throws Exception {
        ConcurrentLinkedQueue<List<Integer>> batches = new ConcurrentLinkedQueue<>();
        // A delay no test waits out: only a full batch or close() can form a batch.
        BatchingConfig config = new BatchingConfig(
                2, Duration.ofSeconds(10), 16, Duration.ofSeconds(GENEROUS_SECONDS));
        DynamicBatcher<Integer, Integer> batcher = DynamicBatcher.start("close", config,
                batch -> {
                    batches.add(List.copyOf(batch));
                    return batch;
                }, BatchListener.NONE);
        List<CompletableFuture<Batched<Integer>>> futures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            futures.add(batcher.submit(i, DynamicBatcher.NO_DEADLINE));
        }

        batcher.close();

        for (int i = 0; i < 5; i++) {
            assertTrue(futures.get(i).isDone(), "close() returns once the queue is answered");
            assertEquals(i, futures.get(i).get().value());
        }
        assertEquals(List.of(List.of(0, 1), List.of(2, 3), List.of(4)), List.copyOf(batches));
        assertThrows(BatcherClosedException.class,
                () -> batcher.submit(5, DynamicBatcher.NO_DEADLINE));
    }

    /** A processor that records each batch, counts down {@code started}, and waits until interrupted. */
    private static BatchProcessor<Integer, Integer> stuck(ConcurrentLinkedQueue<List<Integer>> batches, CountDownLatch started,
            CountDownLatch interrupted) {
        return batch -> {
            batches.add(List.copyOf(batch));
            started.countDown();
            try {
                new CountDownLatch(1).await(); // never released
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return batch;
        };
    }

    @Test
    void closeThatTimesOutFailsWhatIsUnfinishedAndInterruptsTheProcessor() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        ConcurrentLinkedQueue<List<Integer>> batches = new ConcurrentLinkedQueue<>();
        BatchProcessor<Integer, Integer> stuck = stuck(batches, started, interrupted);
        BatchingConfig config =
                new BatchingConfig(2, Duration.ZERO, 16, Duration.ofMillis(100));
        DynamicBatcher<Integer, Integer> batcher =
                DynamicBatcher.start("stuck", config, stuck, BatchListener.NONE);
        var inProcessor = batcher.submit(0, DynamicBatcher.NO_DEADLINE);
        assertTrue(started.await(GENEROUS_SECONDS, TimeUnit.SECONDS));
        var queued = batcher.submit(1, DynamicBatcher.NO_DEADLINE);

        batcher.close();

        for (var future : List.of(inProcessor, queued)) {
            Throwable cause = assertThrows(ExecutionException.class,
                    () -> future.get(GENEROUS_SECONDS, TimeUnit.SECONDS)).getCause();
            assertInstanceOf(BatcherClosedException.class, cause);
            assertTrue(cause.getMessage().contains("closeTimeout: PT0.1S"), cause.getMessage());
        }
        assertTrue(interrupted.await(GENEROUS_SECONDS, TimeUnit.SECONDS));
        assertEquals(List.of(List.of(0)), List.copyOf(batches));
    }

    @Test
    void twoWorkersHaveTwoBatchesInTheProcessorAtOnce() throws Exception {
        // The first two batches each wait at the barrier for the other: with one batch at a time
        // the barrier breaks after its timeout and both batches fail.
        CyclicBarrier bothInside = new CyclicBarrier(2);
        AtomicInteger batchesSeen = new AtomicInteger();
        AtomicInteger inFlightWhileBothInside = new AtomicInteger(-1);
        AtomicReference<DynamicBatcher<Integer, Integer>> self = new AtomicReference<>();
        BatchProcessor<Integer, Integer> meeting = batch -> {
            if (batchesSeen.incrementAndGet() <= 2) {
                bothInside.await(GENEROUS_SECONDS, TimeUnit.SECONDS);
                inFlightWhileBothInside.compareAndSet(-1, self.get().inFlight());
                bothInside.await(GENEROUS_SECONDS, TimeUnit.SECONDS);
            }
            return batch;
        };
        BatchingConfig config = new BatchingConfig(1, Duration.ZERO, 16, Duration.ofSeconds(GENEROUS_SECONDS), 2);
        DynamicBatcher<Integer, Integer> batcher = DynamicBatcher.start("pair", config, meeting, BatchListener.NONE);
        self.set(batcher);
        List<CompletableFuture<Batched<Integer>>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            futures.add(batcher.submit(i, DynamicBatcher.NO_DEADLINE));
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(i, futures.get(i).get(GENEROUS_SECONDS, TimeUnit.SECONDS).value());
        }
        assertEquals(2, inFlightWhileBothInside.get(), "requests in the processor while both batches were inside");
        batcher.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void neverMoreBatchesInTheProcessorThanWorkers(int workers) throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        AtomicInteger processed = new AtomicInteger();
        BatchProcessor<Integer, Integer> counting = batch -> {
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            Thread.sleep(1); // long enough for the other workers to form theirs
            processed.addAndGet(batch.size());
            inside.decrementAndGet();
            return batch;
        };
        BatchingConfig config = new BatchingConfig(4, Duration.ZERO, 64, Duration.ofSeconds(GENEROUS_SECONDS), workers);
        DynamicBatcher<Integer, Integer> batcher = DynamicBatcher.start("bounded", config, counting, BatchListener.NONE);
        List<CompletableFuture<Batched<Integer>>> futures = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            futures.add(submitRetrying(batcher, i));
        }
        for (int i = 0; i < futures.size(); i++) {
            assertEquals(i, futures.get(i).get(GENEROUS_SECONDS, TimeUnit.SECONDS).value());
        }
        batcher.close();
        assertEquals(400, processed.get());
        assertTrue(mostInside.get() >= 1 && mostInside.get() <= workers, "most batches in the processor at once: " + mostInside.get());
    }

    @Test
    void closeThatTimesOutFailsEveryWorkersBatchAndInterruptsThemAll() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch interrupted = new CountDownLatch(2);
        BatchProcessor<Integer, Integer> stuck = stuck(new ConcurrentLinkedQueue<>(), started, interrupted);
        BatchingConfig config = new BatchingConfig(1, Duration.ZERO, 16, Duration.ofMillis(100), 2);
        DynamicBatcher<Integer, Integer> batcher = DynamicBatcher.start("stuck-pair", config, stuck, BatchListener.NONE);
        var first = batcher.submit(0, DynamicBatcher.NO_DEADLINE);
        var second = batcher.submit(1, DynamicBatcher.NO_DEADLINE);
        assertTrue(started.await(GENEROUS_SECONDS, TimeUnit.SECONDS), "both workers hold a batch");
        assertEquals(2, batcher.inFlight());
        var queued = batcher.submit(2, DynamicBatcher.NO_DEADLINE);

        batcher.close();

        for (var future : List.of(first, second, queued)) {
            Throwable cause = assertThrows(ExecutionException.class, () -> future.get(GENEROUS_SECONDS, TimeUnit.SECONDS)).getCause();
            assertInstanceOf(BatcherClosedException.class, cause);
        }
        assertTrue(interrupted.await(GENEROUS_SECONDS, TimeUnit.SECONDS), "both workers interrupted");
    }
}
