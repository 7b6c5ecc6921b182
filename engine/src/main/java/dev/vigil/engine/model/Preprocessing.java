package dev.vigil.engine.model;

import dev.vigil.preprocess.NativePreprocessing;
import java.util.Locale;

/**
 * Which code turns pixels into a model's input tensor: the native kernel
 * ({@code native/src/main/cpp/vigil_preprocess.h}, AVX2 or AVX-512 as the CPU allows) or the
 * Java path ({@link Preprocessor}'s own loops). Both give the same floats to the bit; the
 * native one is faster (bench/README.md, "Native preprocessing").
 */
public enum Preprocessing {
    /** The native kernel when it loads on this machine, else Java (the default). */
    AUTO,
    /** The native kernel; refused at start when it cannot load. */
    NATIVE,
    /** The Java path. */
    JAVA;

    /**
     * What this choice runs here: {@link #NATIVE} or {@link #JAVA}, never {@link #AUTO}.
     *
     * @throws IllegalStateException for {@link #NATIVE} when the kernel cannot load, saying why
     */
    public Preprocessing resolve() {
        return switch (this) {
            case AUTO -> NativePreprocessing.available() ? NATIVE : JAVA;
            case NATIVE -> {
                if (!NativePreprocessing.available()) {
                    throw new IllegalStateException("preprocessing native: " + NativePreprocessing.unavailableReason());
                }
                yield NATIVE;
            }
            case JAVA -> JAVA;
        };
    }

    /**
     * One line for the start-up log and the status page: {@code native (AVX-512)}, or
     * {@code java} with the reason the native kernel is not used when it was not asked for.
     */
    public static String describe(Preprocessing resolved) {
        if (resolved == NATIVE) {
            return "native (" + NativePreprocessing.bestIsa().label() + ")";
        }
        return NativePreprocessing.available() ? "java" : "java (" + NativePreprocessing.unavailableReason() + ")";
    }

    /** {@code auto}, {@code native} or {@code java}, as flags take it. */
    public static Preprocessing parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("preprocessing: " + value + " (expected: auto, native or java)");
        }
    }
}
