package dev.vigil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./vigil bench profile} on the real gate: one trace holding every timed request with its
 * stages inside it, the batches each model ran, the GPU lane (samples, or why there are none)
 * and a TensorFlow step traced op by op after the load. Counts and nesting only, no timings.
 */
class ProfileSmokeTest {
    @Test
    void writesOneTraceOfTheLoadAndSaysWhereTheTimeWent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("profile.json");
        BenchCommandTest.Outcome o = BenchCommandTest.run("profile", "--requests", "40", "--concurrency", "4", "--batch", "4", "--out",
                file.toString());
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains(": 40 requests, "), o.out());
        for (String line : new String[] {"requests in ", "  decode ", "  queue ", "  inference ", "  policy+rest ", "  request     p50 ",
                "vigil-batch-nsfw-mobilenet-v2-mid"}) {
            assertTrue(o.out().contains(line), line + " in:\n" + o.out());
        }

        JsonNode trace = BenchCommand.JSON.readTree(file.toFile());
        int requests = 0;
        int stages = 0;
        int batches = 0;
        int ops = 0;
        int gpu = 0;
        Map<Integer, Long> lastEnd = new HashMap<>();
        Set<String> processes = new HashSet<>();
        for (JsonNode e : trace.get("traceEvents")) {
            String ph = e.get("ph").asText();
            int pid = e.get("pid").asInt();
            if (ph.equals("M") && e.get("name").asText().equals("process_name")) {
                processes.add(e.get("args").get("name").asText());
            } else if (ph.equals("X") && pid == 1 && e.get("cat").asText().equals("request")) {
                requests++;
                lastEnd.put(e.get("tid").asInt(), e.get("ts").asLong() + e.get("dur").asLong());
            } else if (ph.equals("X") && pid == 1) {
                stages++;
                // a stage lies inside the request last opened on its row
                assertTrue(e.get("ts").asLong() + e.get("dur").asLong() <= lastEnd.get(e.get("tid").asInt()) + 1, e::toString);
            } else if (ph.equals("X") && pid == 2) {
                batches++;
                assertTrue(e.get("name").asText().matches("nsfw-mobilenet-v2-mid/\\d+ batch of \\d+"), e::toString);
                assertTrue(e.get("args").get("size").asInt() >= 1 && e.get("args").get("size").asInt() <= 4, e::toString);
            } else if (pid == 3 && (ph.equals("C") || ph.equals("i"))) {
                gpu++;
            } else if (ph.equals("X") && pid >= 10) {
                ops++;
            }
        }
        assertEquals(40, requests);
        assertTrue(stages >= 40 * 2, "stages: " + stages);
        assertTrue(batches >= 10, "batches of at most 4 for 40 requests: " + batches);
        assertTrue(gpu >= 1, "the GPU lane holds samples or says why there are none");
        assertTrue(ops > 50, "TensorFlow's op events: " + ops);
        assertTrue(processes.containsAll(Set.of("requests", "batches", "gpu")), processes.toString());
        assertTrue(processes.stream().anyMatch(p -> p.startsWith("TensorFlow step, one traced batch of 4: ")), processes.toString());
        assertEquals(40, trace.get("otherData").get("requests").asInt());
    }
}
