// Vigil's fused preprocessing kernel: 8-bit interleaved pixels (gray, RGB, BGR, RGBA, BGRA,
// any row stride) -> bilinear resize (TF.js resizeBilinear, with or without align corners) ->
// colour order -> value range, written straight into a float32 NHWC batch tensor.
//
// The arithmetic is the Java path's (dev.vigil.engine.model.Preprocessor), operation for
// operation, in double, rounded once to float; so the two agree to the bit. Nothing here may
// be contracted into a fused multiply-add (that would round once instead of twice): the build
// passes -ffp-contract=off, and the pragma below says it again for this file.
//
// Two passes per output row: along x on the two source rows it needs (each source row is
// interpolated once and kept while consecutive output rows share it), then along y, which is
// plain arithmetic over contiguous doubles that the compiler vectorises. The same body is
// compiled three times, for x86-64 baseline (SSE2), AVX2 and AVX-512, and the widest the CPU
// and the OS support is chosen at run time. With AVX2 and up, the pass along x takes a 3- or
// 4-byte pixel in one vector. Gathering 8 samples at a time with AVX2's gather was measured
// slower than scalar code on an AMD EPYC (Zen 4) and is not used.
#ifndef VIGIL_PREPROCESS_H
#define VIGIL_PREPROCESS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if !defined(__CUDACC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace vigil {

enum Isa { ISA_AUTO = 0, ISA_BASELINE = 1, ISA_AVX2 = 2, ISA_AVX512 = 3 };

// Errors (negative returns).
enum { ERR_ARGUMENT = -1, ERR_ISA_UNSUPPORTED = -2, ERR_MEMORY = -3 };

static inline int isa_supported(int isa) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    switch (isa) {
        case ISA_BASELINE: return 1;
        case ISA_AVX2: return __builtin_cpu_supports("avx2") ? 1 : 0;
        case ISA_AVX512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
                                && __builtin_cpu_supports("avx512vl") ? 1 : 0;
        default: return 0;
    }
#else
    return isa == ISA_BASELINE ? 1 : 0;
#endif
}

// The widest instruction set both the CPU and this build can use.
static inline int preprocess_best_isa() {
    if (isa_supported(ISA_AVX512)) return ISA_AVX512;
    if (isa_supported(ISA_AVX2)) return ISA_AVX2;
    return ISA_BASELINE;
}

struct Plan {
    const uint8_t* src;
    int in_w, in_h, stride, channels;
    int off0, off1, off2;      // byte offsets of the output's first, second and third channel
    float* dst;
    int out_w, out_h;
    double row_scale, col_scale;
    double low, scale;
    const int* left;           // byte offset of each output column's left source pixel
    const int* right;
    const double* col_frac;
    // rows whose every pixel can be read 4 bytes at once: all but the last, unless rows are padded
    int gather_rows;
    // 1: pixels of 3 or 4 bytes, output in their order; 2: in reversed order (BGR <-> RGB); 0: otherwise
    int pixel_order;
};

// One source row interpolated along x: h[3x + c] = a + (b - a) * frac, as the Java path.
static inline __attribute__((always_inline)) void horizontal(const Plan& p, int row, double* h) {
    const uint8_t* base = p.src + (long) row * p.stride;
    const int o0 = p.off0, o1 = p.off1, o2 = p.off2;
    for (int x = 0; x < p.out_w; x++) {
        const uint8_t* l = base + p.left[x];
        const uint8_t* r = base + p.right[x];
        const double f = p.col_frac[x];
        int a = l[o0], b = r[o0];
        h[3 * x] = (double) a + (double) (b - a) * f;
        a = l[o1]; b = r[o1];
        h[3 * x + 1] = (double) a + (double) (b - a) * f;
        a = l[o2]; b = r[o2];
        h[3 * x + 2] = (double) a + (double) (b - a) * f;
    }
}

