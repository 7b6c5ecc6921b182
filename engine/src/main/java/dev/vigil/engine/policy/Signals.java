package dev.vigil.engine.policy;

import java.util.concurrent.CompletableFuture;

/**
 * One request's signals, computed on demand. The engine implements it; a policy asks only for
 * the signals the condition it is evaluating needs, so a signal nobody asks for is never
 * computed. Within one evaluation a policy asks for each name at most once.
 *
 * <p>Implementations must not block in {@link #value}: they start the work (or join work
 * already started) and return its future. They must be safe to call from whichever thread
 * completed the previous signal's future.
 */
public interface Signals {
    /**
     * The value of the named signal, one of the names in the policy's {@link SignalCatalog}.
     * The future completes exceptionally when the signal could not be computed (a model failed,
     * a deadline passed); the policy's {@code on_error} decides what that means.
     */
    CompletableFuture<Double> value(String name);
}
