/*
 * test-ops.c: every kernel of ops.c against a naive double-precision
 * reference written here, on seeded random inputs of awkward sizes.
 *
 * These checks are the kernels' contract, not a picture of today's code:
 * an optimised kernel must pass them unchanged. Matrix products and
 * attention are held to float32 accumulation error; the softmax statistics
 * (lse, E[x], the dot product for KL) and the softmax itself to a relative
 * error of 1e-6 in every exponential; top-k and counts must be exact, ties
 * in top-k going to the lower index.
 */
#include "config.h"

#include <float.h>
#include <stdint.h>

#include "harness.h"
#include "ops.h"
#include "util.h"

/* Relative error allowed in each exp() of the softmax statistics. */
#define REL_EXP		1e-6

static uint64_t	rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static float
rng_unif(double lo, double hi)
{
	return (float)(lo + (hi - lo) * (double)(rng_next() >> 11) * 0x1p-53);
}

static float
rng_normal(double mean, double sd)
{
	double	u = ((double)(rng_next() >> 11) + 0.5) * 0x1p-53;
	double	v = (double)(rng_next() >> 11) * 0x1p-53;

	return (float)(mean + sd * sqrt(-2 * log(u)) * cos(2 * M_PI * v));
}

static float *
rand_array(size_t n, double lo, double hi)
{
	float	*x = xcalloc(n, sizeof *x);
	size_t	 i;

	for (i = 0; i < n; i++)
		x[i] = rng_unif(lo, hi);
	return x;
}

static float *
nan_array(size_t n)
{
	float	*x = xcalloc(n, sizeof *x);
	size_t	 i;

	for (i = 0; i < n; i++)
		x[i] = NAN;
	return x;
}

/* Reports at most a few mismatches per call site, then a summary. */
struct cmp {
	const char	*what;
	int		 bad;
};

static void
cmp_one(struct cmp *c, double got, double want, double tol, const char *fmt,
    ...) __attribute__((format(printf, 5, 6)));

static void
cmp_one(struct cmp *c, double got, double want, double tol, const char *fmt,
    ...)
{
	va_list	ap;
	char	where[128];

	harness_checks++;
	if (fabs(got - want) <= tol)
		return;
	harness_failed++;
	if (c->bad++ >= 5)
		return;
	va_start(ap, fmt);
	vsnprintf(where, sizeof where, fmt, ap);
	va_end(ap);
	fprintf(stderr, "FAIL %s %s: %.9g, expected %.9g (tol %.3g)\n",
	    c->what, where, got, want, tol);
}

/* Layer norm. */

static void
test_layernorm(void)
{
	static const struct {
		int	T, C;
		float	eps;
	} sizes[] = {
		{ 1, 1, 1e-5f }, { 1, 7, 1e-5f }, { 4, 32, 1e-5f },
		{ 5, 33, 1e-5f }, { 3, 768, 1e-5f }, { 6, 13, 0.5f },
	};
	struct cmp	 c = { "layernorm", 0 };
	float		*x, *g, *b, *out, *mean, *rstd;
	double		 m, v, ref;
	size_t		 i;
	int		 T, C, t, k;

	for (i = 0; i < nitems(sizes); i++) {
		T = sizes[i].T;
		C = sizes[i].C;
		x = xcalloc((size_t)T * C, sizeof *x);
		/* Rows of different means and scales; the last is constant. */
		for (t = 0; t < T; t++) {
			for (k = 0; k < C; k++) {
				x[t * C + k] = t == T - 1 && T > 1 ? 2.5f :
				    rng_normal(t % 3 == 1 ? 4.0 : -1.0 * t,
				    t % 3 == 2 ? 10.0 : t % 3 == 1 ? 0.1 : 1);
			}
		}
		g = rand_array((size_t)C, 0.5, 1.5);
		b = rand_array((size_t)C, -1, 1);
		out = nan_array((size_t)T * C);
		mean = nan_array((size_t)T);
		rstd = nan_array((size_t)T);
		ops_layernorm(out, x, g, b, T, C, sizes[i].eps);
		ops_layernorm_stats(mean, rstd, x, T, C, sizes[i].eps);
		for (t = 0; t < T; t++) {
			m = v = 0;
			for (k = 0; k < C; k++)
				m += (double)x[t * C + k];
			m /= C;
			for (k = 0; k < C; k++)
				v += ((double)x[t * C + k] - m) *
				    ((double)x[t * C + k] - m);
			v /= C;
			cmp_one(&c, mean[t], m, 1e-6 * (1 + fabs(m)),
			    "T=%d C=%d mean[%d]", T, C, t);
			cmp_one(&c, rstd[t], 1 / sqrt(v + (double)sizes[i].eps),
			    1e-6 / sqrt(v + (double)sizes[i].eps),
			    "T=%d C=%d rstd[%d]", T, C, t);
			for (k = 0; k < C; k++) {
				ref = ((double)x[t * C + k] - m) / sqrt(v +
				    (double)sizes[i].eps) * (double)g[k] +
				    (double)b[k];
				cmp_one(&c, out[t * C + k], ref, 1e-5 *
				    (1 + fabs(ref)), "T=%d C=%d eps=%g "
				    "out[%d,%d]", T, C, (double)sizes[i].eps,
				    t, k);
			}
		}
		free(x);
		free(g);
		free(b);
		free(out);
		free(mean);
		free(rstd);
	}
	CHECK(c.bad == 0, "%d layernorm values wrong", c.bad);
}

