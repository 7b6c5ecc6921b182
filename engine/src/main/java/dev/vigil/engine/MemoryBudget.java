package dev.vigil.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One bound on the bytes that requests hold in every state, shared by every place that holds
 * them: unfinished HTTP bodies and protocol frames (the server's listeners), queued encoded
 * images and their decoded pixels (the gate). Work that would take it past {@link #limit()} is
 * refused, retryably, instead of the process growing until the kernel kills it. Thread-safe.
 */
public final class MemoryBudget {
    /** 512 MiB: room for hundreds of typical requests beside the models on a laptop. */
    public static final long DEFAULT_LIMIT = 512L << 20;

    private final long limit;
    private final AtomicLong held = new AtomicLong();

    public MemoryBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("memory budget: " + limit + " bytes (expected: >= 1)");
        }
        this.limit = limit;
    }

    /** A budget no workload reaches: for tools that score one file at a time. */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE);
    }

    /** Takes {@code bytes} when they fit under the limit with what is held; else takes nothing and returns false. */
    public boolean tryReserve(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        for (long h = held.get(); ; h = held.get()) {
            if (bytes > limit - h) {
                return false;
            }
            if (held.compareAndSet(h, h + bytes)) {
                return true;
            }
        }
    }

    /** Gives back bytes taken by {@link #tryReserve}. */
    public void release(long bytes) {
        held.addAndGet(-bytes);
    }

    public long held() {
        return held.get();
    }

    public long limit() {
        return limit;
    }
}
