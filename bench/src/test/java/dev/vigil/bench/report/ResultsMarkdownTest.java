package dev.vigil.bench.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.bench.MachineFacts;
import dev.vigil.bench.load.Knee;
import dev.vigil.bench.load.LatencySummary;
import dev.vigil.bench.load.LoadResult;
import dev.vigil.bench.load.SweepResult;
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

    @Test
    void pageListsMachineCommandsFiguresAndLinksThePlotsFromItsOwnFolder() {
        List<LoadResult> steps = List.of(step(10, 10, 30), step(20, 20, 35), step(40, 30, 900));
        SweepResult sweep = new SweepResult("tcp 127.0.0.1:7461 (1 connection)", "in-process", "constant", null, List.of(10.0, 20.0, 40.0), null,
                Knee.find(steps, Knee.Criteria.DEFAULT), steps, Map.of());
        MachineFacts machine = new MachineFacts("Test CPU", List.of("avx2", "avx512f"), 2, 8L << 30, "17 (test VM)", "Test", "1.1.0",
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
        ReportResult result = new ReportResult("quick", "shared, noisy 2-core machine", commands, machine, settings,
                List.of(new BatchCurve.Point("m", 1, 10, 1, 10, 100), new BatchCurve.Point("m", 8, 5, 1, 50, 160)), sweep, step(15, 15, 40),
                List.of(new double[] {10, 0.5}, new double[] {40, 1}), StageBreakdown.between(Map.of(), after, 25, 300),
                Map.of("model", "m/1", "batch", 8, "events", 170), files, 120);

        String page = ResultsMarkdown.of(result, Path.of("bench", "RESULTS.md"));
        for (String expected : List.of("## Machine", "Test CPU", "avx2 avx512f", "TF_ENABLE_ONEDNN_OPTS=1 (on)", "[1.0, 1.0, 1.0] / [2.0, 1.0, 1.0]",
                "shared, noisy 2-core machine", "`./vigil bench report --quick`", "`./vigil bench trace --model m --batch 8",
                "](results/throughput-vs-batch.svg)", "](results/latency-vs-load.svg)", "](results/latency-cdf.svg)", "](results/stages.svg)",
                "](results/trace.json)", "chrome://tracing", "ui.perfetto.dev", "m peaks at 160 images/s at batch 8 (1.60x batch 1)",
                "| preprocess |", "| network | 5.00 |")) {
            assertTrue(page.contains(expected), () -> "missing " + expected + " in:\n" + page);
        }
    }
}