/* Matrix products. */

static void
test_matmul(void)
{
	static const struct {
		int	T, C, OC;
	} sizes[] = {
		{ 1, 1, 1 }, { 1, 7, 13 }, { 3, 5, 1 }, { 7, 13, 37 },
		{ 17, 64, 96 }, { 5, 129, 33 }, { 64, 32, 128 }, { 2, 128, 31 },
		/* One row (sgemv), split between the threads. */
		{ 1, 96, 203 }, { 1, 300, 64 },
		/* Packed: tiles of 8 rows, panels of 48, k blocks of 128. */
		{ 19, 700, 100 }, { 9, 1030, 48 }, { 16, 48, 97 },
	};
	struct cmp	 c = { "matmul", 0 };
	float		*x, *w, *wp, *bias, *out;
	double		 acc, mag;
	size_t		 i;
	int		 T, C, OC, t, o, k, wb, pk;

	for (i = 0; i < nitems(sizes); i++) {
		T = sizes[i].T;
		C = sizes[i].C;
		OC = sizes[i].OC;
		x = rand_array((size_t)T * C, -1, 1);
		w = rand_array((size_t)C * OC, -1, 1);
		bias = rand_array((size_t)OC, -2, 2);
		/* The packed layout's padding is never read as a result. */
		wp = nan_array(ops_pack_len(C, OC));
		ops_pack(wp, w, C, OC);
		/* sgemm, then each packed kernel the CPU runs. */
		for (wb = 0; wb < 6; wb++) {
			pk = wb / 2;
			if (pk && ops_packed_set(pk == 1 ? "avx2" :
			    "avx512") != 0)
				continue;
			if (pk)
				CHECK(strcmp(ops_packed_kernel(), pk == 1 ?
				    "avx2" : "avx512") == 0, "ops_packed_set: "
				    "%s runs", ops_packed_kernel());
			/* out is written, never accumulated into. */
			out = nan_array((size_t)T * OC);
			if (pk)
				ops_matmul_packed(out, x, wp, wb % 2 ? bias :
				    NULL, T, C, OC);
			else
				ops_matmul(out, x, w, wb % 2 ? bias : NULL, T,
				    C, OC);
			for (t = 0; t < T; t++) {
				for (o = 0; o < OC; o++) {
					acc = wb % 2 ? bias[o] : 0;
					mag = fabs(acc);
					for (k = 0; k < C; k++) {
						acc += (double)x[t * C + k] *
						    (double)w[k * OC + o];
						mag += fabs((double)x[t * C +
						    k] * (double)w[k * OC + o]);
					}
					cmp_one(&c, out[t * OC + o], acc,
					    1e-5 * mag + 1e-7, "%dx%dx%d%s%s "
					    "[%d,%d]", T, C, OC, wb % 2 ?
					    " +bias" : "", pk == 0 ? "" : pk == 1 ?
					    " packed avx2" : " packed avx512",
					    t, o);
				}
			}
			free(out);
		}
		ops_packed_set(NULL);
		free(x);
		free(w);
		free(wp);
		free(bias);
	}
	CHECK(c.bad == 0, "%d matmul values wrong", c.bad);
	CHECK(ops_packed_set("avx1024") == -1, "ops_packed_set: avx1024");
}

