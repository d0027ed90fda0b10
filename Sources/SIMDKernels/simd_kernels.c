// Run-time choice among the variants of attention_small.inc (see simd_kernels.h).
#include "simd_kernels.h"
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef float v8 __attribute__((vector_size(32), aligned(4)));

// Key rows of the transposed scratch are padded to the widest vector (16 floats).
static inline ptrdiff_t padded_tokens(int tokens) { return (tokens + 15) / 16 * 16; }

#if defined(__x86_64__)
#define FN(name) scalelab_avx512_##name
#define TARGET __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")))
#define W 16
#include "attention_small.inc"
#undef FN
#undef TARGET
#undef W

#define FN(name) scalelab_avx2_##name
#define TARGET __attribute__((target("avx2,fma")))
#define W 8
#include "attention_small.inc"
#undef FN
#undef TARGET
#undef W
#endif

#define FN(name) scalelab_portable_##name
#define TARGET
#define W 4
#include "attention_small.inc"
#undef FN
#undef TARGET
#undef W

static int best_bits(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) return 512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 256;
#endif
    return 128;
}

int scalelab_simd_supports(int bits) { return bits == 128 || (bits <= best_bits() && (bits == 256 || bits == 512)); }

static _Atomic int chosen_bits = 0;

int scalelab_simd_bits(void) {
    int bits = atomic_load(&chosen_bits);
    if (bits != 0) return bits;
    bits = best_bits();
    // SCALELAB_SIMD=avx2 or portable narrows the choice (to compare variants on one machine).
    const char *env = getenv("SCALELAB_SIMD");
    if (env && strcmp(env, "avx2") == 0 && bits >= 256) bits = 256;
    if (env && strcmp(env, "portable") == 0) bits = 128;
    atomic_store(&chosen_bits, bits);
    return bits;
}

size_t scalelab_attention_small_scratch(int tokens, int head_size) {
    size_t stride = (size_t)padded_tokens(tokens);
    return 2 * (size_t)head_size * stride + 2 * stride + 2 * (size_t)tokens * (size_t)head_size;
}

void scalelab_attention_small_forward(int bits, float *out, ptrdiff_t ldo, float *lse, const float *q, const float *k,
                                      const float *v, ptrdiff_t ld, int tokens, int head_size, float scale, float *scratch) {
    switch (bits) {
#if defined(__x86_64__)
    case 512: scalelab_avx512_forward(out, ldo, lse, q, k, v, ld, tokens, head_size, scale, scratch); return;
    case 256: scalelab_avx2_forward(out, ldo, lse, q, k, v, ld, tokens, head_size, scale, scratch); return;
#endif
    default: scalelab_portable_forward(out, ldo, lse, q, k, v, ld, tokens, head_size, scale, scratch); return;
    }
}

void scalelab_attention_small_backward(int bits, float *dq, float *dk, float *dv, ptrdiff_t ldd, const float *dout,
                                       const float *out, ptrdiff_t ldo, const float *q, const float *k, const float *v,
                                       ptrdiff_t ld, const float *lse, int tokens, int head_size, float scale, float *scratch) {
    switch (bits) {
#if defined(__x86_64__)
    case 512: scalelab_avx512_backward(dq, dk, dv, ldd, dout, out, ldo, q, k, v, ld, lse, tokens, head_size, scale, scratch); return;
    case 256: scalelab_avx2_backward(dq, dk, dv, ldd, dout, out, ldo, q, k, v, ld, lse, tokens, head_size, scale, scratch); return;
#endif
    default: scalelab_portable_backward(dq, dk, dv, ldd, dout, out, ldo, q, k, v, ld, lse, tokens, head_size, scale, scratch); return;
    }
}
