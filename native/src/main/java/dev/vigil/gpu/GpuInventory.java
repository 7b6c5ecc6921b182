package dev.vigil.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The GPUs of this host, read through NVML: driver and CUDA versions and every device's name,
 * UUID, memory, compute capability, utilisation, temperature, power, clocks and ECC errors. On a
 * host without an NVIDIA driver the inventory is empty and {@link #unavailable()} says why in one
 * line. Immutable.
 *
 * @param driverVersion the driver's version, or null when unavailable
 * @param cudaVersion   the CUDA version the driver supports ({@code 12.4}), or null
 * @param devices       every device, by index
 * @param unavailable   why there is no inventory (no driver, NVML failed), or null
 */
public record GpuInventory(String driverVersion, String cudaVersion, List<GpuDevice> devices, String unavailable) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public GpuInventory {
        devices = List.copyOf(devices);
    }

    /** The inventory this host's driver gives; never throws. */
    public static GpuInventory read() {
        try (Nvml nvml = BytedecoNvml.open()) {
            return read(nvml);
        } catch (NvmlException e) {
            return none(e.getMessage());
        }
    }

    /** No inventory, for {@code reason}. */
    public static GpuInventory none(String reason) {
        return new GpuInventory(null, null, List.of(), reason);
    }

    /** Reads every device through {@code nvml}: a field a device does not report is null; a failed count is no inventory. */
    public static GpuInventory read(Nvml nvml) {
        int count;
        try {
            count = nvml.deviceCount();
        } catch (NvmlException e) {
            return none("NVML could not count devices: " + e.getMessage());
        }
        String driver = value(nvml::driverVersion);
        Integer cuda = value(nvml::cudaDriverVersion);
        List<GpuDevice> devices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final int d = i;
            long[] memory = value(() -> nvml.memory(d));
            int[] cc = value(() -> nvml.computeCapability(d));
            int[] util = value(() -> nvml.utilization(d));
            Integer power = value(() -> nvml.powerUsage(d));
            devices.add(new GpuDevice(i, value(() -> nvml.name(d)), value(() -> nvml.uuid(d)),
                    memory == null ? null : memory[0], memory == null ? null : memory[1],
                    cc == null ? null : cc[0] + "." + cc[1],
                    util == null ? null : util[0], util == null ? null : util[1],
                    value(() -> nvml.temperature(d)), power == null ? null : power / 1000.0,
                    value(() -> nvml.clock(d, Nvml.CLOCK_SM)), value(() -> nvml.clock(d, Nvml.CLOCK_MEM)),
                    value(() -> nvml.eccErrors(d, Nvml.ECC_CORRECTED)), value(() -> nvml.eccErrors(d, Nvml.ECC_UNCORRECTED))));
        }
        String cudaVersion = cuda == null ? null : (cuda / 1000) + "." + (cuda % 1000) / 10;
        return new GpuInventory(driver, cudaVersion, devices, null);
    }

    @FunctionalInterface
    private interface Call<T> {
        T get() throws NvmlException;
    }

    private static <T> T value(Call<T> call) {
        try {
            return call.get();
        } catch (NvmlException e) {
            return null; // not supported by this device, or not readable now: reported as absent
        }
    }

    /** One line per device, or the one line that says why there is none. */
    public String describe() {
        if (unavailable != null) {
            return "no GPU: " + unavailable;
        }
        if (devices.isEmpty()) {
            return "no GPU: the NVIDIA driver " + driverVersion + " sees no device";
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "driver %s, CUDA %s, %d device(s)%n", driverVersion, cudaVersion, devices.size()));
        for (GpuDevice d : devices) {
            s.append(String.format(Locale.ROOT, "gpu:%d  %s  %s  compute %s  memory %s / %s MiB  util %s%% (memory %s%%)  %s C  %s W  SM %s MHz, memory %s MHz"
                            + "  ECC corrected %s, uncorrected %s%n", d.index(), d.name(), d.uuid(), d.computeCapability(), mib(d.memoryUsedBytes()),
                    mib(d.memoryTotalBytes()), d.utilizationGpuPercent(), d.utilizationMemoryPercent(), d.temperatureC(),
                    d.powerWatts() == null ? null : String.format(Locale.ROOT, "%.1f", d.powerWatts()), d.smClockMhz(), d.memoryClockMhz(),
                    d.eccCorrected(), d.eccUncorrected()));
        }
        return s.toString();
    }

    private static String mib(Long bytes) {
        return bytes == null ? "?" : Long.toString(bytes >> 20);
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("driver_version", driverVersion);
        o.put("cuda_version", cudaVersion);
        o.put("unavailable", unavailable);
        ArrayNode a = o.putArray("devices");
        for (GpuDevice d : devices) {
            a.add(JSON.valueToTree(d));
        }
        return o;
    }
}