/*
 * ops_matmul_nt with the given kernel for its batches, or with blas
 * ops_sgemm_nt, against sums in double.
 */
static void
test_matmul_nt(enum ops_nt_kernel kern, int blas)
{
	static const struct {
		int	T, C, V;
	} sizes[] = {
		{ 1, 1, 1 }, { 1, 32, 1001 }, { 3, 7, 5 }, { 6, 33, 257 },
		{ 13, 64, 100 },
		/* Up to 28 rows, 4 x 3 tiles and their edges. */
		{ 2, 9, 3 }, { 4, 800, 37 }, { 27, 40, 515 }, { 28, 8, 64 },
		/* Then panels of 16 rows x tiles of 6, whole and cut short. */
		{ 29, 24, 130 }, { 32, 8, 64 }, { 40, 17, 61 },
		{ 48, 1, 5 }, { 64, 96, 6 * 37 + 1 }, { 209, 33, 97 },
		/* More chunks than threads x 4: chunks of 768 rows of w. */
		{ 33, 8, 10007 },
		/* Panels of 32 x tiles of 8 (AVX-512), a last panel of 16. */
		{ 45, 50, 8 * 9 + 5 }, { 48, 31, 8 * 5 + 7 }, { 96, 64, 100 },
		{ 80, 768, 25 },
	};
	char		 what[64];
	struct cmp	 c = { what, 0 };
	float		*x, *w, *out;
	double		 acc, mag;
	size_t		 i;
	int		 T, C, V, t, o, k;

	snprintf(what, sizeof what, "%s (%s, %d threads)", blas ? "sgemm_nt" :
	    "matmul_nt", ops_nt_kernel_name(kern), ops_get_threads());
	CHECK(ops_nt_set_kernel(kern) == 0, "%s: not set", what);
	CHECK(kern == OPS_NT_AUTO || ops_nt_kernel() == kern, "%s: %s in use",
	    what, ops_nt_kernel_name(ops_nt_kernel()));
	for (i = 0; i < nitems(sizes); i++) {
		T = sizes[i].T;
		C = sizes[i].C;
		V = sizes[i].V;
		x = rand_array((size_t)T * C, -1, 1);
		w = rand_array((size_t)V * C, -1, 1);
		out = nan_array((size_t)T * V);
		if (blas)
			ops_sgemm_nt(out, x, w, T, C, V);
		else
			ops_matmul_nt(out, x, w, T, C, V);
		for (t = 0; t < T; t++) {
			for (o = 0; o < V; o++) {
				acc = mag = 0;
				for (k = 0; k < C; k++) {
					acc += (double)x[t * C + k] *
					    (double)w[o * C + k];
					mag += fabs((double)x[t * C + k] *
					    (double)w[o * C + k]);
				}
				cmp_one(&c, out[t * V + o], acc, 1e-5 * mag +
				    1e-7, "%dx%dx%d [%d,%d]", T, C, V, t, o);
			}
		}
		free(x);
		free(w);
		free(out);
	}
	CHECK(c.bad == 0, "%d %s values wrong", c.bad, c.what);
	ops_nt_set_kernel(OPS_NT_AUTO);
}

/*
 * The kernels' table: the portable one and OpenBLAS's always run; the
 * choice by the CPU's features is one this CPU runs; names round-trip.
 */
static void
test_nt_kernels(void)
{
	int	k;

	CHECK(ops_nt_kernel_supported(OPS_NT_PORTABLE), "portable refused");
	CHECK(ops_nt_kernel_supported(OPS_NT_BLAS), "blas refused");
	CHECK(!ops_nt_kernel_supported(OPS_NT_AUTO) &&
	    !ops_nt_kernel_supported(OPS_NT_NKERNELS), "auto is a kernel");
	CHECK(ops_nt_set_kernel(OPS_NT_AUTO) == 0, "auto not set");
	CHECK(ops_nt_kernel() != OPS_NT_AUTO &&
	    ops_nt_kernel_supported(ops_nt_kernel()), "auto chose %s",
	    ops_nt_kernel_name(ops_nt_kernel()));
	for (k = OPS_NT_AUTO + 1; k < OPS_NT_NKERNELS; k++) {
		CHECK((int)ops_nt_kernel_byname(ops_nt_kernel_name(k)) == k,
		    "kernel %d's name %s", k, ops_nt_kernel_name(k));
		if (!ops_nt_kernel_supported(k)) {
			CHECK(ops_nt_set_kernel(k) == -1, "%s set",
			    ops_nt_kernel_name(k));
			printf("# kernel %s: this CPU cannot run it, untested\n",
			    ops_nt_kernel_name(k));
		}
	}
	CHECK(ops_nt_kernel_byname("avx1024") == OPS_NT_AUTO, "avx1024 known");
}

