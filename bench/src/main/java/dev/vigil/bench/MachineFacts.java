package dev.vigil.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The machine a result was measured on, captured with every result so that a number never
 * travels without its hardware: CPU model and the instruction-set flags TensorFlow's CPU kernels
 * care about (from {@code /proc/cpuinfo}), cores, memory, JDK, TensorFlow Java and whether
 * oneDNN was asked for, OS, and the load average when the run started and ended (other
 * processes sharing the cores show there). Fields that cannot be read (no {@code /proc}) are
 * null. Immutable.
 *
 * @param cpuModel        {@code model name} of the first processor
 * @param cpuFlags        of {@link #RELEVANT_FLAGS}, those the CPU has
 * @param cores           processors available to this JVM
 * @param memoryBytes     {@code MemTotal} of {@code /proc/meminfo}
 * @param jdk             {@code java.runtime.version} and VM name
 * @param jdkVendor       {@code java.vendor}
 * @param tensorflowJava  version of the TensorFlow Java jar on the class path
 * @param tensorflowNative the TensorFlow native jars on the class path, whose classifier says the
 *                        build: {@code linux-x86_64} (CPU) or {@code linux-x86_64-gpu} (CUDA)
 * @param gpus            one line per GPU from NVML ({@code vigil gpu}: name, UUID, driver and
 *                        CUDA versions, memory, compute capability, utilisation, temperature,
 *                        power, clocks, ECC); empty when the driver lists none; null when there is
 *                        no NVIDIA driver
 * @param onednn          TF_ENABLE_ONEDNN_OPTS as set, or that it is unset (TensorFlow's own default then applies)
 * @param os              name, version and architecture
 * @param loadAverageStart 1, 5 and 15 minute load averages when the run started
 * @param loadAverageEnd   the same when it ended (null until {@link #ended()})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"cpu_model", "cpu_flags", "cores", "memory_bytes", "jdk", "jdk_vendor", "tensorflow_java", "tensorflow_native", "gpus", "onednn", "os",
        "load_average_start", "load_average_end"})
public record MachineFacts(
        @JsonProperty("cpu_model") String cpuModel,
        @JsonProperty("cpu_flags") List<String> cpuFlags,
        @JsonProperty("cores") int cores,
        @JsonProperty("memory_bytes") Long memoryBytes,
        @JsonProperty("jdk") String jdk,
        @JsonProperty("jdk_vendor") String jdkVendor,
        @JsonProperty("tensorflow_java") String tensorflowJava,
        @JsonProperty("tensorflow_native") List<String> tensorflowNative,
        @JsonProperty("gpus") List<String> gpus,
        @JsonProperty("onednn") String onednn,
        @JsonProperty("os") String os,
        @JsonProperty("load_average_start") List<Double> loadAverageStart,
        @JsonProperty("load_average_end") List<Double> loadAverageEnd) {

    /** Flags that decide which CPU kernels TensorFlow and oneDNN can use (vector width, bf16/int8 dot products, AMX tiles). */
    public static final List<String> RELEVANT_FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
            "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve");

    /** The machine now; the load average read now is the start's. */
    public static MachineFacts capture() {
        List<String> cpuinfo = lines(Path.of("/proc/cpuinfo"));
        String model = null;
        Set<String> flags = new LinkedHashSet<>();
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (model == null && (key.equals("model name") || key.equals("Model") || key.equals("cpu model"))) {
                model = value;
            } else if (flags.isEmpty() && (key.equals("flags") || key.equals("Features"))) {
                flags.addAll(Arrays.asList(value.split("\\s+")));
            }
        }
        List<String> relevant = new ArrayList<>();
        for (String f : RELEVANT_FLAGS) {
            if (flags.contains(f)) {
                relevant.add(f);
            }
        }
        Long memory = null;
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                String[] parts = line.substring("MemTotal:".length()).trim().split("\\s+");
                memory = Long.parseLong(parts[0]) * 1024;
            }
        }
        String onednn = System.getenv("TF_ENABLE_ONEDNN_OPTS");
        return new MachineFacts(model, cpuinfo.isEmpty() ? null : List.copyOf(relevant), Runtime.getRuntime().availableProcessors(), memory,
                System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")", System.getProperty("java.vendor"),
                tensorflowJavaVersion(), tensorflowNativeJars(System.getProperty("java.class.path", "")), nvidiaGpus(),
                onednn == null ? "TF_ENABLE_ONEDNN_OPTS unset (TensorFlow's default: oneDNN on for x86 Linux builds)"
                        : "TF_ENABLE_ONEDNN_OPTS=" + onednn + (onednn.equals("0") ? " (off)" : " (on)"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                loadAverage(), null);
    }

    /** These facts with the load average read now as the end's. */
    public MachineFacts ended() {
        return new MachineFacts(cpuModel, cpuFlags, cores, memoryBytes, jdk, jdkVendor, tensorflowJava, tensorflowNative, gpus, onednn, os,
                loadAverageStart, loadAverage());
    }

    /** {@code result} as a JSON object with these facts added last under {@code machine}: for the commands' {@code --json}. */
    public ObjectNode attachTo(Object result) {
        ObjectNode node = BenchCommand.JSON.valueToTree(result);
        node.set("machine", BenchCommand.JSON.valueToTree(this));
        return node;
    }

    /** One line for text reports. */
    public String describe() {
        return String.format("%s, %d cores, %s memory, flags %s; GPUs %s; JDK %s (%s); TensorFlow Java %s (%s), %s; %s; load average %s -> %s",
                cpuModel, cores, memoryBytes == null ? "?" : String.format("%.1f GiB", memoryBytes / (1024.0 * 1024 * 1024)),
                cpuFlags == null ? "?" : String.join(" ", cpuFlags), describeGpus(), jdk, jdkVendor, tensorflowJava,
                tensorflowNative == null ? "?" : String.join(", ", tensorflowNative), onednn, os, loadAverageStart, loadAverageEnd);
    }

    /** The GPUs in words: each device's line, "none listed", or that there is no driver. */
    public String describeGpus() {
        return gpus == null ? "no NVIDIA driver (NVML unavailable)" : gpus.isEmpty() ? "none listed by NVML" : String.join("; ", gpus);
    }

    /** File names of the {@code tensorflow-core-native} jars in {@code classPath}. */
    static List<String> tensorflowNativeJars(String classPath) {
        List<String> jars = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            String name = Path.of(entry).getFileName() == null ? entry : Path.of(entry).getFileName().toString();
            if (name.startsWith("tensorflow-core-native") && name.endsWith(".jar")) {
                jars.add(name);
            }
        }
        return List.copyOf(jars);
    }

    /** A line per GPU from NVML (what {@code vigil gpu} prints); null when there is no driver, empty when it lists none. */
    static List<String> nvidiaGpus() {
        dev.vigil.gpu.GpuInventory inv = dev.vigil.gpu.GpuInventory.read();
        if (inv.unavailable() != null) {
            return null;
        }
        return inv.describe().lines().skip(1).map(String::trim).filter(l -> !l.isEmpty())
                .map(l -> l + " (driver " + inv.driverVersion() + ", CUDA " + inv.cudaVersion() + ")").toList();
    }

    static String tensorflowJavaVersion() {
        try {
            Class<?> tf = Class.forName("org.tensorflow.TensorFlow");
            String version = tf.getPackage() == null ? null : tf.getPackage().getImplementationVersion();
            if (version != null) {
                return version;
            }
            String jar = tf.getProtectionDomain().getCodeSource().getLocation().getPath();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("tensorflow-core-api-([0-9][^/]*?)(-[a-z].*)?\\.jar$").matcher(jar);
            return m.find() ? m.group(1) : "unknown (" + jar + ")";
        } catch (ClassNotFoundException | SecurityException e) {
            return "not on the class path";
        }
    }

    /** {@code /proc/loadavg}'s three averages, or null. */
    static List<Double> loadAverage() {
        List<String> l = lines(Path.of("/proc/loadavg"));
        if (l.isEmpty()) {
            return null;
        }
        String[] parts = l.get(0).trim().split("\\s+");
        return List.of(Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2]));
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }
}
