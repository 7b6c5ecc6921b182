package dev.vigil.gpu;

/** An NVML call that returned something other than NVML_SUCCESS. */
public final class NvmlException extends Exception {
    /** NVML_ERROR_NOT_SUPPORTED: the device does not have this (a consumer card's ECC, say). */
    public static final int NOT_SUPPORTED = 3;
    /** NVML_ERROR_LIBRARY_NOT_FOUND. */
    public static final int LIBRARY_NOT_FOUND = 12;

    private final int code;

    public NvmlException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
