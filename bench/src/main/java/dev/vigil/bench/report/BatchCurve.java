package dev.vigil.bench.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vigil.bench.ModelFixtures;
import dev.vigil.engine.model.ModelSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.tensorflow.types.TFloat32;

/**
 * Throughput against batch size for one model: the engine's {@link ModelSession#runPrepared} on
 * a pre-made {@code [batch, h, w, 3]} tensor of seeded values (no decode, no preprocessing, no
 * batching wait), one caller, one warm-up call per batch size, then calls back to back until at
 * least {@code minTime} has passed and {@code minCalls} calls were made. Opens and closes its
 * session; not thread-safe, and meant to run alone on the machine.
 */
public final class BatchCurve {
    /**
     * One batch size.
     *
     * @param msPerBatch      mean wall time of one call
     * @param imagesPerSecond batch / msPerBatch
     */
    @JsonPropertyOrder({"model", "batch", "images_per_s", "ms_per_batch", "calls", "seconds"})
    public record Point(
            @JsonProperty("model") String model,
            @JsonProperty("batch") int batch,
            @JsonProperty("calls") long calls,
            @JsonProperty("seconds") double seconds,
            @JsonProperty("ms_per_batch") double msPerBatch,
            @JsonProperty("images_per_s") double imagesPerSecond) {
    }

    private BatchCurve() {
    }

    /** Measures {@code model} at each size of {@code batches}; a model whose graph fixes its batch size is measured at that size only. */
    public static List<Point> measure(String model, List<Integer> batches, Duration minTime, int minCalls, Consumer<Point> progress) {
        List<Point> points = new ArrayList<>();
        try (ModelSession session = ModelFixtures.open(model, 0)) {
            long fixed = session.manifest().input().shape()[0];
            for (int batch : batches) {
                if (fixed > 0 && batch != fixed) {
                    continue;
                }
                try (TFloat32 input = ModelFixtures.randomBatch(session, batch, 42)) {
                    session.runPrepared(input);
                    long start = System.nanoTime();
                    long end = start + minTime.toNanos();
                    long calls = 0;
                    long now = start;
                    while (calls < minCalls || now < end) {
                        if (session.runPrepared(input).size() != batch) {
                            throw new IllegalStateException("model " + model + ": answered the wrong count for batch " + batch);
                        }
                        calls++;
                        now = System.nanoTime();
                    }
                    double seconds = (now - start) / 1e9;
                    Point p = new Point(model, batch, calls, seconds, seconds * 1000 / calls, calls * (double) batch / seconds);
                    points.add(p);
                    progress.accept(p);
                }
            }
        }
        return points;
    }
}
