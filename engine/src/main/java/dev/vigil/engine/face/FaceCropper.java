package dev.vigil.engine.face;

import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.Pixels;
import dev.vigil.models.repository.ModelManifest;
import java.nio.ByteBuffer;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;

/**
 * Cuts one face out of an image into the face-attribute model's input, exactly as human 3.3.6
 * feeds FaceRes, and writes it straight into the batch tensor's memory:
 * <ol>
 *   <li>{@code facemeshutil.ts cutAndResize}: {@code tf.image.cropAndResize} of the face's
 *       {@link CropBox} to {@value #MESH_SIZE} × {@value #MESH_SIZE} (the FaceMesh input size,
 *       which human crops at because FaceMesh is on by default), bilinear, with TensorFlow's
 *       crop_and_resize semantics: the box is normalised by the image size but sampled over
 *       {@code size - 1}, and samples outside the image read 0; then ÷ 255;</li>
 *   <li>{@code faceres.ts enhance}: {@code tf.image.resizeBilinear} to the model's input size
 *       (224, alignCorners false), then × 255 (the manifest's value range).</li>
 * </ol>
 * Each step rounds to float32 where TF.js stores a tensor, and computes in double where its
 * CPU kernels do, so the input equals human's to the bit. The first step's output lives in a
 * reusable {@value #MESH_SIZE}² × 3 float scratch (442 KB), the second is written row by row
 * into the tensor; nothing is allocated per face. Not thread-safe: one cropper per batching
 * thread. Holds no native memory.
 */
public final class FaceCropper {
    /** human crops faces at FaceMesh's input size ({@code facemesh.json}: [-1, 192, 192, 3]). */
    public static final int MESH_SIZE = 192;

    private final int width;
    private final int height;
    private final boolean bgr;
    private final boolean alignCorners;
    private final double low;
    private final double span;
    private final float[] mesh = new float[MESH_SIZE * MESH_SIZE * 3];
    private final float[] row;

    /** For a model whose manifest input is {@code input} (FaceRes: 224 × 224 RGB, values 0..255). */
    public FaceCropper(ModelManifest.Input input) {
        this.width = input.width();
        this.height = input.height();
        this.bgr = switch (input.colorOrder()) {
            case "RGB" -> false;
            case "BGR" -> true;
            default -> throw new IllegalArgumentException("input.colorOrder: " + input.colorOrder() + " (expected: RGB or BGR)");
        };
        this.alignCorners = switch (input.resize()) {
            case "bilinear" -> false;
            case "bilinear-align-corners" -> true;
            default -> throw new IllegalArgumentException("input.resize: " + input.resize() + " (expected: bilinear or bilinear-align-corners)");
        };
        double[] range = input.valueRange();
        if (range == null || range.length != 2 || !(range[1] > range[0])) {
            throw new IllegalArgumentException("input.valueRange: " + java.util.Arrays.toString(range) + " (expected: [low, high] with low < high)");
        }
        this.low = range[0];
        this.span = range[1] - range[0];
        this.row = new float[width * 3];
    }

    /** Floats one face occupies: height × width × 3. */
    public long inputSize() {
        return (long) height * width * 3;
    }

    /** Writes the face in {@code box} of {@code image} into the first {@link #inputSize()} floats of {@code out}. */
    public void write(Pixels image, CropBox box, FloatDataBuffer out) {
        if (out.size() < inputSize()) {
            throw new IllegalArgumentException("out: " + out.size() + " floats (expected: >= " + inputSize() + ")");
        }
        cropToMesh(image, box);
        resizeInto(out);
    }

