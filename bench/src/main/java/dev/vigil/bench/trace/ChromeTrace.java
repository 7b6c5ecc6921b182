package dev.vigil.bench.trace;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.StepStats;

/**
 * TensorFlow's per-node {@link StepStats} (what a run with {@code FULL_TRACE} returns in its
 * RunMetadata) as a Chrome trace ({@code {"traceEvents": [...]}}, the JSON that
 * {@code chrome://tracing} and Perfetto open): one complete event ({@code "ph": "X"}) per node
 * execution, its start and duration in microseconds from the earliest node of the step, one
 * process per device (named by a metadata event) and one thread per TensorFlow executor thread.
 * The event's name is the op type when the timeline label gives it ({@code "name = Conv2D(...)"}),
 * else the node name; the node name and label go to {@code args}. Stateless.
 */
public final class ChromeTrace {
    private ChromeTrace() {
    }

    /** The trace of {@code stats}; {@code metadata} (model, batch, machine) goes to the top level's {@code otherData}. */
    public static ObjectNode of(StepStats stats, ObjectNode metadata) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode trace = f.objectNode();
        ArrayNode events = trace.putArray("traceEvents");
        long origin = Long.MAX_VALUE;
        for (DeviceStepStats device : stats.getDevStatsList()) {
            for (NodeExecStats node : device.getNodeStatsList()) {
                origin = Math.min(origin, node.getAllStartMicros());
            }
        }
        List<DeviceStepStats> devices = stats.getDevStatsList();
        for (int pid = 0; pid < devices.size(); pid++) {
            DeviceStepStats device = devices.get(pid);
            ObjectNode name = events.addObject();
            name.put("name", "process_name").put("ph", "M").put("pid", pid).put("tid", 0);
            name.putObject("args").put("name", device.getDevice());
            for (NodeExecStats node : device.getNodeStatsList()) {
                ObjectNode e = events.addObject();
                e.put("name", opName(node));
                e.put("cat", "op");
                e.put("ph", "X");
                e.put("ts", node.getAllStartMicros() - origin);
                e.put("dur", Math.max(0, node.getAllEndRelMicros()));
                e.put("pid", pid);
                e.put("tid", node.getThreadId());
                ObjectNode args = e.putObject("args");
                args.put("node", node.getNodeName());
                if (!node.getTimelineLabel().isEmpty()) {
                    args.put("label", node.getTimelineLabel());
                }
                args.put("op_start_rel_us", node.getOpStartRelMicros());
                args.put("op_end_rel_us", node.getOpEndRelMicros());
            }
        }
        trace.put("displayTimeUnit", "ms");
        if (metadata != null) {
            trace.set("otherData", metadata);
        }
        return trace;
    }

    /** The op type from a timeline label {@code "node = Op(inputs)"}, else the node name. */
    static String opName(NodeExecStats node) {
        String label = node.getTimelineLabel();
        int eq = label.indexOf(" = ");
        int paren = label.indexOf('(', eq + 3);
        if (eq > 0 && paren > eq + 3) {
            return label.substring(eq + 3, paren);
        }
        return node.getNodeName();
    }
}
