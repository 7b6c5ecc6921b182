package dev.vigil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.bench.load.InProcessServer;
import dev.vigil.engine.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./vigil bench load} end to end against a real server (the default classifier, the
 * classifier-only policy, real sockets on loopback) with a handful of requests. Each run is
 * ended by {@code --max-requests} inside a long window, so the counts are exact; nothing here
 * looks at a time.
 */
class LoadSmokeTest {
    static InProcessServer server;

    @BeforeAll
    static void start() {
        TestModels.paths(); // the default models and photos, imported into the cache on first use
        server = InProcessServer.start("nsfw-mobilenet-v2-mid", 4);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static JsonNode load(String... args) throws Exception {
        BenchCommandTest.Outcome o = BenchCommandTest.run(args);
        assertEquals(0, o.status(), o.err());
        return BenchCommand.JSON.readTree(o.out());
    }

    /** Every request of the window answered with a verdict, none failed, the request cap ended the run. */
    static void assertAllVerdicts(JsonNode r, int requests) {
        assertEquals(requests, r.get("requests").asInt(), r::toString);
        assertEquals(requests, r.get("verdicts").asInt(), r::toString);
        assertEquals(0, r.get("failed_closed").asInt(), r::toString);
        assertEquals(0, r.get("errors").asInt(), r::toString);
        assertEquals(0, r.get("unfinished").asInt(), r::toString);
        assertEquals("max-requests", r.get("stopped_by").asText());
        assertEquals(requests, r.get("uncorrected_ms").get("count").asInt());
    }

    @Test
    void closedLoopOverTcp() throws Exception {
        JsonNode r = load("load", "--target", server.tcpAddress(), "--clients", "2", "--max-requests", "6", "--warmup", "0", "--seconds", "60", "--timeout", "30",
                "--json");
        assertEquals("closed-loop", r.get("mode").asText());
        assertEquals("external", r.get("server").asText());
        assertEquals(2, r.get("clients").asInt());
        assertTrue(r.get("target").asText().startsWith("tcp 127.0.0.1:"), r.get("target").asText());
        assertAllVerdicts(r, 6);
        // no warm-up and no --expected-interval-ms: nothing to correct with, and the report says so
        assertEquals(6, r.get("latency_ms").get("count").asInt());
        assertTrue(r.get("co_correction").asText().startsWith("none: "), r.get("co_correction").asText());
    }

    @Test
    void openLoopOverTcp() throws Exception {
        JsonNode r = load("load", "--target", server.tcpAddress(), "--rate", "20", "--poisson", "--seed", "3", "--max-requests", "5",
                "--warmup", "0", "--seconds", "60", "--timeout", "30", "--json");
        assertEquals("open-loop", r.get("mode").asText());
        assertEquals("poisson", r.get("arrivals").asText());
        assertEquals(3, r.get("seed").asInt());
        assertAllVerdicts(r, 5);
        assertEquals(0, r.get("unsent").asInt());
        assertEquals(5, r.get("latency_ms").get("count").asInt());
    }

    @Test
    void unixSocketAndHttp() throws Exception {
        JsonNode unix = load("load", "--target", server.unixAddress(), "--clients", "2", "--max-requests", "4", "--warmup", "0", "--seconds", "60", "--timeout", "30",
                "--json");
        assertTrue(unix.get("target").asText().startsWith("unix /"), unix.get("target").asText());
        assertAllVerdicts(unix, 4);
        JsonNode http = load("load", "--target", server.httpUrl(), "--rate", "10", "--max-requests", "4", "--warmup", "0", "--seconds", "60", "--timeout", "30",
                "--json");
        assertTrue(http.get("target").asText().startsWith("http http://127.0.0.1:"), http.get("target").asText());
        assertAllVerdicts(http, 4);
    }

    @Test
    void sweepWritesTheCurveAsCsvJsonAndSvg(@TempDir Path folder) throws Exception {
        Path prefix = folder.resolve("curve");
        JsonNode r = load("load", "--target", server.tcpAddress(), "--sweep", "5:10:5", "--full-sweep", "--max-requests", "2", "--warmup", "0",
                "--seconds", "60", "--out", prefix.toString(), "--json");
        assertEquals("sweep", r.get("mode").asText());
        assertEquals(2, r.get("steps").size());
        for (JsonNode step : r.get("steps")) {
            assertAllVerdicts(step, 2);
        }
        assertEquals(5.0, r.get("steps").get(0).get("offered_per_s").asDouble());
        assertEquals(10.0, r.get("steps").get(1).get("offered_per_s").asDouble());
        assertTrue(r.get("knee").has("criteria"));
        assertEquals(3, Files.readAllLines(folder.resolve("curve.csv")).size());
        assertEquals(r, BenchCommand.JSON.readTree(folder.resolve("curve.json").toFile()));
        assertEquals("svg", DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(folder.resolve("curve.svg").toFile())
                .getDocumentElement().getNodeName());
    }

    @Test
    void withNoTargetTheCommandStartsItsOwnServer() throws Exception {
        JsonNode r = load("load", "--batch", "2", "--clients", "1", "--max-requests", "3", "--warmup", "0", "--seconds", "60", "--timeout", "30", "--json");
        assertEquals("in-process", r.get("server").asText());
        assertAllVerdicts(r, 3);
    }
}
