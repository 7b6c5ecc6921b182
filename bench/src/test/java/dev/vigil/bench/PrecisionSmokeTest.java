package dev.vigil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.TestModels;
import org.junit.jupiter.api.Test;

/**
 * {@code ./vigil bench precision} end to end on the default classifier with tiny windows and
 * two photos: the rewrite shows in the ops, every window counts calls, both photos are
 * compared. Counts and structure only; the speed is bench/README.md's business.
 */
class PrecisionSmokeTest {

    @Test
    void comparesBf16WithFp32() throws Exception {
        assumeTrue(TestModels.cpuHasBf16(), "no avx512_bf16 or amx_bf16 on this CPU");
        TestModels.paths(); // the default models and photos, imported into the cache on first use
        BenchCommandTest.Outcome o = BenchCommandTest.run("precision", "--batch", "2", "--rounds", "2", "--seconds", "0.3", "--warmup-seconds", "0",
                "--photos", TestModels.photo("c.png") + "," + TestModels.photo("camera.png"), "--json");
        assertEquals(0, o.status(), o.err());
        JsonNode r = BenchCommand.JSON.readTree(o.out());
        assertEquals("BF16", r.get("precision").asText());
        assertTrue(r.get("conversions").get("BF16").get("_MklNativeFusedConv2D DT_BFLOAT16").asInt() > 0, r.get("conversions").toString());
        assertTrue(r.get("conversions").get("FP32").get("_MklNativeFusedConv2D DT_FLOAT").asInt() > 0, r.get("conversions").toString());
        assertEquals(4, r.get("speeds").size());
        r.get("speeds").forEach(s -> assertTrue(s.get("calls").asLong() >= 1, s.toString()));
        assertEquals(2, r.get("ratios").get("2").size());
        assertEquals(2, r.get("photos").size());
        assertEquals("c.png", r.get("photos").get(0).get("photo").asText());
        assertTrue(r.get("max_abs_delta").get("neutral").asDouble() > 0, "bf16 changed nothing: " + r.get("max_abs_delta"));
        if (TestModels.cpuHasAmx()) { // where bfloat16 was measured to agree (TestModels.cpuHasAmx says where it does not)
            assertEquals(0, r.get("top_class_changes").asInt(), r.get("photos").toString());
            assertTrue(r.get("max_abs_delta").get("neutral").asDouble() < 0.1, r.get("max_abs_delta").toString());
        }
    }

    @Test
    void refusesFp32AsTheReducedPrecision() {
        BenchCommandTest.Outcome o = BenchCommandTest.run("precision", "--precision", "FP32");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --precision: FP32 (expected: a reduced precision, BF16)", o.err().strip());
    }
}
