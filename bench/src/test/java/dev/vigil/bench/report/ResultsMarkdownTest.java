package dev.vigil.bench.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.bench.MachineFacts;
import dev.vigil.bench.PeerComparison;
import dev.vigil.bench.load.Knee;
import dev.vigil.bench.load.LatencySummary;
import dev.vigil.bench.load.LoadResult;
import dev.vigil.bench.load.SweepResult;
import dev.vigil.bench.throughput.ThroughputResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generated page names the machine and every command, links each plot by its path from the page, and says how to open the trace. */
class ResultsMarkdownTest {
    private static LoadResult step(double offered, double throughput, double p99) {
        LatencySummary l = new LatencySummary(100, p99 / 3, p99 / 2, p99, p99, p99, p99 / 2.5);
        return new LoadResult(LoadResult.OPEN_LOOP, "tcp 127.0.0.1:7461 (1 connection)", "in-process", null, offered, "constant", null, 1024,
                0, 10, "time", 100, 100, 0, 0, 0L, 0, Map.of(), Map.of(), throughput, l, l, "open loop", null, 0.4, 12, 2, "17 (test VM)");
    }

    private static ThroughputResult tensors(String input, int batch, int intra, int callers, double imagesPerSecond) {
        return new ThroughputResult(input, "m", batch, callers, null, intra, callers, 3, 1, 2, "17", null, 100, 10L, null, null, imagesPerSecond);
    }

