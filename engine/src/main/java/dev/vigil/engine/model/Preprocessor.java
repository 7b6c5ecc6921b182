package dev.vigil.engine.model;

import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.Pixels;
import dev.vigil.models.repository.ModelManifest;
import dev.vigil.preprocess.NativePreprocessing;
import java.nio.ByteBuffer;
import org.tensorflow.ndarray.buffer.DataStorageVisitor;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;

/**
 * Turns 8-bit pixels into one model input, written straight into the batch tensor's memory
 * (no per-image float copy), the way the model's original library does it, as its manifest
 * says:
 * <ul>
 *   <li>{@code resize}: {@code bilinear-align-corners} is TF.js {@code resizeBilinear(...,
 *       alignCorners=true)}; {@code bilinear} is its default (alignCorners=false,
 *       halfPixelCenters=false): source = destination × in/out. Interpolation is TF.js's
 *       order: along x on the two rows, then along y;</li>
 *   <li>{@code colorOrder}: RGB or BGR, whatever the pixels' own order;</li>
 *   <li>{@code valueRange} [lo, hi]: a pixel value p in 0..255 becomes lo + p × (hi − lo) / 255.</li>
 * </ul>
 * Two implementations give the same floats to the bit: the native kernel
 * ({@link Preprocessing#NATIVE}, the default where it loads), used whenever the batch lives in
 * native memory (a tensor's) and the pixels are direct or array-backed, and the Java loops
 * below, used otherwise and with {@link Preprocessing#JAVA}.
 * Immutable and thread-safe; one instance per model.
 */
public final class Preprocessor {
    private final int width;
    private final int height;
    private final boolean alignCorners;
    private final boolean bgr;
    private final double low;
    private final double scale;
    /** {@link Preprocessing#NATIVE} or {@link Preprocessing#JAVA}. */
    private final Preprocessing path;
    /** The native kernel's instruction set, or null for the widest the CPU has. */
    private final NativePreprocessing.Isa isa;

    /** With {@link Preprocessing#AUTO}. */
    public Preprocessor(ModelManifest.Input input) {
        this(input, Preprocessing.AUTO);
    }

    /**
     * @throws IllegalStateException for {@link Preprocessing#NATIVE} when the kernel cannot load
     */
    public Preprocessor(ModelManifest.Input input, Preprocessing preprocessing) {
        this(input, preprocessing, null);
    }

    /**
     * With the native kernel held to {@code isa} (null: the widest the CPU has), for measuring
     * what each instruction set buys (bench).
     *
     * @throws IllegalArgumentException when this CPU cannot run {@code isa}
     */
    public Preprocessor(ModelManifest.Input input, Preprocessing preprocessing, NativePreprocessing.Isa isa) {
        this.path = preprocessing.resolve();
        if (isa != null && (path != Preprocessing.NATIVE || !NativePreprocessing.supports(isa))) {
            throw new IllegalArgumentException("isa: " + isa + " (expected: one this CPU runs, with native preprocessing)");
        }
        this.isa = isa;
        this.height = input.height();
        this.width = input.width();
        this.alignCorners = switch (input.resize()) {
            case "bilinear-align-corners" -> true;
            case "bilinear" -> false;
            default -> throw new IllegalArgumentException("input.resize: " + input.resize() + " (expected: bilinear or bilinear-align-corners)");
        };
        this.bgr = switch (input.colorOrder()) {
            case "RGB" -> false;
            case "BGR" -> true;
            default -> throw new IllegalArgumentException("input.colorOrder: " + input.colorOrder() + " (expected: RGB or BGR)");
        };
        double[] range = input.valueRange();
        if (range == null || range.length != 2 || !(range[1] > range[0])) {
            throw new IllegalArgumentException("input.valueRange: " + java.util.Arrays.toString(range) + " (expected: [low, high] with low < high)");
        }
        this.low = range[0];
        this.scale = (range[1] - range[0]) / 255.0;
    }

    public int width() {
        return width;
    }

    /** The implementation this preprocessor runs where it can: {@link Preprocessing#NATIVE} or {@link Preprocessing#JAVA}. */
    public Preprocessing path() {
        return path;
    }

    public int height() {
        return height;
    }

    /** Floats one image occupies in the batch tensor (height × width × 3). */
    public long imageSize() {
        return (long) height * width * 3;
    }

    /** Writes image {@code index} of the batch: {@code imageSize()} floats from {@code index × imageSize()}. */
    public void write(Pixels pixels, FloatDataBuffer batch, int index) {
        if (path == Preprocessing.NATIVE && writeNative(pixels, batch, index)) {
            return;
        }
        writeJava(pixels, batch, index);
    }

