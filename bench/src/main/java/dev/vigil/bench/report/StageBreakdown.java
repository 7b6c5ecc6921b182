package dev.vigil.bench.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vigil.server.metrics.VigilMetrics;
import io.prometheus.metrics.model.snapshots.DistributionDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a verdict's time goes, as means per verdict in milliseconds: decode, queue (waiting for
 * a model batch), inference, policy (what the gate reports as the rest of its time), from the
 * server's {@code vigil_stage_duration_seconds} histograms (the difference of two reads of
 * {@link VigilMetrics}, so only the run between them counts), and network: the client's mean
 * latency less the server's mean {@code total}: framing, the socket and the client, both ways.
 * Preprocessing (resize and value range, written into the batch tensor) happens inside the
 * gate's model call, so its time is part of {@code inference}; the gate does not time it apart.
 * Immutable.
 *
 * @param stagesMs     mean ms per verdict by stage, in the order of {@link #STAGES}
 * @param serverTotalMs the server's mean {@code total} per verdict
 * @param clientMeanMs the client's mean latency (as the requests saw it, from the actual send)
 * @param verdicts     verdicts the server counted between the two reads
 */
@JsonPropertyOrder({"stages_ms", "server_total_ms", "client_mean_ms", "verdicts", "note"})
public record StageBreakdown(
        @JsonProperty("stages_ms") Map<String, Double> stagesMs,
        @JsonProperty("server_total_ms") double serverTotalMs,
        @JsonProperty("client_mean_ms") double clientMeanMs,
        @JsonProperty("verdicts") long verdicts) {

    /** Stages in the order a request meets them (network both before and after, shown last). */
    public static final List<String> STAGES = List.of("decode", "queue", "inference", "policy", "network");

    @JsonProperty("note")
    public String note() {
        return "means per verdict; preprocess runs inside the model call and is counted in inference; network = client mean latency - server mean total";
    }

    /** One read of the stage histograms: stage to {sum of seconds, count}. */
    public static Map<String, double[]> read(VigilMetrics metrics) {
        Map<String, double[]> stages = new LinkedHashMap<>();
        for (MetricSnapshot snapshot : metrics.registry().scrape()) {
            if (!snapshot.getMetadata().getName().startsWith("vigil_stage_duration")) {
                continue;
            }
            for (var point : snapshot.getDataPoints()) {
                DistributionDataPointSnapshot d = (DistributionDataPointSnapshot) point;
                stages.put(point.getLabels().get("stage"), new double[] {d.getSum(), d.getCount()});
            }
        }
        return stages;
    }

    /** The breakdown of what was recorded between {@code before} and {@code after}. */
    public static StageBreakdown between(Map<String, double[]> before, Map<String, double[]> after, double clientMeanMs) {
        double[] total = difference(before, after, "total");
        long verdicts = Math.round(total[1]);
        double serverTotalMs = verdicts == 0 ? 0 : total[0] * 1000 / verdicts;
        Map<String, Double> stages = new LinkedHashMap<>();
        for (String stage : STAGES) {
            if (stage.equals("network")) {
                stages.put(stage, Math.max(0, clientMeanMs - serverTotalMs));
            } else {
                double[] d = difference(before, after, stage);
                stages.put(stage, d[1] == 0 ? 0 : d[0] * 1000 / d[1]);
            }
        }
        return new StageBreakdown(stages, serverTotalMs, clientMeanMs, verdicts);
    }

    private static double[] difference(Map<String, double[]> before, Map<String, double[]> after, String stage) {
        double[] b = before.getOrDefault(stage, new double[2]);
        double[] a = after.getOrDefault(stage, new double[2]);
        return new double[] {a[0] - b[0], a[1] - b[1]};
    }
}
