package dev.vigil.engine.signal;

import java.util.List;
import java.util.Map;

/**
 * What a provider computed for one request: the values, the models that ran, the time spent
 * queued for and inside those models (for the verdict's timings), and findings worth showing
 * in the verdict (which hash list matched, which face), one line each.
 */
public record SignalValues(Map<String, Double> values, List<String> models, long queueNanos, long inferenceNanos, List<String> findings) {
    public SignalValues(Map<String, Double> values, List<String> models, long queueNanos, long inferenceNanos) {
        this(values, models, queueNanos, inferenceNanos, List.of());
    }
}
