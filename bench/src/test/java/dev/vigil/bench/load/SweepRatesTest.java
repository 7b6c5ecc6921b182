package dev.vigil.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --sweep} specs: arithmetic and geometric series, and the ones refused. */
class SweepRatesTest {
    @Test
    void arithmeticSeriesIncludesTheEnd() {
        assertEquals(List.of(10.0, 20.0, 30.0, 40.0), SweepRates.parse("10:40:10"));
        assertEquals(List.of(0.5, 0.6, 0.7), SweepRates.parse("0.5:0.7:0.1")); // 0.5 + 2 * 0.1 is 0.7000000000000001
        assertEquals(List.of(10.0, 25.0), SweepRates.parse("10:30:15"));
        assertEquals(List.of(7.0), SweepRates.parse("7:7:1"));
    }

    @Test
    void geometricSeriesWithAnXBeforeTheFactor() {
        assertEquals(List.of(5.0, 10.0, 20.0, 40.0, 80.0), SweepRates.parse("5:80:x2"));
        assertEquals(List.of(10.0, 15.0, 22.5, 33.75), SweepRates.parse("10:40:X1.5"));
    }

    @Test
    void badSpecsAreRefusedWithTheExpectedForm() {
        assertEquals("sweep: 10:40 (expected: FROM:TO:STEP, e.g. 10:100:10, or FROM:TO:xFACTOR, e.g. 5:80:x2)", message("10:40"));
        assertEquals("sweep: 40:10:5 (expected: 0 < FROM <= TO)", message("40:10:5"));
        assertEquals("sweep: 0:10:5 (expected: 0 < FROM <= TO)", message("0:10:5"));
        assertEquals("sweep: 1:10:x1 (expected: FACTOR > 1)", message("1:10:x1"));
        assertEquals("sweep: 1:10:0 (expected: STEP > 0)", message("1:10:0"));
        assertEquals("sweep: a:10:1 (FROM is a; expected: a number)", message("a:10:1"));
        assertEquals("sweep: 1:1000:1 makes more than 50 steps (expected: <= 50; use a larger STEP or a geometric series)", message("1:1000:1"));
    }

    private static String message(String spec) {
        return assertThrows(IllegalArgumentException.class, () -> SweepRates.parse(spec)).getMessage();
    }
}
