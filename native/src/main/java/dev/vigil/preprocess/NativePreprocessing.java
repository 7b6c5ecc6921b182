package dev.vigil.preprocess;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.Pointer;

/**
 * The native preprocessing kernel ({@code native/src/main/cpp/vigil_preprocess.h}): 8-bit
 * interleaved pixels in any of the engine's layouts, resized bilinearly (TF.js
 * {@code resizeBilinear}, with or without align corners), put in the model's colour order and
 * value range, and written straight into a float32 batch tensor, with the Java path's
 * arithmetic so the two agree to the bit. Loaded once, on first use; when the library cannot
 * load (another platform, a missing C++ runtime) {@link #available()} is false,
 * {@link #unavailableReason()} says why, and callers use the Java path. Every bound is checked
 * here before a pointer reaches native code. Stateless and thread-safe.
 */
public final class NativePreprocessing {
    /** The kernel's instruction sets, as the library numbers them. */
    public enum Isa {
        BASELINE(1, "x86-64 baseline (SSE2)"), AVX2(2, "AVX2"), AVX512(3, "AVX-512");

        private final int code;
        private final String label;

        Isa(int code, String label) {
            this.code = code;
            this.label = label;
        }

        /** As logs and the status page show it: {@code AVX-512}. */
        public String label() {
            return label;
        }

        static Isa of(int code) {
            for (Isa i : values()) {
                if (i.code == code) {
                    return i;
                }
            }
            throw new IllegalStateException("native preprocessing: unknown instruction set " + code);
        }
    }

    private static final String LOAD_FAILURE = load();

    private NativePreprocessing() {
    }

    private static String load() {
        try {
            PreprocessKernel.bestIsa();
            return null;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int nl = m.indexOf('\n');
            return "the native preprocessing library did not load (" + (nl < 0 ? m : m.substring(0, nl)) + ")";
        }
    }

    /** Whether the kernel loaded on this machine. */
    public static boolean available() {
        return LOAD_FAILURE == null;
    }

    /** Why the kernel is not available, or null when it is. */
    public static String unavailableReason() {
        return LOAD_FAILURE;
    }

    /** The widest instruction set the CPU supports, which {@link #preprocess} uses by default. */
    public static Isa bestIsa() {
        requireAvailable();
        return Isa.of(PreprocessKernel.bestIsa());
    }

    /** Whether {@code isa} runs on this CPU. */
    public static boolean supports(Isa isa) {
        requireAvailable();
        return PreprocessKernel.isaSupported(isa.code) == 1;
    }

    /**
     * Preprocesses one image into {@code outHeight × outWidth × 3} floats at {@code dstAddress}.
     *
     * @param pixels       the image's bytes from its position: direct, or backed by an array
     * @param width        pixels per row
     * @param height       rows
     * @param rowStride    bytes from one row to the next
     * @param channels     bytes per pixel (1 gray, 3 RGB/BGR, 4 RGBA/BGRA)
     * @param offsets      each output channel's byte offset within a pixel, in output order
     * @param dstAddress   where the first float goes (the batch tensor's memory)
     * @param dstFloats    floats writable from {@code dstAddress}
     * @param alignCorners TF.js align corners ((in − 1) / (out − 1)) or not (in / out)
     * @param low          value of a 0 sample
     * @param scale        added per sample step: a sample p becomes {@code low + p × scale}
     * @param isa          the instruction set to use, or null for {@link #bestIsa()}
     * @return the instruction set that ran
     * @throws IllegalArgumentException naming the argument, its value and the limit
     */
    public static Isa preprocess(ByteBuffer pixels, int width, int height, int rowStride, int channels, int[] offsets,
                                 long dstAddress, long dstFloats, int outWidth, int outHeight, boolean alignCorners, double low,
                                 double scale, Isa isa) {
        requireAvailable();
        check(width, height, rowStride, channels, offsets, outWidth, outHeight);
        long needed = (long) (height - 1) * rowStride + (long) width * channels;
        if (pixels.remaining() < needed) {
            throw new IllegalArgumentException("pixels: " + pixels.remaining() + " bytes (expected: >= " + needed + " for " + width
                    + " x " + height + ", stride " + rowStride + ", " + channels + " channels)");
        }
        long floats = (long) outWidth * outHeight * 3;
        if (dstAddress == 0 || dstFloats < floats) {
            throw new IllegalArgumentException("dst: " + dstFloats + " floats at 0x" + Long.toHexString(dstAddress) + " (expected: >= "
                    + floats + " at a non-null address)");
        }
        int code = isa == null ? 0 : isa.code;
        int align = alignCorners ? 1 : 0;
        int result;
        if (pixels.isDirect()) {
            long address;
            try (Pointer p = new Pointer(pixels)) {
                address = p.address() + p.position();
                result = PreprocessKernel.preprocess(address, width, height, rowStride, channels, offsets[0], offsets[1], offsets[2],
                        dstAddress, outWidth, outHeight, align, low, scale, code);
            }
        } else if (pixels.hasArray()) {
            result = PreprocessKernel.preprocess(pixels.array(), (long) pixels.arrayOffset() + pixels.position(), width, height, rowStride,
                    channels, offsets[0], offsets[1], offsets[2], dstAddress, outWidth, outHeight, align, low, scale, code);
        } else {
            throw new IllegalArgumentException("pixels: a read-only heap buffer (expected: direct, or backed by an accessible array)");
        }
        if (result == -2) {
            throw new IllegalArgumentException("isa: " + isa + " (this CPU supports up to " + bestIsa() + ")");
        }
        if (result < 0) {
            throw new IllegalStateException("native preprocessing failed with code " + result);
        }
        return Isa.of(result);
    }

    /** Whether {@link #preprocess} can read {@code pixels} (direct, or backed by an accessible array). */
    public static boolean readable(ByteBuffer pixels) {
        return pixels.isDirect() || pixels.hasArray();
    }

    private static void check(int width, int height, int rowStride, int channels, int[] offsets, int outWidth, int outHeight) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("size: " + width + " x " + height + " (expected: >= 1 x 1)");
        }
        if (outWidth < 1 || outHeight < 1) {
            throw new IllegalArgumentException("output size: " + outWidth + " x " + outHeight + " (expected: >= 1 x 1)");
        }
        if (channels < 1 || channels > 4) {
            throw new IllegalArgumentException("channels: " + channels + " (expected: 1 to 4)");
        }
        if ((long) width * channels > rowStride) {
            throw new IllegalArgumentException("rowStride: " + rowStride + " (expected: >= width x channels = " + (long) width * channels + ")");
        }
        if (offsets == null || offsets.length != 3) {
            throw new IllegalArgumentException("offsets: " + java.util.Arrays.toString(offsets) + " (expected: 3 offsets)");
        }
        for (int o : offsets) {
            if (o < 0 || o >= channels) {
                throw new IllegalArgumentException("offsets: " + java.util.Arrays.toString(offsets) + " (expected: each in 0.." + (channels - 1) + ")");
            }
        }
    }

    private static void requireAvailable() {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException(LOAD_FAILURE);
        }
    }
}