    /**
     * The native kernel, when the batch is native memory and the pixels are readable by it;
     * false (nothing written) otherwise.
     */
    private boolean writeNative(Pixels pixels, FloatDataBuffer batch, int index) {
        if (!NativePreprocessing.readable(pixels.data())) {
            return false;
        }
        long offset = index * imageSize();
        if (batch.size() < offset + imageSize()) {
            throw new IllegalArgumentException("batch: " + batch.size() + " floats (expected: >= " + (offset + imageSize()) + " for image " + index + ")");
        }
        long address = batch.accept(NATIVE_ADDRESS);
        if (address == 0) {
            return false;
        }
        PixelFormat format = pixels.format();
        NativePreprocessing.preprocess(pixels.data(), pixels.width(), pixels.height(), pixels.rowStride(), format.channels(), offsets(format),
                address + offset * Float.BYTES, batch.size() - offset, width, height, alignCorners, low, scale, isa);
        return true;
    }

    /** Each output channel's byte offset within a pixel of {@code format}, in the model's colour order. */
    private int[] offsets(PixelFormat format) {
        return new int[] {bgr ? format.blueOffset() : format.redOffset(), format.greenOffset(), bgr ? format.redOffset() : format.blueOffset()};
    }

    /** A float buffer's native address, or 0 when it is not in native memory. */
    private static final DataStorageVisitor<Long> NATIVE_ADDRESS = new DataStorageVisitor<>() {
        @Override
        public Long visit(long address, long length, long scale) {
            return scale == Float.BYTES ? address : 0L;
        }

        @Override
        public Long fallback() {
            return 0L;
        }
    };

    /** The Java path: the reference the native kernel is tested against. */
    void writeJava(Pixels pixels, FloatDataBuffer batch, int index) {
        int inW = pixels.width();
        int inH = pixels.height();
        ByteBuffer data = pixels.data();
        int stride = pixels.rowStride();
        PixelFormat format = pixels.format();
        int channels = format.channels();
        int[] offsets = offsets(format);
        int first = offsets[0];
        int second = offsets[1];
        int third = offsets[2];

        double rowScale = sourceScale(inH, height);
        double colScale = sourceScale(inW, width);
        int[] left = new int[width];
        int[] right = new int[width];
        double[] colFrac = new double[width];
        for (int x = 0; x < width; x++) {
            double src = colScale * x;
            int floor = (int) Math.floor(src);
            left[x] = Math.min(floor, inW - 1) * channels;
            right[x] = Math.min((int) Math.ceil(src), inW - 1) * channels;
            colFrac[x] = src - floor;
        }
        long out = index * imageSize();
        for (int y = 0; y < height; y++) {
            double src = rowScale * y;
            int floor = (int) Math.floor(src);
            int top = Math.min(floor, inH - 1) * stride;
            int bottom = Math.min((int) Math.ceil(src), inH - 1) * stride;
            double rowFrac = src - floor;
            for (int x = 0; x < width; x++) {
                int tl = top + left[x];
                int tr = top + right[x];
                int bl = bottom + left[x];
                int br = bottom + right[x];
                double cf = colFrac[x];
                batch.setFloat(sample(data, tl + first, tr + first, bl + first, br + first, cf, rowFrac), out++);
                batch.setFloat(sample(data, tl + second, tr + second, bl + second, br + second, cf, rowFrac), out++);
                batch.setFloat(sample(data, tl + third, tr + third, bl + third, br + third, cf, rowFrac), out++);
            }
        }
    }

    /** In double, as TF.js's CPU kernel computes; rounded once to float32. */
    private float sample(ByteBuffer data, int tl, int tr, int bl, int br, double colFrac, double rowFrac) {
        int topLeft = data.get(tl) & 0xff;
        int topRight = data.get(tr) & 0xff;
        int bottomLeft = data.get(bl) & 0xff;
        int bottomRight = data.get(br) & 0xff;
        double top = topLeft + (topRight - topLeft) * colFrac;
        double bottom = bottomLeft + (bottomRight - bottomLeft) * colFrac;
        return (float) (low + (top + (bottom - top) * rowFrac) * scale);
    }

    /** TF.js: (in − 1) / (out − 1) with align corners, else in / out. */
    private double sourceScale(int in, int out) {
        if (alignCorners && out > 1) {
            return (double) (in - 1) / (out - 1);
        }
        return (double) in / out;
    }
}
