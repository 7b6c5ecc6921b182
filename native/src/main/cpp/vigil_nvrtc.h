// NVRTC, CUDA's run-time compiler, opened by path with dlopen: CUDA C++ to PTX on any host,
// with or without a GPU or its driver (NVRTC needs neither). Bytedeco's own NVRTC binding
// cannot do that here: its JNI library is linked through the CUDA runtime's to the driver's
// libcuda.so.1, so it fails to load where no driver is installed.
#ifndef VIGIL_NVRTC_H
#define VIGIL_NVRTC_H

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

namespace vigil {

typedef int (*nvrtc_create_fn)(void**, const char*, const char*, int, const char* const*, const char* const*);
typedef int (*nvrtc_compile_fn)(void*, int, const char* const*);
typedef int (*nvrtc_size_fn)(void*, size_t*);
typedef int (*nvrtc_get_fn)(void*, char*);
typedef int (*nvrtc_destroy_fn)(void**);
typedef int (*nvrtc_version_fn)(int*, int*);

static inline void copy_text(const char* text, char* out, size_t cap) {
    if (out == 0 || cap == 0) return;
    size_t n = strlen(text);
    if (n >= cap) n = cap - 1;
    memcpy(out, text, n);
    out[n] = 0;
}

// Opens NVRTC: builtins first (by path, global), so that NVRTC's own dlopen of its builtins by
// name finds them loaded; then NVRTC. Returns the handle, or 0 with the reason in log.
static inline void* nvrtc_open(const char* library, const char* builtins, char* log, size_t log_cap) {
    if (builtins != 0 && builtins[0] != 0 && dlopen(builtins, RTLD_NOW | RTLD_GLOBAL) == 0) {
        copy_text(dlerror(), log, log_cap);
        return 0;
    }
    void* h = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (h == 0) copy_text(dlerror(), log, log_cap);
    return h;
}

// NVRTC's version as major * 1000 + minor * 10, or -1 with the reason in log.
static inline int nvrtc_version(const char* library, const char* builtins, char* log, size_t log_cap) {
    void* h = nvrtc_open(library, builtins, log, log_cap);
    if (h == 0) return -1;
    nvrtc_version_fn version = (nvrtc_version_fn) dlsym(h, "nvrtcVersion");
    int major = 0, minor = 0;
    if (version == 0 || version(&major, &minor) != 0) {
        copy_text("nvrtcVersion failed", log, log_cap);
        return -1;
    }
    return major * 1000 + minor * 10;
}

// Compiles source to PTX. options: option_count strings packed one after another, each ending
// in a 0 byte. Returns the PTX's length (without its 0) written to ptx, or a negative error:
// -1 NVRTC did not load, -2 a symbol is missing, -3 the PTX does not fit in ptx_cap,
// -(100 + NVRTC's code) when NVRTC refused (its log in log).
static inline long nvrtc_compile(const char* library, const char* builtins, const char* source, const char* name,
                                 const char* options, int option_count, char* ptx, long ptx_cap, char* log, long log_cap) {
    void* h = nvrtc_open(library, builtins, log, (size_t) log_cap);
    if (h == 0) return -1;
    nvrtc_create_fn create = (nvrtc_create_fn) dlsym(h, "nvrtcCreateProgram");
    nvrtc_compile_fn compile = (nvrtc_compile_fn) dlsym(h, "nvrtcCompileProgram");
    nvrtc_size_fn log_size = (nvrtc_size_fn) dlsym(h, "nvrtcGetProgramLogSize");
    nvrtc_get_fn get_log = (nvrtc_get_fn) dlsym(h, "nvrtcGetProgramLog");
    nvrtc_size_fn ptx_size = (nvrtc_size_fn) dlsym(h, "nvrtcGetPTXSize");
    nvrtc_get_fn get_ptx = (nvrtc_get_fn) dlsym(h, "nvrtcGetPTX");
    nvrtc_destroy_fn destroy = (nvrtc_destroy_fn) dlsym(h, "nvrtcDestroyProgram");
    if (!create || !compile || !log_size || !get_log || !ptx_size || !get_ptx || !destroy) {
        copy_text("a NVRTC symbol is missing", log, (size_t) log_cap);
        return -2;
    }
    const char* opts[64];
    if (option_count < 0 || option_count > 64) return -2;
    const char* at = options;
    for (int i = 0; i < option_count; i++) {
        opts[i] = at;
        at += strlen(at) + 1;
    }
    void* program = 0;
    int code = create(&program, source, name, 0, 0, 0);
    if (code != 0) return -(100 + code);
    code = compile(program, option_count, opts);
    size_t n = 0;
    if (log_size(program, &n) == 0 && n > 0 && log != 0 && (long) n <= log_cap) {
        get_log(program, log);
    } else if (log != 0 && log_cap > 0) {
        log[0] = 0;
    }
    long result;
    if (code != 0) {
        result = -(100 + code);
    } else if (ptx_size(program, &n) != 0 || (long) n > ptx_cap) {
        result = -3;
    } else {
        get_ptx(program, ptx);
        result = (long) n - 1;
    }
    destroy(&program);
    return result;
}

}  // namespace vigil

#endif
