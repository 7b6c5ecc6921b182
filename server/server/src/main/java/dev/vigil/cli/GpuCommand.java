package dev.vigil.cli;

import dev.vigil.gpu.GpuInventory;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil gpu}: every GPU NVML sees, with driver and CUDA versions, memory, compute
 * capability, utilisation, temperature, power, clocks and ECC errors; on a host without an
 * NVIDIA driver, one line saying so (exit 0: having no GPU is not an error).
 */
@Command(name = "gpu", mixinStandardHelpOptions = true,
        description = "List the GPUs (NVML): name, UUID, memory, driver and CUDA versions, compute capability, utilisation, temperature, power, clocks, ECC.")
public final class GpuCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "One JSON object: driver_version, cuda_version, unavailable, devices.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        GpuInventory inv = GpuInventory.read();
        out.print(json ? CliSupport.JSON.writeValueAsString(inv.toJson()) + "\n" : inv.describe().endsWith("\n") ? inv.describe() : inv.describe() + "\n");
        out.flush();
        return 0;
    }
}