    /** Step 1: TF.js CropAndResize (bilinear, extrapolation 0) to 192², then ÷ 255, into {@link #mesh}. */
    private void cropToMesh(Pixels image, CropBox box) {
        int imageW = image.width();
        int imageH = image.height();
        ByteBuffer data = image.data();
        int stride = image.rowStride();
        PixelFormat format = image.format();
        int channels = format.channels();
        int[] offsets = {
            bgr ? format.blueOffset() : format.redOffset(),
            format.greenOffset(),
            bgr ? format.redOffset() : format.blueOffset(),
        };
        // human: [top / h, left / w, bottom / h, right / w], held by TF.js as float32
        double y1 = (float) ((double) box.top() / imageH);
        double x1 = (float) ((double) box.left() / imageW);
        double y2 = (float) ((double) box.bottom() / imageH);
        double x2 = (float) ((double) box.right() / imageW);
        double heightScale = (y2 - y1) * (imageH - 1) / (MESH_SIZE - 1);
        double widthScale = (x2 - x1) * (imageW - 1) / (MESH_SIZE - 1);
        int at = 0;
        for (int y = 0; y < MESH_SIZE; y++) {
            double yIn = y1 * (imageH - 1) + y * heightScale;
            if (yIn < 0 || yIn > imageH - 1) {
                java.util.Arrays.fill(mesh, at, at + MESH_SIZE * 3, 0f);
                at += MESH_SIZE * 3;
                continue;
            }
            int top = (int) Math.floor(yIn);
            int bottom = (int) Math.ceil(yIn);
            double yLerp = yIn - top;
            int topRow = top * stride;
            int bottomRow = bottom * stride;
            for (int x = 0; x < MESH_SIZE; x++) {
                double xIn = x1 * (imageW - 1) + x * widthScale;
                if (xIn < 0 || xIn > imageW - 1) {
                    mesh[at++] = 0f;
                    mesh[at++] = 0f;
                    mesh[at++] = 0f;
                    continue;
                }
                int left = (int) Math.floor(xIn) * channels;
                int right = (int) Math.ceil(xIn) * channels;
                double xLerp = xIn - Math.floor(xIn);
                for (int c = 0; c < 3; c++) {
                    int o = offsets[c];
                    int topLeft = data.get(topRow + left + o) & 0xff;
                    int topRight = data.get(topRow + right + o) & 0xff;
                    int bottomLeft = data.get(bottomRow + left + o) & 0xff;
                    int bottomRight = data.get(bottomRow + right + o) & 0xff;
                    double upper = topLeft + (topRight - topLeft) * xLerp;
                    double lower = bottomLeft + (bottomRight - bottomLeft) * xLerp;
                    float sample = (float) (upper + (lower - upper) * yLerp);
                    mesh[at++] = (float) (sample / 255.0);
                }
            }
        }
    }

    /** Step 2: TF.js ResizeBilinear from 192² to the model size, then into the value range, row by row into {@code out}. */
    private void resizeInto(FloatDataBuffer out) {
        double rowRatio = ratio(MESH_SIZE, height);
        double colRatio = ratio(MESH_SIZE, width);
        int meshRow = MESH_SIZE * 3;
        for (int r = 0; r < height; r++) {
            double srcRow = rowRatio * r;
            int topRow = Math.max(0, (int) Math.floor(srcRow));
            double rowFrac = srcRow - topRow;
            int bottomRow = Math.min(MESH_SIZE - 1, (int) Math.ceil(srcRow));
            int topAt = topRow * meshRow;
            int bottomAt = bottomRow * meshRow;
            int at = 0;
            for (int c = 0; c < width; c++) {
                double srcCol = colRatio * c;
                int leftCol = Math.max(0, (int) Math.floor(srcCol));
                double colFrac = srcCol - leftCol;
                int rightCol = Math.min(MESH_SIZE - 1, (int) Math.ceil(srcCol));
                for (int d = 0; d < 3; d++) {
                    double topLeft = mesh[topAt + leftCol * 3 + d];
                    double topRight = mesh[topAt + rightCol * 3 + d];
                    double bottomLeft = mesh[bottomAt + leftCol * 3 + d];
                    double bottomRight = mesh[bottomAt + rightCol * 3 + d];
                    double upper = topLeft + (topRight - topLeft) * colFrac;
                    double lower = bottomLeft + (bottomRight - bottomLeft) * colFrac;
                    float value = (float) (upper + (lower - upper) * rowFrac);
                    row[at++] = (float) (low + value * span);
                }
            }
            out.slice((long) r * row.length, row.length).write(row);
        }
    }

    /** TF.js: (in − 1) / (out − 1) with align corners, else in / out. */
    private double ratio(int in, int out) {
        return alignCorners && out > 1 ? (double) (in - 1) / (out - 1) : (double) in / out;
    }
}
