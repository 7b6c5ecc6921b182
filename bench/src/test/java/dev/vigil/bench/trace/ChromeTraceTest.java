package dev.vigil.bench.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.vigil.bench.BenchCommand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.StepStats;

/** A hand-made StepStats, as a FULL_TRACE run returns it, converted into the Chrome trace events that chrome://tracing and Perfetto read. */
class ChromeTraceTest {
    private static NodeExecStats node(String name, String label, long start, long duration, int thread) {
        return NodeExecStats.newBuilder().setNodeName(name).setTimelineLabel(label).setAllStartMicros(start)
                .setOpStartRelMicros(1).setOpEndRelMicros(duration - 1).setAllEndRelMicros(duration).setThreadId(thread).build();
    }

    private static StepStats twoDevices() {
        return StepStats.newBuilder()
                .addDevStats(DeviceStepStats.newBuilder().setDevice("/job:localhost/replica:0/task:0/device:CPU:0")
                        .addNodeStats(node("_SOURCE", "_SOURCE = NoOp()", 1_000_000, 2, 0))
                        .addNodeStats(node("model/conv1/Conv2D", "model/conv1/Conv2D = Conv2D(input, weights)", 1_000_010, 500, 3)))
                .addDevStats(DeviceStepStats.newBuilder().setDevice("/device:CPU:0 memcpy")
                        .addNodeStats(node("copy", "", 1_000_600, 40, 7)))
                .build();
    }

    @Test
    void oneCompleteEventPerNodeRelativeToTheFirstStartWithOneProcessPerDevice() throws Exception {
        JsonNode trace = BenchCommand.JSON.readTree(BenchCommand.JSON.writeValueAsString(
                ChromeTrace.of(twoDevices(), JsonNodeFactory.instance.objectNode().put("model", "m/1"))));
        JsonNode events = trace.get("traceEvents");
        List<JsonNode> complete = new ArrayList<>();
        List<JsonNode> processes = new ArrayList<>();
        events.forEach(e -> (e.get("ph").asText().equals("X") ? complete : processes).add(e));

        assertEquals(2, processes.size());
        assertEquals("process_name", processes.get(0).get("name").asText());
        assertEquals("/job:localhost/replica:0/task:0/device:CPU:0", processes.get(0).get("args").get("name").asText());
        assertEquals(1, processes.get(1).get("pid").asInt());

        assertEquals(3, complete.size());
        JsonNode source = complete.get(0);
        assertEquals("NoOp", source.get("name").asText());
        assertEquals(0, source.get("ts").asLong());
        assertEquals(2, source.get("dur").asLong());

        JsonNode conv = complete.get(1);
        assertEquals("Conv2D", conv.get("name").asText());
        assertEquals("op", conv.get("cat").asText());
        assertEquals(10, conv.get("ts").asLong());
        assertEquals(500, conv.get("dur").asLong());
        assertEquals(0, conv.get("pid").asInt());
        assertEquals(3, conv.get("tid").asInt());
        assertEquals("model/conv1/Conv2D", conv.get("args").get("node").asText());
        assertEquals("model/conv1/Conv2D = Conv2D(input, weights)", conv.get("args").get("label").asText());

        // no timeline label: the node's name stands in for the op, and no label is invented
        JsonNode copy = complete.get(2);
        assertEquals("copy", copy.get("name").asText());
        assertEquals(600, copy.get("ts").asLong());
        assertEquals(1, copy.get("pid").asInt());
        assertEquals(7, copy.get("tid").asInt());
        assertFalse(copy.get("args").has("label"));

        assertEquals("m/1", trace.get("otherData").get("model").asText());
    }

    @Test
    void emptyStepStatsGiveAnEmptyEventList() {
        assertEquals(0, ChromeTrace.of(StepStats.getDefaultInstance(), null).get("traceEvents").size());
    }
}