    @Test
    void pageListsMachineCommandsFiguresAndLinksThePlotsFromItsOwnFolder() {
        List<LoadResult> steps = List.of(step(10, 10, 30), step(20, 20, 35), step(40, 30, 900));
        SweepResult sweep = new SweepResult("tcp 127.0.0.1:7461 (1 connection)", "in-process", "constant", null, List.of(10.0, 20.0, 40.0), null,
                Knee.find(steps, Knee.Criteria.DEFAULT), steps, Map.of());
        MachineFacts machine = new MachineFacts("Test CPU", List.of("avx2", "avx512f"), 2, 8L << 30, "17 (test VM)", "Test", "1.1.0",
                List.of("tensorflow-core-native-1.1.0-linux-x86_64.jar"), null,
                "TF_ENABLE_ONEDNN_OPTS=1 (on)", "Linux", List.of(1.0, 1.0, 1.0), List.of(2.0, 1.0, 1.0));
        Map<String, String> commands = new LinkedHashMap<>();
        commands.put("report", "./vigil bench report --quick");
        commands.put("trace", "./vigil bench trace --model m --batch 8 --out bench/results/trace.json");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("classifier", "m");
        settings.put("gate_batch", 16);
        settings.put("moderate_warmup_s", 3.0);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("throughput_vs_batch_svg", "bench/results/throughput-vs-batch.svg");
        files.put("sweep_svg", "bench/results/latency-vs-load.svg");
        files.put("latency_cdf_svg", "bench/results/latency-cdf.svg");
        files.put("stages_svg", "bench/results/stages.svg");
        files.put("trace_json", "bench/results/trace.json");
        Map<String, double[]> after = new LinkedHashMap<>();
        after.put("total", new double[] {2, 100});
        after.put("inference", new double[] {1, 100});
        commands.put("peers", "./vigil bench peers --seconds 3 --warmup-seconds 1 --batches 1,16");
        settings.put("socket_concurrency", 32);
        List<ThroughputResult> bare = List.of(tensors("bare-session", 16, 2, 1, 250), tensors("bare-session", 16, 1, 2, 260));
        List<ThroughputResult> engine = List.of(tensors("tensors", 16, 1, 2, 247));
        ThroughputResult gate = new ThroughputResult("images", "m", 16, 2, 32, 1, 2, 3, 1, 2, "17", 12, 450, null, 0L, 9.0, 150);
        ObjectNode nsfwjs = JsonNodeFactory.instance.objectNode();
        ObjectNode wasm = nsfwjs.putObject("backends").putObject("wasm").put("available", true).put("threads", 1);
        wasm.putArray("tensors").addObject().put("batch", 8).put("images_per_s", 50.0);
        wasm.putObject("images").put("images_per_s", 30.0).put("photos", 12);
        nsfwjs.with("backends").putObject("tensorflow").put("available", false).put("error", "Cannot find module '@tensorflow/tfjs-node'");
        PeerComparison peers = PeerComparison.of(bare, engine, gate, nsfwjs);
        SocketComparison socket = new SocketComparison(gate, step(0, 140, 60), step(0, 40, 20), 150);
        ServerMemory memory = new ServerMemory("java -cp <class path> dev.vigil.cli.VigilCommand serve", List.of("strict", "fast", "accurate"), 8, 12.5,
                1777, 2207, Map.of("MALLOC_MMAP_THRESHOLD_", "131072"));
        List<Target> targets = List.of(Target.atLeast("engine on tensors / best bare TensorFlow Java session", 0.9, 0.95, "engine 247; bare 260",
                        "./vigil bench peers"),
                Target.atMost("server resident memory (MiB)", 2048, true, 2100.0, "VmRSS 2100 MiB", "./vigil serve"));
        ReportResult result = new ReportResult("quick", "shared, noisy 2-core machine", commands, machine, settings,
                List.of(new BatchCurve.Point("m", 1, 10, 1, 10, 100), new BatchCurve.Point("m", 8, 5, 1, 50, 160)), sweep, step(15, 15, 40),
                List.of(new double[] {10, 0.5}, new double[] {40, 1}), StageBreakdown.between(Map.of(), after, 25, 300),
                Map.of("model", "m/1", "batch", 8, "events", 170), targets, peers, socket, memory, null, files, 120);

        String page = ResultsMarkdown.of(result, Path.of("bench", "RESULTS.md"));
        for (String expected : List.of("## Machine", "Test CPU", "| GPUs | no NVIDIA driver (NVML unavailable) |",
                "| TensorFlow Java | 1.1.0, native tensorflow-core-native-1.1.0-linux-x86_64.jar |", "avx2 avx512f", "TF_ENABLE_ONEDNN_OPTS=1 (on)", "[1.0, 1.0, 1.0] / [2.0, 1.0, 1.0]",
                "shared, noisy 2-core machine", "`./vigil bench report --quick`", "`./vigil bench trace --model m --batch 8",
                "](results/throughput-vs-batch.svg)", "](results/latency-vs-load.svg)", "](results/latency-cdf.svg)", "](results/stages.svg)",
                "](results/trace.json)", "chrome://tracing", "ui.perfetto.dev", "m peaks at 160 images/s at batch 8 (1.60x batch 1)",
                "| preprocess |", "| network | 5.00 |",
                "| engine on tensors / best bare TensorFlow Java session | >= 0.9 | 0.95 | yes |", "| server resident memory (MiB) | < 2048 | 2100 | **no** |",
                "| bare session | 16 | 1 | 2 | 2 | 260.0 |", "| engine on tensors | 16 | 1 | 2 | 2 | 247.0 |", "| nsfwjs wasm, model only | 8 | 1 | - | 1 | 50.0 |",
                "nsfwjs tensorflow | | | | | unavailable: Cannot find module", "engine / best bare 0.95", "engine / nsfwjs model-only 4.94",
                "gate on photos / nsfwjs model-only 3.00", "gate on photos / nsfwjs decode + classify 5.00", "Resident (VmRSS) 1777 MiB",
                "(VmHWM, loading included) 2207 MiB", "by 32 closed-loop clients (140.0 verdicts/s", "one request at a time (p50 6.67 ms",
                "## Reduced precision: bfloat16\n\nNot measured in this run")) {
            assertTrue(page.contains(expected), () -> "missing " + expected + " in:\n" + page);
        }
    }
}
