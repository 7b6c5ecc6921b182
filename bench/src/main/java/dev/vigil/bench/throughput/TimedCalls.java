package dev.vigil.bench.throughput;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs {@code callers} threads that each make the same call back to back, first for a warm-up
 * that is not counted, then for a measured window; counts the calls (and the images they
 * carried) that finish inside the window. In a steady state that count divided by the window is
 * the throughput, whatever straddles the window's edges; a window shorter than a few calls
 * gives a coarse number, so callers should check {@link Counts#calls()}.
 */
final class TimedCalls {
    /** One model call; returns the images it carried. Must be safe to call from every caller thread at once. */
    @FunctionalInterface
    interface Call {
        int run() throws Exception;
    }

    record Counts(long images, long calls, double seconds) {
        double imagesPerSecond() {
            return images / seconds;
        }
    }

    private TimedCalls() {
    }

    static Counts run(int callers, Duration warmUp, Duration measured, Call call) {
        if (callers < 1) {
            throw new IllegalArgumentException("callers: " + callers + " (expected: >= 1)");
        }
        LongAdder images = new LongAdder();
        LongAdder calls = new LongAdder();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long windowStart = System.nanoTime() + warmUp.toNanos();
        long windowEnd = windowStart + measured.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            Thread t = new Thread(() -> {
                try {
                    long now = System.nanoTime();
                    while (now < windowEnd && failure.get() == null) {
                        int n = call.run();
                        now = System.nanoTime();
                        if (now >= windowStart && now < windowEnd) {
                            images.add(n);
                            calls.increment();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "vigil-bench-caller-" + (i + 1));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the callers ran", e);
            }
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e != null) {
            throw new IllegalStateException("a caller failed: " + e, e);
        }
        return new Counts(images.sum(), calls.sum(), measured.toNanos() / 1e9);
    }
}
