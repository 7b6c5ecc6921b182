package dev.vigil.engine.face;

import dev.vigil.engine.GateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns BlazeFace's raw outputs into faces in image pixels, with the arithmetic of human 3.3.6
 * ({@code src/face/blazeface.ts getBoxes}, {@code facemeshutil.ts}) so that boxes agree with
 * the original library to the bit:
 * <ol>
 *   <li>anchors: 512 on a 16×16 grid (stride 16, 2 per cell), then 384 on an 8×8 grid
 *       (stride 32, 6 per cell), in the order grid row, grid column, anchor; each anchor is
 *       its cell's centre in the 256-pixel detector input;</li>
 *   <li>rows {@code [logit, dx, dy, w, h, 6 × (x, y)]}: centre = anchor + (dx, dy), box =
 *       centre ± (w, h) / 2 in float32, as TF.js computes; score = sigmoid(logit);</li>
 *   <li>non-max suppression with TensorFlow's semantics ({@code tf.image.nonMaxSuppression}):
 *       candidates with score &gt; the threshold, highest score first (ties: lower anchor
 *       first), dropped when their IoU with a face already kept is &gt;= the IoU threshold, at
 *       most {@code maxFaces} kept;</li>
 *   <li>scaled to the image by (width / 256, height / 256): the detector sees the whole image
 *       stretched to 256 × 256, without padding; landmarks are anchor + offset, scaled;</li>
 *   <li>the crop for the attribute model: the box enlarged by {@code enlarge} around its
 *       centre, then squared to its longer side, corners rounded to whole pixels.</li>
 * </ol>
 * Human keeps one face ({@code maxDetected 1}) and any candidate above 0.2; Vigil needs every
 * face and fewer false ones, so both are settings here. Faces come out in NMS order (highest
 * score first). A face whose rounded crop is empty (a box under a pixel) is dropped, where
 * human would cut a degenerate crop. Immutable and thread-safe.
 */
public final class BlazeFaceDecoder {
    /** Side of the square detector input, in pixels; the anchors assume it. */
    public static final int INPUT_SIZE = 256;
    /** Anchors of the 16×16 grid, then of the 8×8 grid. */
    public static final int ANCHORS_16 = 512;
    public static final int ANCHORS_8 = 384;
    /** Values per anchor in the box outputs: dx, dy, w, h and 6 keypoints (x, y). */
    public static final int BOX_VALUES = 16;

    /**
     * Default score threshold. In Vigil's test photos (FaceAnalyzerTest) real faces score from
     * 0.46 (a 20-pixel soldier's face half hidden by a chin strap) to 0.91, while the best
     * false faces score 0.39 (a patch of background figures a few pixels tall), 0.31 (house
     * fronts in PDQ's q1050.jpg; a wine-bottle coaster in c.png at 0.306) and 0.29 (a blurred
     * crowd). human's 0.2 keeps all of those; MediaPipe's usual 0.5 loses the soldier. 0.4
     * lies between, nearer the false side: for a safety gate a missed face (a minor's, say) costs
     * more than a spurious one, which the age model then scores on a crop of background.
     */
    public static final double DEFAULT_SCORE_THRESHOLD = 0.4;
    /** Default cap on faces per image; NMS keeps the highest-scoring ones. */
    public static final int DEFAULT_MAX_FACES = 20;
    /** human's {@code face.detector.iouThreshold}: overlapping boxes of one face suppress each other. */
    public static final double DEFAULT_IOU_THRESHOLD = 0.1;
    /** human's {@code face.detector.scale}: the attribute crop is the box enlarged this much. */
    public static final double DEFAULT_ENLARGE = 1.4;

    private static final float[] ANCHOR_X = new float[ANCHORS_16 + ANCHORS_8];
    private static final float[] ANCHOR_Y = new float[ANCHORS_16 + ANCHORS_8];

    static {
        int i = 0;
        int[] strides = {INPUT_SIZE / 16, INPUT_SIZE / 8};
        int[] perCell = {2, 6};
        for (int s = 0; s < strides.length; s++) {
            int stride = strides[s];
            int grid = (INPUT_SIZE + stride - 1) / stride;
            for (int gy = 0; gy < grid; gy++) {
                for (int gx = 0; gx < grid; gx++) {
                    for (int n = 0; n < perCell[s]; n++) {
                        ANCHOR_X[i] = stride * (gx + 0.5f);
                        ANCHOR_Y[i] = stride * (gy + 0.5f);
                        i++;
                    }
                }
            }
        }
    }

    private final double scoreThreshold;
    private final int maxFaces;
    private final double iouThreshold;
    private final double enlarge;

