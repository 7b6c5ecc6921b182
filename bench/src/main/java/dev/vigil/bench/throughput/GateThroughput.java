package dev.vigil.bench.throughput;

import dev.vigil.bench.BenchGates;
import dev.vigil.bench.BenchPhotos;
import dev.vigil.engine.Gate;
import dev.vigil.engine.ScoreRequest;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.model.SessionOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The whole gate from encoded image files: decode, preprocessing, dynamic batching, inference
 * and policy, as a server would drive it in-process. The photos are read into memory before
 * the clock starts; one submitting thread keeps {@code concurrency} requests in flight, cycling
 * through the photos in order, so batches can fill. Counts verdicts that arrive inside the
 * measured window; fail-closed verdicts are counted as errors, not images.
 */
public final class GateThroughput {
    /** Long enough that a slow host queues rather than fails requests. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private GateThroughput() {
    }

    /**
     * Requests kept in flight unless told otherwise: enough to fill every concurrent batch
     * twice over and keep the decoders busy, at least 32.
     */
    public static int defaultConcurrency(int maxBatch) {
        return Math.max(32, 2 * maxBatch * BatchingConfig.defaultConcurrentBatches(ThroughputResult.hostCores()));
    }

    /** The first fail-closed reason seen, for the report; null when none. */
    public record Run(ThroughputResult result, String firstError) {
    }

    public static Run run(String model, int batch, int concurrency, List<Path> photoFiles, Duration warmUp, Duration measured)
            throws InterruptedException {
        return run(model, batch, concurrency, photoFiles, warmUp, measured, false);
    }

    /** The same; with {@code evidence}, the gate also hashes every image (SHA-256 and PDQ with its turned copies), as an audited serve and a scan do. */
    public static Run run(String model, int batch, int concurrency, List<Path> photoFiles, Duration warmUp, Duration measured, boolean evidence)
            throws InterruptedException {
        List<byte[]> photos = BenchPhotos.read(photoFiles);
        LongAdder batches = new LongAdder();
        LongAdder batched = new LongAdder();
        // [start, end) of the measured window in System.nanoTime; read by the gate's batcher and callback threads
        AtomicLongArray window = new AtomicLongArray(new long[] {Long.MAX_VALUE, Long.MAX_VALUE});
        try (Gate gate = BenchGates.build(model, batch, (size, queued, processing, failed) -> {
            long now = System.nanoTime();
            if (now >= window.get(0) && now < window.get(1)) {
                batches.increment();
                batched.add(size);
            }
        }, evidence)) {
            return drive(gate, model, batch, concurrency, photos, warmUp, measured, window, batches, batched);
        }
    }

    /**
     * The same measurement on a gate the caller built (and closes), e.g. the one behind an
     * in-process server, so that its socket figures and this in-process one share everything
     * but the socket. The mean batch size is not known here and is left out.
     *
     * @param batch the gate's maximum batch size, for the report
     */
    public static Run on(Gate gate, String model, int batch, int concurrency, List<byte[]> photos, Duration warmUp, Duration measured)
            throws InterruptedException {
        return drive(gate, model, batch, concurrency, photos, warmUp, measured, new AtomicLongArray(new long[] {Long.MAX_VALUE, Long.MAX_VALUE}),
                null, null);
    }

    private static Run drive(Gate gate, String model, int batch, int concurrency, List<byte[]> photos, Duration warmUp, Duration measured,
                             AtomicLongArray window, LongAdder batches, LongAdder batched) throws InterruptedException {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: >= 1)");
        }
        LongAdder images = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(concurrency);
        long start = System.nanoTime();
        window.set(1, start + warmUp.toNanos() + measured.toNanos()); // end first: until start is set, nothing counts
        window.set(0, start + warmUp.toNanos());
        int next = 0;
        while (System.nanoTime() < window.get(1)) {
            inFlight.acquire();
            ScoreRequest request = ScoreRequest.of(new EncodedImage(photos.get(next++ % photos.size()))).withTimeout(REQUEST_TIMEOUT);
            gate.score(request).whenComplete((verdict, failure) -> {
                long now = System.nanoTime();
                if (now >= window.get(0) && now < window.get(1)) {
                    if (failure != null || verdict.failedClosed()) {
                        errors.increment();
                        firstError.compareAndSet(null, failure != null ? failure.toString() : verdict.reason());
                    } else {
                        images.increment();
                    }
                }
                inFlight.release();
            });
        }
        if (!inFlight.tryAcquire(concurrency, REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("requests still in flight " + REQUEST_TIMEOUT + " after the window closed");
        }
        double seconds = measured.toNanos() / 1e9;
        Double meanBatch = null;
        if (batches != null) {
            long b = batches.sum();
            meanBatch = b == 0 ? 0.0 : (double) batched.sum() / b;
        }
        // The gate's defaults: one decode thread per core, SessionOptions.forConcurrentBatches.
        SessionOptions session = SessionOptions.forConcurrentBatches(ThroughputResult.hostCores(),
                BatchingConfig.defaultConcurrentBatches(ThroughputResult.hostCores()));
        ThroughputResult result = new ThroughputResult("images", model, batch, ThroughputResult.hostCores(), concurrency,
                session.intraOpThreads(), session.interOpThreads(), seconds, warmUp.toNanos() / 1e9, ThroughputResult.hostCores(), ThroughputResult.thisJvm(),
                photos.size(), images.sum(), null, errors.sum(), meanBatch, images.sum() / seconds);
        return new Run(result, firstError.get());
    }
}
