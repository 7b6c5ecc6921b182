package dev.vigil.bench.load;

import dev.vigil.bench.load.LoadTarget.Answer;
import dev.vigil.bench.load.LoadTarget.Outcome;
import dev.vigil.bench.throughput.ThroughputResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop load: {@code clients} virtual clients, each sending its next request when the
 * previous one is answered, until the window closes or the request cap is spent. A client is a
 * chain of callbacks, not a thread: the answer's callback sends the next request. Requests
 * count in the window by their send time.
 * <p>
 * Coordinated omission: a closed loop sends nothing while the server stalls, so one slow answer
 * stands for every request the client would have sent meanwhile. Each answer is recorded with
 * {@link LatencyRecorder#recordWithExpectedInterval}: the interval a client is expected to send
 * at is {@code --expected-interval-ms} when given, else the median latency of the requests sent
 * in the second half of the warm-up (the pace the clients kept once the first, cold calls were
 * over). Without either there is no correction, and the report says so. One instance runs
 * once; not for reuse.
 */
public final class ClosedLoop {
    private final LoadTarget target;
    private final List<byte[]> images;
    private final int clients;
    private final LoadWindow window;
    private final Duration expectedInterval;
    private final LatencyRecorder warmupLatency = new LatencyRecorder();
    private final LatencyRecorder latency = new LatencyRecorder();
    private final LoadTally tally = new LoadTally();
    private final AtomicLong budget;
    private final AtomicLong nextImage = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch chainsEnded;
    private final Object intervalLock = new Object();
    /** Nanoseconds; -1 until the first answer of the window asks for it. Written under intervalLock, once. */
    private volatile long intervalNanos = -1;
    private long warmupAnswers;
    private volatile boolean stoppedByCount;
    /** Requests sent from here on, before the window, set the expected interval. */
    private final long warmupSecondHalf;
    private final long windowStart;
    private final long windowEnd;

    private ClosedLoop(LoadTarget target, List<byte[]> images, int clients, Duration expectedInterval, LoadWindow window) {
        if (clients < 1) {
            throw new IllegalArgumentException("clients: " + clients + " (expected: >= 1)");
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("images: none (expected: at least one photo)");
        }
        if (expectedInterval != null && (expectedInterval.isNegative() || expectedInterval.isZero())) {
            throw new IllegalArgumentException("expected-interval-ms: " + expectedInterval.toNanos() / 1e6 + " (expected: > 0)");
        }
        this.target = target;
        this.images = images;
        this.clients = clients;
        this.window = window;
        this.expectedInterval = expectedInterval;
        this.budget = new AtomicLong(window.maxRequests());
        this.chainsEnded = new CountDownLatch(clients);
        long start = System.nanoTime();
        this.warmupSecondHalf = start + window.warmup().toNanos() / 2;
        this.windowStart = start + window.warmup().toNanos();
        this.windowEnd = windowStart + window.measured().toNanos();
    }

    /**
     * Runs the load against {@code target} (which the caller owns and closes afterwards) and
     * returns the report. {@code expectedInterval} null: the warm-up's median latency.
     *
     * @param server {@code in-process} or {@code external}, for the report
     */
    public static LoadResult run(LoadTarget target, String server, List<byte[]> images, int clients, Duration expectedInterval,
                                 LoadWindow window) throws InterruptedException {
        return new ClosedLoop(target, images, clients, expectedInterval, window).run(server);
    }

    private LoadResult run(String server) throws InterruptedException {
        for (int i = 0; i < clients; i++) {
            chain();
        }
        long drainEnd = windowEnd + window.drain().toNanos();
        chainsEnded.await(Math.max(0, drainEnd - System.nanoTime()), TimeUnit.NANOSECONDS);
        LoadTally.Counts counts = tally.freeze();
        if (failure.get() != null) {
            throw new IllegalStateException("closed loop: a client's callback failed: " + failure.get(), failure.get());
        }
        long interval = expectedIntervalNanos();
        LatencyRecorder.Sample sample = latency.take();
        double seconds = LoadWindow.measuredSeconds(stoppedByCount, counts.lastAnswerNanos(), windowStart, windowEnd);
        return new LoadResult(LoadResult.CLOSED_LOOP, target.describe(), server, clients, null, null, null, null,
                LoadWindow.seconds(window.warmup()), seconds, stoppedByCount ? "max-requests" : "time",
                counts.requests(), counts.verdicts(), counts.failedClosed(), counts.errors(), null, counts.unfinished(),
                counts.errorsByCode(), counts.errorExamples(), counts.verdictsAnsweredInWindow() / seconds,
                LatencySummary.of(sample.corrected()), LatencySummary.of(sample.uncorrected()), correction(interval),
                interval > 0 ? interval / 1e6 : null, null, images.size(), ThroughputResult.hostCores(), ThroughputResult.thisJvm());
    }

    private String correction(long interval) {
        if (interval <= 0) {
            return "none: no answer in the second half of the warm-up to estimate the interval clients send at (give a longer --warmup or --expected-interval-ms)";
        }
        String source = expectedInterval != null ? "given with --expected-interval-ms"
                : "the median latency of " + warmupAnswers + " answers from the second half of the warm-up";
        return String.format("closed loop: each client expected to send every %.2f ms (%s); a slower answer also records the requests it held back",
                interval / 1e6, source);
    }

    /** One virtual client: sends, and from the answer's callback sends again. Loops instead of recursing when an answer is already there. */
    private void chain() {
        try {
            while (true) {
                long sent = System.nanoTime();
                if (sent >= windowEnd) {
                    chainsEnded.countDown();
                    return;
                }
                if (budget.getAndDecrement() <= 0) {
                    stoppedByCount = true;
                    chainsEnded.countDown();
                    return;
                }
                boolean inWindow = sent >= windowStart;
                if (inWindow) {
                    tally.sent(0);
                }
                CompletableFuture<Answer> answer = score(images.get((int) (nextImage.getAndIncrement() % images.size())));
                if (answer.isDone()) {
                    answered(sent, inWindow, answer.join());
                    continue;
                }
                answer.thenAccept(a -> {
                    try {
                        answered(sent, inWindow, a);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        chainsEnded.countDown();
                        return;
                    }
                    chain();
                });
                return;
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
            chainsEnded.countDown();
        }
    }

    private CompletableFuture<Answer> score(byte[] image) {
        try {
            return target.score(image);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Answer.error(e.getClass().getSimpleName(), String.valueOf(e.getMessage())));
        }
    }

    private void answered(long sent, boolean inWindow, Answer answer) {
        long now = System.nanoTime();
        if (answer.outcome() == Outcome.VERDICT && now >= windowStart && now < windowEnd) {
            tally.verdictInWindow();
        }
        if (!inWindow) {
            if (answer.outcome() != Outcome.ERROR && sent >= warmupSecondHalf) {
                warmupLatency.recordWithExpectedInterval(sent, now, 0);
            }
            return;
        }
        if (tally.answered(answer, now) && answer.outcome() != Outcome.ERROR) {
            latency.recordWithExpectedInterval(sent, now, expectedIntervalNanos());
        }
    }

    /** The given interval, else the late warm-up's median latency, fixed by the first answer that asks; 0 when neither is known. */
    private long expectedIntervalNanos() {
        if (expectedInterval != null) {
            return expectedInterval.toNanos();
        }
        long known = intervalNanos;
        if (known >= 0) {
            return known;
        }
        synchronized (intervalLock) {
            if (intervalNanos < 0) {
                Histogram warm = warmupLatency.take().uncorrected();
                warmupAnswers = warm.getTotalCount();
                intervalNanos = warmupAnswers == 0 ? 0 : warm.getValueAtPercentile(50) * 1000;
            }
            return intervalNanos;
        }
    }
}
