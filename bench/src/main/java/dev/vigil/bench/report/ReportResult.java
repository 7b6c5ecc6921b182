package dev.vigil.bench.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vigil.bench.MachineFacts;
import dev.vigil.bench.PeerComparison;
import dev.vigil.bench.load.LoadResult;
import dev.vigil.bench.load.SweepResult;
import dev.vigil.bench.throughput.PrecisionComparison;
import java.util.List;
import java.util.Map;

/**
 * Everything one {@code ./vigil bench report} run measured, as {@code results.json} holds it.
 *
 * @param profile         {@code quick} or {@code full}
 * @param label           the conditions in words, as given with {@code --label}
 * @param commands        the command lines that reproduce each part on their own
 * @param machine         the machine, load average at start and end
 * @param settings        the windows and sizes of this profile
 * @param throughputVsBatch one point per model and batch size
 * @param sweep           the short open-loop sweep (latency against load) and its knee
 * @param moderateLoad    the open-loop run at a moderate rate
 * @param latencyCdf      its corrected latencies as {ms, fraction answered within} pairs, rising
 * @param stages          where a verdict's time went during that run
 * @param trace           the Chrome trace file of one batch and how many node events it holds
 * @param targets         each target of the bench issue with its measured ratio
 * @param peers           the peers run (bare session sweep, engine, gate, nsfwjs) and its ratios
 * @param socket          in-process against loopback TCP on the same gate, and the single-image service time
 * @param memory          the resident memory of a separate server with the five default models
 * @param precision       BF16 against FP32: speed and agreement on the photos
 * @param files           plot and data files written, by what they hold
 * @param seconds         wall time of the whole report
 */
@JsonPropertyOrder({"profile", "label", "commands", "machine", "settings", "throughput_vs_batch", "sweep", "moderate_load", "latency_cdf",
        "stages", "trace", "targets", "peers", "socket", "memory", "precision", "files", "seconds"})
public record ReportResult(
        @JsonProperty("profile") String profile,
        @JsonProperty("label") String label,
        @JsonProperty("commands") Map<String, String> commands,
        @JsonProperty("machine") MachineFacts machine,
        @JsonProperty("settings") Map<String, Object> settings,
        @JsonProperty("throughput_vs_batch") List<BatchCurve.Point> throughputVsBatch,
        @JsonProperty("sweep") SweepResult sweep,
        @JsonProperty("moderate_load") LoadResult moderateLoad,
        @JsonProperty("latency_cdf") List<double[]> latencyCdf,
        @JsonProperty("stages") StageBreakdown stages,
        @JsonProperty("trace") Map<String, Object> trace,
        @JsonProperty("targets") List<Target> targets,
        @JsonProperty("peers") PeerComparison peers,
        @JsonProperty("socket") SocketComparison socket,
        @JsonProperty("memory") ServerMemory memory,
        @JsonProperty("precision") PrecisionComparison.Result precision,
        @JsonProperty("files") Map<String, String> files,
        @JsonProperty("seconds") double seconds) {
}
