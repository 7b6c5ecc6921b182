package dev.vigil.engine.signal;

import dev.vigil.engine.image.Pixels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One request as signal providers see it: its decoded image, its decoded source image (an
 * edit's, or none), its deadline, and whether anyone still waits for it. The context owns the
 * decoded pixels and closes them once the request is answered AND every model call started for
 * it has finished, so a batch still running after a timeout never reads freed memory.
 * Thread-safe.
 */
public final class RequestContext {
    private final String requestId;
    private final Pixels image;
    private final Pixels source;
    private final long deadlineNanos;
    private final BooleanSupplier withdrawn;
    /** Guarded by this. */
    private dev.vigil.engine.hash.PdqResult imagePdq;
    private final List<CompletableFuture<?>> started = new ArrayList<>();
    private final java.util.Map<String, CompletableFuture<?>> shared = new java.util.HashMap<>();
    private boolean released;

    /**
     * @param image     the generated image, owned by the context from now on
     * @param source    the edit's source image, owned by the context too, or null
     * @param withdrawn true once nobody waits for this request's verdict any more (answered,
     *                  cancelled, connection closed): batchers drop it instead of running it
     */
    public RequestContext(String requestId, Pixels image, Pixels source, long deadlineNanos, BooleanSupplier withdrawn) {
        this.requestId = requestId;
        this.image = image;
        this.source = source;
        this.deadlineNanos = deadlineNanos;
        this.withdrawn = withdrawn;
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
        return source != null;
    }

    /**
     * The output image's PDQ result, computed once per request by whichever asks first (the gate
     * computes it while decoding, for the verdict's evidence; the hash-list signal reads it).
     */
    public dev.vigil.engine.hash.PdqResult imagePdq(dev.vigil.engine.hash.PdqHasher hasher) {
        synchronized (this) {
            if (imagePdq == null) {
                imagePdq = hasher.hash(image);
            }
            return imagePdq;
        }
    }

    /** The source image of an edit; fails if the request has none. */
    public CompletableFuture<Pixels> source() {
        return source != null ? CompletableFuture.completedFuture(source)
                : CompletableFuture.failedFuture(new IllegalStateException("request " + requestId + " has no source image"));
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
            if (source != null) {
                source.close();
            }
            afterFree.run();
            return null;
        });
    }
}
