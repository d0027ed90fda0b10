// The one place that knows which BLAS the platform has. Linking is chosen per platform in
// Package.swift (OpenBLAS on Linux, Accelerate on macOS); everything else calls cblas_sgemm and
// scalelab_blas_set_threads. Only the Linux/OpenBLAS path is built and tested by CI.
#ifndef SCALELAB_CBLAS_SHIM_H
#define SCALELAB_CBLAS_SHIM_H
#if defined(__APPLE__)
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>
// Accelerate picks its own thread count; there is nothing to set.
static inline void scalelab_blas_set_threads(int n) { (void)n; }
#else
// Debian's libopenblas-dev puts cblas.h on the default include path (an alternatives symlink).
#include <cblas.h>
static inline void scalelab_blas_set_threads(int n) { openblas_set_num_threads(n); }
#endif
#endif
