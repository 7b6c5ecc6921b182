package dev.vigil.engine.face;

import dev.vigil.engine.GateException;
import dev.vigil.engine.image.Pixels;
import dev.vigil.engine.model.ModelSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the faces in images and describes each: BlazeFace on each whole image (its graph
 * takes one image at a time), then FaceRes on the crops of all faces of all the images given,
 * in batches of at most {@code maxBatch} crops written straight into the input tensor. The
 * batching thread calls {@link #detect} per request and {@link #describe} once for the faces
 * of every request it has gathered, so crops from many requests share one FaceRes run.
 * <p>
 * Borrows the two sessions (their owner closes them) and owns nothing native itself.
 * Thread-safe: several batch workers describe faces at once, so each thread crops with its own
 * {@link FaceCropper} scratch (the cropper itself is not thread-safe); nothing else is mutable.
 */
public final class FaceAnalyzer {
    /** Default cap on crops per FaceRes run: 16 × 224 × 224 × 3 floats is a 9.6 MB input tensor. */
    public static final int DEFAULT_MAX_BATCH = 16;

    private final ModelSession detector;
    private final ModelSession attributes;
    private final BlazeFaceDecoder decoder;
    /** One cropper per thread that describes faces: its scratch must never be shared. */
    private final ThreadLocal<FaceCropper> croppers;
    private final int maxBatch;

    /**
     * @param detector   a face-detector session with BlazeFace's four outputs
     * @param attributes a face-attributes session with FaceRes's outputs (age, gender, descriptor)
     * @param decoder    threshold and face cap for the detector
     * @param maxBatch   at most this many crops per FaceRes run, >= 1; more faces take more runs
     */
    public FaceAnalyzer(ModelSession detector, ModelSession attributes, BlazeFaceDecoder decoder, int maxBatch) {
        requireTask(detector, "face-detector");
        requireTask(attributes, "face-attributes");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch: " + maxBatch + " (expected: >= 1)");
        }
        this.detector = detector;
        this.attributes = attributes;
        this.decoder = decoder;
        this.croppers = ThreadLocal.withInitial(() -> new FaceCropper(attributes.manifest().input()));
        this.maxBatch = maxBatch;
    }

    public FaceAnalyzer(ModelSession detector, ModelSession attributes) {
        this(detector, attributes, BlazeFaceDecoder.defaults(), DEFAULT_MAX_BATCH);
    }

    /** The faces BlazeFace finds in {@code image}, highest score first. */
    public List<FaceBox> detect(Pixels image) {
        Map<String, float[]> outputs = detector.run(List.of(image)).get(0);
        return decoder.decode(outputs, image.width(), image.height());
    }

    /** Detects and describes the faces of one image. */
    public List<Face> analyze(Pixels image) {
        return describe(List.of(new ImageFaces(image, detect(image)))).get(0);
    }

    /**
     * Describes the given faces of several images with FaceRes, all crops batched together:
     * result {@code i} holds image {@code i}'s faces, in the order of its boxes.
     */
    public List<List<Face>> describe(List<ImageFaces> images) {
        List<Pixels> cropImages = new ArrayList<>();
        List<FaceBox> cropBoxes = new ArrayList<>();
        for (ImageFaces image : images) {
            for (FaceBox box : image.boxes()) {
                cropImages.add(image.image());
                cropBoxes.add(box);
            }
        }
        List<FaceAttributes> described = new ArrayList<>(cropBoxes.size());
        FaceCropper cropper = croppers.get();
        for (int from = 0; from < cropBoxes.size(); from += maxBatch) {
            int start = from;
            int count = Math.min(maxBatch, cropBoxes.size() - from);
            for (Map<String, float[]> outputs : attributes.run(count,
                    (input, index) -> cropper.write(cropImages.get(start + index), cropBoxes.get(start + index).crop(), input))) {
                described.add(FaceAttributes.of(outputs));
            }
        }
        List<List<Face>> result = new ArrayList<>(images.size());
        int next = 0;
        for (ImageFaces image : images) {
            List<Face> faces = new ArrayList<>(image.boxes().size());
            for (FaceBox box : image.boxes()) {
                faces.add(new Face(box, described.get(next++)));
            }
            result.add(List.copyOf(faces));
        }
        return result;
    }

    /** One image and the faces of it to describe; the caller keeps the image open until {@link #describe} returns. */
    public record ImageFaces(Pixels image, List<FaceBox> boxes) {
        public ImageFaces {
            boxes = List.copyOf(boxes);
        }
    }

    private static void requireTask(ModelSession session, String task) {
        if (!task.equals(session.manifest().task())) {
            throw new GateException("model " + session.id() + ": task " + session.manifest().task() + " (expected: " + task + ")");
        }
    }
}