    /**
     * Thresholds are doubles because TF.js compares the float32 scores and IoUs with them as
     * JavaScript numbers.
     *
     * @param scoreThreshold a face needs a score above this, in [0, 1)
     * @param maxFaces       at most this many faces per image, >= 1
     * @param iouThreshold   a box overlapping a kept one by this IoU or more is the same face, in (0, 1]
     * @param enlarge        the attribute crop is the box scaled by this around its centre, >= 1
     */
    public BlazeFaceDecoder(double scoreThreshold, int maxFaces, double iouThreshold, double enlarge) {
        if (!(scoreThreshold >= 0 && scoreThreshold < 1)) {
            throw new IllegalArgumentException("scoreThreshold: " + scoreThreshold + " (expected: >= 0 and < 1)");
        }
        if (maxFaces < 1) {
            throw new IllegalArgumentException("maxFaces: " + maxFaces + " (expected: >= 1)");
        }
        if (!(iouThreshold > 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("iouThreshold: " + iouThreshold + " (expected: > 0 and <= 1)");
        }
        if (!(enlarge >= 1)) {
            throw new IllegalArgumentException("enlarge: " + enlarge + " (expected: >= 1)");
        }
        this.scoreThreshold = scoreThreshold;
        this.maxFaces = maxFaces;
        this.iouThreshold = iouThreshold;
        this.enlarge = enlarge;
    }

    /** Vigil's defaults: threshold 0.4, 20 faces, human's IoU 0.1 and enlargement 1.4. */
    public static BlazeFaceDecoder defaults() {
        return new BlazeFaceDecoder(DEFAULT_SCORE_THRESHOLD, DEFAULT_MAX_FACES, DEFAULT_IOU_THRESHOLD, DEFAULT_ENLARGE);
    }

    /** Human's own settings but all faces: threshold 0.2, {@code maxFaces} faces. */
    public static BlazeFaceDecoder human(int maxFaces) {
        return new BlazeFaceDecoder(0.2, maxFaces, DEFAULT_IOU_THRESHOLD, DEFAULT_ENLARGE);
    }

    public double scoreThreshold() {
        return scoreThreshold;
    }

    public int maxFaces() {
        return maxFaces;
    }

    /**
     * Decodes one image's BlazeFace outputs ({@code scores_16x16}, {@code boxes_16x16},
     * {@code scores_8x8}, {@code boxes_8x8}, as the model's manifest names them) into faces in
     * the pixels of that {@code imageWidth} × {@code imageHeight} image, highest score first.
     */
    public List<FaceBox> decode(Map<String, float[]> outputs, int imageWidth, int imageHeight) {
        if (imageWidth < 1 || imageHeight < 1) {
            throw new IllegalArgumentException("image: " + imageWidth + "x" + imageHeight + " (expected: >= 1x1)");
        }
        float[] scores16 = output(outputs, "scores_16x16", ANCHORS_16);
        float[] boxes16 = output(outputs, "boxes_16x16", ANCHORS_16 * BOX_VALUES);
        float[] scores8 = output(outputs, "scores_8x8", ANCHORS_8);
        float[] boxes8 = output(outputs, "boxes_8x8", ANCHORS_8 * BOX_VALUES);
        int n = ANCHORS_16 + ANCHORS_8;
        float[] scores = new float[n];
        // [x1, y1, x2, y2] per anchor in detector pixels, float32 as TF.js holds them
        float[] boxes = new float[4 * n];
        for (int i = 0; i < n; i++) {
            boolean first = i < ANCHORS_16;
            float[] rows = first ? boxes16 : boxes8;
            int at = (first ? i : i - ANCHORS_16) * BOX_VALUES;
            float logit = first ? scores16[i] : scores8[i - ANCHORS_16];
            scores[i] = (float) (1 / (1 + Math.exp(-logit)));
            float cx = rows[at] + ANCHOR_X[i];
            float cy = rows[at + 1] + ANCHOR_Y[i];
            float halfW = rows[at + 2] / 2;
            float halfH = rows[at + 3] / 2;
            boxes[4 * i] = cx - halfW;
            boxes[4 * i + 1] = cy - halfH;
            boxes[4 * i + 2] = cx + halfW;
            boxes[4 * i + 3] = cy + halfH;
        }
        List<FaceBox> faces = new ArrayList<>();
        double fx = (double) imageWidth / INPUT_SIZE;
        double fy = (double) imageHeight / INPUT_SIZE;
        for (int i : nonMaxSuppression(boxes, scores)) {
            boolean first = i < ANCHORS_16;
            float[] rows = first ? boxes16 : boxes8;
            int at = (first ? i : i - ANCHORS_16) * BOX_VALUES;
            double x1 = boxes[4 * i] * fx;
            double y1 = boxes[4 * i + 1] * fy;
            double x2 = boxes[4 * i + 2] * fx;
            double y2 = boxes[4 * i + 3] * fy;
            List<FaceBox.Point> landmarks = new ArrayList<>(6);
            for (int k = 0; k < 6; k++) {
                landmarks.add(new FaceBox.Point(
                        ((double) rows[at + 4 + 2 * k] + ANCHOR_X[i]) * fx,
                        ((double) rows[at + 5 + 2 * k] + ANCHOR_Y[i]) * fy));
            }
            CropBox crop = crop(x1, y1, x2, y2);
            if (crop != null) {
                faces.add(new FaceBox(x1, y1, x2 - x1, y2 - y1, scores[i], landmarks, crop));
            }
        }
        return faces;
    }

    /** facemeshutil.ts enlargeBox then squarifyBox, operation for operation; null when empty. */
    private CropBox crop(double x1, double y1, double x2, double y2) {
        double cx = x1 + (x2 - x1) / 2;
        double cy = y1 + (y2 - y1) / 2;
        double halfW = enlarge * Math.abs(x2 - x1) / 2;
        double halfH = enlarge * Math.abs(y2 - y1) / 2;
        double ex1 = cx - halfW;
        double ey1 = cy - halfH;
        double ex2 = cx + halfW;
        double ey2 = cy + halfH;
        double scx = ex1 + (ex2 - ex1) / 2;
        double scy = ey1 + (ey2 - ey1) / 2;
        double half = Math.max(Math.abs(ex2 - ex1), Math.abs(ey2 - ey1)) / 2;
        long left = Math.round(scx - half);
        long top = Math.round(scy - half);
        long right = Math.round(scx + half);
        long bottom = Math.round(scy + half);
        if (right <= left || bottom <= top) {
            return null;
        }
        return new CropBox(Math.toIntExact(left), Math.toIntExact(top), Math.toIntExact(right), Math.toIntExact(bottom));
    }

    /**
     * TensorFlow's hard non-max suppression ({@code nonMaxSuppressionV3Impl} in TF.js): indices
     * of the kept boxes, highest score first.
     */
    private List<Integer> nonMaxSuppression(float[] boxes, float[] scores) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] > scoreThreshold) {
                candidates.add(i);
            }
        }
        // highest score first; equal scores: lower index first, as TensorFlow orders them
        candidates.sort((a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
        List<Integer> kept = new ArrayList<>();
        for (int candidate : candidates) {
            if (kept.size() == maxFaces) {
                break;
            }
            boolean suppressed = false;
            for (int j = kept.size() - 1; j >= 0; j--) {
                if (intersectionOverUnion(boxes, candidate, kept.get(j)) >= iouThreshold) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                kept.add(candidate);
            }
        }
        return kept;
    }

    /** As TF.js computes it, in double from the float32 corners; 0 for an empty box. */
    static double intersectionOverUnion(float[] boxes, int i, int j) {
        double minXi = Math.min(boxes[4 * i], boxes[4 * i + 2]);
        double minYi = Math.min(boxes[4 * i + 1], boxes[4 * i + 3]);
        double maxXi = Math.max(boxes[4 * i], boxes[4 * i + 2]);
        double maxYi = Math.max(boxes[4 * i + 1], boxes[4 * i + 3]);
        double minXj = Math.min(boxes[4 * j], boxes[4 * j + 2]);
        double minYj = Math.min(boxes[4 * j + 1], boxes[4 * j + 3]);
        double maxXj = Math.max(boxes[4 * j], boxes[4 * j + 2]);
        double maxYj = Math.max(boxes[4 * j + 1], boxes[4 * j + 3]);
        double areaI = (maxXi - minXi) * (maxYi - minYi);
        double areaJ = (maxXj - minXj) * (maxYj - minYj);
        if (areaI <= 0 || areaJ <= 0) {
            return 0;
        }
        double intersection = Math.max(Math.min(maxXi, maxXj) - Math.max(minXi, minXj), 0)
                * Math.max(Math.min(maxYi, maxYj) - Math.max(minYi, minYj), 0);
        return intersection / (areaI + areaJ - intersection);
    }

    private static float[] output(Map<String, float[]> outputs, String key, int length) {
        float[] values = outputs.get(key);
        if (values == null) {
            throw new GateException("blazeface output " + key + ": missing (expected: " + length + " values; outputs: " + outputs.keySet() + ")");
        }
        if (values.length != length) {
            throw new GateException("blazeface output " + key + ": " + values.length + " values (expected: " + length + ")");
        }
        return values;
    }
}
