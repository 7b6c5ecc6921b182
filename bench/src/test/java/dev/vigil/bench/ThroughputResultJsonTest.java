package dev.vigil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.bench.throughput.ThroughputResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON that scripts read from {@code ./vigil bench throughput --json}: its keys, their order, what is left out. */
class ThroughputResultJsonTest {
    static ThroughputResult tensors(int batch, int callers, int intraOp, double imagesPerSecond) {
        return new ThroughputResult("tensors", "nsfw-mobilenet-v2-mid", batch, callers, null, intraOp, 1, 10, 3, 2, "17 (test VM)", null,
                Math.round(imagesPerSecond * 10), Math.round(imagesPerSecond * 10 / batch), null, null, imagesPerSecond);
    }

    static ThroughputResult images(double imagesPerSecond) {
        return new ThroughputResult("images", "nsfw-mobilenet-v2-mid", 16, 2, 32, 2, 1, 10, 3, 2, "17 (test VM)", 12,
                Math.round(imagesPerSecond * 10), null, 0L, 15.5, imagesPerSecond);
    }

    @Test
    void tensorRunHasTheSettingsAndNoImageOnlyFields() throws Exception {
        JsonNode json = BenchCommand.JSON.readTree(BenchCommand.JSON.writeValueAsString(tensors(8, 1, 2, 200.5)));
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("images_per_s", "input", "model", "batch", "threads", "intra_op_threads", "inter_op_threads", "seconds",
                "warmup_seconds", "cores", "jvm", "images", "calls"), keys);
        assertEquals(200.5, json.get("images_per_s").asDouble());
        assertEquals("tensors", json.get("input").asText());
        assertEquals(8, json.get("batch").asInt());
        assertEquals(2, json.get("cores").asInt());
    }

    @Test
    void imageRunReportsPhotosConcurrencyErrorsAndMeanBatch() throws Exception {
        JsonNode json = BenchCommand.JSON.readTree(BenchCommand.JSON.writeValueAsString(images(120)));
        assertEquals("images", json.get("input").asText());
        assertEquals(32, json.get("concurrency").asInt());
        assertEquals(12, json.get("photos").asInt());
        assertEquals(0, json.get("errors").asInt());
        assertEquals(15.5, json.get("mean_batch").asDouble());
        assertFalse(json.has("calls"));
        assertTrue(json.get("jvm").isTextual());
    }
}