/* Attention. */

/* Full causal attention of all T positions, in double: ref (T, C). */
static void
ref_attention(double *ref, const float *q, int ldq, const float *k,
    const float *v, int ldkv, int T, int C, int NH, double scale)
{
	double	*p = xcalloc((size_t)T, sizeof *p), max, sum, acc;
	int	 hs = C / NH, h, t, j, d;

	for (h = 0; h < NH; h++) {
		for (t = 0; t < T; t++) {
			max = -INFINITY;
			for (j = 0; j <= t; j++) {
				acc = 0;
				for (d = 0; d < hs; d++)
					acc += (double)q[t * ldq + h * hs + d] *
					    (double)k[j * ldkv + h * hs + d];
				p[j] = acc * scale;
				max = p[j] > max ? p[j] : max;
			}
			sum = 0;
			for (j = 0; j <= t; j++)
				sum += (p[j] = exp(p[j] - max));
			for (d = 0; d < hs; d++) {
				acc = 0;
				for (j = 0; j <= t; j++)
					acc += p[j] / sum *
					    (double)v[j * ldkv + h * hs + d];
				ref[t * C + h * hs + d] = acc;
			}
		}
	}
	free(p);
}

/*
 * Layout 0: one (T, 3C) buffer of q, k, v per row, as the model's qkv.
 * Layout 1: dense q, k, v. Layout 2: q, k, v with padded row strides.
 */
static void
check_attention(struct cmp *c, int T, int C, int NH, int layout)
{
	static const int	 t0s[] = { 0, 1, 2, -2, -1 };
	float			*qb, *kb, *vb, *out, *full;
	const float		*q, *k, *v;
	double			*ref, scale = 1 / sqrt((double)(C / NH));
	size_t			 i;
	int			 ldq, ldkv, t0, t, d, nq;

	if (layout == 0) {
		ldq = ldkv = 3 * C;
		qb = rand_array((size_t)T * 3 * C, -2, 2);
		q = qb;
		k = qb + C;
		v = qb + 2 * C;
		kb = vb = NULL;
	} else {
		ldq = layout == 1 ? C : C + 5;
		ldkv = layout == 1 ? C : C + 3;
		qb = rand_array((size_t)T * ldq, -2, 2);
		kb = rand_array((size_t)T * ldkv, -2, 2);
		vb = rand_array((size_t)T * ldkv, -2, 2);
		q = qb;
		k = kb;
		v = vb;
	}
	ref = xcalloc((size_t)T * C, sizeof *ref);
	ref_attention(ref, q, ldq, k, v, ldkv, T, C, NH, scale);
	full = NULL;
	for (i = 0; i < nitems(t0s); i++) {
		t0 = t0s[i] < 0 ? T + t0s[i] : t0s[i];
		if (t0 < 0 || t0 >= T || (i > 0 && t0 == t0s[0]))
			continue;
		nq = T - t0;
		/* Exactly the documented sizes, so that ASan sees overruns. */
		out = nan_array((size_t)nq * C);
		ops_attention(out, q + (size_t)t0 * ldq, ldq, k, v, ldkv,
		    t0, T, C, NH, (float)scale);
		for (t = 0; t < nq; t++) {
			for (d = 0; d < C; d++) {
				cmp_one(c, out[t * C + d], ref[(t0 + t) * C +
				    d], 2e-5 * (1 + fabs(ref[(t0 + t) * C +
				    d])), "T=%d C=%d NH=%d layout %d t0=%d "
				    "[%d,%d]", T, C, NH, layout, t0, t0 + t, d);
				if (full != NULL)
					cmp_one(c, out[t * C + d], full[(t0 +
					    t) * C + d], 1e-5, "T=%d C=%d "
					    "NH=%d layout %d t0=%d against "
					    "t0=0 "
					    "[%d,%d]", T, C, NH, layout, t0,
					    t0 + t, d);
			}
		}
		if (t0 == 0)
			full = out;
		else
			free(out);
	}
	/*
	 * Causal: no query reads a later key or value, so NaN and Inf there
	 * must not leak into earlier positions (0 * NaN is NaN).
	 */
	for (t0 = 0; t0 < T - 1; t0 += T / 3 + 1) {
		nq = T - t0;
		for (d = 0; d < C; d++) {
			((float *)(uintptr_t)k)[(T - 1) * ldkv + d] = NAN;
			((float *)(uintptr_t)v)[(T - 1) * ldkv + d] = d % 2 ?
			    NAN : INFINITY;
		}
		out = nan_array((size_t)nq * C);
		ops_attention(out, q + (size_t)t0 * ldq, ldq, k, v, ldkv,
		    t0, T, C, NH, (float)scale);
		for (t = 0; t < nq - 1; t++) {
			for (d = 0; d < C; d++)
				cmp_one(c, out[t * C + d], ref[(t0 + t) * C +
				    d], 2e-5 * (1 + fabs(ref[(t0 + t) * C +
				    d])), "T=%d C=%d NH=%d layout %d t0=%d "
				    "NaN at %d leaked into [%d,%d]", T, C, NH,
				    layout, t0, T - 1, t0 + t, d);
		}
		free(out);
	}
	free(full);
	free(ref);
	free(qb);
	free(kb);
	free(vb);
}

