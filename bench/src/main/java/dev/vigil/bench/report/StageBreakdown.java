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
 * Where a verdict's time goes, as means per verdict in milliseconds, from the server's
 * {@code vigil_stage_duration_seconds} histograms (the difference of two reads of
 * {@link VigilMetrics}, so only the run between them counts): decode, queue (waiting for a
 * model batch), inference, policy (what the gate reports as the rest of its time); and
 * network: the client's mean latency less the server's mean {@code total} (framing, the socket
 * and the client, both ways).
 * <p>
 * Preprocessing (resize and value range, written into the batch tensor) happens inside the
 * gate's model call, so the gate's {@code inference} includes it. A verdict waits for its whole
 * batch, so its share is estimated as the measured cost per image ({@link PreprocessCost})
 * times the mean batch size between the reads ({@code vigil_batch_size}), and taken out of
 * {@code inference}. Immutable.
 *
 * @param stagesMs          mean ms per verdict by stage, in the order of {@link #STAGES}
 * @param serverTotalMs     the server's mean {@code total} per verdict
 * @param clientMeanMs      the client's mean latency (as the requests saw it, from the actual send)
 * @param verdicts          verdicts the server counted between the two reads
 * @param meanBatch         mean model batch size between the reads
 * @param preprocessUsPerImage measured preprocessing cost of one image
 */
@JsonPropertyOrder({"stages_ms", "server_total_ms", "client_mean_ms", "verdicts", "mean_batch", "preprocess_us_per_image", "note"})
public record StageBreakdown(
        @JsonProperty("stages_ms") Map<String, Double> stagesMs,
        @JsonProperty("server_total_ms") double serverTotalMs,
        @JsonProperty("client_mean_ms") double clientMeanMs,
        @JsonProperty("verdicts") long verdicts,
        @JsonProperty("mean_batch") double meanBatch,
        @JsonProperty("preprocess_us_per_image") double preprocessUsPerImage) {

    /** Stages in the order a request meets them (network both before and after, shown last). */
    public static final List<String> STAGES = List.of("decode", "queue", "preprocess", "inference", "policy", "network");
    /** The key {@link #read} files the batch-size histogram under. */
    static final String BATCH_SIZE = "batch_size";

    @JsonProperty("note")
    public String note() {
        return "means per verdict from the server's stage histograms; preprocess = measured cost per image x mean batch size, taken out of"
                + " the gate's inference (which includes it); network = client mean latency - server mean total";
    }

    /** One read of the stage histograms (stage to {sum of seconds, count}) and of the batch sizes (under {@code batch_size}). */
    public static Map<String, double[]> read(VigilMetrics metrics) {
        Map<String, double[]> stages = new LinkedHashMap<>();
        for (MetricSnapshot snapshot : metrics.registry().scrape()) {
            String name = snapshot.getMetadata().getName();
            boolean stage = name.startsWith("vigil_stage_duration");
            if (!stage && !name.equals("vigil_batch_size")) {
                continue;
            }
            for (var point : snapshot.getDataPoints()) {
                DistributionDataPointSnapshot d = (DistributionDataPointSnapshot) point;
                stages.put(stage ? point.getLabels().get("stage") : BATCH_SIZE, new double[] {d.getSum(), d.getCount()});
            }
        }
        return stages;
    }

    /** The breakdown of what was recorded between {@code before} and {@code after}. */
    public static StageBreakdown between(Map<String, double[]> before, Map<String, double[]> after, double clientMeanMs,
                                         double preprocessUsPerImage) {
        double[] total = difference(before, after, "total");
        long verdicts = Math.round(total[1]);
        double serverTotalMs = verdicts == 0 ? 0 : total[0] * 1000 / verdicts;
        double[] batches = difference(before, after, BATCH_SIZE);
        double meanBatch = batches[1] == 0 ? 0 : batches[0] / batches[1];
        Map<String, Double> stages = new LinkedHashMap<>();
        for (String stage : STAGES) {
            switch (stage) {
                case "network" -> stages.put(stage, Math.max(0, clientMeanMs - serverTotalMs));
                case "preprocess" -> stages.put(stage, 0.0);
                default -> {
                    double[] d = difference(before, after, stage);
                    stages.put(stage, d[1] == 0 ? 0 : d[0] * 1000 / d[1]);
                }
            }
        }
        double inference = stages.get("inference");
        double preprocess = Math.min(inference, preprocessUsPerImage * meanBatch / 1000);
        stages.put("preprocess", preprocess);
        stages.put("inference", inference - preprocess);
        return new StageBreakdown(stages, serverTotalMs, clientMeanMs, verdicts, meanBatch, preprocessUsPerImage);
    }

    private static double[] difference(Map<String, double[]> before, Map<String, double[]> after, String stage) {
        double[] b = before.getOrDefault(stage, new double[2]);
        double[] a = after.getOrDefault(stage, new double[2]);
        return new double[] {a[0] - b[0], a[1] - b[1]};
    }
}
