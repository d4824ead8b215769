/*
 * ops.h: the numeric kernels of GPT-2, in float32.
 *
 * T = tokens, C = channels (n_embd), OC = output channels, NH = heads,
 * V = vocabulary. Matrices are row-major. Only ops.c calls BLAS.
 */
#ifndef OPS_H
#define OPS_H

#include <stddef.h>

/* out (T, C) = layernorm(inp (T, C)) * g + b, biased variance, eps. */
void	ops_layernorm(float *out, const float *inp, const float *g,
	    const float *b, int T, int C, float eps);
/* Per-row mean and 1/std of inp (T, C), as layernorm computes them. */
void	ops_layernorm_stats(float *mean, float *rstd, const float *inp, int T,
	    int C, float eps);
/*
 * out (T, OC) = inp (T, C) @ w (C, OC) + bias (OC), the HF Conv1D layout.
 * bias may be NULL; ldo is out's row stride (>= OC).
 */
void	ops_matmul(float *out, const float *inp, const float *w,
	    const float *bias, int T, int C, int OC);
/* out (T, V) = inp (T, C) @ w (V, C)^T: the tied unembedding. */
void	ops_matmul_nt(float *out, const float *inp, const float *w, int T,
	    int C, int V);
/*
 * Causal self-attention for query positions [t0, T) over keys [0, T).
 * qkv (T, 3C) holds q, k, v per position; out (T, C) receives rows t0..T-1;
 * att is scratch of at least T floats per head.
 */
void	ops_attention(float *out, const float *qkv, float *att, int t0, int T,
	    int C, int NH);
/* gelu_new, the tanh form, in place over n values. */
void	ops_gelu(float *x, size_t n);
/* out += inp over n values. */
void	ops_add(float *out, const float *inp, size_t n);
/* Convert n F16/BF16 values to float. */
void	ops_f16_to_f32(float *out, const void *in, size_t n);
void	ops_bf16_to_f32(float *out, const void *in, size_t n);
/* Sets the number of BLAS threads (0: leave the library's default). */
void	ops_set_threads(int);
int	ops_get_threads(void);

#endif
