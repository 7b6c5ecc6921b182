package dev.vigil.engine.signal;

import dev.vigil.engine.image.Pixels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One request as signal providers see it: its decoded image, its source image (decoded only if
 * a provider asks), and its deadline. The context owns the decoded pixels and closes them once
 * the request is answered AND every model call started for it has finished, so a batch still
 * running after a timeout never reads freed memory. Thread-safe.
 */
public final class RequestContext {
    private final String requestId;
    private final Pixels image;
    private final long deadlineNanos;
    private final Supplier<Pixels> sourceDecoder;
    private final java.util.function.BooleanSupplier withdrawn;
    private final List<CompletableFuture<?>> started = new ArrayList<>();
    private final java.util.Map<String, CompletableFuture<?>> shared = new java.util.HashMap<>();
    private CompletableFuture<Pixels> source;
    private boolean released;

    /**
     * @param sourceDecoder decodes the edit's source image, or null when the request has none;
     *                      called at most once, on the thread of the first provider that asks
     */
    public RequestContext(String requestId, Pixels image, long deadlineNanos, Supplier<Pixels> sourceDecoder) {
        this(requestId, image, deadlineNanos, sourceDecoder, () -> false);
    }

    /**
     * @param withdrawn true once nobody waits for this request's verdict any more (answered,
     *                  cancelled, connection closed): batchers drop it instead of running it
     */
    public RequestContext(String requestId, Pixels image, long deadlineNanos, Supplier<Pixels> sourceDecoder,
                          java.util.function.BooleanSupplier withdrawn) {
        this.withdrawn = withdrawn;
        this.requestId = requestId;
        this.image = image;
        this.deadlineNanos = deadlineNanos;
        this.sourceDecoder = sourceDecoder;
    }

    public String requestId() {
        return requestId;
    }

    /** The generated image; valid until the context releases it. */
    public Pixels image() {
        return image;
    }

    /** Deadline on the {@link System#nanoTime()} clock. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** Whether nobody waits for this request's verdict any more; cheap, for batchers to poll. */
    public boolean withdrawn() {
        return withdrawn.getAsBoolean();
    }

    public boolean hasSource() {
        return sourceDecoder != null;
    }

    /** The source image of an edit, decoded on first use; fails if the request has none. */
    public synchronized CompletableFuture<Pixels> source() {
        if (source == null) {
            if (sourceDecoder == null) {
                source = CompletableFuture.failedFuture(new IllegalStateException("request " + requestId + " has no source image"));
            } else {
                try {
                    source = CompletableFuture.completedFuture(sourceDecoder.get());
                } catch (RuntimeException e) {
                    source = CompletableFuture.failedFuture(e);
                }
            }
        }
        return source;
    }

    /**
     * Work several providers need for this request (the faces found in the output image, say),
     * started once by whichever asks first and shared after that. The work is tracked like
     * {@link #track}.
     */
    @SuppressWarnings("unchecked")
    public synchronized <T> CompletableFuture<T> shared(String key, java.util.function.Supplier<CompletableFuture<T>> work) {
        CompletableFuture<?> existing = shared.get(key);
        if (existing != null) {
            return (CompletableFuture<T>) existing;
        }
        CompletableFuture<T> started;
        try {
            started = work.get();
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        shared.put(key, started);
        return track(started);
    }

    /** Registers work that reads this context's pixels; they are freed only after it completes. */
    public synchronized <T> CompletableFuture<T> track(CompletableFuture<T> work) {
        if (released) {
            throw new IllegalStateException("request " + requestId + " is already answered");
        }
        started.add(work);
        return work;
    }

    /**
     * Frees the pixels once everything tracked has completed (at once if nothing is running).
     * Called when the verdict is final; idempotent.
     */
    public void release() {
        release(() -> { });
    }

    /** {@link #release()}, then {@code afterFree} once the pixels are freed (on whichever thread frees them). */
    public void release(Runnable afterFree) {
        List<CompletableFuture<?>> pending;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            pending = List.copyOf(started);
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, e) -> {
            image.close();
            CompletableFuture<Pixels> s;
            synchronized (this) {
                s = source;
            }
            if (s != null && s.isDone() && !s.isCompletedExceptionally()) {
                s.join().close();
            }
            afterFree.run();
            return null;
        });
    }
}