static void
test_attention(void)
{
	static const struct {
		int	T, C, NH;
	} sizes[] = {
		{ 1, 8, 1 }, { 2, 8, 2 }, { 5, 12, 3 }, { 9, 32, 4 },
		{ 17, 24, 1 }, { 33, 64, 8 }, { 64, 32, 4 },
	};
	struct cmp	c = { "attention", 0 };
	size_t		i;
	int		layout;

	for (i = 0; i < nitems(sizes); i++) {
		for (layout = 0; layout < 3; layout++)
			check_attention(&c, sizes[i].T, sizes[i].C,
			    sizes[i].NH, layout);
	}
	CHECK(c.bad == 0, "%d attention values wrong", c.bad);
}

/* Elementwise. */

static void
test_gelu(void)
{
	static const float	 fixed[] = { 0.0f, -0.0f, 1.0f, -1.0f, 0.5f,
	    -0.5f, 3.0f, -3.0f, 5.0f, -5.0f, 10.0f, -10.0f, 50.0f, -50.0f,
	    1e-20f, -1e-20f };
	struct cmp		 c = { "gelu", 0 };
	const double		 s = sqrt(2 / M_PI);
	size_t			 n = 1001, i, nf = nitems(fixed);
	float			*x, *in;
	double			 u, ref;

	in = xcalloc(n + nf, sizeof *in);
	for (i = 0; i < n; i++)
		in[i] = rng_unif(-8, 8);
	memcpy(in + n, fixed, sizeof fixed);
	n += nf;
	x = xcalloc(n, sizeof *x);
	memcpy(x, in, n * sizeof *x);
	ops_gelu(x, n);
	for (i = 0; i < n; i++) {
		u = in[i];
		ref = 0.5 * u * (1 + tanh(s * (u + 0.044715 * u * u * u)));
		cmp_one(&c, x[i], ref, 1e-6 * (1 + fabs(ref)), "gelu(%.9g)",
		    (double)in[i]);
		harness_checks++;
		if (!isfinite(x[i]))
			harness_failed++;
	}
	/* The tanh form, not the erf form: they differ by ~1e-4 near 1.5. */
	memcpy(x, (float[]){ 1.5f }, sizeof (float));
	ops_gelu(x, 1);
	CHECK(fabs((double)x[0] - 1.39957158) < 2e-7, "gelu(1.5) = %.9g, "
	    "expected 1.39957158 (tanh form)", (double)x[0]);
	/* n = 0 touches nothing. */
	x[0] = 7.0f;
	ops_gelu(x, 0);
	CHECK(x[0] == 7.0f, "gelu over 0 values changed x[0]");
	free(x);
	free(in);
	CHECK(c.bad == 0, "%d gelu values wrong", c.bad);
}

