package dev.vigil.bench.load;

import dev.vigil.bench.load.LoadTarget.Answer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counts of one load run's measured window, kept under one lock so that the report's
 * numbers add up: every request sent in the window (by its intended time in the open loop,
 * its send time in the closed loop) is a verdict, a fail-closed verdict, an error, or still
 * unfinished when the report is taken. {@link #freeze} ends counting; answers after it (the
 * failures of closing the target) are not counted. Thread-safe.
 */
final class LoadTally {
    private long requests;
    private long verdicts;
    private long failedClosed;
    private long errors;
    private long unsent;
    /** Verdicts that are not fail-closed, answered inside the window: the throughput. */
    private long verdictsAnsweredInWindow;
    private long lastAnswerNanos = Long.MIN_VALUE;
    private long maxSendLagNanos;
    private final Map<String, Long> errorsByCode = new TreeMap<>();
    private final Map<String, String> errorExamples = new TreeMap<>();
    private boolean frozen;

    /** A request of the window went out {@code lagNanos} after its intended time (0 in the closed loop). */
    synchronized void sent(long lagNanos) {
        if (!frozen) {
            requests++;
            maxSendLagNanos = Math.max(maxSendLagNanos, lagNanos);
        }
    }

    /** A request of the window was never sent: the in-flight bound held it until the window closed. */
    synchronized void unsent() {
        if (!frozen) {
            requests++;
            unsent++;
        }
    }

    /**
     * An answer to a request of the window. Returns whether it was counted (false after
     * {@link #freeze}), so the caller times only counted answers.
     */
    synchronized boolean answered(Answer answer, long answeredNanos) {
        if (frozen) {
            return false;
        }
        switch (answer.outcome()) {
            case VERDICT -> verdicts++;
            case FAILED_CLOSED -> failedClosed++;
            case ERROR -> {
                errors++;
                errorsByCode.merge(answer.error(), 1L, Long::sum);
                errorExamples.putIfAbsent(answer.error(), answer.detail());
            }
        }
        lastAnswerNanos = Math.max(lastAnswerNanos, answeredNanos);
        return true;
    }

    /** Any verdict that is not fail-closed, of this window's requests or earlier ones, answered inside the window. */
    synchronized void verdictInWindow() {
        if (!frozen) {
            verdictsAnsweredInWindow++;
        }
    }

    synchronized Counts freeze() {
        frozen = true;
        long unfinished = requests - unsent - verdicts - failedClosed - errors;
        return new Counts(requests, verdicts, failedClosed, errors, unsent, unfinished, verdictsAnsweredInWindow, lastAnswerNanos,
                maxSendLagNanos, Map.copyOf(errorsByCode), Map.copyOf(errorExamples));
    }

    record Counts(long requests, long verdicts, long failedClosed, long errors, long unsent, long unfinished, long verdictsAnsweredInWindow,
                  long lastAnswerNanos, long maxSendLagNanos, Map<String, Long> errorsByCode, Map<String, String> errorExamples) {
    }
}
