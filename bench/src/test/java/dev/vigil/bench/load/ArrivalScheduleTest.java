package dev.vigil.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The open loop's intended send times: exact constant spacing, and seeded Poisson gaps with the right mean and spread. */
class ArrivalScheduleTest {
    @Test
    void constantSpacingIsOneOverTheRateFromZero() {
        ArrivalSchedule s = ArrivalSchedule.constant(4);
        assertEquals(0, s.nextOffsetNanos());
        assertEquals(250_000_000L, s.nextOffsetNanos());
        assertEquals(500_000_000L, s.nextOffsetNanos());
        assertEquals(750_000_000L, s.nextOffsetNanos());
    }

    @Test
    void constantSpacingDoesNotDriftOverAMillionRequests() {
        // 1/3 ms does not divide a nanosecond: a running sum of rounded gaps would drift by up to 0.5 ns a request
        ArrivalSchedule s = ArrivalSchedule.constant(3000);
        long last = 0;
        for (int i = 0; i < 1_000_000; i++) {
            last = s.nextOffsetNanos();
        }
        assertEquals(Math.round(999_999 * (1e9 / 3000)), last);
    }

    @Test
    void poissonGapsHaveMeanOneOverTheRateAndExponentialSpread() {
        ArrivalSchedule s = ArrivalSchedule.poisson(200, 42);
        int n = 100_000;
        long previous = 0;
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            long t = s.nextOffsetNanos();
            assertTrue(t >= previous, "offsets must not decrease: " + t + " after " + previous);
            double gap = t - previous;
            sum += gap;
            sumSquares += gap * gap;
            previous = t;
        }
        double mean = sum / n;
        double sd = Math.sqrt(sumSquares / n - mean * mean);
        // 5 ms expected; with 100k gaps the standard error of the mean is 0.3%
        assertEquals(5_000_000, mean, 5_000_000 * 0.02);
        // an exponential's standard deviation equals its mean (a constant schedule's would be 0)
        assertEquals(1.0, sd / mean, 0.03);
    }

    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
        ArrivalSchedule a = ArrivalSchedule.poisson(50, 7);
        ArrivalSchedule b = ArrivalSchedule.poisson(50, 7);
        ArrivalSchedule c = ArrivalSchedule.poisson(50, 8);
        boolean differs = false;
        for (int i = 0; i < 100; i++) {
            long x = a.nextOffsetNanos();
            assertEquals(x, b.nextOffsetNanos());
            differs |= x != c.nextOffsetNanos();
        }
        assertTrue(differs);
    }

    @Test
    void refusesARateThatIsNotPositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrivalSchedule.constant(0));
        assertEquals("rate: 0.0 (expected: > 0 requests/s)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ArrivalSchedule.poisson(Double.NaN, 1));
    }
}
