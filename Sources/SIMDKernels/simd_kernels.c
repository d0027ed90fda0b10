// Run-time choice among the variants of attention_small.inc (see simd_kernels.h).
#include "simd_kernels.h"
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// Key rows of the transposed scratch are padded to the widest vector (16 floats).
static inline ptrdiff_t padded_tokens(int tokens) { return (tokens + 15) / 16 * 16; }

#if defined(__x86_64__)
#define FN(name) scalelab_avx512_##name
#define TARGET __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")))
#define W 16
#include "attention_small.inc"
#include "gemm_small.inc"
#undef FN
#undef TARGET
#undef W

#define FN(name) scalelab_avx2_##name
#define TARGET __attribute__((target("avx2,fma")))
#define W 8
#include "attention_small.inc"
#include "gemm_small.inc"
#undef FN
#undef TARGET
#undef W
#endif

#define FN(name) scalelab_portable_##name
#define TARGET
#define W 4
#include "attention_small.inc"
#include "gemm_small.inc"
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
    size_t stride = (size_t)padded_tokens(tokens), hs = (size_t)head_size;
    size_t forward = hs * stride + 16 * stride;                         // qT, one block's scores
    size_t backward = 2 * hs * stride + stride + (size_t)tokens * stride;  // kT, vT, rowsum(dO·O), dS
    return forward > backward ? forward : backward;
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

// MARK: - small GEMM

ptrdiff_t scalelab_gemm_padded(int n, int bits) {
    ptrdiff_t w = bits / 32;
    return ((ptrdiff_t)n + w - 1) / w * w;
}

void scalelab_gemm_pack(float *p, ptrdiff_t np, const float *b, ptrdiff_t ldb, int k, int n, int transposed) {
    for (int kk = 0; kk < k; kk++) {
        float *row = p + kk * np;
        if (transposed) {
            for (int j = 0; j < n; j++) row[j] = b[j * ldb + kk];
        } else {
            memcpy(row, b + kk * ldb, (size_t)n * sizeof(float));
        }
        for (ptrdiff_t j = n; j < np; j++) row[j] = 0;
    }
}

// Per-thread buffers, grown (never shrunk) on demand: a training step allocates nothing once the
// first step has sized them. Two of them: a thread that packed the right operand into the first may
// also run one of the row blocks, which needs a row panel.
static _Thread_local float *pack_buffer = NULL, *panel_buffer = NULL;
static _Thread_local size_t pack_capacity = 0, panel_capacity = 0;

static float *grown_buffer(float **buffer, size_t *capacity, size_t floats) {
    if (floats <= *capacity && *buffer) return *buffer;
    size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    float *grown = aligned_alloc(64, bytes ? bytes : 64);
    if (!grown) return NULL;
    free(*buffer);
    *buffer = grown;
    *capacity = bytes / sizeof(float);
    return grown;
}

float *scalelab_gemm_scratch(size_t floats) { return grown_buffer(&pack_buffer, &pack_capacity, floats); }

int scalelab_gemm_packed(int bits, float *c, ptrdiff_t ldc, const float *a, ptrdiff_t lda, const float *p,
                         ptrdiff_t np, int m, int n, int k, int accumulate) {
    if (!grown_buffer(&panel_buffer, &panel_capacity, 12 * (size_t)(k > 0 ? k : 1))) return -1;
    switch (bits) {
#if defined(__x86_64__)
    case 512: scalelab_avx512_gemm_packed(c, ldc, a, lda, p, np, m, n, k, accumulate, panel_buffer); return 0;
    case 256: scalelab_avx2_gemm_packed(c, ldc, a, lda, p, np, m, n, k, accumulate, panel_buffer); return 0;
#endif
    default: scalelab_portable_gemm_packed(c, ldc, a, lda, p, np, m, n, k, accumulate, panel_buffer); return 0;
    }
}

void scalelab_gemm_tn_accumulate(int bits, float *c, ptrdiff_t ldc, const float *a, ptrdiff_t lda, const float *b,
                                 ptrdiff_t ldb, int m, int i0, int i1, int k, ptrdiff_t kp) {
    switch (bits) {
#if defined(__x86_64__)
    case 512: scalelab_avx512_gemm_tn_accumulate(c, ldc, a, lda, b, ldb, m, i0, i1, k, kp); return;
    case 256: scalelab_avx2_gemm_tn_accumulate(c, ldc, a, lda, b, ldb, m, i0, i1, k, kp); return;
#endif
    default: scalelab_portable_gemm_tn_accumulate(c, ldc, a, lda, b, ldb, m, i0, i1, k, kp); return;
    }
}
