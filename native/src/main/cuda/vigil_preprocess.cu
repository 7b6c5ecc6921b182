// Vigil's preprocessing on a CUDA device: the same bilinear resize, colour order and value range
// as native/src/main/cpp/vigil_preprocess.h and the Java path (dev.vigil.engine.model.Preprocessor),
// one thread per output pixel, written straight into the batch tensor in device memory (NHWC float32).
//
// Arithmetic: in double, operation for operation as the CPU paths, rounded once to float. Compiled
// without fused multiply-add (nvcc --fmad=false, NVRTC --fmad=false), as the project always compiles
// it, the results must equal the CPU's to the bit: the stated tolerance is 0, and native/gpu/check.sh
// counts every float that differs. With fused multiply-add the double intermediates round
// differently; by how much after the rounding to float has not been measured.
//
// No headers: NVRTC compiles this file as is (run time, no toolkit at build time), and nvcc
// compiles it for native/gpu/check.sh on a GPU host.

extern "C" __global__ void vigil_preprocess(const unsigned char* __restrict__ src, int in_w, int in_h, int stride, int channels,
                                            int off0, int off1, int off2, float* __restrict__ dst, int out_w, int out_h,
                                            int align_corners, double low, double scale) {
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= out_w || y >= out_h) {
        return;
    }
    // TF.js: (in - 1) / (out - 1) with align corners, else in / out
    const double row_scale = align_corners && out_h > 1 ? (double) (in_h - 1) / (out_h - 1) : (double) in_h / out_h;
    const double col_scale = align_corners && out_w > 1 ? (double) (in_w - 1) / (out_w - 1) : (double) in_w / out_w;
    const double sy = row_scale * y;
    const double fy = floor(sy);
    const int top = min((int) fy, in_h - 1);
    const int bottom = min((int) ceil(sy), in_h - 1);
    const double row_frac = sy - fy;
    const double sx = col_scale * x;
    const double fx = floor(sx);
    const int left = min((int) fx, in_w - 1) * channels;
    const int right = min((int) ceil(sx), in_w - 1) * channels;
    const double col_frac = sx - fx;
    const unsigned char* t = src + (long long) top * stride;
    const unsigned char* b = src + (long long) bottom * stride;
    float* out = dst + ((long long) y * out_w + x) * 3;
    const int offsets[3] = {off0, off1, off2};
#pragma unroll
    for (int c = 0; c < 3; c++) {
        const int o = offsets[c];
        const int tl = t[left + o], tr = t[right + o], bl = b[left + o], br = b[right + o];
        const double upper = (double) tl + (double) (tr - tl) * col_frac;
        const double lower = (double) bl + (double) (br - bl) * col_frac;
        out[c] = (float) (low + (upper + (lower - upper) * row_frac) * scale);
    }
}
