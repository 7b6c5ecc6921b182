package dev.vigil.bench.load;

import static dev.vigil.bench.load.LoadResults.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.bench.BenchCommand;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** What scripts read from {@code ./vigil bench load --json} and the sweep's files: keys, their order, what each mode leaves out. */
class LoadJsonTest {
    static JsonNode json(Object value) throws Exception {
        return BenchCommand.JSON.readTree(BenchCommand.JSON.writeValueAsString(value));
    }

    static List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void closedLoopHasClientsAndTheExpectedIntervalAndNoScheduleFields() throws Exception {
        JsonNode j = json(LoadResults.closedLoop());
        assertEquals(List.of("mode", "target", "server", "clients", "warmup_seconds", "seconds", "stopped_by", "throughput_per_s", "requests",
                "verdicts", "failed_closed", "errors", "unfinished", "errors_by_code", "error_examples", "latency_ms", "uncorrected_ms",
                "co_correction", "expected_interval_ms", "photos", "cores", "jvm"), keys(j));
        assertEquals("closed-loop", j.get("mode").asText());
        assertEquals(8, j.get("clients").asInt());
        assertEquals(2, j.get("errors_by_code").get("TIMEOUT").asInt());
        assertEquals(3, j.get("failed_closed").asInt());
        assertEquals(List.of("count", "p50", "p90", "p99", "p99_9", "max", "mean"), keys(j.get("latency_ms")));
        assertEquals(200.0, j.get("latency_ms").get("p99").asDouble());
        assertEquals(1450, j.get("latency_ms").get("count").asInt()); // corrected: more values than answers
        assertEquals(1198, j.get("uncorrected_ms").get("count").asInt());
    }

    @Test
    void openLoopHasTheScheduleTheBoundAndTheSendLag() throws Exception {
        JsonNode j = json(step(40, 39.5, 30));
        assertEquals("open-loop", j.get("mode").asText());
        assertEquals(40.0, j.get("offered_per_s").asDouble());
        assertEquals("constant", j.get("arrivals").asText());
        assertEquals(1024, j.get("max_in_flight").asInt());
        assertEquals(0, j.get("unsent").asInt());
        assertEquals(0.4, j.get("max_send_lag_ms").asDouble());
        assertFalse(j.has("clients"));
        assertFalse(j.has("seed")); // constant spacing has none
        assertFalse(j.has("expected_interval_ms"));
    }

    @Test
    void sweepHasTheKneeTheStepsAndTheFiles() throws Exception {
        SweepResult sweep = sweep().withFiles(Map.of("csv", "s.csv"));
        JsonNode j = json(sweep);
        assertEquals(List.of("mode", "target", "server", "arrivals", "rates", "knee", "steps", "files"), keys(j));
        assertEquals("sweep", j.get("mode").asText());
        assertEquals(List.of("offered_per_s", "throughput_per_s", "p99_ms", "baseline_p99_ms", "criteria", "qualifying_offered_per_s"),
                keys(j.get("knee")));
        assertEquals(80.0, j.get("knee").get("offered_per_s").asDouble());
        assertEquals(3.0, j.get("knee").get("criteria").get("p99_factor").asDouble());
        assertEquals(5, j.get("steps").size());
        assertEquals(160.0, j.get("steps").get(4).get("offered_per_s").asDouble());
        assertEquals("s.csv", j.get("files").get("csv").asText());
    }

    @Test
    void csvHasAHeaderAndOneLinePerStepMarkingTheQualifyingOnes() {
        String[] lines = sweep().csv().split("\n");
        assertEquals(6, lines.length);
        assertEquals(SweepResult.CSV_HEADER, lines[0]);
        assertEquals("80,76.000,800,800,0,0,0,0,18.333,27.500,55.000,66.000,82.500,27.500,0.400,true", lines[4]);
        assertTrue(lines[5].startsWith("160,90.000,") && lines[5].endsWith(",false"), lines[5]);
    }

    @Test
    void tableMarksTheKneeAndStatesTheCriteria() {
        String table = sweep().table();
        assertTrue(table.contains("<- knee"), table);
        assertTrue(table.contains("knee: 80/s offered, 76.0 verdicts/s, p99 55.00 ms (throughput >= 95% of offered, p99 <= 3.0 x baseline p99 (20.00 ms)"),
                table);
    }

    @Test
    void plotIsWellFormedSvgWithALinePerPercentileAndTheKnee() throws Exception {
        String svg = SweepPlot.svg(sweep());
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getLocalName());
        assertEquals(4, doc.getElementsByTagName("polyline").getLength());
        assertEquals(4 * 5, doc.getElementsByTagName("circle").getLength());
        assertTrue(svg.contains("knee: 80/s offered"), svg);
    }

    @Test
    void plotOfASweepWithoutVerdictsSaysSo() throws Exception {
        SweepResult none = new SweepResult("tcp x", "external", "constant", null, List.of(10.0), null,
                Knee.find(List.of(step(10, 0, 0, 100, 100)), Knee.Criteria.DEFAULT), List.of(step(10, 0, 0, 100, 100)), null);
        String svg = SweepPlot.svg(none);
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertTrue(svg.contains("no step got a verdict"));
    }

    static SweepResult sweep() {
        List<LoadResult> steps = KneeTest.curve();
        return new SweepResult("tcp 127.0.0.1:7461 (1 connection)", "external", "constant", null, List.of(10.0, 20.0, 40.0, 80.0, 160.0), null,
                Knee.find(steps, Knee.Criteria.DEFAULT), steps, null);
    }
}
