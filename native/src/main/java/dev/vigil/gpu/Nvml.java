package dev.vigil.gpu;

/**
 * The NVML calls the inventory makes, one method each, in NVML's own units. Every method throws
 * {@link NvmlException} with NVML's return code when the call fails, so that the mapping from
 * answers to {@link GpuInventory} is the same code whether the answers come from the driver
 * ({@link BytedecoNvml}) or from a recording ({@link RecordedNvml}).
 */
public interface Nvml extends AutoCloseable {
    /** NVML_TEMPERATURE_GPU. */
    int TEMPERATURE_GPU = 0;
    /** NVML_CLOCK_SM and NVML_CLOCK_MEM. */
    int CLOCK_SM = 1;
    int CLOCK_MEM = 2;
    /** NVML_MEMORY_ERROR_TYPE_CORRECTED, _UNCORRECTED; NVML_VOLATILE_ECC. */
    int ECC_CORRECTED = 0;
    int ECC_UNCORRECTED = 1;

    String driverVersion() throws NvmlException;

    /** CUDA driver version as NVML gives it: 1000 * major + 10 * minor (12040 is 12.4). */
    int cudaDriverVersion() throws NvmlException;

    int deviceCount() throws NvmlException;

    String name(int device) throws NvmlException;

    String uuid(int device) throws NvmlException;

    /** {total, used} bytes. */
    long[] memory(int device) throws NvmlException;

    /** {major, minor}. */
    int[] computeCapability(int device) throws NvmlException;

    /** {gpu, memory} percent busy over the last sample period. */
    int[] utilization(int device) throws NvmlException;

    /** Degrees Celsius. */
    int temperature(int device) throws NvmlException;

    /** Milliwatts. */
    int powerUsage(int device) throws NvmlException;

    /** MHz. */
    int clock(int device, int clock) throws NvmlException;

    /** Volatile ECC errors of {@code type} since the driver loaded. */
    long eccErrors(int device, int type) throws NvmlException;

    @Override
    void close();
}
