// The device check native/gpu/check.sh builds with nvcc on a GPU host (no JDK needed there):
//  1. the CUDA preprocessing kernel (native/src/main/cuda/vigil_preprocess.cu) against the CPU
//     kernel (native/src/main/cpp/vigil_preprocess.h, itself bit-identical to the Java path) on
//     seeded images in every layout, padded and packed rows, down- and upscaling: built with
//     --fmad=false, every float must be equal to the bit;
//  2. the device's memory bandwidth as a device-to-device copy achieves it, and the kernel's
//     throughput beside it;
//  3. end to end on the device: pinned host pixels copied in, preprocessed, the tensor copied
//     back, in images per second.
// Exit 0 when every check passed, 1 when a result differs, 2 when there is no usable device.
#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../src/main/cpp/vigil_preprocess.h"
#include "../src/main/cuda/vigil_preprocess.cu"

static void fail(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::printf("FAIL: %s: %s\n", what, cudaGetErrorString(e));
        std::exit(1);
    }
}

struct Case {
    int in_w, in_h, channels, pad, out_w, out_h, align;
    int off0, off1, off2;
    double low, high;
};

static unsigned next_random(unsigned& s) {
    s = s * 1664525u + 1013904223u;
    return s >> 8;
}

static void launch(const unsigned char* src, const Case& c, int stride, float* dst, cudaStream_t stream) {
    dim3 block(32, 8);
    dim3 grid((c.out_w + block.x - 1) / block.x, (c.out_h + block.y - 1) / block.y);
    vigil_preprocess<<<grid, block, 0, stream>>>(src, c.in_w, c.in_h, stride, c.channels, c.off0, c.off1, c.off2, dst, c.out_w,
                                                  c.out_h, c.align, c.low, (c.high - c.low) / 255.0);
}

