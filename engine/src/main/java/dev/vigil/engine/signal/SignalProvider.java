package dev.vigil.engine.signal;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Computes one or more named signals for a request, asynchronously and only when asked: the
 * gate calls {@link #compute} the first time a policy rule needs one of {@link #signals()}
 * for a request, and at most once per request. New signals plug in by adding a provider; the
 * policy evaluation code does not change. Implementations are thread-safe.
 */
public interface SignalProvider extends AutoCloseable {

    /** The signal names this provider computes. */
    Set<String> signals();

    /**
     * Starts computing this provider's signals for one request. The future completes with a
     * value for every name in {@link #signals()}, or exceptionally when they cannot be computed.
     */
    CompletableFuture<SignalValues> compute(RequestContext request);

    /** Loads and warms what the provider needs before traffic arrives. */
    default void warmUp() {
    }

    @Override
    default void close() {
    }
}
