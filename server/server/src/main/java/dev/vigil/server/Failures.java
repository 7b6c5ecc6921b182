package dev.vigil.server;

import dev.vigil.engine.GateException;
import dev.vigil.engine.InputException;
import dev.vigil.engine.OverloadedException;
import dev.vigil.engine.batch.BatcherClosedException;
import dev.vigil.engine.batch.DeadlineExceededException;
import dev.vigil.engine.batch.QueueFullException;
import dev.vigil.engine.policy.PolicyException;
import dev.vigil.protocol.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The one mapping from a failure to the error a client is told, shared by the binary protocol
 * (ERROR frames), HTTP (status and JSON error) and the command line ({@code vigil score}): a
 * request the gate refuses or cannot take gets one of the protocol's {@link ErrorCode}s, and
 * each code has one HTTP status. A request the gate took on and then failed is not an error
 * but a fail-closed BLOCK verdict. Stateless and thread-safe.
 */
public final class Failures {
    private static final System.Logger LOG = System.getLogger(Failures.class.getName());

    private Failures() {
    }

    /** The error code for {@code failure} (CompletionException and ExecutionException unwrapped). */
    public static ErrorCode code(Throwable failure) {
        Throwable c = unwrap(failure);
        if (c instanceof OverloadedException || c instanceof QueueFullException || c instanceof RejectedExecutionException) {
            return ErrorCode.OVERLOADED;
        }
        if (c instanceof PolicyException || c instanceof InputException || c instanceof IllegalArgumentException) {
            return ErrorCode.BAD_REQUEST;
        }
        if (c instanceof CancellationException) {
            return ErrorCode.CANCELLED;
        }
        if (c instanceof TimeoutException || c instanceof DeadlineExceededException) {
            return ErrorCode.DEADLINE_EXCEEDED;
        }
        if (c instanceof BatcherClosedException) {
            return ErrorCode.SHUTTING_DOWN;
        }
        if (c instanceof GateException) {
            return ErrorCode.BAD_REQUEST; // the engine refused the request as given
        }
        return ErrorCode.INTERNAL;
    }

    /**
     * The message a client is told: the failure's own (it names field, value and limit); for an
     * unexpected failure its class too, and it is logged with its stack here, once.
     */
    public static String message(Throwable failure, String what) {
        Throwable c = unwrap(failure);
        if (code(c) == ErrorCode.INTERNAL) {
            LOG.log(System.Logger.Level.WARNING, what + " failed", c);
            return "internal error: " + c.getClass().getSimpleName() + (c.getMessage() != null ? ": " + c.getMessage() : "");
        }
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }

    /** When a refused request may be retried: the gate's estimate when it gave one, else {@code otherwise}. */
    public static Duration retryAfter(Throwable failure, Duration otherwise) {
        return unwrap(failure) instanceof OverloadedException o ? o.retryAfter() : otherwise;
    }

    /** The HTTP status that carries {@code code}. */
    public static int httpStatus(ErrorCode code) {
        return switch (code) {
            case BAD_FRAME, UNSUPPORTED_VERSION, BAD_REQUEST -> 400;
            case UNAUTHENTICATED -> 401;
            case DUPLICATE_REQUEST_ID -> 409;
            case FRAME_TOO_LARGE -> 413;
            case CANCELLED -> 499;
            case INTERNAL -> 500;
            case OVERLOADED, SHUTTING_DOWN -> 503;
            case DEADLINE_EXCEEDED -> 504;
        };
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
