package dev.vigil.engine.signal;

import dev.vigil.engine.batch.BatchListener;
import dev.vigil.engine.batch.BatchingConfig;
import dev.vigil.engine.batch.Batched;
import dev.vigil.engine.batch.DynamicBatcher;
import dev.vigil.engine.face.BlazeFaceDecoder;
import dev.vigil.engine.face.Face;
import dev.vigil.engine.face.FaceAnalyzer;
import dev.vigil.engine.face.FaceBox;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.ModelSession;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The face pipeline as a service to signal providers: BlazeFace finds the faces of an image,
 * then FaceRes describes them (age, gender, identity descriptor). Each model sits behind its
 * own {@link DynamicBatcher}, so face crops from many requests run through FaceRes together.
 * The analysis of one image is shared by every provider of one request
 * ({@link RequestContext#shared}). Owns both model sessions and batchers and closes them.
 * Thread-safe.
 */
public final class FaceService implements AutoCloseable {
    private final FaceAnalyzer analyzer;
    private final ModelSession detector;
    private final ModelSession attributes;
    private final DynamicBatcher<Pixels, Timed<List<FaceBox>>> detections;
    private final DynamicBatcher<FaceAnalyzer.ImageFaces, Timed<List<Face>>> descriptions;

    /** One item's result with its batch's inference time. */
    record Timed<T>(T value, long inferenceNanos) {
    }

    /** The faces of one image and what finding them cost. */
    public record Faces(List<Face> faces, List<String> models, long queueNanos, long inferenceNanos) {
    }

    public FaceService(ModelSession detector, ModelSession attributes, BlazeFaceDecoder decoder, BatchingConfig batching, BatchListener listener) {
        this.detector = detector;
        this.attributes = attributes;
        this.analyzer = new FaceAnalyzer(detector, attributes, decoder, batching.maxBatchSize());
        this.detections = DynamicBatcher.start(detector.id(), batching, batch -> {
            long start = System.nanoTime();
            List<List<FaceBox>> boxes = new ArrayList<>(batch.size());
            for (Pixels p : batch) {
                boxes.add(analyzer.detect(p));
            }
            long took = System.nanoTime() - start;
            return boxes.stream().map(b -> new Timed<>(b, took)).toList();
        }, listener);
        this.descriptions = DynamicBatcher.start(attributes.id(), batching, batch -> {
            long start = System.nanoTime();
            List<List<Face>> faces = analyzer.describe(batch);
            long took = System.nanoTime() - start;
            return faces.stream().map(f -> new Timed<>(f, took)).toList();
        }, listener);
    }

    /**
     * Finds and describes the faces of {@code image}, which must stay open until the future
     * completes; dropped from either batcher's queue once {@code withdrawn} says true.
     */
    public CompletableFuture<Faces> analyze(Pixels image, long deadlineNanos, java.util.function.BooleanSupplier withdrawn) {
        CompletableFuture<Batched<Timed<List<FaceBox>>>> found = submit(detections, image, deadlineNanos, withdrawn);
        return found.thenCompose(d -> {
            List<FaceBox> boxes = d.value().value();
            if (boxes.isEmpty()) {
                return CompletableFuture.completedFuture(new Faces(List.of(), List.of(detector.id()), d.queuedNanos(), d.value().inferenceNanos()));
            }
            return submit(descriptions, new FaceAnalyzer.ImageFaces(image, boxes), deadlineNanos, withdrawn).thenApply(a -> new Faces(a.value().value(),
                    List.of(detector.id(), attributes.id()), d.queuedNanos() + a.queuedNanos(), d.value().inferenceNanos() + a.value().inferenceNanos()));
        });
    }

    private static <I, O> CompletableFuture<Batched<O>> submit(DynamicBatcher<I, O> batcher, I item, long deadline,
                                                                java.util.function.BooleanSupplier withdrawn) {
        try {
            return batcher.submit(item, deadline, withdrawn);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    public void warmUp() {
        detector.warmUp(1);
        for (int n = 1; n <= descriptions.config().maxBatchSize(); n++) {
            attributes.warmUp(n);
        }
    }

    /** The batchers, for queue-depth gauges. */
    public List<DynamicBatcher<?, ?>> batchers() {
        return List.of(detections, descriptions);
    }

    @Override
    public void close() {
        try {
            detections.close();
            descriptions.close();
        } finally {
            detector.close();
            attributes.close();
        }
    }
}
