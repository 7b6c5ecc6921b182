package dev.vigil.gpu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JNI binding of {@code native/src/main/cpp/vigil_nvrtc.h}, generated and compiled by the
 * JavaCPP Maven plugin: NVRTC opened by path. Use it through {@link Nvrtc}.
 */
@Platform(include = "vigil_nvrtc.h", link = "dl")
@Namespace("vigil")
final class NvrtcLibrary {
    static {
        Loader.load();
    }

    private NvrtcLibrary() {
    }

    @Name("nvrtc_version")
    static native int version(String library, String builtins, @Cast("char*") byte[] log, @Cast("size_t") long logCap);

    @Name("nvrtc_compile")
    static native long compile(String library, String builtins, String source, String name, @Cast("const char*") byte[] options,
                               int optionCount, @Cast("char*") byte[] ptx, long ptxCap, @Cast("char*") byte[] log, long logCap);
}