static void
test_add_convert(void)
{
	float		 a[37], b[37], out[37];
	uint16_t	 h[37];
	size_t		 i;
	int		 bad = 0;

	for (i = 0; i < nitems(a); i++) {
		a[i] = rng_unif(-5, 5);
		b[i] = rng_unif(-5, 5);
	}
	memcpy(out, a, sizeof out);
	ops_add(out, b, nitems(out));
	for (i = 0; i < nitems(a); i++)
		bad += out[i] != a[i] + b[i];
	CHECK(bad == 0, "ops_add: %d values wrong", bad);

	/* Bulk conversions agree with util's, element by element. */
	for (i = 0; i < nitems(h); i++)
		h[i] = (uint16_t)(rng_next() & 0xffff);
	h[0] = 0x7e00;
	ops_f16_to_f32(out, h, nitems(h));
	for (i = 0, bad = 0; i < nitems(h); i++) {
		if (memcmp(&out[i], &(float){ util_f16_to_f32(h[i]) },
		    sizeof (float)) != 0)
			bad++;
	}
	CHECK(bad == 0, "ops_f16_to_f32: %d values differ from util's", bad);
	ops_bf16_to_f32(out, h, nitems(h));
	for (i = 0, bad = 0; i < nitems(h); i++) {
		if (memcmp(&out[i], &(float){ util_bf16_to_f32(h[i]) },
		    sizeof (float)) != 0)
			bad++;
	}
	CHECK(bad == 0, "ops_bf16_to_f32: %d values differ from util's", bad);
	/* From an odd address: the file's tensors need not be aligned. */
	{
		unsigned char	raw[2 * 5 + 1];

		memcpy(raw + 1, h, 2 * 5);
		ops_bf16_to_f32(out, raw + 1, 5);
		for (i = 0, bad = 0; i < 5; i++)
			bad += memcmp(&out[i], &(float){ util_bf16_to_f32(
			    h[i]) }, sizeof (float)) != 0;
		CHECK(bad == 0, "ops_bf16_to_f32 unaligned: %d wrong", bad);
		ops_f16_to_f32(out, raw + 1, 5);
		for (i = 0, bad = 0; i < 5; i++)
			bad += memcmp(&out[i], &(float){ util_f16_to_f32(
			    h[i]) }, sizeof (float)) != 0;
		CHECK(bad == 0, "ops_f16_to_f32 unaligned: %d wrong", bad);
	}
}

/* Softmax statistics. */

struct ref_stats {
	double	max, lse, ex, mad, dot, dotmag;
};

static void
ref_row_stats(struct ref_stats *r, const float *x, const float *pf, int V)
{
	double	sum = 0, ex = 0, e;
	int	i;

	r->max = (double)x[0];
	for (i = 1; i < V; i++)
		r->max = (double)x[i] > r->max ? (double)x[i] : r->max;
	for (i = 0; i < V; i++) {
		e = exp((double)x[i] - r->max);
		sum += e;
		ex += e * (double)x[i];
	}
	r->lse = r->max + log(sum);
	r->ex = ex / sum;
	/* Mean absolute deviation: what exp errors can move E[x] by. */
	r->mad = 0;
	for (i = 0; i < V; i++)
		r->mad += exp((double)x[i] - r->lse) * fabs((double)x[i] -
		    r->ex);
	r->dot = r->dotmag = 0;
	for (i = 0; pf != NULL && i < V; i++) {
		r->dot += (double)pf[i] * (double)x[i];
		r->dotmag += fabs((double)pf[i] * (double)x[i]);
	}
}

static void
check_row(struct cmp *c, const float *x, const float *pf, int V,
    const char *name)
{
	struct ops_stats	st;
	struct ref_stats	r;
	float			*p;
	double			tl, te, sum = 0, ref;
	int			i;

	memset(&st, 0, sizeof st);
	ops_row_stats(&st, x, pf, V);
	ref_row_stats(&r, x, pf, V);
	CHECK(st.max == (float)r.max, "%s: max %.9g, expected %.9g", name,
	    (double)st.max, r.max);
	tl = REL_EXP + 1e-12 * fabs(r.lse);
	te = REL_EXP * r.mad + 1e-12 * (1 + fabs(r.ex));
	cmp_one(c, st.lse, r.lse, tl, "%s: lse", name);
	cmp_one(c, st.ex, r.ex, te, "%s: ex", name);
	cmp_one(c, st.lse - st.ex, r.lse - r.ex, tl + te, "%s: entropy",
	    name);
	if (pf != NULL)
		cmp_one(c, st.dotf, r.dot, REL_EXP * r.dotmag + 1e-12,
		    "%s: dotf", name);

	/* The softmax from the reference lse. */
	p = nan_array((size_t)V);
	ops_softmax(p, x, V, r.lse);
	for (i = 0; i < V; i++) {
		ref = exp((double)x[i] - r.lse);
		/* Below 1e-30 a value may be flushed to zero. */
		cmp_one(c, p[i], ref, REL_EXP * ref + 1e-30, "%s: p[%d]", name,
		    i);
		sum += (double)p[i];
	}
	cmp_one(c, sum, 1, 2 * REL_EXP, "%s: sum of p", name);
	free(p);
}

