package dev.vigil.bench.load;

import static dev.vigil.bench.load.LoadResults.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Knee detection on made-up curves: which steps qualify, and which one is the knee. */
class KneeTest {
    static final Knee.Criteria DEFAULT = Knee.Criteria.DEFAULT;

    /** A server that keeps up to 80/s, p99 rising, then saturates near 90/s. */
    static List<LoadResult> curve() {
        return List.of(step(10, 10, 20), step(20, 20, 22), step(40, 40, 30), step(80, 76, 55), step(160, 90, 900));
    }

    @Test
    void theKneeIsTheHighestRateThatKeptUpWithALowP99() {
        Knee knee = Knee.find(curve(), DEFAULT);
        assertEquals(80.0, knee.offeredPerSecond()); // 76/s is exactly 95% of 80; 55 ms is under 3 x 20 ms
        assertEquals(76.0, knee.throughputPerSecond());
        assertEquals(55.0, knee.p99Ms());
        assertEquals(20.0, knee.baselineP99Ms());
        assertEquals(List.of(10.0, 20.0, 40.0, 80.0), knee.qualifying());
        assertNull(knee.reason());
    }

    @Test
    void aP99AboveTheFactorOrAThroughputShortfallDisqualifiesAStep() {
        List<LoadResult> slow = List.of(step(10, 10, 20), step(20, 20, 22), step(40, 40, 30), step(80, 79, 61));
        assertEquals(40.0, Knee.find(slow, DEFAULT).offeredPerSecond());
        List<LoadResult> behind = List.of(step(10, 10, 20), step(20, 20, 22), step(40, 40, 30), step(80, 75.9, 40));
        assertEquals(40.0, Knee.find(behind, DEFAULT).offeredPerSecond());
        // a looser factor lets the slow step in
        assertEquals(80.0, Knee.find(slow, new Knee.Criteria(0.05, 4, 0.01)).offeredPerSecond());
    }

    @Test
    void stepsWithMoreThanOnePercentWithoutAVerdictDoNotQualify() {
        // 400 requests at 40/s, 5 errors: 1.25%
        List<LoadResult> steps = List.of(step(10, 10, 20), step(20, 20, 22), step(40, 40, 30, 400, 5));
        Knee knee = Knee.find(steps, DEFAULT);
        assertEquals(20.0, knee.offeredPerSecond());
        assertEquals(List.of(10.0, 20.0), knee.qualifying());
        // 4 of 400 is exactly 1%: allowed
        assertEquals(40.0, Knee.find(List.of(step(10, 10, 20), step(40, 40, 30, 400, 4)), DEFAULT).offeredPerSecond());
    }

    @Test
    void aNoisyLowStepDoesNotPullTheKneeDown() {
        // 20/s missed by noise; the server kept up at 40/s and 80/s
        List<LoadResult> steps = List.of(step(10, 10, 20), step(20, 18, 25), step(40, 40, 30), step(80, 78, 50));
        Knee knee = Knee.find(steps, DEFAULT);
        assertEquals(80.0, knee.offeredPerSecond());
        assertEquals(List.of(10.0, 40.0, 80.0), knee.qualifying());
    }

    @Test
    void theBaselineIsTheSmallestP99SoAColdFirstStepDoesNotRaiseTheBar() {
        // the first step ran on a cold JIT: its p99 is 200 ms; the low-load p99 is 20 ms
        List<LoadResult> steps = List.of(step(5, 5, 200), step(10, 10, 20), step(20, 20, 50), step(40, 40, 70));
        Knee knee = Knee.find(steps, DEFAULT);
        assertEquals(20.0, knee.baselineP99Ms());
        assertEquals(20.0, knee.offeredPerSecond());
        assertEquals(List.of(10.0, 20.0), knee.qualifying());
    }

    @Test
    void theOrderOfTheStepsDoesNotMatter() {
        List<LoadResult> shuffled = List.of(curve().get(3), curve().get(0), curve().get(4), curve().get(2), curve().get(1));
        assertEquals(Knee.find(curve(), DEFAULT), Knee.find(shuffled, DEFAULT));
    }

    @Test
    void noQualifyingStepMeansNoKneeAndSaysWhy() {
        Knee knee = Knee.find(List.of(step(100, 50, 20), step(200, 60, 900)), DEFAULT);
        assertNull(knee.offeredPerSecond());
        assertEquals(20.0, knee.baselineP99Ms());
        assertTrue(knee.reason().startsWith("no step kept within 5% of its offered rate"), knee.reason());
        Knee none = Knee.find(List.of(step(10, 0, 0, 100, 100)), DEFAULT);
        assertNull(none.offeredPerSecond());
        assertEquals("no step got a verdict, so there is no baseline p99", none.reason());
    }

    @Test
    void criteriaOutOfRangeAreRefusedNamingTheOption() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Knee.Criteria(0.05, 0.5, 0.01));
        assertEquals("knee-p99-factor: 0.5 (expected: >= 1)", e.getMessage());
    }
}
