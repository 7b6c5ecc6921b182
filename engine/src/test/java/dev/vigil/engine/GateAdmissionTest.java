package dev.vigil.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Admission's arithmetic on a clock the test sets: what it measures, what it refuses and why, and what it gives back. */
class GateAdmissionTest {
    private static final long MS = 1_000_000L;
    private static final long DEADLINE = 5_000 * MS;

    @Test
    void anEmptyGateAdmitsWhateverTheDeadline() {
        GateAdmission admission = new GateAdmission(new MemoryBudget(1 << 20), 100);
        // nothing ahead: a deadline shorter than the request's own service time is its own problem, not load
        GateAdmission.Ticket t = admission.admit(0, 1, 10);
        assertEquals(1, admission.pending());
        assertEquals(10, admission.budget().held());
        admission.finished(t, 5 * MS, 0);
        assertEquals(0, admission.pending());
        assertEquals(0, admission.budget().held());
    }

    @Test
    void refusesWhatTheQueueAheadWouldMakeLate() {
        GateAdmission admission = new GateAdmission(MemoryBudget.unlimited(), 10_000);
        // completions 20 ms apart with work queued behind them: the gap is measured as 20 ms
        List<GateAdmission.Ticket> tickets = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tickets.add(admission.admit(0, DEADLINE, 0));
        }
        long now = 0;
        for (int i = 0; i < 50; i++) {
            now += 20 * MS;
            GateAdmission.Ticket t = tickets.remove(0);
            admission.finished(t, now, now); // answered on time: nothing over its estimate beyond the queue
        }
        assertEquals(20.0, admission.gapMillis(), 0.01);
        assertEquals(150, admission.pending());
        // 150 ahead at 20 ms is 3 s; within 60 % of 5 s (3 s) only just, plus the learned overhead
        double overhead = admission.overheadMillis();
        long wait = (long) ((150 * 20 + overhead) * MS);
        if (wait <= DEADLINE * GateAdmission.DEADLINE_SHARE) {
            admission.finished(admission.admit(now, now + DEADLINE, 0), now, 0);
        }
        // with 250 ahead (5 s of queue), a 5 s deadline cannot be met: refused, retryably, saying why
        for (int i = 0; i < 100; i++) {
            tickets.add(admission.admit(now, now + 60_000 * MS, 0)); // long deadlines: admitted
        }
        OverloadedException refused = assertThrows(OverloadedException.class, () -> admission.admit(0, DEADLINE, 0));
        // asked before the body is sent (HTTP's 100-continue), the same refusal, and nothing taken
        OverloadedException early = admission.wouldRefuse(0, DEADLINE);
        assertEquals(refused.getMessage(), early.getMessage());
        assertEquals(null, admission.wouldRefuse(0, 60_000 * MS), "a long deadline would be admitted");
        assertTrue(refused.getMessage().contains("250 request(s) ahead at 20.0 ms each"), refused.getMessage());
        assertTrue(refused.getMessage().contains("60% of the deadline"), refused.getMessage());
        assertEquals(5_000, refused.retryAfter().toMillis(), 1, "retry once the queue ahead has drained");
        assertEquals(250, admission.pending(), "a refusal takes nothing");
    }

    @Test
    void aQuietSpellIsNotServiceTimeAndALoneRequestBoundsTheGap() {
        GateAdmission admission = new GateAdmission(MemoryBudget.unlimited(), 10_000);
        long now = 0;
        List<GateAdmission.Ticket> tickets = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            tickets.add(admission.admit(now, now + DEADLINE, 0));
        }
        for (GateAdmission.Ticket t : tickets) {
            now += 20 * MS;
            admission.finished(t, now, now);
        }
        assertEquals(20.0, admission.gapMillis(), 0.01);
        // a minute with nothing to do, then two requests at once, the first served in 30 ms: the
        // gap sample is those 30 ms, not the minute since the last completion
        now += 60_000 * MS;
        GateAdmission.Ticket a = admission.admit(now, now + DEADLINE, 0);
        GateAdmission.Ticket b = admission.admit(now, now + DEADLINE, 0);
        admission.finished(a, now + 30 * MS, now + 30 * MS);
        assertEquals(21.0, admission.gapMillis(), 0.01, "20 ms moved a tenth of the way to 30 ms");
        admission.finished(b, now + 50 * MS, now + 50 * MS);

        // an estimate gone too high to admit anything behind a request (here 3.6 s a request, over
        // 60 % of a 5 s deadline) comes down from requests served alone
        GateAdmission stuck = new GateAdmission(MemoryBudget.unlimited(), 10_000);
        List<GateAdmission.Ticket> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            slow.add(stuck.admit(0, DEADLINE, 0));
        }
        stuck.finished(slow.get(0), 4_000 * MS, 4_000 * MS);
        stuck.finished(slow.get(1), 8_000 * MS, 8_000 * MS);
        assertEquals(4_000.0, stuck.gapMillis(), 0.01);
        stuck.finished(slow.get(2), 8_000 * MS, 8_000 * MS); // in the same batch as the second: a gap of 0, averaged in
        assertEquals(3_600.0, stuck.gapMillis(), 0.01);
        long t0 = 9_000 * MS;
        GateAdmission.Ticket alone = stuck.admit(t0, t0 + DEADLINE, 0);
        assertThrows(OverloadedException.class, () -> stuck.admit(t0, t0 + DEADLINE, 0), "3.6 s behind one request: refused");
        stuck.finished(alone, t0 + 100 * MS, t0 + 100 * MS);
        assertEquals(100.0, stuck.gapMillis(), 0.01, "served alone in 100 ms: the gap is at most that");
        GateAdmission.Ticket first = stuck.admit(t0 + 100 * MS, t0 + 100 * MS + DEADLINE, 0);
        stuck.admit(t0 + 100 * MS, t0 + 100 * MS + DEADLINE, 0); // admitted behind it now
        stuck.finished(first, t0 + 200 * MS, 0);
    }

    @Test
    void learnsHowMuchLongerThanTheQueueRequestsTake() {
        GateAdmission admission = new GateAdmission(MemoryBudget.unlimited(), 10_000);
        long now = 0;
        // one at a time, each 400 ms from admission to verdict with nothing ahead: all of it is the request's own time
        for (int i = 0; i < 100; i++) {
            GateAdmission.Ticket t = admission.admit(now, now + DEADLINE, 0);
            now += 400 * MS;
            admission.finished(t, now, now);
        }
        assertEquals(400.0, admission.overheadMillis(), 1.0);
        // a request dropped before its verdict says nothing about service
        GateAdmission.Ticket dropped = admission.admit(now, now + DEADLINE, 0);
        admission.finished(dropped, now + 4_000 * MS, 0);
        assertEquals(400.0, admission.overheadMillis(), 1.0);
        // with 1 ahead and a deadline of 600 ms, 60 % is 360 ms: the 400 ms of its own cannot fit
        admission.admit(now, now + DEADLINE, 0);
        long t0 = now;
        OverloadedException refused = assertThrows(OverloadedException.class, () -> admission.admit(t0, t0 + 600 * MS, 0));
        assertTrue(refused.getMessage().contains("ms of its own"), refused.getMessage());
    }

    @Test
    void theMemoryBudgetAndThePendingBoundRefuseRetryably() {
        GateAdmission admission = new GateAdmission(new MemoryBudget(1000), 2);
        GateAdmission.Ticket a = admission.admit(0, DEADLINE, 600);
        OverloadedException memory = assertThrows(OverloadedException.class, () -> admission.admit(0, DEADLINE, 500));
        assertTrue(memory.getMessage().contains("memory held by requests: 600 bytes + 500 for this one (expected: <= 1000"), memory.getMessage());
        admission.admit(0, DEADLINE, 400);
        OverloadedException pending = assertThrows(OverloadedException.class, () -> admission.admit(0, DEADLINE, 0));
        assertTrue(pending.getMessage().contains("requests in the gate: 2 (expected: < 2)"), pending.getMessage());
        admission.finished(a, 1, 0);
        assertEquals(400, admission.budget().held());
        assertEquals(1, admission.pending());
    }

    @Test
    void concurrentAdmissionsAndFinishesBalanceToZero() throws Exception {
        GateAdmission admission = new GateAdmission(new MemoryBudget(1L << 40), 1_000_000);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> workers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                workers.add(() -> {
                    int admitted = 0;
                    for (int i = 0; i < 20_000; i++) {
                        long now = System.nanoTime();
                        GateAdmission.Ticket t = admission.admit(now, now + 60_000 * MS, 1 + i % 7);
                        admitted++;
                        admission.finished(t, System.nanoTime(), i % 3 == 0 ? 0 : System.nanoTime());
                    }
                    return admitted;
                });
            }
            int total = 0;
            for (Future<Integer> f : pool.invokeAll(workers)) {
                total += f.get();
            }
            assertEquals(8 * 20_000, total);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, admission.pending(), "every admission finished: none left pending");
        assertEquals(0, admission.budget().held(), "every byte taken is given back");
    }
}
