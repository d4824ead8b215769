/*
 * ops.c: GPT-2's kernels in float32, the only file that calls BLAS.
 *
 * Reductions (layer-norm moments) accumulate in double so that the results
 * track Hugging Face's float32 numbers closely; matrix products go to
 * OpenBLAS's sgemm.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ops.h"
#include "util.h"

void
ops_layernorm_stats(float *mean, float *rstd, const float *inp, int T, int C,
    float eps)
{
	const float	*x;
	double		 m, v, d;
	int		 t, c;

	for (t = 0; t < T; t++) {
		x = inp + (size_t)t * C;
		m = 0;
		for (c = 0; c < C; c++)
			m += (double)x[c];
		m /= C;
		v = 0;
		for (c = 0; c < C; c++) {
			d = (double)x[c] - m;
			v += d * d;
		}
		v /= C;
		mean[t] = (float)m;
		rstd[t] = (float)(1.0 / sqrt(v + (double)eps));
	}
}

void
ops_layernorm(float *out, const float *inp, const float *g, const float *b,
    int T, int C, float eps)
{
	const float	*x;
	float		*o, mean, rstd;
	int		 t, c;

	for (t = 0; t < T; t++) {
		x = inp + (size_t)t * C;
		o = out + (size_t)t * C;
		ops_layernorm_stats(&mean, &rstd, x, 1, C, eps);
		for (c = 0; c < C; c++)
			o[c] = (x[c] - mean) * rstd * g[c] + b[c];
	}
}

void
ops_matmul(float *out, const float *inp, const float *w, const float *bias,
    int T, int C, int OC)
{
	float	beta = 0.0f;
	int	t;

	if (bias != NULL) {
		for (t = 0; t < T; t++)
			memcpy(out + (size_t)t * OC, bias, (size_t)OC *
			    sizeof *out);
		beta = 1.0f;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, OC, C, 1.0f,
	    inp, C, w, OC, beta, out, OC);
}

void
ops_matmul_nt(float *out, const float *inp, const float *w, int T, int C,
    int V)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, V, C, 1.0f,
	    inp, C, w, C, 0.0f, out, V);
}

/* Softmax in place over the first n of a row, the rest set to zero. */
static void
ops_softmax_causal(float *row, int n, int len)
{
	float	max = row[0], sum = 0.0f;
	int	i;

	for (i = 1; i < n; i++)
		max = row[i] > max ? row[i] : max;
	for (i = 0; i < n; i++) {
		row[i] = expf(row[i] - max);
		sum += row[i];
	}
	for (i = 0; i < n; i++)
		row[i] /= sum;
	for (; i < len; i++)
		row[i] = 0.0f;
}

void
ops_attention(float *out, const float *q, int ldq, const float *k,
    const float *v, int ldkv, float *att, int t0, int T, int C, int NH,
    float scale)
{
	int	hs = C / NH, h, t, nq = T - t0;

	/* Per head: att (nq, T) = scores, then probabilities; out = att @ v. */
	for (h = 0; h < NH; h++) {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, T, hs,
		    scale, q + h * hs, ldq, k + h * hs, ldkv, 0.0f, att, T);
		for (t = 0; t < nq; t++)
			ops_softmax_causal(att + (size_t)t * T, t0 + t + 1, T);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, hs, T,
		    1.0f, att, T, v + h * hs, ldkv, 0.0f, out + h * hs, C);
	}
}

void
ops_gelu(float *x, size_t n)
{
	const float	s = 0.7978845608028654f;	/* sqrt(2/pi) */
	size_t		i;
	float		u;

	for (i = 0; i < n; i++) {
		u = x[i];
		x[i] = 0.5f * u * (1.0f + tanhf(s * (u + 0.044715f * u * u * u)));
	}
}

void
ops_add(float *out, const float *inp, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		out[i] += inp[i];
}

void
ops_f16_to_f32(float *out, const void *in, size_t n)
{
	const unsigned char	*p = in;
	uint16_t		 h;
	size_t			 i;

	for (i = 0; i < n; i++) {
		memcpy(&h, p + 2 * i, 2);
		out[i] = util_f16_to_f32(h);
	}
}

void
ops_bf16_to_f32(float *out, const void *in, size_t n)
{
	const unsigned char	*p = in;
	uint16_t		 h;
	size_t			 i;

	for (i = 0; i < n; i++) {
		memcpy(&h, p + 2 * i, 2);
		out[i] = util_bf16_to_f32(h);
	}
}

void
ops_set_threads(int n)
{
	if (n > 0)
		openblas_set_num_threads(n);
}

int
ops_get_threads(void)
{
	return openblas_get_num_threads();
}

static float
ops_max(const float *x, int V)
{
	float	m = x[0];
	int	i;

	for (i = 1; i < V; i++)
		m = x[i] > m ? x[i] : m;
	return m;
}

void
ops_row_stats(struct ops_stats *st, const float *x, const float *pf, int V)
{
	double	sum = 0, ex = 0, dot = 0, e;
	float	max = ops_max(x, V);
	int	i;

	for (i = 0; i < V; i++) {
		e = (double)expf(x[i] - max);
		sum += e;
		ex += e * (double)x[i];
	}
	if (pf != NULL) {
		for (i = 0; i < V; i++)
			dot += (double)pf[i] * (double)x[i];
	}
	st->max = max;
	st->lse = (double)max + log(sum);
	st->ex = ex / sum;
	st->dotf = dot;
}

void
ops_softmax(float *p, const float *x, int V, double lse)
{
	int	i;

	for (i = 0; i < V; i++)
		p[i] = (float)exp((double)x[i] - lse);
}

int
ops_count_gt(const float *x, int V, float thr)
{
	int	i, n = 0;

	for (i = 0; i < V; i++)
		n += x[i] > thr;
	return n;
}

void
ops_topk(int *ids, float *vals, const float *x, int V, int k)
{
	int	i, j, n = 0;

	if (k > V)
		k = V;
	/* Insertion into a sorted list of k; most values fail the first test. */
	for (i = 0; i < V; i++) {
		if (n == k && !(x[i] > vals[k - 1]))
			continue;
		j = n < k ? n++ : k - 1;
		for (; j > 0 && x[i] > vals[j - 1]; j--) {
			vals[j] = vals[j - 1];
			ids[j] = ids[j - 1];
		}
		vals[j] = x[i];
		ids[j] = i;
	}
}
