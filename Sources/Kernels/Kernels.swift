/// # Kernels
///
/// Float32 kernels for a decoder-only transformer, each forward beside its backward.
///
/// Shape legend used in every comment:
///   B batch, T tokens in the context, C channels (d_model), NH heads, HS = C / NH head size,
///   H hidden width of the MLP, V vocabulary size, L layers, R = B·T rows.
///
/// Conventions (after llm.c): arguments run outputs, inputs, weights, then shapes. Gradients carry
/// a `d` prefix. Gradients of parameters are always *accumulated* (+=), so a step zeroes them once
/// and gradient accumulation is free; gradients of activations are overwritten unless the doc
/// comment says "accumulates" (the norms accumulate into the residual stream's gradient, which is
/// how a residual connection's backward is expressed).
///
/// Every kernel that runs in parallel cuts its work by a `Parallel` value into the same pieces
/// every time, so a result never depends on thread timing.
public enum KernelsModule {}
