package dev.vigil.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Targets are judged at their bounds as the issue words them, and a side that did not run leaves the target unjudged. */
class TargetTest {
    @Test
    void atLeastMeetsAtTheBoundAndMissesBelowIt() {
        assertTrue(Target.atLeast("r", 0.9, 0.9, "", "").met());
        assertFalse(Target.atLeast("r", 0.9, 0.8999, "", "").met());
        assertEquals(0.9, Target.atLeast("r", 0.9, 0.8999, "", "").value());
        assertEquals(">= 4.5", Target.atLeast("r", 4.5, 5.0, "", "").goal());
    }

    @Test
    void atMostIsStrictOnlyWhenAsked() {
        assertTrue(Target.atMost("p99", 3, false, 3.0, "", "").met());
        assertFalse(Target.atMost("p99", 3, false, 3.01, "", "").met());
        assertFalse(Target.atMost("MiB", 2048, true, 2048.0, "", "").met());
        assertTrue(Target.atMost("MiB", 2048, true, 2047.9, "", "").met());
        assertEquals("< 2048", Target.atMost("MiB", 2048, true, 1.0, "", "").goal());
    }

    @Test
    void aMissingSideLeavesTheTargetUnjudged() {
        assertNull(Target.atLeast("r", 0.9, null, "", "").met());
        assertNull(Target.atLeast("r", 0.9, Double.NaN, "", "").value());
    }

    @Test
    void procStatusReadsThisProcessesResidentMemory() {
        Map<String, Long> status = ServerMemory.procStatus(ProcessHandle.current().pid());
        assertTrue(status.get("VmRSS") > 0 && status.get("VmHWM") >= status.get("VmRSS"), status.toString());
    }
}
