package dev.vigil.engine.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Gathers single requests for one model into batches and runs them on its own worker threads,
 * {@link BatchingConfig#concurrentBatches()} of them: each worker forms a batch, runs it, and
 * comes back for the next, so at most that many batches are in the processor at once (the
 * processor must be thread-safe when it is more than one). Thread-safe: any number of threads
 * may {@link #submit}. The creator owns the batcher and must {@link #close()} it.
 *
 * <h2>When a batch is formed</h2>
 * A free worker forms a batch from the oldest queued requests, at most {@code maxBatchSize} of
 * them, as soon as one of these holds:
 * <ol>
 *   <li>{@code maxBatchSize} requests are queued (a full batch never waits);</li>
 *   <li>the oldest queued request has waited {@code maxQueueDelay}: the batch is then whatever
 *       is queued, without waiting any longer;</li>
 *   <li>the batcher is closing: whatever is queued is flushed at once.</li>
 * </ol>
 * While every worker has a batch in the processor, new requests only queue; when one returns
 * the rules are applied again, so under load the oldest has usually waited long enough and the
 * next batch is formed at once from everything ready. Before each formation, requests whose
 * future is already done (the caller cancelled it) are dropped, requests whose caller withdrew
 * them (the {@code withdrawn} check of {@link #submit(Object, long, BooleanSupplier)}) fail with
 * {@link RequestWithdrawnException}, and requests whose deadline has passed fail with
 * {@link DeadlineExceededException}; none of them reaches the processor. No worker
 * wakes for a deadline alone, so an expired request hears of it at the next formation, at most
 * {@code maxQueueDelay} after the oldest arrived unless every worker is running a batch. A request is
 * in a batch once the batch is formed: cancelling it later does not stop it being processed.
 * With {@code maxQueueDelay} zero this is the Disruptor's rule: a batch is whatever is ready.
 *
 * <h2>Errors</h2>
 * {@code submit} throws when it does not accept a request (queue full, closed, deadline already
 * passed); once accepted, every outcome arrives through the returned future.
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
    /** The deadline meaning "none". */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private final String name;
    private final BatchingConfig config;
    private final long maxQueueDelayNanos;
    private final BatchProcessor<I, O> processor;
    private final BatchListener listener;
    private final LongSupplier nanoTime;
    /** Empty when the batcher is driven step by step through {@link #runOnce()} (tests). */
    private final List<Thread> workers;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a worker may have work: a first request, a full batch, requests left after a formation, close. */
    private final Condition changed = lock.newCondition();
    /** Oldest first; at most {@code queueCapacity} (see {@link #submit}). Guarded by lock. */
    private final ArrayDeque<Request<I, O>> queue;
    /** Guarded by lock. */
    private boolean closed;
    /** The batches formed and not yet answered. Guarded by lock. */
    private final List<List<Request<I, O>>> running = new ArrayList<>();

    /**
     * Starts a batcher and its worker threads, named {@code vigil-batch-<name>} (with
     * {@code -<n>} when there are several), timing with {@link System#nanoTime()}.
     *
     * @param name the model served, used in thread and error names
     */
    public static <I, O> DynamicBatcher<I, O> start(String name, BatchingConfig config,
            BatchProcessor<I, O> processor, BatchListener listener) {
        DynamicBatcher<I, O> batcher =
                new DynamicBatcher<>(name, config, processor, listener, System::nanoTime, true);
        batcher.workers.forEach(Thread::start);
        return batcher;
    }

    /**
     * A batcher on the given clock. Without workers, nothing runs until the caller calls
     * {@link #runOnce()}, which lets tests set the clock and drive each batch themselves.
     */
    DynamicBatcher(String name, BatchingConfig config, BatchProcessor<I, O> processor,
            BatchListener listener, LongSupplier nanoTime, boolean withWorker) {
        this.name = Objects.requireNonNull(name, "name");
        this.config = Objects.requireNonNull(config, "config");
        this.processor = Objects.requireNonNull(processor, "processor");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.maxQueueDelayNanos = config.maxQueueDelay().toNanos();
        this.queue = new ArrayDeque<>(Math.min(config.queueCapacity(), 1024));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; withWorker && i < config.concurrentBatches(); i++) {
            Thread worker = new Thread(this::runWorker, "vigil-batch-" + name + (config.concurrentBatches() > 1 ? "-" + i : ""));
            worker.setDaemon(true);
            threads.add(worker);
        }
        this.workers = List.copyOf(threads);
    }

    /**
     * Queues one request. The future completes with the processor's result for {@code item},
     * or exceptionally with {@link DeadlineExceededException}, {@link BatchFailedException} or
     * (when close gave up waiting) {@link BatcherClosedException}. Cancel the returned future
     * itself to withdraw the request before its batch is formed.
     *
     * @param deadlineNanos on this batcher's {@link #nanoTime()} clock; {@link #NO_DEADLINE} for
     *     none
     * @throws QueueFullException if {@code queueCapacity} requests are already waiting
     * @throws BatcherClosedException if {@link #close()} has been called
     * @throws DeadlineExceededException if the deadline has already passed
     */
    public CompletableFuture<Batched<O>> submit(I item, long deadlineNanos) {
        return submit(item, deadlineNanos, NEVER_WITHDRAWN);
    }

    private static final BooleanSupplier NEVER_WITHDRAWN = () -> false;

    /**
     * As {@link #submit(Object, long)}, and the request is dropped at the next formation, with
     * {@link RequestWithdrawnException}, once {@code withdrawn} says true: the caller's answer was
     * given already, so the processor's time goes to requests someone waits for. The check runs
     * under the batcher's lock: it must be cheap and must not block. Its future completes only
     * after the request has left the queue, so whatever the item borrows may be freed then.
     */
    public CompletableFuture<Batched<O>> submit(I item, long deadlineNanos, BooleanSupplier withdrawn) {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(withdrawn, "withdrawn");
        long now = nanoTime.getAsLong();
        if (expired(deadlineNanos, now)) {
            throw new DeadlineExceededException(name + ": deadline passed before submit, by "
                    + (now - deadlineNanos) + " ns");
        }
        Request<I, O> request = new Request<>(item, now, deadlineNanos, withdrawn, new CompletableFuture<>());
        lock.lock();
        try {
            if (closed) {
                throw new BatcherClosedException(name + " batcher is closed");
            }
            if (queue.size() >= config.queueCapacity()) {
                queue.removeIf(r -> r.future.isDone()); // free the places of cancelled requests
                if (queue.size() >= config.queueCapacity()) {
                    throw new QueueFullException(name, config.queueCapacity());
                }
            }
            queue.addLast(request);
            if (queue.size() == 1 || queue.size() >= config.maxBatchSize()) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
        return request.future;
    }

    /** The clock that deadlines and waits are measured on, in nanoseconds. */
    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    /** Requests waiting for a batch, cancelled ones possibly included until the next batch. */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Requests in the processor right now: the sizes of the running batches added up, or 0. */
    public int inFlight() {
        lock.lock();
        try {
            return running.stream().mapToInt(List::size).sum();
        } finally {
            lock.unlock();
        }
    }

    public BatchingConfig config() {
        return config;
    }

    /**
     * Stops accepting requests, flushes what is queued in batches of at most
     * {@code maxBatchSize} without waiting for {@code maxQueueDelay}, and waits up to
     * {@code closeTimeout} for the workers to finish them. If they have not, every request still
     * queued or in the processor fails with {@link BatcherClosedException} and the workers are
     * interrupted; a processor that ignores interruption keeps its (daemon) worker until it
     * returns, and its results are discarded. Called from the processor itself, it only stops
     * accepting. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (workers.isEmpty()) {
            while (runOnce() > 0) {
                // each call flushes one batch of what is left
            }
            return;
        }
        if (workers.contains(Thread.currentThread())) {
            return;
        }
        long until = System.nanoTime() + Math.max(1, config.closeTimeout().toNanos());
        try {
            for (Thread worker : workers) {
                long left = until - System.nanoTime();
                if (left > 0) {
                    worker.join(Math.max(1, left / 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (workers.stream().anyMatch(Thread::isAlive)) {
            abandon();
        }
    }

    /**
     * Forms the batch that is due now, if any, and processes it on the calling thread. Only for
     * a batcher made without workers. Returns the number of requests processed, 0 if none was
     * due (expired requests may still have been failed).
     */
    int runOnce() {
        Formed<I, O> formed;
        lock.lock();
        try {
            formed = formBatch(nanoTime.getAsLong());
        } finally {
            lock.unlock();
        }
        run(formed);
        return formed.batch.size();
    }

    private void runWorker() {
        try {
            Formed<I, O> formed;
            while ((formed = awaitBatch()) != null) {
                run(formed);
            }
        } catch (InterruptedException e) {
            // Only close() interrupts, after failing everything queued: nothing is left to serve.
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until a batch is due or requests have expired; null once closed and drained. */
    private Formed<I, O> awaitBatch() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                long now = nanoTime.getAsLong();
                Formed<I, O> formed = formBatch(now);
                if (!formed.batch.isEmpty() || !formed.expired.isEmpty()) {
                    return formed;
                }
                if (queue.isEmpty()) {
                    if (closed) {
                        return null;
                    }
                    changed.await();
                } else {
                    changed.awaitNanos(queue.peekFirst().queuedAt + maxQueueDelayNanos - now);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The batching rules of the class comment, applied at {@code now}. Lock held. */
    private Formed<I, O> formBatch(long now) {
        List<Request<I, O>> expired = new ArrayList<>(0);
        for (Iterator<Request<I, O>> it = queue.iterator(); it.hasNext(); ) {
            Request<I, O> request = it.next();
            if (request.future.isDone()) {
                it.remove();
            } else if (request.withdrawn.getAsBoolean()) {
                it.remove();
                expired.add(request);
            } else if (expired(request.deadline, now)) {
                it.remove();
                expired.add(request);
            }
        }
        List<Request<I, O>> batch = List.of();
        Request<I, O> oldest = queue.peekFirst();
        if (oldest != null && (closed || queue.size() >= config.maxBatchSize()
                || now - oldest.queuedAt >= maxQueueDelayNanos)) {
            batch = new ArrayList<>(Math.min(queue.size(), config.maxBatchSize()));
            while (batch.size() < config.maxBatchSize() && !queue.isEmpty()) {
                batch.add(queue.pollFirst());
            }
            running.add(batch); // under the lock, so that abandon() sees every request somewhere
            if (!queue.isEmpty()) {
                changed.signal(); // another free worker may form the next batch meanwhile
            }
        }
        return new Formed<>(batch, expired, now);
    }

    /** Fails the expired, then runs the batch and answers its requests. Lock not held. */
    private void run(Formed<I, O> formed) {
        for (Request<I, O> request : formed.expired) {
            if (request.withdrawn.getAsBoolean()) {
                request.future.completeExceptionally(new RequestWithdrawnException(name + ": withdrawn by its caller while queued"));
                continue;
            }
            request.future.completeExceptionally(new DeadlineExceededException(name
                    + ": deadline passed while queued, by " + (formed.at - request.deadline)
                    + " ns after waiting " + (formed.at - request.queuedAt) + " ns"));
        }
        List<Request<I, O>> batch = formed.batch;
        if (batch.isEmpty()) {
            return;
        }
        List<I> items = new ArrayList<>(batch.size());
        for (Request<I, O> request : batch) {
            items.add(request.item);
        }
        long started = nanoTime.getAsLong();
        List<O> results = null;
        Throwable failure = null;
        try {
            results = processor.process(Collections.unmodifiableList(items));
        } catch (Throwable t) { // the callers hear of it; the worker must outlive it
            failure = t;
        }
        long processingNanos = nanoTime.getAsLong() - started;
        boolean failed = failure != null || results == null || results.size() != batch.size();
        for (int i = 0; i < batch.size(); i++) {
            Request<I, O> request = batch.get(i);
            if (failure != null) {
                request.future.completeExceptionally(new BatchFailedException(
                        name + ": batch of " + batch.size() + " failed: " + failure, failure));
            } else if (failed) {
                request.future.completeExceptionally(new BatchFailedException(name
                        + ": batch of " + batch.size() + " failed: processor returned "
                        + (results == null ? "null" : results.size() + " results")
                        + " (expected: " + batch.size() + ")"));
            } else {
                request.future.complete(new Batched<>(
                        results.get(i), formed.at - request.queuedAt, batch.size()));
            }
        }
        lock.lock();
        try {
            running.removeIf(b -> b == batch);
        } finally {
            lock.unlock();
        }
        try {
            listener.onBatch(batch.size(), formed.at - batch.get(0).queuedAt, processingNanos,
                    failed);
        } catch (RuntimeException e) {
            Thread current = Thread.currentThread();
            current.getUncaughtExceptionHandler().uncaughtException(current, e);
        }
    }

    /** close() timed out: fail everything unfinished and stop the workers. */
    private void abandon() {
        List<Request<I, O>> unfinished;
        lock.lock();
        try {
            unfinished = new ArrayList<>();
            running.forEach(unfinished::addAll);
            unfinished.addAll(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        for (Request<I, O> request : unfinished) {
            request.future.completeExceptionally(new BatcherClosedException(name
                    + " batcher closed before the request was answered (closeTimeout: "
                    + config.closeTimeout() + ")"));
        }
        workers.forEach(Thread::interrupt);
    }

    private static boolean expired(long deadline, long now) {
        return deadline != NO_DEADLINE && now - deadline >= 0;
    }

    private record Request<I, O>(
            I item, long queuedAt, long deadline, BooleanSupplier withdrawn, CompletableFuture<Batched<O>> future) {
    }

    /** A formation's outcome: the batch to run (maybe empty) and the requests that expired. */
    private record Formed<I, O>(List<Request<I, O>> batch, List<Request<I, O>> expired, long at) {
    }
}
