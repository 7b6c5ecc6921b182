package dev.vigil.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.junit.jupiter.api.Test;

/** Coordinated-omission correction as arithmetic on made-up clocks: no real time passes. */
class LatencyRecorderTest {
    static final long MS = 1_000_000;

    @Test
    void openLoopMeasuresAStalledRequestFromItsIntendedTime() {
        LatencyRecorder r = new LatencyRecorder();
        // meant to go out at t = 1000 ms; the generator was stalled and sent it at 1500 ms; answered 10 ms later
        r.recordFromIntended(1000 * MS, 1500 * MS, 1510 * MS);
        LatencyRecorder.Sample s = r.take();
        assertEquals(1, s.corrected().getTotalCount());
        assertEquals(510.0, LatencySummary.of(s.corrected()).max(), 0.5);
        assertEquals(10.0, LatencySummary.of(s.uncorrected()).max(), 0.01);
    }

    @Test
    void openLoopRequestsQueuedBehindAStallEachCountTheirOwnWait() {
        LatencyRecorder r = new LatencyRecorder();
        // 100/s schedule; the server stalls 1 s, then answers the queued requests together at 1000 ms
        for (int i = 0; i < 100; i++) {
            r.recordFromIntended(i * 10 * MS, i * 10 * MS, 1000 * MS);
        }
        LatencySummary corrected = LatencySummary.of(r.take().corrected());
        assertEquals(100, corrected.count());
        assertEquals(1000.0, corrected.max(), 1.0);
        assertEquals(500.0, corrected.p50(), 10.0);
    }

    @Test
    void closedLoopAddsTheRequestsAStallHeldBackOneIntervalShorterEach() {
        LatencyRecorder r = new LatencyRecorder();
        // a client expected to send every 100 ms waited 1000 ms for one answer
        r.recordWithExpectedInterval(0, 1000 * MS, 100 * MS);
        LatencyRecorder.Sample s = r.take();
        assertEquals(List.of(100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L, 900L, 1000L), millis(s.corrected()));
        assertEquals(List.of(1000L), millis(s.uncorrected()));
    }

    @Test
    void closedLoopAnswerWithinTheIntervalIsRecordedOnce() {
        LatencyRecorder r = new LatencyRecorder();
        r.recordWithExpectedInterval(0, 150 * MS, 100 * MS);
        r.recordWithExpectedInterval(0, 80 * MS, 100 * MS);
        r.recordWithExpectedInterval(0, 500 * MS, 0); // no interval known: no correction
        assertEquals(List.of(80L, 150L, 500L), millis(r.take().corrected()));
    }

    @Test
    void takeStartsAFreshInterval() {
        LatencyRecorder r = new LatencyRecorder();
        r.recordFromIntended(0, 0, 7 * MS);
        assertEquals(1, r.take().corrected().getTotalCount());
        assertEquals(0, r.take().corrected().getTotalCount());
        assertEquals(LatencySummary.EMPTY, LatencySummary.of(r.take().uncorrected()));
    }

    @Test
    void valuesOutsideTheRangeAreClampedNotThrown() {
        LatencyRecorder r = new LatencyRecorder();
        r.recordFromIntended(10 * MS, 10 * MS, 5 * MS); // a clock step backwards
        r.recordFromIntended(0, 0, Long.MAX_VALUE);
        Histogram h = r.take().corrected();
        assertEquals(1, h.getMinValue());
        assertEquals(LatencyRecorder.HIGHEST_MICROS, h.highestEquivalentValue(LatencyRecorder.HIGHEST_MICROS), LatencyRecorder.HIGHEST_MICROS / 1000);
    }

    /** Each recorded value in whole milliseconds (below 1 s the histogram resolves well under 1 ms), once per count, ascending. */
    static List<Long> millis(Histogram h) {
        List<Long> values = new ArrayList<>();
        for (HistogramIterationValue v : h.recordedValues()) {
            for (long i = 0; i < v.getCountAtValueIteratedTo(); i++) {
                values.add(Math.round(v.getValueIteratedTo() / 1000.0));
            }
        }
        return values;
    }
}