int main() {
    int devices = 0;
    cudaError_t e = cudaGetDeviceCount(&devices);
    if (e != cudaSuccess || devices == 0) {
        std::printf("no CUDA device: %s\n", e != cudaSuccess ? cudaGetErrorString(e) : "none found");
        return 2;
    }
    cudaDeviceProp prop;
    fail(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    std::printf("device 0: %s, %d SMs, compute capability %d.%d, %.1f GiB; driver %d, runtime %d\n", prop.name,
                prop.multiProcessorCount, prop.major, prop.minor, prop.totalGlobalMem / 1073741824.0, driver, runtime);

    // 1. equality with the CPU kernel
    const Case shapes[] = {
        {512, 512, 3, 0, 224, 224, 1, 0, 1, 2, 0, 1},       // nsfw-mobilenet-v2-mid
        {1432, 812, 3, 0, 299, 299, 0, 0, 1, 2, 0, 1},      // nsfw-inception-v3
        {2048, 1536, 3, 0, 256, 256, 0, 0, 1, 2, -1, 1},    // blazeface
        {640, 480, 3, 0, 224, 224, 0, 0, 1, 2, 0, 255},     // faceres
        {37, 5, 3, 0, 224, 224, 1, 0, 1, 2, 0, 1},          // upscaling
    };
    const int layouts[][4] = {{3, 0, 1, 2}, {3, 2, 1, 0}, {4, 0, 1, 2}, {4, 2, 1, 0}, {1, 0, 0, 0}};
    long compared = 0, differing = 0;
    unsigned seed = 20261206u;
    for (const Case& base : shapes) {
        for (const auto& layout : layouts) {
            for (int pad : {0, 13}) {
                Case c = base;
                c.channels = layout[0];
                c.off0 = layout[1];
                c.off1 = layout[2];
                c.off2 = layout[3];
                c.pad = pad;
                const int stride = c.in_w * c.channels + pad;
                std::vector<unsigned char> px((size_t) stride * c.in_h);
                for (auto& b : px) b = (unsigned char) next_random(seed);
                const size_t n = (size_t) c.out_w * c.out_h * 3;
                std::vector<float> cpu(n), gpu(n);
                if (vigil::preprocess(px.data(), c.in_w, c.in_h, stride, c.channels, c.off0, c.off1, c.off2, cpu.data(), c.out_w, c.out_h,
                                      c.align, c.low, (c.high - c.low) / 255.0, vigil::ISA_AUTO) < 0) {
                    std::printf("FAIL: the CPU kernel refused a case\n");
                    return 1;
                }
                unsigned char* dsrc;
                float* ddst;
                fail(cudaMalloc(&dsrc, px.size()), "cudaMalloc");
                fail(cudaMalloc(&ddst, n * sizeof(float)), "cudaMalloc");
                fail(cudaMemcpy(dsrc, px.data(), px.size(), cudaMemcpyHostToDevice), "copy in");
                launch(dsrc, c, stride, ddst, 0);
                fail(cudaGetLastError(), "launch");
                fail(cudaMemcpy(gpu.data(), ddst, n * sizeof(float), cudaMemcpyDeviceToHost), "copy out");
                cudaFree(dsrc);
                cudaFree(ddst);
                for (size_t i = 0; i < n; i++) {
                    if (std::memcmp(&cpu[i], &gpu[i], sizeof(float)) != 0) differing++;
                }
                compared += (long) n;
            }
        }
    }
    std::printf("equality: %ld floats in %d cases, %ld differ from the CPU kernel (tolerance: 0, built with --fmad=false)\n", compared,
                (int) (sizeof(shapes) / sizeof(shapes[0]) * 5 * 2), differing);

    // 2. bandwidth: a device-to-device copy, then the kernel (1024x1024 RGB -> 224x224, 64 images)
    const size_t copy_bytes = (size_t) 1 << 30;
    void *a, *b;
    fail(cudaMalloc(&a, copy_bytes), "cudaMalloc");
    fail(cudaMalloc(&b, copy_bytes), "cudaMalloc");
    cudaEvent_t t0, t1;
    cudaEventCreate(&t0);
    cudaEventCreate(&t1);
    cudaMemcpy(b, a, copy_bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(t0);
    for (int i = 0; i < 10; i++) cudaMemcpy(b, a, copy_bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(t1);
    fail(cudaEventSynchronize(t1), "copy");
    float ms = 0;
    cudaEventElapsedTime(&ms, t0, t1);
    const double copy_gbs = 2.0 * 10 * copy_bytes / (ms / 1e3) / 1e9;  // read + write
    cudaFree(a);
    cudaFree(b);
    std::printf("bandwidth: device-to-device copy %.0f GB/s (read + write)\n", copy_gbs);

    const int batch = 64;
    Case k = {1024, 1024, 3, 0, 224, 224, 1, 2, 1, 0, 0, 1};
    const int stride = k.in_w * 3;
    const size_t image_bytes = (size_t) stride * k.in_h;
    const size_t out_floats = (size_t) k.out_w * k.out_h * 3;
    unsigned char* dsrc;
    float* ddst;
    fail(cudaMalloc(&dsrc, image_bytes * batch), "cudaMalloc");
    fail(cudaMalloc(&ddst, out_floats * sizeof(float) * batch), "cudaMalloc");
    cudaMemset(dsrc, 77, image_bytes * batch);
    for (int i = 0; i < batch; i++) launch(dsrc + i * image_bytes, k, stride, ddst + i * out_floats, 0);
    cudaEventRecord(t0);
    const int rounds = 20;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < batch; i++) launch(dsrc + i * image_bytes, k, stride, ddst + i * out_floats, 0);
    }
    cudaEventRecord(t1);
    fail(cudaEventSynchronize(t1), "kernel");
    cudaEventElapsedTime(&ms, t0, t1);
    const double images = (double) rounds * batch;
    // bytes the kernel must move at least: 4 source pixels per output pixel (an upper bound on what
    // it reads from 1024 -> 224: rows are not shared) and the floats it writes
    const double moved = images * ((double) k.out_w * k.out_h * 4 * 3 + out_floats * sizeof(float));
    std::printf("kernel: 1024x1024 RGB -> 224x224: %.0f images/s, %.1f GB/s moved = %.1f %% of the copy bandwidth\n",
                images / (ms / 1e3), moved / (ms / 1e3) / 1e9, 100.0 * moved / (ms / 1e3) / 1e9 / copy_gbs);

    // 3. end to end on the device: pinned pixels in, kernel, tensor out, two streams
    unsigned char* host_px;
    float* host_out;
    fail(cudaMallocHost(&host_px, image_bytes * batch), "cudaMallocHost");
    fail(cudaMallocHost(&host_out, out_floats * sizeof(float) * batch), "cudaMallocHost");
    std::memset(host_px, 91, image_bytes * batch);
    cudaStream_t streams[2];
    cudaStreamCreate(&streams[0]);
    cudaStreamCreate(&streams[1]);
    auto w0 = std::chrono::steady_clock::now();
    const int e2e_rounds = 5;
    for (int r = 0; r < e2e_rounds; r++) {
        for (int i = 0; i < batch; i++) {
            cudaStream_t s = streams[i % 2];
            cudaMemcpyAsync(dsrc + i * image_bytes, host_px + i * image_bytes, image_bytes, cudaMemcpyHostToDevice, s);
            launch(dsrc + i * image_bytes, k, stride, ddst + i * out_floats, s);
            cudaMemcpyAsync(host_out + i * out_floats, ddst + i * out_floats, out_floats * sizeof(float), cudaMemcpyDeviceToHost, s);
        }
    }
    fail(cudaDeviceSynchronize(), "end to end");
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    std::printf("end to end (pixels in, tensor out; decoding not included): %.0f images/s\n", e2e_rounds * batch / secs);
    cudaFreeHost(host_px);
    cudaFreeHost(host_out);
    cudaFree(dsrc);
    cudaFree(ddst);
    if (differing != 0) {
        std::printf("FAIL: %ld floats differ\n", differing);
        return 1;
    }
    std::printf("PASS\n");
    return 0;
}
