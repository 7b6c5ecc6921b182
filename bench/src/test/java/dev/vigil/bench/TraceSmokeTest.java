package dev.vigil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./vigil bench trace} on the real default classifier: a Chrome trace file with one event per executed node. Counts only, no timings. */
class TraceSmokeTest {
    @Test
    void writesAChromeTraceOfOneBatch(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub").resolve("trace.json");
        BenchCommandTest.Outcome o = BenchCommandTest.run("trace", "--batch", "2", "--intra-op", "1", "--out", file.toString());
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains("node events of one batch of 2 through nsfw-mobilenet-v2-mid/"), o.out());

        JsonNode trace = BenchCommand.JSON.readTree(file.toFile());
        int complete = 0;
        for (JsonNode e : trace.get("traceEvents")) {
            if (e.get("ph").asText().equals("X")) {
                complete++;
                assertTrue(e.get("ts").asLong() >= 0 && e.get("dur").asLong() >= 0, e::toString);
                assertTrue(e.get("args").get("node").asText().length() > 0, e::toString);
            }
        }
        // MobileNetV2 runs well over a hundred nodes; far fewer would mean the trace lost them
        assertTrue(complete > 50, "node events: " + complete);
        assertEquals(2, trace.get("otherData").get("batch").asInt());
        assertEquals("FULL_TRACE", trace.get("otherData").get("trace_level").asText());
        assertTrue(trace.get("otherData").has("machine"));
    }
}
