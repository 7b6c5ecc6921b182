package dev.vigil.bench.load;

import dev.vigil.bench.load.LoadTarget.Answer;
import dev.vigil.bench.load.LoadTarget.Outcome;
import dev.vigil.bench.throughput.ThroughputResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load: requests go out on an {@link ArrivalSchedule}, whether or not earlier ones
 * were answered, so a slow server meets the same offered load a population of independent
 * users would bring. The calling thread is the one sender: it sleeps until each intended time
 * and sends without waiting for the answer. Requests count in the window by their intended
 * time, and latency runs from it ({@link LatencyRecorder#recordFromIntended}), so a sender
 * that falls behind (a GC pause, a busy core, the in-flight bound) adds its lateness to the
 * latency instead of hiding it.
 * <p>
 * The generator's queue is bounded: at most {@code maxInFlight} requests unanswered. When it
 * is full the sender waits (the wait counts as latency); requests still waiting when the window
 * closes are never sent and are reported as unsent. One instance runs once; not for reuse.
 */
public final class OpenLoop {
    /** The schedule starts this long after the run does, so that the first sends are not late by the setup. */
    static final long LEAD_NANOS = 20_000_000L;

    private final LoadTarget target;
    private final List<byte[]> images;
    private final ArrivalSchedule schedule;
    private final int maxInFlight;
    private final LoadWindow window;
    private final LatencyRecorder latency = new LatencyRecorder();
    private final LoadTally tally = new LoadTally();
    private final Semaphore inFlight;
    private final long start;
    private final long windowStart;
    private final long windowEnd;

    private OpenLoop(LoadTarget target, List<byte[]> images, ArrivalSchedule schedule, int maxInFlight, LoadWindow window) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("max-in-flight: " + maxInFlight + " (expected: >= 1)");
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("images: none (expected: at least one photo)");
        }
        this.target = target;
        this.images = images;
        this.schedule = schedule;
        this.maxInFlight = maxInFlight;
        this.window = window;
        this.inFlight = new Semaphore(maxInFlight);
        this.start = System.nanoTime() + LEAD_NANOS;
        this.windowStart = start + window.warmup().toNanos();
        this.windowEnd = windowStart + window.measured().toNanos();
    }

    /**
     * Runs the schedule against {@code target} (which the caller owns and closes afterwards) and
     * returns the report.
     *
     * @param seed   the Poisson schedule's seed, for the report; null for a constant schedule
     * @param server {@code in-process} or {@code external}, for the report
     */
    public static LoadResult run(LoadTarget target, String server, List<byte[]> images, ArrivalSchedule schedule, Long seed,
                                 int maxInFlight, LoadWindow window) throws InterruptedException {
        return new OpenLoop(target, images, schedule, maxInFlight, window).run(server, seed).result();
    }

    /** One run and the corrected latency histogram behind its percentiles (microseconds): for plotting the whole distribution. */
    public record Sampled(LoadResult result, org.HdrHistogram.Histogram correctedMicros) {
    }

    /** As {@link #run}, keeping the corrected histogram. */
    public static Sampled runSampled(LoadTarget target, String server, List<byte[]> images, ArrivalSchedule schedule, Long seed,
                                     int maxInFlight, LoadWindow window) throws InterruptedException {
        return new OpenLoop(target, images, schedule, maxInFlight, window).run(server, seed);
    }

    private Sampled run(String server, Long seed) throws InterruptedException {
        long sends = 0;
        boolean stoppedByCount = false;
        while (true) {
            long intended = start + schedule.nextOffsetNanos();
            if (intended >= windowEnd) {
                break;
            }
            if (sends >= window.maxRequests()) {
                stoppedByCount = true;
                break;
            }
            sleepUntil(intended);
            boolean inWindow = intended >= windowStart;
            if (!inFlight.tryAcquire(windowEnd - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                // the window closed with the bound still full: this request and the rest of the schedule stay unsent
                if (inWindow) {
                    tally.unsent();
                }
                countUnsent(window.maxRequests() - sends - 1);
                break;
            }
            long sent = System.nanoTime();
            sends++;
            if (inWindow) {
                tally.sent(sent - intended);
            }
            CompletableFuture<Answer> answer = score(images.get((int) ((sends - 1) % images.size())));
            answer.whenComplete((a, failure) -> {
                try {
                    answered(intended, sent, inWindow, a != null ? a : Answer.error(String.valueOf(failure), String.valueOf(failure)));
                } finally {
                    inFlight.release();
                }
            });
        }
        long drainEnd = windowEnd + window.drain().toNanos();
        boolean drained = inFlight.tryAcquire(maxInFlight, Math.max(0, drainEnd - System.nanoTime()), TimeUnit.NANOSECONDS);
        LoadTally.Counts counts = tally.freeze();
        if (drained) {
            inFlight.release(maxInFlight);
        }
        LatencyRecorder.Sample sample = latency.take();
        double seconds = LoadWindow.measuredSeconds(stoppedByCount, counts.lastAnswerNanos(), windowStart, windowEnd);
        ArrivalSchedule.Kind kind = schedule.kind();
        return new Sampled(new LoadResult(LoadResult.OPEN_LOOP, target.describe(), server, null, schedule.rate(),
                kind == ArrivalSchedule.Kind.POISSON ? "poisson" : "constant", kind == ArrivalSchedule.Kind.POISSON ? seed : null, maxInFlight,
                LoadWindow.seconds(window.warmup()), seconds, stoppedByCount ? "max-requests" : "time",
                counts.requests(), counts.verdicts(), counts.failedClosed(), counts.errors(), counts.unsent(), counts.unfinished(),
                counts.errorsByCode(), counts.errorExamples(), counts.verdictsAnsweredInWindow() / seconds,
                LatencySummary.of(sample.corrected()), LatencySummary.of(sample.uncorrected()),
                "open loop: latency from each request's intended send time on the schedule (uncorrected: from the actual send)",
                null, counts.maxSendLagNanos() / 1e6, images.size(), ThroughputResult.hostCores(), ThroughputResult.thisJvm()), sample.corrected());
    }

    /** The schedule's remaining requests of the window, never sent (at most {@code cap}, the request bound left). */
    private void countUnsent(long cap) {
        for (long n = 0; n < cap; n++) {
            long intended = start + schedule.nextOffsetNanos();
            if (intended >= windowEnd) {
                return;
            }
            if (intended >= windowStart) {
                tally.unsent();
            }
        }
    }

    private CompletableFuture<Answer> score(byte[] image) {
        try {
            return target.score(image);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Answer.error(e.getClass().getSimpleName(), String.valueOf(e.getMessage())));
        }
    }

    private void answered(long intended, long sent, boolean inWindow, Answer answer) {
        long now = System.nanoTime();
        if (answer.outcome() == Outcome.VERDICT && now >= windowStart && now < windowEnd) {
            tally.verdictInWindow();
        }
        if (inWindow && tally.answered(answer, now) && answer.outcome() != Outcome.ERROR) {
            latency.recordFromIntended(intended, sent, now);
        }
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException("open loop interrupted while waiting to send");
            }
        }
    }
}