static void
test_row_stats(void)
{
	struct cmp	 c = { "row_stats", 0 };
	const int	 V = 50257;
	float		*x, *y, *pf;
	double		 lse, sum;
	int		 i;

	x = xcalloc((size_t)V, sizeof *x);
	y = xcalloc((size_t)V, sizeof *y);
	pf = xcalloc((size_t)V, sizeof *pf);
	for (i = 0; i < V; i++) {
		x[i] = rng_normal(0, 3);
		y[i] = rng_normal(1, 4);
	}
	/* pf: the softmax of y, as the lens passes the final row's. */
	for (i = 0, sum = 0; i < V; i++)
		sum += exp((double)y[i]);
	lse = log(sum);
	for (i = 0; i < V; i++)
		pf[i] = (float)exp((double)y[i] - lse);

	check_row(&c, x, pf, V, "normal(0,3)");
	check_row(&c, x, NULL, V, "normal(0,3), no pf");
	check_row(&c, x, pf, 1, "V=1");
	check_row(&c, x, pf, 7, "V=7");
	check_row(&c, x + 1, pf, 33, "V=33, unaligned");
	check_row(&c, y, pf, V, "pf's own row");

	/* A peaked row: entropy near zero. */
	x[12345] = 60.0f;
	check_row(&c, x, pf, V, "peaked");
	/* Far from zero: no overflow or underflow in the sums. */
	for (i = 0; i < V; i++)
		y[i] = x[i] + 1000.0f;
	check_row(&c, y, pf, V, "offset +1000");
	for (i = 0; i < V; i++)
		y[i] = x[i] - 3000.0f;
	check_row(&c, y, pf, V, "offset -3000");
	/* Uniform: lse = max + log V, entropy = log V. */
	for (i = 0; i < V; i++)
		y[i] = -2.5f;
	check_row(&c, y, pf, V, "uniform");
	{
		struct ops_stats	st;

		ops_row_stats(&st, y, NULL, V);
		CHECK_NEAR(st.lse - st.ex, log((double)V), 1e-6,
		    "uniform entropy");
	}
	/* Wide: probabilities far below FLT_MIN. */
	for (i = 0; i < V; i++)
		y[i] = rng_unif(-200, 50);
	check_row(&c, y, pf, V, "wide");
	CHECK(c.bad == 0, "%d softmax statistics wrong", c.bad);
	free(x);
	free(y);
	free(pf);
}

/* Counting and top-k. */

static void
test_count_gt(void)
{
	const int	 V = 10007;
	float		*x = xcalloc((size_t)V, sizeof *x), thr;
	int		 i, j, n, got;

	/* Few distinct values, so that many equal the threshold. */
	for (i = 0; i < V; i++)
		x[i] = (float)(int)rng_unif(-20, 20) * 0.25f;
	for (j = 0; j < 40; j++) {
		thr = j < 30 ? x[rng_next() % (uint64_t)V] :
		    rng_unif(-6, 6);
		for (i = n = 0; i < V; i++)
			n += x[i] > thr;
		got = ops_count_gt(x, V, thr);
		CHECK(got == n, "count_gt(%g): %d, expected %d", (double)thr,
		    got, n);
		/* Sub-ranges of odd lengths and offsets. */
		for (i = n = 0; i < 13; i++)
			n += x[3 + i] > thr;
		got = ops_count_gt(x + 3, 13, thr);
		CHECK(got == n, "count_gt(x+3, 13, %g): %d, expected %d",
		    (double)thr, got, n);
	}
	CHECK(ops_count_gt(x, V, INFINITY) == 0, "count_gt(inf) not 0");
	CHECK(ops_count_gt(x, V, -INFINITY) == V, "count_gt(-inf) not V");
	CHECK(ops_count_gt(x, V, 5.0f) == 0, "count_gt(max) not 0");
	CHECK(ops_count_gt(x, 1, x[0] - 1) == 1, "count_gt V=1");
	free(x);
}

