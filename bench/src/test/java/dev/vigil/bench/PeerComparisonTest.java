package dev.vigil.bench;

import static dev.vigil.bench.ThroughputResultJsonTest.images;
import static dev.vigil.bench.ThroughputResultJsonTest.tensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.bench.throughput.ThroughputResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ratios {@code ./vigil bench peers} reports, from made-up runs, and its JSON layout. */
class PeerComparisonTest {
    static final List<ThroughputResult> BARE = List.of(
            tensors(1, 1, 2, 100), tensors(16, 1, 2, 250), tensors(16, 2, 1, 300), tensors(32, 1, 2, 240));
    static final List<ThroughputResult> ENGINE = List.of(tensors(1, 1, 2, 90), tensors(16, 1, 2, 225), tensors(32, 1, 2, 240));

    static JsonNode nsfwjs() throws Exception {
        return BenchCommand.JSON.readTree("""
                { "runtime": { "tfjs": "4.22.0" },
                  "backends": {
                    "tensorflow": { "available": false, "error": "Cannot find module '@tensorflow/tfjs-node'" },
                    "wasm": { "available": true, "tensors": [ { "batch": 1, "images_per_s": 30 }, { "batch": 8, "images_per_s": 32 } ],
                              "images": { "photos": 12, "images_per_s": 20 } },
                    "cpu": { "available": true, "tensors": [ { "batch": 1, "images_per_s": 1 } ], "images": { "photos": 12, "images_per_s": 0.9 } } } }
                """);
    }

    @Test
    void ratiosCompareEachVigilRunWithTheBestPeerRun() throws Exception {
        PeerComparison.Ratios r = PeerComparison.of(BARE, ENGINE, images(128), nsfwjs()).ratios();
        assertEquals(0.8, r.engineTensorsVsBestBare()); // 240 / 300 (bare at batch 16, 2 callers, 1 intra-op thread)
        assertEquals(7.5, r.engineTensorsVsNsfwjs()); // 240 / 32 (wasm, batch 8)
        assertEquals(4.0, r.gateImagesVsNsfwjs()); // 128 / 32
        assertEquals(6.4, r.gateImagesVsNsfwjsImages()); // 128 / 20
        assertEquals("300.0 images/s: batch 16, intra-op 1, callers 2", r.bestBare());
        assertEquals("32.0 images/s: wasm backend, batch 8", r.bestNsfwjs());
        assertEquals("20.0 images/s: wasm backend, decode + classify", r.bestNsfwjsImages());
    }

    @Test
    void sameSettingsRatiosPairRunsWithEqualBatchCallersAndThreads() throws Exception {
        PeerComparison.Ratios r = PeerComparison.of(BARE, ENGINE, images(128), nsfwjs()).ratios();
        assertEquals(Map.of(1, 0.9, 16, 0.9, 32, 1.0), r.engineVsBareSameSettings());
    }

    @Test
    void aPeerThatDidNotRunLeavesItsRatiosOut() throws Exception {
        JsonNode failed = BenchCommand.JSON.readTree("{ \"error\": \"cannot run node or npm: not found\" }");
        PeerComparison c = PeerComparison.of(BARE, ENGINE, images(128), failed);
        assertNull(c.ratios().engineTensorsVsNsfwjs());
        assertNull(c.ratios().gateImagesVsNsfwjs());
        JsonNode json = BenchCommand.JSON.readTree(BenchCommand.JSON.writeValueAsString(c));
        assertFalse(json.get("ratios").has("engine_tensors_vs_nsfwjs"));
        assertEquals(0.8, json.get("ratios").get("engine_tensors_vs_best_bare").asDouble());
        assertEquals("cannot run node or npm: not found", json.get("nsfwjs").get("error").asText());
    }

    @Test
    void jsonLeadsWithTheRatiosAndKeepsEveryRun() throws Exception {
        JsonNode json = BenchCommand.JSON.readTree(BenchCommand.JSON.writeValueAsString(PeerComparison.of(BARE, ENGINE, images(128), nsfwjs())));
        assertEquals("ratios", json.fieldNames().next());
        assertEquals(4, json.get("bare_session").size());
        assertEquals(3, json.get("engine_tensors").size());
        assertEquals(128.0, json.get("gate_images").get("images_per_s").asDouble());
        assertEquals(0.9, json.get("ratios").get("engine_vs_bare_same_settings").get("16").asDouble());
        assertTrue(json.get("nsfwjs").get("backends").has("wasm"));
    }

    @Test
    void nsfwjsRowsListEachBackendsRunsInOrderAndWhyOneDidNotRun() throws Exception {
        List<PeerComparison.NsfwjsRow> rows = PeerComparison.of(BARE, ENGINE, images(128), nsfwjs()).nsfwjsRows();
        assertEquals(List.of(
                new PeerComparison.NsfwjsRow("tensorflow", null, null, null, null, "Cannot find module '@tensorflow/tfjs-node'"),
                new PeerComparison.NsfwjsRow("wasm", "-", 1, null, 30.0, null),
                new PeerComparison.NsfwjsRow("wasm", "-", 8, null, 32.0, null),
                new PeerComparison.NsfwjsRow("wasm", "-", null, 12, 20.0, null),
                new PeerComparison.NsfwjsRow("cpu", "-", 1, null, 1.0, null),
                new PeerComparison.NsfwjsRow("cpu", "-", null, 12, 0.9, null)), rows);
        JsonNode failed = BenchCommand.JSON.readTree("{ \"error\": \"cannot run node or npm: not found\" }");
        assertEquals(List.of(new PeerComparison.NsfwjsRow(null, null, null, null, null, "cannot run node or npm: not found")),
                PeerComparison.of(BARE, ENGINE, images(128), failed).nsfwjsRows());
        assertEquals(List.of(), PeerComparison.of(BARE, ENGINE, images(128), null).nsfwjsRows());
        assertFalse(BenchCommand.JSON.readTree(BenchCommand.JSON.writeValueAsString(PeerComparison.of(BARE, ENGINE, images(128), nsfwjs())))
                .has("nsfwjs_rows"), "rows are a view, not a JSON field");
    }
}
