package dev.vigil.engine.hash;

import dev.vigil.engine.InputException;
import dev.vigil.engine.image.PixelFormat;
import dev.vigil.engine.image.Pixels;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Computes PDQ hashes (Facebook's 256-bit perceptual image hash; the PDQ hashing document
 * in facebook/ThreatExchange, 2017), written from the published algorithm:
 * <ol>
 * <li>luminance {@code 0.299 R + 0.587 G + 0.114 B} per pixel;</li>
 * <li>a tent blur made of two rounds of box filters along rows then columns (Jarosz 2001),
 *     each box {@code ceil(dimension / 128)} pixels wide, so that the two rounds together
 *     span one 64th of the image;</li>
 * <li>decimation to 64x64 by sampling the blurred image at the centres of a 64x64 grid;</li>
 * <li>the 16x16 lowest non-constant coefficients of the 2-D DCT-II of that 64x64 block;</li>
 * <li>one bit per coefficient: set when above the median of the 256.</li>
 * </ol>
 * Quality counts significant gradients of the 64x64 block, as the reference does. Images
 * below 5 pixels in either direction get {@link PdqHash#ZERO} and quality 0, as in the
 * reference.
 *
 * <p>Images larger than {@code maxDimension} on either side are first area-averaged down
 * to fit {@code maxDimension x maxDimension}, keeping their aspect ratio, as the reference
 * Python hasher does (PIL's {@code thumbnail((512, 512))}; its test table is where the
 * reference hashes in Vigil's test data come from; the C++ tool instead stretches to
 * 512x512, the Java one does not reduce). This bounds the blur buffers at 2 MiB whatever
 * the input. On the one reference photo larger than 512 (1432x812) the reduced hash equals
 * the reference's and the full-resolution hash is 6 bits away.
 *
 * <p>Thread-safe: the only state is the constant DCT matrix, and each call allocates its
 * own scratch buffers (two float planes of the working size, at most about 2 MiB with the
 * default limit), which the garbage collector reclaims. Nothing native is held.
 */
public final class PdqHasher {
    /** The working-size limit the reference Python tool uses. */
    public static final int DEFAULT_MAX_DIMENSION = 512;

    /** Without downscaling, larger images are refused: two float planes of them would exceed 2 GiB. */
    static final long MAX_FULL_RESOLUTION_PIXELS = 1L << 28;

    private static final int MIN_HASHABLE_DIMENSION = 5;
    private static final int BLOCK = 64;
    private static final int COEFFICIENTS = 16;
    private static final int BOX_PASSES = 2;
    private static final float LUMA_R = 0.299f;
    private static final float LUMA_G = 0.587f;
    private static final float LUMA_B = 0.114f;

    /** Row {@code u} holds the DCT-II basis for frequency {@code u + 1} sampled at 64 points. */
    private static final double[] DCT = dctMatrix();

    private final int maxDimension;

    /** A hasher that first reduces images to fit 512x512, like the reference tool. */
    public PdqHasher() {
        this(DEFAULT_MAX_DIMENSION);
    }

    /**
     * @param maxDimension images wider or taller than this are area-averaged down to fit
     *     {@code maxDimension x maxDimension} first; {@link Integer#MAX_VALUE} hashes every
     *     image at full resolution (up to {@value #MAX_FULL_RESOLUTION_PIXELS} pixels)
     */
    public PdqHasher(int maxDimension) {
        if (maxDimension < BLOCK) {
            throw new IllegalArgumentException("maxDimension: " + maxDimension + " (expected: >= " + BLOCK + ")");
        }
        this.maxDimension = maxDimension;
    }

    public int maxDimension() {
        return maxDimension;
    }

    /** Hashes decoded pixels; the caller still owns and closes them. */
    public PdqResult hash(Pixels pixels) {
        return hash(pixels.data(), pixels.width(), pixels.height(), pixels.rowStride(), pixels.format());
    }

    /**
     * Hashes 8-bit interleaved pixels: {@code height} rows of {@code rowStride} bytes from the
     * buffer's position, each holding {@code width} pixels in {@code format}. The buffer's
     * position and limit are left as they were.
     *
     * @throws InputException when the dimensions or the buffer do not fit together
     */
    public PdqResult hash(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat format) {
        checkLayout(pixels, width, height, rowStride, format);
        if (width < MIN_HASHABLE_DIMENSION || height < MIN_HASHABLE_DIMENSION) {
            return new PdqResult(PdqHash.ZERO, 0, List.of(zeros()));
        }
        int workWidth = width;
        int workHeight = height;
        if (width > maxDimension || height > maxDimension) {
            double scale = (double) maxDimension / Math.max(width, height);
            workWidth = Math.max(1, Math.min(maxDimension, (int) Math.round(width * scale)));
            workHeight = Math.max(1, Math.min(maxDimension, (int) Math.round(height * scale)));
        } else if ((long) width * height > MAX_FULL_RESOLUTION_PIXELS) {
            throw new InputException("image.pixels", (long) width * height + " (expected: <= " + MAX_FULL_RESOLUTION_PIXELS
                    + " when hashing at full resolution)");
        }
        LumaSource source = new LumaSource(pixels, rowStride, format);
        float[] luma = new float[workWidth * workHeight];
        if (workWidth == width && workHeight == height) {
            for (int y = 0; y < height; y++) {
                source.row(y, width, luma, y * width);
            }
        } else {
            AreaResampler.resample(source, width, height, luma, workWidth, workHeight);
        }
        return hashLuma(luma, workWidth, workHeight);
    }

    /**
     * Hashes a luminance plane (row-major, {@code width x height}, values 0-255). The array is
     * used as scratch and left blurred.
     */
    PdqResult hashLuma(float[] luma, int width, int height) {
        if (width < MIN_HASHABLE_DIMENSION || height < MIN_HASHABLE_DIMENSION) {
            return new PdqResult(PdqHash.ZERO, 0, List.of(zeros()));
        }
        float[] scratch = new float[width * height];
        int rowWindow = boxWindow(width);
        int columnWindow = boxWindow(height);
        for (int pass = 0; pass < BOX_PASSES; pass++) {
            boxAlongRows(luma, scratch, width, height, rowWindow);
            boxAlongColumns(scratch, luma, width, height, columnWindow);
        }
        float[] block = decimate(luma, width, height);
        int quality = quality(block);
        double[] dct = dct16(block);

        List<PdqHash> hashes = new ArrayList<>(Dihedral.values().length);
        double[] turned = new double[COEFFICIENTS * COEFFICIENTS];
        for (Dihedral transform : Dihedral.values()) {
            transform.applyToDct(dct, turned);
            hashes.add(aboveMedian(turned));
        }
        return new PdqResult(hashes.get(Dihedral.ORIGINAL.ordinal()), quality, hashes);
    }

    /** Width of one box so that two passes cover one 64th of {@code dimension}: ceil(dimension / 128). */
    static int boxWindow(int dimension) {
        return (dimension + 2 * BLOCK - 1) / (2 * BLOCK);
    }

    /**
     * Mean over a window of {@code window} samples around each one, cut off at the edges (the
     * mean is over the samples that exist). An even window reaches one further right than left.
     */
    private static void boxAlongRows(float[] in, float[] out, int width, int height, int window) {
        int right = window / 2;
        int left = window - 1 - right;
        for (int y = 0; y < height; y++) {
            int base = y * width;
            double sum = 0;
            int lo = 0;
            int hi = -1;
            for (int x = 0; x < width; x++) {
                int wantHi = Math.min(width - 1, x + right);
                while (hi < wantHi) {
                    sum += in[base + ++hi];
                }
                int wantLo = Math.max(0, x - left);
                while (lo < wantLo) {
                    sum -= in[base + lo++];
                }
                out[base + x] = (float) (sum / (hi - lo + 1));
            }
        }
    }

    /** The same box along columns, walking whole rows at a time so memory is read in order. */
    private static void boxAlongColumns(float[] in, float[] out, int width, int height, int window) {
        int right = window / 2;
        int left = window - 1 - right;
        double[] sums = new double[width];
        int lo = 0;
        int hi = -1;
        for (int y = 0; y < height; y++) {
            int wantHi = Math.min(height - 1, y + right);
            while (hi < wantHi) {
                int row = ++hi * width;
                for (int x = 0; x < width; x++) {
                    sums[x] += in[row + x];
                }
            }
            int wantLo = Math.max(0, y - left);
            while (lo < wantLo) {
                int row = lo++ * width;
                for (int x = 0; x < width; x++) {
                    sums[x] -= in[row + x];
                }
            }
            double count = hi - lo + 1;
            int outRow = y * width;
            for (int x = 0; x < width; x++) {
                out[outRow + x] = (float) (sums[x] / count);
            }
        }
    }

    /** Samples the blurred plane at the centres of a 64x64 grid. */
    private static float[] decimate(float[] plane, int width, int height) {
        float[] block = new float[BLOCK * BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            int y = (int) ((i + 0.5) * height / BLOCK);
            for (int j = 0; j < BLOCK; j++) {
                int x = (int) ((j + 0.5) * width / BLOCK);
                block[i * BLOCK + j] = plane[y * width + x];
            }
        }
        return block;
    }

    /**
     * The reference's heuristic: each step between neighbours, in whole percent of the full
     * 0-255 range (truncated, so faint texture counts for nothing), summed over both
     * directions, divided by 90 and capped at 100.
     */
    static int quality(float[] block) {
        int sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            for (int j = 0; j < BLOCK; j++) {
                float here = block[i * BLOCK + j];
                if (i + 1 < BLOCK) {
                    sum += Math.abs((int) ((here - block[(i + 1) * BLOCK + j]) * 100 / 255));
                }
                if (j + 1 < BLOCK) {
                    sum += Math.abs((int) ((here - block[i * BLOCK + j + 1]) * 100 / 255));
                }
            }
        }
        return Math.min(100, sum / 90);
    }

    /** {@code D A D^T} with D the 16x64 slice of the DCT-II matrix: coefficients (1..16)x(1..16). */
    private static double[] dct16(float[] block) {
        double[] left = new double[COEFFICIENTS * BLOCK];
        for (int u = 0; u < COEFFICIENTS; u++) {
            for (int k = 0; k < BLOCK; k++) {
                double d = DCT[u * BLOCK + k];
                int row = k * BLOCK;
                int out = u * BLOCK;
                for (int j = 0; j < BLOCK; j++) {
                    left[out + j] += d * block[row + j];
                }
            }
        }
        double[] result = new double[COEFFICIENTS * COEFFICIENTS];
        for (int u = 0; u < COEFFICIENTS; u++) {
            for (int v = 0; v < COEFFICIENTS; v++) {
                double sum = 0;
                for (int k = 0; k < BLOCK; k++) {
                    sum += left[u * BLOCK + k] * DCT[v * BLOCK + k];
                }
                result[u * COEFFICIENTS + v] = sum;
            }
        }
        return result;
    }

    /**
     * Sets bit {@code 16 u + v} when coefficient (u, v) exceeds the lower median (the 128th
     * smallest), so that, barring ties, exactly half the bits are set.
     */
    private static PdqHash aboveMedian(double[] coefficients) {
        double[] sorted = coefficients.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2 - 1];
        long[] words = new long[4];
        for (int k = 0; k < coefficients.length; k++) {
            if (coefficients[k] > median) {
                words[k >>> 6] |= 1L << (k & 63);
            }
        }
        return new PdqHash(words[0], words[1], words[2], words[3]);
    }

    private static double[] dctMatrix() {
        double[] d = new double[COEFFICIENTS * BLOCK];
        double scale = Math.sqrt(2.0 / BLOCK);
        for (int u = 0; u < COEFFICIENTS; u++) {
            for (int k = 0; k < BLOCK; k++) {
                d[u * BLOCK + k] = scale * Math.cos(Math.PI * (u + 1) * (2 * k + 1) / (2.0 * BLOCK));
            }
        }
        return d;
    }

    private static PdqHash[] zeros() {
        PdqHash[] zeros = new PdqHash[Dihedral.values().length];
        Arrays.fill(zeros, PdqHash.ZERO);
        return zeros;
    }

    private static void checkLayout(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat format) {
        if (width < 1) {
            throw new InputException("image.width", width + " (expected: >= 1)");
        }
        if (height < 1) {
            throw new InputException("image.height", height + " (expected: >= 1)");
        }
        long rowBytes = (long) width * format.channels();
        if (rowStride < rowBytes) {
            throw new InputException("image.rowStride", rowStride + " (expected: >= " + rowBytes + " for " + width + " "
                    + format + " pixels)");
        }
        long needed = (long) (height - 1) * rowStride + rowBytes;
        if (pixels.remaining() < needed) {
            throw new InputException("image.pixels", pixels.remaining() + " bytes (expected: >= " + needed + " for "
                    + width + "x" + height + " " + format + " with row stride " + rowStride + ")");
        }
    }

    /** Reads luminance rows straight from the caller's buffer, whatever the channel order. */
    static final class LumaSource {
        private final ByteBuffer buffer;
        private final int origin;
        private final int rowStride;
        private final int channels;
        private final int red;
        private final int green;
        private final int blue;
        private final boolean gray;

        LumaSource(ByteBuffer buffer, int rowStride, PixelFormat format) {
            this.buffer = buffer;
            this.origin = buffer.position();
            this.rowStride = rowStride;
            this.channels = format.channels();
            this.red = format.redOffset();
            this.green = format.greenOffset();
            this.blue = format.blueOffset();
            this.gray = format == PixelFormat.GRAY;
        }

        /** Writes the luminance of the first {@code width} pixels of row {@code y} to {@code out}. */
        void row(int y, int width, float[] out, int offset) {
            int p = origin + y * rowStride;
            if (gray) {
                for (int x = 0; x < width; x++) {
                    out[offset + x] = buffer.get(p + x) & 0xFF;
                }
                return;
            }
            for (int x = 0; x < width; x++, p += channels) {
                out[offset + x] = LUMA_R * (buffer.get(p + red) & 0xFF)
                        + LUMA_G * (buffer.get(p + green) & 0xFF)
                        + LUMA_B * (buffer.get(p + blue) & 0xFF);
            }
        }
    }

    /**
     * Area averaging: each output pixel is the mean of the input it covers, fractional pixels
     * at its edges weighted by the part covered. Reads one input row at a time, so memory is
     * a few rows plus the output whatever the input size.
     */
    static final class AreaResampler {
        private AreaResampler() {
        }

        static void resample(LumaSource source, int width, int height, float[] out, int outWidth, int outHeight) {
            Span columns = Span.of(width, outWidth);
            Span rows = Span.of(height, outHeight);
            float[] inRow = new float[width];
            float[] shrunkRow = new float[outWidth];
            int shrunkRowIndex = -1;
            for (int oy = 0; oy < outHeight; oy++) {
                int outBase = oy * outWidth;
                for (int t = rows.start[oy]; t < rows.start[oy + 1]; t++) {
                    int y = rows.source[t];
                    if (y != shrunkRowIndex) {
                        source.row(y, width, inRow, 0);
                        for (int ox = 0; ox < outWidth; ox++) {
                            double sum = 0;
                            for (int s = columns.start[ox]; s < columns.start[ox + 1]; s++) {
                                sum += columns.weight[s] * inRow[columns.source[s]];
                            }
                            shrunkRow[ox] = (float) sum;
                        }
                        shrunkRowIndex = y;
                    }
                    float weight = rows.weight[t];
                    for (int ox = 0; ox < outWidth; ox++) {
                        out[outBase + ox] += weight * shrunkRow[ox];
                    }
                }
            }
        }

        /** For each output index, the input indices it covers and their weights (summing to 1). */
        private static final class Span {
            final int[] start;
            final int[] source;
            final float[] weight;

            private Span(int[] start, int[] source, float[] weight) {
                this.start = start;
                this.source = source;
                this.weight = weight;
            }

            static Span of(int in, int out) {
                double scale = (double) in / out;
                int[] start = new int[out + 1];
                int[] source = new int[in + out];
                float[] weight = new float[in + out];
                int n = 0;
                for (int o = 0; o < out; o++) {
                    start[o] = n;
                    double from = o * scale;
                    double to = Math.min(in, (o + 1) * scale);
                    for (int i = (int) from; i < to; i++) {
                        double covered = Math.min(to, i + 1) - Math.max(from, i);
                        if (covered > 1e-12) {
                            source[n] = i;
                            weight[n++] = (float) (covered / scale);
                        }
                    }
                }
                start[out] = n;
                return new Span(start, Arrays.copyOf(source, n), Arrays.copyOf(weight, n));
            }
        }
    }
}
