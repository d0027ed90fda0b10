// ScaleLab's kernels written in C for the machine's widest vectors. Each is compiled twice, for
// AVX-512 and for AVX2+FMA (one portable build elsewhere), and the variant is chosen once at run
// time from the CPU (one binary for both kinds of machine). Swift cannot compile one function for
// two instruction sets in one module; C's per-function target attribute can.
#ifndef SCALELAB_SIMD_KERNELS_H
#define SCALELAB_SIMD_KERNELS_H
#include <stddef.h>

/// Vector width in bits of the variant this CPU runs: 512 (AVX-512), 256 (AVX2+FMA) or 128
/// (portable), chosen once; SCALELAB_SIMD=avx2 or =portable narrows it (to compare variants on one
/// machine). Results depend on the variant (its width fixes the order of sums), so a run is
/// deterministic for a given machine, and tests compare every variant with a reference.
int scalelab_simd_bits(void);
/// Whether this CPU can run the variant of that width.
int scalelab_simd_supports(int bits);

/// Floats of scratch one head's forward or backward needs (per thread).
size_t scalelab_attention_small_scratch(int tokens, int head_size);

/// Causal attention of one (batch, head) with a small head size (8 or 16), one query row at a time,
/// with the variant `bits` (which must be supported):
/// out[i] = softmax(q[i]·kᵀ·scale over keys 0...i)·v, lse[i] its log-sum-exp. q, k, v rows are `ld`
/// floats apart, out rows `ldo`.
void scalelab_attention_small_forward(int bits, float *out, ptrdiff_t ldo, float *lse,
                                      const float *q, const float *k, const float *v, ptrdiff_t ld,
                                      int tokens, int head_size, float scale, float *scratch);

/// Its backward: dq, dk, dv (rows `ldd` apart) are overwritten; P is recomputed from lse.
void scalelab_attention_small_backward(int bits, float *dq, float *dk, float *dv, ptrdiff_t ldd,
                                       const float *dout, const float *out, ptrdiff_t ldo,
                                       const float *q, const float *k, const float *v, ptrdiff_t ld,
                                       const float *lse, int tokens, int head_size, float scale, float *scratch);
#endif
