package dev.vigil.engine.model;

import dev.vigil.gpu.GpuInventory;
import org.tensorflow.internal.c_api.TF_Buffer;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;
import org.tensorflow.proto.KernelList;

/**
 * Where the models' sessions run: {@code cpu} or {@code gpu:N} (TensorFlow's GPU N, through
 * TensorFlow Java's GPU native build, {@code mvn -Pgpu}). A GPU is used only when this host has
 * it (NVML lists it) and the TensorFlow here was built with CUDA; {@link #refusal} says why not.
 *
 * @param gpu   whether this is a GPU
 * @param index the GPU's index as NVML and CUDA number it (0 for the CPU)
 */
public record Device(boolean gpu, int index) {
    public static final Device CPU = new Device(false, 0);

    public Device {
        if (index < 0 || (!gpu && index != 0)) {
            throw new IllegalArgumentException("device index: " + index + " (expected: >= 0, and 0 for the CPU)");
        }
    }

    /** {@code cpu} or {@code gpu:N}, as flags take it. */
    public static Device parse(String value) {
        String v = value.trim();
        if (v.equals("cpu")) {
            return CPU;
        }
        if (v.matches("gpu:\\d{1,3}")) {
            return new Device(true, Integer.parseInt(v.substring(4)));
        }
        throw new IllegalArgumentException("device: " + value + " (expected: cpu or gpu:N, N the GPU's index from 0; see vigil gpu)");
    }

    @Override
    public String toString() {
        return gpu ? "gpu:" + index : "cpu";
    }

    /**
     * Why this device cannot run the models here, or null when it can: the CPU always can; a GPU
     * needs to be in {@code inventory} and TensorFlow built with CUDA ({@code tensorflowHasCuda}).
     */
    public String refusal(GpuInventory inventory, boolean tensorflowHasCuda) {
        if (!gpu) {
            return null;
        }
        if (inventory.unavailable() != null) {
            return "device " + this + ": no GPU here (" + inventory.unavailable() + ")";
        }
        if (index >= inventory.devices().size()) {
            return "device " + this + ": this host has " + inventory.devices().size() + " GPU(s)"
                    + (inventory.devices().isEmpty() ? "" : " (gpu:0 to gpu:" + (inventory.devices().size() - 1) + ")");
        }
        if (!tensorflowHasCuda) {
            return "device " + this + ": this TensorFlow is the CPU build (no GPU kernels registered); build with mvn -Pgpu for the GPU one";
        }
        return null;
    }

    /** Whether the TensorFlow loaded in this process has GPU kernels (its Conv2D runs on a GPU): the CUDA build. */
    public static boolean tensorflowHasCuda() {
        try (TF_Status status = TF_Status.newStatus()) {
            TF_Buffer buffer = tensorflow.TF_GetRegisteredKernelsForOp("Conv2D", status);
            if (tensorflow.TF_GetCode(status) != tensorflow.TF_OK) {
                return false;
            }
            try {
                byte[] bytes = new byte[Math.toIntExact(buffer.length())];
                new org.bytedeco.javacpp.BytePointer(buffer.data()).capacity(bytes.length).get(bytes);
                KernelList kernels = KernelList.parseFrom(bytes);
                return kernels.getKernelList().stream().anyMatch(k -> k.getDeviceType().equals("GPU"));
            } finally {
                tensorflow.TF_DeleteBuffer(buffer);
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }
}
