package dev.vigil.gpu;

import java.nio.charset.StandardCharsets;
import org.bytedeco.cuda.global.nvml;
import org.bytedeco.cuda.nvml.nvmlDevice_st;
import org.bytedeco.cuda.nvml.nvmlMemory_t;
import org.bytedeco.cuda.nvml.nvmlUtilization_t;
import org.bytedeco.javacpp.Loader;

/**
 * {@link Nvml} through Bytedeco's CUDA presets, which link the driver's {@code libnvidia-ml.so.1}
 * at run time: a host without the driver fails {@link #open} with one clear line. One instance
 * per reading; NVML's own calls are thread-safe.
 */
final class BytedecoNvml implements Nvml {
    private BytedecoNvml() {
    }

    /** Why the library did not load the first time: later attempts fail with a vaguer message (the class failed to initialise). */
    private static volatile String loadFailure;

    static BytedecoNvml open() throws NvmlException {
        if (loadFailure != null) {
            throw new NvmlException(NvmlException.LIBRARY_NOT_FOUND, loadFailure);
        }
        try {
            Loader.load(nvml.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            loadFailure = "no NVIDIA driver: libnvidia-ml.so.1 could not be loaded (" + firstLine(e) + ")";
            throw new NvmlException(NvmlException.LIBRARY_NOT_FOUND, loadFailure);
        }
        check(nvml.nvmlInit_v2(), "nvmlInit");
        return new BytedecoNvml();
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static void check(int code, String call) throws NvmlException {
        if (code != nvml.NVML_SUCCESS) {
            throw new NvmlException(code, call + ": " + nvml.nvmlErrorString(code).getString());
        }
    }

    private static nvmlDevice_st handle(int device) throws NvmlException {
        nvmlDevice_st h = new nvmlDevice_st();
        check(nvml.nvmlDeviceGetHandleByIndex_v2(device, h), "nvmlDeviceGetHandleByIndex");
        return h;
    }

    private static String text(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    @Override
    public String driverVersion() throws NvmlException {
        byte[] b = new byte[96];
        check(nvml.nvmlSystemGetDriverVersion(b, b.length), "nvmlSystemGetDriverVersion");
        return text(b);
    }

    @Override
    public int cudaDriverVersion() throws NvmlException {
        int[] v = new int[1];
        check(nvml.nvmlSystemGetCudaDriverVersion_v2(v), "nvmlSystemGetCudaDriverVersion");
        return v[0];
    }

    @Override
    public int deviceCount() throws NvmlException {
        int[] n = new int[1];
        check(nvml.nvmlDeviceGetCount_v2(n), "nvmlDeviceGetCount");
        return n[0];
    }

    @Override
    public String name(int device) throws NvmlException {
        byte[] b = new byte[96];
        check(nvml.nvmlDeviceGetName(handle(device), b, b.length), "nvmlDeviceGetName");
        return text(b);
    }

    @Override
    public String uuid(int device) throws NvmlException {
        byte[] b = new byte[96];
        check(nvml.nvmlDeviceGetUUID(handle(device), b, b.length), "nvmlDeviceGetUUID");
        return text(b);
    }

    @Override
    public long[] memory(int device) throws NvmlException {
        try (nvmlMemory_t m = new nvmlMemory_t()) {
            check(nvml.nvmlDeviceGetMemoryInfo(handle(device), m), "nvmlDeviceGetMemoryInfo");
            return new long[] {m.total(), m.used()};
        }
    }

    @Override
    public int[] computeCapability(int device) throws NvmlException {
        int[] major = new int[1];
        int[] minor = new int[1];
        check(nvml.nvmlDeviceGetCudaComputeCapability(handle(device), major, minor), "nvmlDeviceGetCudaComputeCapability");
        return new int[] {major[0], minor[0]};
    }

    @Override
    public int[] utilization(int device) throws NvmlException {
        try (nvmlUtilization_t u = new nvmlUtilization_t()) {
            check(nvml.nvmlDeviceGetUtilizationRates(handle(device), u), "nvmlDeviceGetUtilizationRates");
            return new int[] {u.gpu(), u.memory()};
        }
    }

    @Override
    public int temperature(int device) throws NvmlException {
        int[] t = new int[1];
        check(nvml.nvmlDeviceGetTemperature(handle(device), TEMPERATURE_GPU, t), "nvmlDeviceGetTemperature");
        return t[0];
    }

    @Override
    public int powerUsage(int device) throws NvmlException {
        int[] p = new int[1];
        check(nvml.nvmlDeviceGetPowerUsage(handle(device), p), "nvmlDeviceGetPowerUsage");
        return p[0];
    }

    @Override
    public int clock(int device, int clock) throws NvmlException {
        int[] c = new int[1];
        check(nvml.nvmlDeviceGetClockInfo(handle(device), clock, c), "nvmlDeviceGetClockInfo");
        return c[0];
    }

    @Override
    public long eccErrors(int device, int type) throws NvmlException {
        long[] n = new long[1];
        check(nvml.nvmlDeviceGetTotalEccErrors(handle(device), type, nvml.NVML_VOLATILE_ECC, n), "nvmlDeviceGetTotalEccErrors");
        return n[0];
    }

    @Override
    public void close() {
        nvml.nvmlShutdown();
    }
}
