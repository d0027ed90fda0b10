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

/// Causal attention of one (batch, head) with a small head size (8 or 16), tokens across the vector
/// lanes (queries in the forward, keys in the backward), with the variant `bits` (which must be supported):
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

/// Small-dimension GEMM (gemm_small.inc): the linear layers of study-sized models.
/// Columns of the packed right operand for `n` columns: n rounded up to the variant's vector.
ptrdiff_t scalelab_gemm_padded(int n, int bits);
/// p (k × np, zero past column n) = B (k × n, rows ldb apart) or, when `transposed`, Bᵀ of B (n × k).
void scalelab_gemm_pack(float *p, ptrdiff_t np, const float *b, ptrdiff_t ldb, int k, int n, int transposed);
/// This thread's packing buffer of at least `floats` floats, 64-byte aligned (NULL when out of memory).
float *scalelab_gemm_scratch(size_t floats);
/// C (m × n) = A (m × k) · P, or C += when `accumulate`; P from scalelab_gemm_pack. Returns 0, or
/// -1 when this thread's row-panel buffer (12 · k floats, kept between calls) cannot be allocated.
int scalelab_gemm_packed(int bits, float *c, ptrdiff_t ldc, const float *a, ptrdiff_t lda, const float *p,
                          ptrdiff_t np, int m, int n, int k, int accumulate);
/// Rows [i0, i1) of C (n × k) += Aᵀ · B, A (m × n), B (m × k) readable to column kp (a multiple of
/// the vector: B itself when k is one, else a packed copy).
void scalelab_gemm_tn_accumulate(int bits, float *c, ptrdiff_t ldc, const float *a, ptrdiff_t lda, const float *b,
                                 ptrdiff_t ldb, int m, int i0, int i1, int k, ptrdiff_t kp);
#endif
