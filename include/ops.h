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
/*
 * The same product over w packed by ops_pack: panels of OPS_PACK_W columns,
 * each C rows of OPS_PACK_W floats (the last panel padded with zeros),
 * ops_pack_len(C, OC) floats in all. Kernels of our own for AVX-512 and
 * for AVX2 (only where ops_packed_supported()), for the forward pass and
 * the unembedding (pack.h keeps the packed weights in a file). Same results
 * as ops_matmul up to float rounding.
 */
#define OPS_PACK_W	48
size_t	ops_pack_len(int C, int OC);
void	ops_pack(float *wp, const float *w, int C, int OC);
/* The same from w (OC, C), the unembedding's layout (wte). */
void	ops_pack_nt(float *wp, const float *w, int C, int OC);
int	ops_packed_supported(void);
/*
 * The packed kernel: "avx512" or "avx2", the widest the CPU runs unless
 * ops_packed_set named another it runs (-1 for one it does not; NULL: the
 * widest again); "none" where there is none.
 */
const char *ops_packed_kernel(void);
int	ops_packed_set(const char *name);
void	ops_matmul_packed(float *out, const float *inp, const float *wp,
	    const float *bias, int T, int C, int OC);
/* out (T, V) = inp (T, C) @ w (V, C)^T: the tied unembedding. */
void	ops_matmul_nt(float *out, const float *inp, const float *w, int T,
	    int C, int V);
/* The same product by OpenBLAS's sgemm (the benchmark's reference rate). */
void	ops_sgemm_nt(float *out, const float *inp, const float *w, int T,
	    int C, int V);
/*
 * The kernel of ops_matmul_nt's batches (products of more than a few
 * rows; fewer go to a kernel of dot products bound by memory): the lens's
 * own, built for AVX-512, for AVX2/FMA and in portable C, or OpenBLAS's
 * sgemm. All give the same results up to float rounding. By default
 * (OPS_NT_AUTO) the widest the CPU runs; ops_nt_set_kernel picks another
 * (-1 if this CPU cannot run it), e.g. after a measurement (kern.h).
 */
enum ops_nt_kernel {
	OPS_NT_AUTO,
	OPS_NT_PORTABLE,
	OPS_NT_AVX2,
	OPS_NT_AVX512,
	OPS_NT_BLAS,
	OPS_NT_NKERNELS
};
int			 ops_nt_set_kernel(enum ops_nt_kernel);
/* The kernel in use now (never OPS_NT_AUTO). */
enum ops_nt_kernel	 ops_nt_kernel(void);
int			 ops_nt_kernel_supported(enum ops_nt_kernel);
/* "portable", "avx2", "avx512", "blas"; "auto" for OPS_NT_AUTO. */
const char		*ops_nt_kernel_name(enum ops_nt_kernel);
/* The kernel of that name; OPS_NT_AUTO for any other name. */
enum ops_nt_kernel	 ops_nt_kernel_byname(const char *);
/* OpenBLAS's build (version, options) and the kernel it runs, static. */
const char		*ops_blas_config(void);
const char		*ops_blas_core(void);
/*
 * Causal self-attention of the queries at positions [t0, T) over the keys
 * at [0, T). q (T - t0, C) has row stride ldq; k, v (T, C) have row stride
 * ldkv; out (T - t0, C) is dense. Scores are q.k * scale (1/sqrt(C/NH) for
 * GPT-2).
 */
void	ops_attention(float *out, const float *q, int ldq, const float *k,
	    const float *v, int ldkv, int t0, int T, int C, int NH,
	    float scale);
/* gelu_new, the tanh form, in place over n values. */
void	ops_gelu(float *x, size_t n);
/* out += inp over n values. */
void	ops_add(float *out, const float *inp, size_t n);
/* Convert n F16/BF16 values to float. */
void	ops_f16_to_f32(float *out, const void *in, size_t n);
void	ops_bf16_to_f32(float *out, const void *in, size_t n);
/*
 * Softmax statistics of one row of logits x (V), in one pass after the max:
 * lse = log sum exp x; ex = sum p x (so entropy = lse - ex); dotf = sum
 * pf x when pf is not NULL (pf: another row's probabilities, for KL).
 */
struct ops_stats {
	float	max;
	double	lse;
	double	ex;
	double	dotf;
};
void	ops_row_stats(struct ops_stats *, const float *x, const float *pf,
	    int V);
/*
 * The same statistics given max = the largest x (from ops_topk), with the
 * counts of x > thr0 and x > thr1 (ranks) taken in the same pass.
 */
void	ops_row_stats_count(struct ops_stats *, const float *x,
	    const float *pf, int V, float max, float thr0, float thr1,
	    int *n0, int *n1);
/* p (V) = exp(x - lse). */
void	ops_softmax(float *p, const float *x, int V, double lse);
/* Number of x[i] > thr. */
int	ops_count_gt(const float *x, int V, float thr);
/* The k largest of x, largest first (ties: lower index first). */
void	ops_topk(int *ids, float *vals, const float *x, int V, int k);
/*
 * Threads: the kernels above run on a pool of ops_get_threads() threads
 * (the caller's included); OpenBLAS itself is kept to one. The default is
 * what OpenBLAS would have used (OPENBLAS_NUM_THREADS or the cores).
 * ops_set_threads(n) resizes the pool (0: leave it); not while a kernel
 * runs.
 */
void	ops_set_threads(int);
int	ops_get_threads(void);
/*
 * Runs fn(arg, i, n) for i in [0, n) on the pool, n = ops_get_threads(),
 * and returns when all are done. Called from inside a task or while another
 * thread holds the pool, it runs fn(arg, 0, 1) on the caller.
 */
#define OPS_MAXTHREADS	8
typedef void	 ops_task_fn(void *arg, int i, int n);
void	ops_parallel(ops_task_fn *, void *arg);

#endif