#if defined(__x86_64__)
// The same as horizontal(), one pixel (3 samples) at a time for pixels of 3 or 4 bytes in RGB
// or reversed order: the pixel's 4 bytes read at once, widened to 4 doubles, interpolated in
// one vector (explicit multiply, then add: the scalar path's rounding), put in output order
// and stored 4 wide (the 4th lane is overwritten by the next pixel; h has room for it).
template <bool REVERSED>
__attribute__((target("avx2")))
static inline void horizontal_pixels(const Plan& p, int row, double* h) {
    const uint8_t* base = p.src + (long) row * p.stride;
    for (int x = 0; x < p.out_w; x++) {
        int32_t lw, rw;
        memcpy(&lw, base + p.left[x], 4);
        memcpy(&rw, base + p.right[x], 4);
        const __m128i l = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(lw));
        const __m128i r = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(rw));
        const __m256d a = _mm256_cvtepi32_pd(l);
        const __m256d d = _mm256_cvtepi32_pd(_mm_sub_epi32(r, l));
        __m256d v = _mm256_add_pd(a, _mm256_mul_pd(d, _mm256_set1_pd(p.col_frac[x])));
        if (REVERSED) v = _mm256_permute4x64_pd(v, _MM_SHUFFLE(3, 0, 1, 2));
        _mm256_storeu_pd(h + 3 * x, v);
    }
}
#endif

// Along y, then into the value range: out = (float) (low + (t + (b - t) * frac) * scale).
static inline __attribute__((always_inline)) void vertical(const double* __restrict__ top, const double* __restrict__ bottom,
                                                           double frac, double low, double scale, float* __restrict__ out, int n) {
    for (int i = 0; i < n; i++) {
        const double t = top[i];
        out[i] = (float) (low + (t + (bottom[i] - t) * frac) * scale);
    }
}

template <bool WIDE>
static inline __attribute__((always_inline)) void horizontal_row(const Plan& p, int row, double* h) {
#if defined(__x86_64__)
    if (WIDE && p.pixel_order != 0 && row < p.gather_rows) {
        if (p.pixel_order == 1) horizontal_pixels<false>(p, row, h);
        else horizontal_pixels<true>(p, row, h);
        return;
    }
#endif
    horizontal(p, row, h);
}

