package dev.vigil.bench.load;

import java.util.concurrent.CompletableFuture;

/**
 * Where a load run sends its requests: a Vigil server over the binary protocol (TCP or Unix
 * socket, {@link BinaryTarget}) or over HTTP ({@link HttpTarget}). The run owns the target and
 * closes it, which fails whatever is still unanswered. Thread-safe: {@link #score} is called
 * from the sending thread and from the threads that complete earlier answers.
 */
public interface LoadTarget extends AutoCloseable {
    /**
     * Sends one encoded image. Never blocks for the answer; the future always completes
     * normally, with a verdict, a fail-closed verdict, or the error that stood in for one.
     */
    CompletableFuture<Answer> score(byte[] image);

    /** Transport and address, for the report: {@code tcp 127.0.0.1:7461}. */
    String describe();

    @Override
    void close();

    /** How one request ended. */
    enum Outcome {
        /** The server's verdict (ALLOW, REVIEW or BLOCK by policy). */
        VERDICT,
        /** A verdict, but a fail-closed BLOCK: the gate could not decide (overloaded queue, deadline, a bad image). */
        FAILED_CLOSED,
        /** No verdict: a protocol or HTTP error, a refused or lost connection, the client's timeout. */
        ERROR
    }

    /**
     * @param outcome what came back
     * @param error   for {@link Outcome#ERROR}, the code that groups it in the report
     *                ({@code OVERLOADED}, {@code TIMEOUT}, {@code HTTP 503}, ...); else null
     * @param detail  one line on the first error of each code; else null
     */
    record Answer(Outcome outcome, String error, String detail) {
        public static final Answer VERDICT = new Answer(Outcome.VERDICT, null, null);
        public static final Answer FAILED_CLOSED = new Answer(Outcome.FAILED_CLOSED, null, null);

        public static Answer error(String code, String detail) {
            return new Answer(Outcome.ERROR, code, detail);
        }
    }
}