static const float	*cmp_x;

/* Larger value first; ties: lower index first. */
static int
cmp_desc(const void *a, const void *b)
{
	int	i = *(const int *)a, j = *(const int *)b;

	if (cmp_x[i] != cmp_x[j])
		return cmp_x[i] > cmp_x[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

static void
check_topk(const float *x, int V, int k, const char *name)
{
	float	*vals;
	int	*order, *ids, i, n, bad = 0;

	order = xcalloc((size_t)V, sizeof *order);

	for (i = 0; i < V; i++)
		order[i] = i;
	cmp_x = x;
	qsort(order, (size_t)V, sizeof *order, cmp_desc);
	ids = xcalloc((size_t)k, sizeof *ids);
	vals = xcalloc((size_t)k, sizeof *vals);
	ops_topk(ids, vals, x, V, k);
	n = k < V ? k : V;
	for (i = 0; i < n; i++) {
		if (ids[i] != order[i] || memcmp(&vals[i], &x[order[i]],
		    sizeof (float)) != 0) {
			if (bad++ < 3)
				fprintf(stderr, "FAIL topk %s k=%d: [%d] = id "
				    "%d (%g), expected id %d (%g)\n", name, k,
				    i, ids[i], (double)vals[i], order[i],
				    (double)x[order[i]]);
		}
	}
	CHECK(bad == 0, "topk %s V=%d k=%d: %d entries wrong", name, V, k,
	    bad);
	free(ids);
	free(vals);
	free(order);
}

static void
test_topk(void)
{
	static const int	 ks[] = { 1, 2, 5, 10, 64 };
	const int		 V = 50257;
	float			*x = xcalloc((size_t)V, sizeof *x);
	size_t			 i;
	int			 j;

	for (j = 0; j < V; j++)
		x[j] = rng_normal(0, 3);
	for (i = 0; i < nitems(ks); i++)
		check_topk(x, V, ks[i], "normal");
	/* Many ties, the largest values among them. */
	for (j = 0; j < V; j++)
		x[j] = (float)(int)rng_unif(0, 8);
	for (i = 0; i < nitems(ks); i++)
		check_topk(x, V, ks[i], "ties");
	/* Ascending, descending, all equal, negative, -inf. */
	for (j = 0; j < 100; j++)
		x[j] = (float)j;
	check_topk(x, 100, 10, "ascending");
	for (j = 0; j < 100; j++)
		x[j] = (float)-j;
	check_topk(x, 100, 10, "descending");
	for (j = 0; j < 100; j++)
		x[j] = -1.0f;
	check_topk(x, 100, 10, "equal");
	for (j = 0; j < 100; j++)
		x[j] = j % 3 == 0 ? -INFINITY : -1e30f * (float)(j % 7);
	check_topk(x, 100, 40, "-inf");
	/* k > V: all V of them. */
	for (j = 0; j < 7; j++)
		x[j] = (float)(int)rng_unif(-3, 3);
	check_topk(x, 7, 10, "k > V");
	check_topk(x, 7, 7, "k = V");
	check_topk(x, 1, 5, "V = 1");
	free(x);
}

int
main(void)
{
	int	n, k;

	test_layernorm();
	test_nt_kernels();
	/*
	 * The products and attention split their work between the pool's
	 * threads (make check runs with OPENBLAS_NUM_THREADS=1, one): with
	 * 1, 2 and 3, so that uneven splits are checked too.
	 */
	for (n = 1; n <= 3; n++) {
		ops_set_threads(n);
		CHECK(ops_get_threads() == n, "pool of %d threads: %d", n,
		    ops_get_threads());
		test_matmul();
		/* Every kernel this CPU can run, the portable one always. */
		for (k = OPS_NT_AUTO + 1; k < OPS_NT_NKERNELS; k++) {
			if (ops_nt_kernel_supported(k))
				test_matmul_nt(k, 0);
		}
		test_matmul_nt(OPS_NT_AUTO, 1);
		test_attention();
	}
	ops_set_threads(1);
	test_gelu();
	test_add_convert();
	test_row_stats();
	test_count_gt();
	test_topk();
	return harness_done();
}
