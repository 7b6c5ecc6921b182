package dev.vigil.gpu;

/**
 * One device as NVML saw it at {@code GpuInventory}'s reading; a field the device does not
 * report (NVML_ERROR_NOT_SUPPORTED, or another error) is null. Units: bytes, percent, degrees
 * Celsius, watts, MHz.
 */
public record GpuDevice(int index, String name, String uuid, Long memoryTotalBytes, Long memoryUsedBytes, String computeCapability,
                        Integer utilizationGpuPercent, Integer utilizationMemoryPercent, Integer temperatureC, Double powerWatts,
                        Integer smClockMhz, Integer memoryClockMhz, Long eccCorrected, Long eccUncorrected) {
}
