// The one place that knows which BLAS the platform has. Linking is chosen per platform in
// Package.swift (OpenBLAS on Linux, Accelerate on macOS); everything else calls cblas_sgemm,
// scalelab_blas_set_threads and scalelab_blas_core_name. Only the Linux/OpenBLAS path is built and tested by CI.
#ifndef SCALELAB_CBLAS_SHIM_H
#define SCALELAB_CBLAS_SHIM_H
#if defined(__APPLE__)
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>
// Accelerate picks its own thread count; there is nothing to set.
static inline void scalelab_blas_set_threads(int n) { (void)n; }
static inline const char *scalelab_blas_core_name(void) { return "Accelerate"; }
#else
// Debian's libopenblas-dev puts cblas.h on the default include path (an alternatives symlink).
#include <cblas.h>
static inline void scalelab_blas_set_threads(int n) { openblas_set_num_threads(n); }
// The kernel family OpenBLAS chose when it loaded (from the CPU, or OPENBLAS_CORETYPE).
static inline const char *scalelab_blas_core_name(void) { return openblas_get_corename(); }
#endif
#endif
