package dev.vigil.bench.throughput;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One throughput run: what was measured, how, and the images per second it gave. This is the
 * JSON that {@code ./vigil bench throughput --json} prints (snake_case keys, absent fields
 * left out), and one entry of {@code ./vigil bench peers --json}.
 *
 * @param input          {@code tensors} (the engine's session on pre-made batch tensors),
 *                       {@code images} (the whole gate from encoded photos) or
 *                       {@code bare-session} (TensorFlow Java alone on pre-made tensors)
 * @param model          the model's repository name
 * @param batch          images per model call (tensors, bare-session) or the gate's maximum
 *                       batch size (images)
 * @param threads        concurrent callers (tensors, bare-session) or decode threads (images)
 * @param concurrency    requests kept in flight (images only)
 * @param intraOpThreads TensorFlow's intra-op threads
 * @param interOpThreads TensorFlow's inter-op threads
 * @param seconds        length of the measured window
 * @param warmupSeconds  traffic before the window, not counted
 * @param cores          available processors
 * @param jvm            Java version and VM name
 * @param photos         distinct photos cycled through (images only)
 * @param images         images finished inside the window
 * @param calls          model calls finished inside the window (tensors, bare-session)
 * @param errors         fail-closed verdicts inside the window (images only); not counted as images
 * @param meanBatch      mean size of the batches the gate ran inside the window (images only)
 * @param imagesPerSecond images / seconds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"images_per_s", "input", "model", "batch", "threads", "concurrency", "intra_op_threads",
        "inter_op_threads", "seconds", "warmup_seconds", "cores", "jvm", "photos", "images", "calls", "errors", "mean_batch"})
public record ThroughputResult(
        @JsonProperty("input") String input,
        @JsonProperty("model") String model,
        @JsonProperty("batch") int batch,
        @JsonProperty("threads") int threads,
        @JsonProperty("concurrency") Integer concurrency,
        @JsonProperty("intra_op_threads") int intraOpThreads,
        @JsonProperty("inter_op_threads") int interOpThreads,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("warmup_seconds") double warmupSeconds,
        @JsonProperty("cores") int cores,
        @JsonProperty("jvm") String jvm,
        @JsonProperty("photos") Integer photos,
        @JsonProperty("images") long images,
        @JsonProperty("calls") Long calls,
        @JsonProperty("errors") Long errors,
        @JsonProperty("mean_batch") Double meanBatch,
        @JsonProperty("images_per_s") double imagesPerSecond) {

    /** This JVM as the results name it: version and VM. */
    public static String thisJvm() {
        return System.getProperty("java.vm.version") + " (" + System.getProperty("java.vm.name") + ")";
    }

    public static int hostCores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Human-readable summary, a few lines, for the command's default output. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%.1f images/s%n", imagesPerSecond));
        s.append(String.format("  input %s, model %s, batch %d, %s %d%s, intra-op %d, inter-op %d%n", input, model, batch,
                input.equals("images") ? "decode threads" : "callers", threads,
                concurrency != null ? ", in flight " + concurrency : "", intraOpThreads, interOpThreads));
        s.append(String.format("  %.1f s measured after %.1f s warm-up: %d images", seconds, warmupSeconds, images));
        if (calls != null) {
            s.append(" in ").append(calls).append(" calls");
        }
        if (photos != null) {
            s.append(" from ").append(photos).append(" photos");
        }
        if (meanBatch != null) {
            s.append(String.format(", mean batch %.1f", meanBatch));
        }
        if (errors != null) {
            s.append(", ").append(errors).append(" errors");
        }
        s.append(String.format("%n  cores %d, JVM %s", cores, jvm));
        return s.toString();
    }
}
