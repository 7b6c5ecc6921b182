package dev.vigil.engine.signal;

import dev.vigil.engine.batch.BatchListener;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.batch.DynamicBatcher;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.ModelSession;
import dev.vigil.models.repository.ModelManifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The NSFW classifier as signals: {@code sexual} (porn + hentai), {@code suggestive} (sexy) and
 * {@code drawing}, plus each class's own probability as {@code classifier.<label>} for the
 * verdict (policies read the first three), from one run of a classifier model, batched across requests by a
 * {@link DynamicBatcher}. Owns its model session and batcher and closes both. Thread-safe.
 */
public final class ClassifierSignals implements SignalProvider {
    public static final Set<String> SIGNALS = Set.of("sexual", "suggestive", "drawing");

    private final ModelSession session;
    private final DynamicBatcher<Pixels, Classified> batcher;
    private final int porn;
    private final int hentai;
    private final int sexy;
    private final int drawing;
    private final List<String> labels;

    /** One batch's output for one image, with the batch's inference time. */
    record Classified(float[] probabilities, long inferenceNanos) {
    }

    public ClassifierSignals(ModelSession session, BatchingConfig batching, BatchListener listener) {
        ModelManifest.Output out = session.manifest().output("probabilities");
        List<String> labels = out.labels();
        if (labels == null) {
            throw new IllegalArgumentException("model " + session.id() + ": output probabilities has no labels (expected: drawing, hentai, neutral, porn, sexy)");
        }
        this.porn = index(session, labels, "porn");
        this.hentai = index(session, labels, "hentai");
        this.sexy = index(session, labels, "sexy");
        this.drawing = index(session, labels, "drawing");
        this.labels = List.copyOf(labels);
        this.session = session;
        this.batcher = DynamicBatcher.start(session.id(), batching, batch -> {
            long start = System.nanoTime();
            List<Map<String, float[]>> results = session.run(batch);
            long took = System.nanoTime() - start;
            return results.stream().map(r -> new Classified(r.get("probabilities"), took)).toList();
        }, listener);
    }

    private static int index(ModelSession session, List<String> labels, String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("model " + session.id() + ": label " + label + " missing from " + labels);
        }
        return i;
    }

    public ModelSession session() {
        return session;
    }

    public DynamicBatcher<Pixels, Classified> batcher() {
        return batcher;
    }

    @Override
    public Set<String> signals() {
        return SIGNALS;
    }

    @Override
    public CompletableFuture<SignalValues> compute(RequestContext request) {
        return request.track(batcher.submit(request.image(), request.deadlineNanos(), request::withdrawn)).thenApply(b -> {
            float[] p = b.value().probabilities();
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("sexual", (double) p[porn] + p[hentai]);
            values.put("suggestive", (double) p[sexy]);
            values.put("drawing", (double) p[drawing]);
            // the model's own classes too, by label, for people reading a verdict
            for (int i = 0; i < labels.size(); i++) {
                values.put("classifier." + labels.get(i), (double) p[i]);
            }
            return new SignalValues(values, List.of(session.id()), b.queuedNanos(), b.value().inferenceNanos());
        });
    }

    @Override
    public void warmUp() {
        for (int n = 1; n <= batcher.config().maxBatchSize(); n++) {
            session.warmUp(n);
        }
    }

    @Override
    public void close() {
        try {
            batcher.close();
        } finally {
            session.close();
        }
    }
}
