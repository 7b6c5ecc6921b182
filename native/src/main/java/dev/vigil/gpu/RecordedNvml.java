package dev.vigil.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;

/**
 * {@link Nvml} answering from a recording: JSON holding, in NVML's units, what each call
 * returned ({@code driver_version}, {@code cuda_driver_version}, and per device {@code name},
 * {@code uuid}, {@code memory} [total, used] bytes, {@code compute_capability} [major, minor],
 * {@code utilization} [gpu, memory], {@code temperature}, {@code power_mw}, {@code clock_sm},
 * {@code clock_mem}, {@code ecc_corrected}, {@code ecc_uncorrected}); any value may instead be
 * {@code {"error": CODE}}, the NVML return code the call gave. {@code native/scripts/gpu-record.sh}
 * writes one on a GPU host from {@code nvidia-smi}, which reads NVML.
 */
public final class RecordedNvml implements Nvml {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonNode root;

    public RecordedNvml(JsonNode root) {
        this.root = root;
    }

    public static RecordedNvml read(InputStream in) throws IOException {
        return new RecordedNvml(JSON.readTree(in));
    }

    private static JsonNode answer(JsonNode node, String field) throws NvmlException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new NvmlException(NvmlException.NOT_SUPPORTED, field + ": not recorded");
        }
        if (v.isObject() && v.has("error")) {
            throw new NvmlException(v.get("error").asInt(), field + ": NVML error " + v.get("error").asInt());
        }
        return v;
    }

    private JsonNode device(int i) throws NvmlException {
        JsonNode devices = answer(root, "devices");
        if (i < 0 || i >= devices.size()) {
            throw new NvmlException(2, "device index " + i + ": invalid argument");
        }
        return devices.get(i);
    }

    @Override
    public String driverVersion() throws NvmlException {
        return answer(root, "driver_version").asText();
    }

    @Override
    public int cudaDriverVersion() throws NvmlException {
        return answer(root, "cuda_driver_version").asInt();
    }

    @Override
    public int deviceCount() throws NvmlException {
        return answer(root, "devices").size();
    }

    @Override
    public String name(int device) throws NvmlException {
        return answer(device(device), "name").asText();
    }

    @Override
    public String uuid(int device) throws NvmlException {
        return answer(device(device), "uuid").asText();
    }

    @Override
    public long[] memory(int device) throws NvmlException {
        JsonNode m = answer(device(device), "memory");
        return new long[] {m.get(0).asLong(), m.get(1).asLong()};
    }

    @Override
    public int[] computeCapability(int device) throws NvmlException {
        JsonNode c = answer(device(device), "compute_capability");
        return new int[] {c.get(0).asInt(), c.get(1).asInt()};
    }

    @Override
    public int[] utilization(int device) throws NvmlException {
        JsonNode u = answer(device(device), "utilization");
        return new int[] {u.get(0).asInt(), u.get(1).asInt()};
    }

    @Override
    public int temperature(int device) throws NvmlException {
        return answer(device(device), "temperature").asInt();
    }

    @Override
    public int powerUsage(int device) throws NvmlException {
        return answer(device(device), "power_mw").asInt();
    }

    @Override
    public int clock(int device, int clock) throws NvmlException {
        return answer(device(device), clock == CLOCK_SM ? "clock_sm" : "clock_mem").asInt();
    }

    @Override
    public long eccErrors(int device, int type) throws NvmlException {
        return answer(device(device), type == ECC_CORRECTED ? "ecc_corrected" : "ecc_uncorrected").asLong();
    }

    @Override
    public void close() {
    }
}