template <bool WIDE>
static inline __attribute__((always_inline)) void run_rows(const Plan& p, double* slot0, double* slot1) {
    double* slots[2] = {slot0, slot1};
    int tags[2] = {-1, -1};
    const int n = p.out_w * 3;
    float* out = p.dst;
    for (int y = 0; y < p.out_h; y++) {
        const double src = p.row_scale * y;
        const double fl = floor(src);
        int top = (int) fl;
        int bottom = (int) ceil(src);
        const double frac = src - fl;
        if (top > p.in_h - 1) top = p.in_h - 1;
        if (bottom > p.in_h - 1) bottom = p.in_h - 1;
        int ti = tags[0] == top ? 0 : tags[1] == top ? 1 : -1;
        if (ti < 0) {
            ti = tags[0] == bottom ? 1 : 0;  // keep the slot that already holds the bottom row
            horizontal_row<WIDE>(p, top, slots[ti]);
            tags[ti] = top;
        }
        int bi = tags[ti] == bottom ? ti : tags[1 - ti] == bottom ? 1 - ti : -1;
        if (bi < 0) {
            bi = 1 - ti;
            horizontal_row<WIDE>(p, bottom, slots[bi]);
            tags[bi] = bottom;
        }
        vertical(slots[ti], slots[bi], frac, p.low, p.scale, out, n);
        out += n;
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512dq,avx512vl,prefer-vector-width=512")))
static void run_avx512(const Plan& p, double* s0, double* s1) { run_rows<true>(p, s0, s1); }
__attribute__((target("avx2")))
static void run_avx2(const Plan& p, double* s0, double* s1) { run_rows<true>(p, s0, s1); }
#endif
static void run_baseline(const Plan& p, double* s0, double* s1) { run_rows<false>(p, s0, s1); }

// TF.js: (in - 1) / (out - 1) with align corners, else in / out.
static inline double source_scale(int in, int out, int align_corners) {
    if (align_corners && out > 1) return (double) (in - 1) / (out - 1);
    return (double) in / out;
}

// Writes out_h x out_w x 3 floats at dst. The caller has checked that src holds
// (in_h - 1) * stride + in_w * channels bytes and dst out_h * out_w * 3 floats.
// Returns the instruction set used (> 0), or a negative error.
static inline int preprocess(const uint8_t* src, int in_w, int in_h, int stride, int channels, int off0, int off1, int off2,
                             float* dst, int out_w, int out_h, int align_corners, double low, double scale, int isa) {
    if (src == 0 || dst == 0 || in_w < 1 || in_h < 1 || out_w < 1 || out_h < 1 || channels < 1 || channels > 4
            || stride < in_w * channels || off0 < 0 || off1 < 0 || off2 < 0
            || off0 >= channels || off1 >= channels || off2 >= channels) {
        return ERR_ARGUMENT;
    }
    if (isa == ISA_AUTO) isa = preprocess_best_isa();
    if (!isa_supported(isa)) return ERR_ISA_UNSUPPORTED;

    // one allocation: left, right (ints), column fractions and two row slots (doubles; one
    // more each, for the 4-wide store of the last pixel)
    const size_t ints = (size_t) out_w * 2;
    const size_t int_bytes = (ints * sizeof(int) + 63) & ~(size_t) 63;
    const size_t doubles = (size_t) out_w + ((size_t) out_w * 3 + 1) * 2;
    char* scratch = (char*) malloc(int_bytes + doubles * sizeof(double));
    if (scratch == 0) return ERR_MEMORY;
    int* left = (int*) scratch;
    int* right = left + out_w;
    double* col_frac = (double*) (scratch + int_bytes);
    double* slot0 = col_frac + out_w;
    double* slot1 = slot0 + (size_t) out_w * 3 + 1;

    Plan p;
    p.src = src; p.in_w = in_w; p.in_h = in_h; p.stride = stride; p.channels = channels;
    p.off0 = off0; p.off1 = off1; p.off2 = off2;
    p.dst = dst; p.out_w = out_w; p.out_h = out_h;
    p.row_scale = source_scale(in_h, out_h, align_corners);
    p.col_scale = source_scale(in_w, out_w, align_corners);
    p.low = low; p.scale = scale;
    for (int x = 0; x < out_w; x++) {
        const double s = p.col_scale * x;
        const double fl = floor(s);
        int l = (int) fl;
        int r = (int) ceil(s);
        if (l > in_w - 1) l = in_w - 1;
        if (r > in_w - 1) r = in_w - 1;
        left[x] = l * channels;
        right[x] = r * channels;
        col_frac[x] = s - fl;
    }
    p.left = left; p.right = right; p.col_frac = col_frac;
    // a 4-byte read at a row's last pixel stays in the buffer when another row follows, or
    // when the row's padding covers it
    p.gather_rows = stride - in_w * channels >= 4 - channels ? in_h : in_h - 1;
    p.pixel_order = channels < 3 ? 0 : off0 == 0 && off1 == 1 && off2 == 2 ? 1 : off0 == 2 && off1 == 1 && off2 == 0 ? 2 : 0;

    switch (isa) {
#if defined(__x86_64__)
        case ISA_AVX512: run_avx512(p, slot0, slot1); break;
        case ISA_AVX2: run_avx2(p, slot0, slot1); break;
#endif
        default: run_baseline(p, slot0, slot1); isa = ISA_BASELINE; break;
    }
    free(scratch);
    return isa;
}

// The same, for pixels in a Java array pinned by the caller: from byte src_offset.
static inline int preprocess_array(const uint8_t* src, long src_offset, int in_w, int in_h, int stride, int channels, int off0,
                                   int off1, int off2, float* dst, int out_w, int out_h, int align_corners, double low,
                                   double scale, int isa) {
    if (src == 0 || src_offset < 0) return ERR_ARGUMENT;
    return preprocess(src + src_offset, in_w, in_h, stride, channels, off0, off1, off2, dst, out_w, out_h, align_corners, low,
                      scale, isa);
}

}  // namespace vigil

#endif
