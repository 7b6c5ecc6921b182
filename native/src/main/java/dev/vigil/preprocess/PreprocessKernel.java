package dev.vigil.preprocess;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JNI binding of {@code native/src/main/cpp/vigil_preprocess.h}, generated and compiled by
 * the JavaCPP Maven plugin at build time with the machine's C++ compiler. Use it through
 * {@link NativePreprocessing}, which checks every bound before a pointer crosses over; these
 * methods trust their arguments.
 */
@Platform(include = "vigil_preprocess.h", compiler = "cpp11")
@Namespace("vigil")
final class PreprocessKernel {
    static {
        Loader.load();
    }

    private PreprocessKernel() {
    }

    /** The widest instruction set the CPU and the build support: 1 baseline, 2 AVX2, 3 AVX-512. */
    @Name("preprocess_best_isa")
    static native int bestIsa();

    /** 1 when {@code isa} runs here, else 0. */
    @Name("isa_supported")
    static native int isaSupported(int isa);

    /** Pixels and the batch tensor both in native memory, by address. */
    @Name("preprocess")
    static native int preprocess(@Cast("const uint8_t*") long src, int inW, int inH, int stride, int channels, int off0, int off1,
                                 int off2, @Cast("float*") long dst, int outW, int outH, int alignCorners, double low, double scale,
                                 int isa);

    /**
     * Pixels in a Java array (pinned for the call, not copied), from byte {@code srcOffset};
     * the batch tensor in native memory.
     */
    @Name("preprocess_array")
    @CriticalRegion
    static native int preprocess(@Cast("const uint8_t*") byte[] src, long srcOffset, int inW, int inH, int stride, int channels,
                                 int off0, int off1, int off2, @Cast("float*") long dst, int outW, int outH, int alignCorners,
                                 double low, double scale, int isa);
}
