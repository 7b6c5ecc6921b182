package dev.vigil.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The report's arithmetic and plots from hand-made inputs: stage means between two metric reads, links, well-formed SVG. No timings. */
class ReportPartsTest {
    private static Map<String, double[]> stages(double decode, double queue, double inference, double policy, double total, double count) {
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("decode", new double[] {decode, count});
        m.put("queue", new double[] {queue, count});
        m.put("inference", new double[] {inference, count});
        m.put("policy", new double[] {policy, count});
        m.put("total", new double[] {total, count});
        return m;
    }

    @Test
    void stageMeansCountOnlyWhatWasRecordedBetweenTheReadsAndNetworkIsTheClientsRest() {
        Map<String, double[]> before = stages(1, 1, 1, 1, 4, 10);
        before.put(StageBreakdown.BATCH_SIZE, new double[] {30, 5});
        // 100 verdicts later: 0.5 s decode, 1 s queue, 2 s inference, 0.1 s policy, 3.6 s total, in 25 batches of 4
        Map<String, double[]> after = stages(1.5, 2, 3, 1.1, 7.6, 110);
        after.put(StageBreakdown.BATCH_SIZE, new double[] {130, 30});
        StageBreakdown b = StageBreakdown.between(before, after, 40, 500);
        assertEquals(List.of("decode", "queue", "preprocess", "inference", "policy", "network"), List.copyOf(b.stagesMs().keySet()));
        assertEquals(5, b.stagesMs().get("decode"), 1e-9);
        assertEquals(10, b.stagesMs().get("queue"), 1e-9);
        // four images of 500 us each before the batch's model call; the gate's 20 ms of inference included them
        assertEquals(4, b.meanBatch(), 1e-9);
        assertEquals(2, b.stagesMs().get("preprocess"), 1e-9);
        assertEquals(18, b.stagesMs().get("inference"), 1e-9);
        assertEquals(1, b.stagesMs().get("policy"), 1e-9);
        assertEquals(36, b.serverTotalMs(), 1e-9);
        assertEquals(4, b.stagesMs().get("network"), 1e-9);
        assertEquals(100, b.verdicts());
    }

    @Test
    void noVerdictsBetweenTheReadsGivesZeroesNotNaN() {
        StageBreakdown b = StageBreakdown.between(Map.of(), Map.of(), 0, 300);
        b.stagesMs().values().forEach(v -> assertEquals(0, v));
        assertEquals(0, b.verdicts());
    }

    @Test
    void linksAreRelativeToTheMarkdownFile() {
        assertEquals("results/stages.svg", ResultsMarkdown.link("bench/results/stages.svg", Path.of("bench", "RESULTS.md")));
        assertEquals("../out/a.svg", ResultsMarkdown.link("/tmp/out/a.svg", Path.of("/tmp/md/RESULTS.md")));
    }

    @Test
    void plotsAreWellFormedSvgWithOnePathPerModel() throws Exception {
        List<BatchCurve.Point> points = List.of(
                new BatchCurve.Point("a", 1, 10, 1, 10, 100), new BatchCurve.Point("a", 8, 10, 1, 50, 160),
                new BatchCurve.Point("b", 1, 10, 1, 30, 33), new BatchCurve.Point("b", 8, 5, 1, 200, 40));
        Document curve = parse(ReportPlots.throughputVsBatch(points, "test & <machine>"));
        assertEquals(2, curve.getElementsByTagName("polyline").getLength());
        assertEquals(4, curve.getElementsByTagName("circle").getLength());

        Map<String, Double> percentiles = new LinkedHashMap<>();
        percentiles.put("p50", 12.0);
        percentiles.put("p99", 40.0);
        Document cdf = parse(ReportPlots.latencyCdf(List.of(new double[] {10, 0.4}, new double[] {12, 0.5}, new double[] {40, 0.99},
                new double[] {45, 1}), percentiles, "s"));
        assertEquals(1, cdf.getElementsByTagName("polyline").getLength());
        parse(ReportPlots.latencyCdf(List.of(), Map.of(), "empty"));

        StageBreakdown b = StageBreakdown.between(stages(0, 0, 0, 0, 0, 0), stages(0.5, 1, 2, 0.1, 3.6, 100), 40, 300);
        Document bar = parse(ReportPlots.stageBar(b, "s"));
        // background, six stage segments and six legend swatches
        assertEquals(13, bar.getElementsByTagName("rect").getLength());
    }

    private static Document parse(String svg) throws Exception {
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
