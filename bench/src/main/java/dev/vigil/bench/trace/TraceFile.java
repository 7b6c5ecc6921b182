package dev.vigil.bench.trace;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.bench.BenchCommand;
import dev.vigil.bench.MachineFacts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a {@link BatchTrace} as a Chrome trace file, with the model, batch and machine in {@code otherData}. Stateless. */
public final class TraceFile {
    private TraceFile() {
    }

    /** Writes {@code file} (creating its folder); returns the number of node events in it. */
    public static int write(BatchTrace.Traced traced, MachineFacts machine, Path file) throws IOException {
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        meta.put("model", traced.model() + "/" + traced.version());
        meta.put("batch", traced.batch());
        meta.put("intra_op_threads", traced.intraOpThreads());
        meta.put("input_tensor", traced.inputTensor());
        meta.put("output_tensor", traced.outputTensor());
        meta.put("trace_level", "FULL_TRACE");
        meta.set("machine", BenchCommand.JSON.valueToTree(machine));
        ObjectNode trace = ChromeTrace.of(traced.stats(), meta);
        Path folder = file.toAbsolutePath().getParent();
        if (folder != null) {
            Files.createDirectories(folder);
        }
        Files.writeString(file, BenchCommand.JSON.writeValueAsString(trace) + "\n", StandardCharsets.UTF_8);
        int events = 0;
        for (var device : traced.stats().getDevStatsList()) {
            events += device.getNodeStatsCount();
        }
        return events;
    }
}
