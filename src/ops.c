/*
 * ops.c: GPT-2's kernels in float32, the only file that calls BLAS.
 *
 * Reductions (layer-norm moments) accumulate in double so that the results
 * track Hugging Face's float32 numbers closely. The forward pass's matrix
 * products go to OpenBLAS's sgemm, one row to sgemv, or, over weights
 * packed once (ops_pack; pack.c keeps them in a file), to a kernel here
 * for AVX-512 (ops_matmul_packed). The unembedding (the
 * lens's products, V x C) is done here: sgemm would copy all of w at every
 * call, so a kernel here reads it where it lies (ops_nt_tiles_*), or for
 * very few rows, in dot products that fetch it ahead (ops_nt_small). That
 * kernel is built for AVX-512, for AVX2/FMA and in portable C (function
 * target attributes: the binary runs on any x86-64, and elsewhere only the
 * portable one is built); the CPU's features choose, or a measurement
 * (kern.c) that may also pick OpenBLAS's sgemm.
 *
 * The lens's per-cell passes over V logits (top-k, softmax sums, counts)
 * and gelu are written with GCC vector types, eight floats at a time, and
 * built twice where the compiler can: for AVX2/FMA and for the baseline,
 * the choice made at load time (target_clones). exp is a Cody-Waite range
 * reduction and a degree-6 polynomial (about 1 ulp); it only feeds
 * probabilities, entropies and KL: top-k and ranks compare the logits.
 *
 * Threads: OpenBLAS is kept to one thread, and the matrix products are
 * split by output columns over a small pool owned here (ops_parallel), which
 * the lens also uses for its reductions. One pool for everything: a second
 * one (OpenBLAS's, whose idle threads spin in sched_yield) competing for
 * the same cores costs more than it brings.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "ops.h"
#include "util.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define OPS_CLONES \
	__attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define OPS_CLONES
#endif
#define OPS_INLINE static inline __attribute__((always_inline))
#if defined(__x86_64__) && defined(__GNUC__)
#define OPS_X86	1	/* kernels for AVX2 and AVX-512, chosen at run time */
#else
#define OPS_X86	0
#endif


typedef float	v8f __attribute__((vector_size(32)));
typedef int	v8i __attribute__((vector_size(32)));
typedef double	v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
typedef float	v4f __attribute__((vector_size(16)));

/* exp of eight floats in place; arguments are clamped to [-87.3, 88.3]. */
OPS_INLINE void
ops_exp8(v8f *xp)
{
	const float	magic = 12582912.0f;	/* 1.5 * 2^23: rounds */
	v8f		t, n, r, p, x = *xp;
	v8i		m;

	m = x < -87.3f;
	x = (v8f)(((v8i)x & ~m) | ((v8i)((v8f){ 0 } - 87.3f) & m));
	m = x > 88.3f;
	x = (v8f)(((v8i)x & ~m) | ((v8i)((v8f){ 0 } + 88.3f) & m));
	t = x * 1.44269504088896341f + magic;
	n = t - magic;
	r = x - n * 0.693359375f;
	r = r - n * -2.12194440e-4f;
	p = 1.9875691500e-4f * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	*xp = (v8f)((v8i)p + (((v8i)t - 0x4B400000) << 23));
}

/* exp of four doubles in place, to float precision (1e-7 relative). */
OPS_INLINE void
ops_exp4d(v4d *xp)
{
	const double	magic = 6755399441055744.0;	/* 1.5 * 2^52 */
	v4d		t, n, r, p, x = *xp;
	v4l		m;

	m = x < -700.0;
	x = (v4d)(((v4l)x & ~m) | ((v4l)((v4d){ 0 } - 700.0) & m));
	m = x > 88.8;
	x = (v4d)(((v4l)x & ~m) | ((v4l)((v4d){ 0 } + 88.8) & m));
	t = x * 1.4426950408889634 + magic;
	n = t - magic;
	r = x - n * 0.6931471805599453;
	p = 1.9875691500e-4 * r + 1.3981999507e-3;
	p = p * r + 8.3334519073e-3;
	p = p * r + 4.1665795894e-2;
	p = p * r + 1.6666665459e-1;
	p = p * r + 5.0000001201e-1;
	p = p * r * r + r + 1.0;
	*xp = (v4d)((v4l)p + (((v4l)t - (v4l)((v4d){ 0 } + magic)) << 52));
}

OPS_INLINE double
ops_hsum4d(const v4d *v)
{
	return ((*v)[0] + (*v)[2]) + ((*v)[1] + (*v)[3]);
}

/* The two halves of v in double. */
OPS_INLINE void
ops_cvt4d(v4d *lo, v4d *hi, const v8f *v)
{
	*lo = __builtin_convertvector(((v4f){ (*v)[0], (*v)[1], (*v)[2],
	    (*v)[3] }), v4d);
	*hi = __builtin_convertvector(((v4f){ (*v)[4], (*v)[5], (*v)[6],
	    (*v)[7] }), v4d);
}

/*
 * The pool: threads 1..n-1 wait for a new generation to run fn(arg, i, n).
 * Kernels come back to back (a forward pass is some 60 of them), so a
 * waiting thread spins a few microseconds before it sleeps.
 */
#define OPS_SPIN	4000
static struct {
	pthread_mutex_t	 region;	/* one parallel region at a time */
	pthread_mutex_t	 lock;
	pthread_cond_t	 go, done;
	int		 started, n, gen0;
	atomic_int	 gen, busy, quit;
	ops_task_fn	*fn;
	void		*arg;
	pthread_t	 th[OPS_MAXTHREADS];
	float		*scratch[OPS_MAXTHREADS];
	size_t		 scratchlen[OPS_MAXTHREADS];
} ops_pool = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
	0, 1, 0, 0, 0, 0, NULL, NULL, { 0 }, { NULL }, { 0 }
};
static pthread_once_t	ops_once = PTHREAD_ONCE_INIT;
static _Thread_local int ops_inside;

static void
ops_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Waits until *v != old (want_ne) or *v == old (!want_ne). */
static void
ops_wait(atomic_int *v, int old, int want_ne, pthread_cond_t *cond)
{
	int	i;

	for (i = 0; i < OPS_SPIN; i++) {
		if ((atomic_load(v) != old) == want_ne ||
		    atomic_load(&ops_pool.quit))
			return;
		ops_pause();
	}
	pthread_mutex_lock(&ops_pool.lock);
	while ((atomic_load(v) != old) != want_ne &&
	    !atomic_load(&ops_pool.quit))
		pthread_cond_wait(cond, &ops_pool.lock);
	pthread_mutex_unlock(&ops_pool.lock);
}

static void *
ops_worker(void *arg)
{
	/* The generation when the pool was started: the next is its first. */
	int	i = (int)(intptr_t)arg, gen = ops_pool.gen0;

	ops_inside = 1;
	for (;;) {
		ops_wait(&ops_pool.gen, gen, 1, &ops_pool.go);
		if (atomic_load(&ops_pool.quit))
			break;
		gen = atomic_load(&ops_pool.gen);
		ops_pool.fn(ops_pool.arg, i, ops_pool.n);
		if (atomic_fetch_sub(&ops_pool.busy, 1) == 1) {
			pthread_mutex_lock(&ops_pool.lock);
			pthread_cond_signal(&ops_pool.done);
			pthread_mutex_unlock(&ops_pool.lock);
		}
	}
	return NULL;
}

static void
ops_pool_start(int n)
{
	int	i;

	ops_pool.n = n < 1 ? 1 : n > OPS_MAXTHREADS ? OPS_MAXTHREADS : n;
	atomic_store(&ops_pool.quit, 0);
	/* Read by the new threads, which may start after the next region. */
	ops_pool.gen0 = atomic_load(&ops_pool.gen);
	for (i = 1; i < ops_pool.n; i++) {
		if (pthread_create(&ops_pool.th[i], NULL, ops_worker,
		    (void *)(intptr_t)i) != 0) {
			ops_pool.n = i;	/* fewer threads: slower, not wrong */
			break;
		}
	}
	ops_pool.started = 1;
}

static void
ops_pool_stop(void)
{
	int	i;

	pthread_mutex_lock(&ops_pool.lock);
	atomic_store(&ops_pool.quit, 1);
	pthread_cond_broadcast(&ops_pool.go);
	pthread_mutex_unlock(&ops_pool.lock);
	for (i = 1; i < ops_pool.n; i++)
		pthread_join(ops_pool.th[i], NULL);
	ops_pool.started = 0;
}

/* By default as many threads as OpenBLAS would have used. */
static void
ops_pool_init(void)
{
	int	n = openblas_get_num_threads();

	openblas_set_num_threads(1);
	if (!ops_pool.started)
		ops_pool_start(n);
}

void
ops_parallel(ops_task_fn *fn, void *arg)
{
	pthread_once(&ops_once, ops_pool_init);
	/* Nested, concurrent or single: run here, as one part. */
	if (ops_pool.n == 1 || ops_inside ||
	    pthread_mutex_trylock(&ops_pool.region) != 0) {
		fn(arg, 0, 1);
		return;
	}
	ops_pool.fn = fn;
	ops_pool.arg = arg;
	atomic_store(&ops_pool.busy, ops_pool.n - 1);
	atomic_fetch_add(&ops_pool.gen, 1);
	/* Under the lock: a worker between its test and its wait hears it. */
	pthread_mutex_lock(&ops_pool.lock);
	pthread_cond_broadcast(&ops_pool.go);
	pthread_mutex_unlock(&ops_pool.lock);
	ops_inside = 1;
	fn(arg, 0, ops_pool.n);
	ops_inside = 0;
	ops_wait(&ops_pool.busy, 0, 0, &ops_pool.done);
	pthread_mutex_unlock(&ops_pool.region);
}

/* Thread i's scratch of at least n floats, kept for the next call. */
static float *
ops_scratch(int i, size_t n)
{
	if (ops_pool.scratchlen[i] < n) {
		free(ops_pool.scratch[i]);
		ops_pool.scratch[i] = xcalloc(n, sizeof (float));
		ops_pool.scratchlen[i] = n;
	}
	return ops_pool.scratch[i];
}

/* Part i of n of [0, len), in multiples of align. */
static void
ops_part(int i, int n, int len, int align, int *lo, int *hi)
{
	int	chunk = ((len + n - 1) / n + align - 1) / align * align;

	*lo = i * chunk < len ? i * chunk : len;
	*hi = *lo + chunk < len ? *lo + chunk : len;
}

/* acc += both halves of v. */
OPS_INLINE void
ops_acc4d(v4d *acc, const v8f *v)
{
	v4d	lo, hi;

	ops_cvt4d(&lo, &hi, v);
	*acc += lo + hi;
}

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

/*
 * A matrix product split by output columns into chunks that the threads
 * take in turn: a thread that the scheduler holds back (other work on the
 * machine) then does fewer of them instead of holding up the others.
 */
#define OPS_CHUNKS	4	/* column chunks per thread */
#define OPS_SMALL	28	/* rows up to which ops_nt_small is the faster */
#define OPS_PANEL	16	/* ops_nt_tiles: rows of inp in a panel */
#define OPS_WTILE	6	/* ... and rows of w in a tile */
#define OPS_PANEL16	32	/* ops_nt_tiles_avx512: rows of inp in a panel */
#define OPS_WTILE16	8	/* ... and rows of w in a tile */
#define OPS_NT_CHUNK	768	/* ... and about so many in a chunk */

typedef void	ops_nt_fn(float *, const float *, const float *, int, int,
		    int, int, int);

struct ops_mm {
	float		*out;
	const float	*inp, *w, *bias;
	int		 T, C, OC;
	int		 trans;		/* 1: ours, 2: OpenBLAS's */
	atomic_int	 next;
	const float	*xp;		/* inp packed, for ops_nt_tiles_* */
	ops_nt_fn	*tiles;		/* ... by this kernel */
};

/* The sum of v's eight floats, in double. */
OPS_INLINE double
ops_hsum8(const v8f *v)
{
	v4d	lo, hi;

	ops_cvt4d(&lo, &hi, v);
	lo += hi;
	return ops_hsum4d(&lo);
}

/*
 * Every so many calls (*n counts down from every), fetches the next line
 * (or two) of the *l left from *p, from memory into L2.
 */
OPS_INLINE void
ops_nt_fetch(const float **p, int *l, int *n, int every, int two)
{
	if (--*n != 0 || *l <= 0)
		return;
	__builtin_prefetch(*p, 0, 2);
	*p += 16;
	if (two) {
		__builtin_prefetch(*p, 0, 2);
		*p += 16;
	}
	*l -= 1 + two;
	*n = every;
}

/*
 * The 4 x 3 dot products of w rows w0..w3 and inp rows x0..x2 over [0, c8),
 * c8 a multiple of 8, in twelve accumulators, into d (row-major 4 x 3);
 * meanwhile *left lines from *pre on are fetched, one every so many
 * iterations (or two in each).
 */
OPS_INLINE void
ops_nt_tile(double *d, const float *w0, const float *w1, const float *w2,
    const float *w3, const float *x0, const float *x1, const float *x2,
    int c8, const float **pre, int *left, int every, int two)
{
	v8f		 a00 = { 0 }, a01 = { 0 }, a02 = { 0 }, a10 = { 0 },
			 a11 = { 0 }, a12 = { 0 }, a20 = { 0 }, a21 = { 0 },
			 a22 = { 0 }, a30 = { 0 }, a31 = { 0 }, a32 = { 0 },
			 u0, u1, u2, w;
	const float	*p = *pre;
	int		 k, n = 1, l = *left;

	for (k = 0; k < c8; k += 8) {
		ops_nt_fetch(&p, &l, &n, every, two);
		memcpy(&u0, x0 + k, sizeof u0);
		memcpy(&u1, x1 + k, sizeof u1);
		memcpy(&u2, x2 + k, sizeof u2);
		memcpy(&w, w0 + k, sizeof w);
		a00 += w * u0; a01 += w * u1; a02 += w * u2;
		memcpy(&w, w1 + k, sizeof w);
		a10 += w * u0; a11 += w * u1; a12 += w * u2;
		memcpy(&w, w2 + k, sizeof w);
		a20 += w * u0; a21 += w * u1; a22 += w * u2;
		memcpy(&w, w3 + k, sizeof w);
		a30 += w * u0; a31 += w * u1; a32 += w * u2;
	}
	d[0] = ops_hsum8(&a00); d[1] = ops_hsum8(&a01);
	d[2] = ops_hsum8(&a02); d[3] = ops_hsum8(&a10);
	d[4] = ops_hsum8(&a11); d[5] = ops_hsum8(&a12);
	d[6] = ops_hsum8(&a20); d[7] = ops_hsum8(&a21);
	d[8] = ops_hsum8(&a22); d[9] = ops_hsum8(&a30);
	d[10] = ops_hsum8(&a31); d[11] = ops_hsum8(&a32);
	*pre = p;
	*left = l;
}

/* The same for one row x0 alone (the last of 3n + 1): into d[0, 3, 6, 9]. */
OPS_INLINE void
ops_nt_tile1(double *d, const float *w0, const float *w1, const float *w2,
    const float *w3, const float *x0, int c8, const float **pre, int *left,
    int every, int two)
{
	v8f		 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 }, u, w;
	const float	*p = *pre;
	int		 k, n = 1, l = *left;

	for (k = 0; k < c8; k += 8) {
		ops_nt_fetch(&p, &l, &n, every, two);
		memcpy(&u, x0 + k, sizeof u);
		memcpy(&w, w0 + k, sizeof w);
		a0 += w * u;
		memcpy(&w, w1 + k, sizeof w);
		a1 += w * u;
		memcpy(&w, w2 + k, sizeof w);
		a2 += w * u;
		memcpy(&w, w3 + k, sizeof w);
		a3 += w * u;
	}
	d[0] = ops_hsum8(&a0);
	d[3] = ops_hsum8(&a1);
	d[6] = ops_hsum8(&a2);
	d[9] = ops_hsum8(&a3);
	*pre = p;
	*left = l;
}

/*
 * out (T, o0..o1) = inp (T, C) @ w (V, C)^T for a few rows T: the lens of
 * an appended position. OpenBLAS packs w at every call, which for a few
 * rows costs more than the product; here each tile of 4 rows of w is read
 * from memory once and multiplied by every row of inp, 4 x 3 dot products
 * at a time. A logit is one dot product summed in a fixed order, the same
 * at every call (though not rounded as OpenBLAS's sgemm rounds it).
 */
OPS_CLONES static void
ops_nt_small(float *out, const float *inp, const float *w, int T, int C,
    int ldo, int o0, int o1)
{
	const float	*wr[4], *xr[3], *pre;
	double		 d[12], e;
	int		 v, t, k, i, j, nv, nt, c8 = C / 8 * 8, lines, iters;
	int		 every, two, left;

	/*
	 * The tile after next is fetched evenly over this tile's passes:
	 * its lines, one every so many iterations, or two in each.
	 */
	lines = (4 * C / 16 + (T + 2) / 3 - 1) / ((T + 2) / 3);
	iters = c8 / 8;
	two = lines > iters;
	every = two || lines == 0 ? 1 : iters / lines;

	for (v = o0; v < o1; v += 4) {
		/* Past the end, a tile repeats its first row, not stored. */
		nv = o1 - v < 4 ? o1 - v : 4;
		for (i = 0; i < 4; i++)
			wr[i] = w + (size_t)(v + (i < nv ? i : 0)) * C;
		/*
		 * Memory and arithmetic overlap: the passes over this tile
		 * fetch the tile after next, spread over all of them.
		 */
		pre = w;
		left = 0;
		if (v + 12 <= o1) {
			pre = w + (size_t)(v + 8) * C;
			left = (4 * C + 15) / 16;
		}
		for (t = 0; t < T; t += 3) {
			nt = T - t < 3 ? T - t : 3;
			for (j = 0; j < 3; j++)
				xr[j] = inp + (size_t)(t + (j < nt ? j : 0)) *
				    C;
			if (nt == 1)
				ops_nt_tile1(d, wr[0], wr[1], wr[2], wr[3],
				    xr[0], c8, &pre, &left, every, two);
			else
				ops_nt_tile(d, wr[0], wr[1], wr[2], wr[3],
				    xr[0], xr[1], xr[2], c8, &pre, &left,
				    every, two);
			for (i = 0; i < nv; i++) {
				for (j = 0; j < nt; j++) {
					e = d[i * 3 + j];
					for (k = c8; k < C; k++)
						e += (double)(wr[i][k] *
						    xr[j][k]);
					out[(size_t)(t + j) * ldo + v + i] =
					    (float)e;
				}
			}
		}
	}
}

/* xp: inp (T, C) as panels of panel rows, k-major, zeros past T. */
static void
ops_nt_pack(float *xp, const float *inp, int T, int C, int panel)
{
	int	g, k, t, r;

	for (g = 0; g < T; g += panel) {
		for (k = 0; k < C; k++) {
			for (t = 0; t < panel; t++) {
				r = g + t;
				*xp++ = r < T ? inp[(size_t)r * C + k] : 0.0f;
			}
		}
	}
}

/*
 * The portable kernel, for the 128-bit vectors every target has (SSE2,
 * NEON): the same panels of 16, taken as two halves of 8 rows, each met by
 * a tile of 4 rows of w, 4 x 8 logits in eight accumulators (sixteen
 * registers would not hold twelve). A logit is summed over k in order.
 */
static void
ops_nt_tiles_c(float *out, const float *xp, const float *w, int T, int C,
    int ldo, int o0, int o1)
{
	const float	*w0, *w1, *w2, *w3, *x;
	v4f		 a[8], u0, u1, b;
	int		 v, g, h, k, t, j, nv, nt;

	for (v = o0; v < o1; v += 4) {
		nv = o1 - v < 4 ? o1 - v : 4;
		w0 = w + (size_t)v * C;
		w1 = nv > 1 ? w0 + C : w0;
		w2 = nv > 2 ? w0 + 2 * C : w0;
		w3 = nv > 3 ? w0 + 3 * C : w0;
		for (g = 0; g < T; g += OPS_PANEL) {
			for (h = 0; h < OPS_PANEL && g + h < T; h += 8) {
				x = xp + (size_t)g * C + h;
				for (j = 0; j < 8; j++)
					a[j] = (v4f){ 0 };
				for (k = 0; k < C; k++, x += OPS_PANEL) {
					memcpy(&u0, x, sizeof u0);
					memcpy(&u1, x + 4, sizeof u1);
					b = (v4f){ 0 } + w0[k];
					a[0] += u0 * b; a[1] += u1 * b;
					b = (v4f){ 0 } + w1[k];
					a[2] += u0 * b; a[3] += u1 * b;
					b = (v4f){ 0 } + w2[k];
					a[4] += u0 * b; a[5] += u1 * b;
					b = (v4f){ 0 } + w3[k];
					a[6] += u0 * b; a[7] += u1 * b;
				}
				nt = T - g - h < 8 ? T - g - h : 8;
				for (t = 0; t < nt; t++) {
					for (j = 0; j < nv; j++)
						out[(size_t)(g + h + t) * ldo +
						    v + j] = a[2 * j + t / 4][t % 4];
				}
			}
		}
	}
}

/* A vector of eight s. */
#define OPS_BCAST(s)	((v8f){ (s), (s), (s), (s), (s), (s), (s), (s) })

/*
 * out (T, o0..o1) = inp (T, C) @ w (V, C)^T for the lens's batches, from
 * inp packed by ops_nt_pack in panels of 16. sgemm would copy (pack) all of
 * w at every call to read it in its kernel's order; here w is read where it
 * lies and inp, a few hundred KB, is packed instead. Each tile of 6 rows of
 * w (18 KB, in L1) meets every panel of 16 rows of inp in turn: 6 x 16
 * logits in twelve accumulators, each w value broadcast against two
 * vectors of the panel. A logit is summed over k in order, in float.
 */
#if OPS_X86
__attribute__((target("avx2,fma"))) static void
ops_nt_tiles_avx2(float *out, const float *xp, const float *w, int T, int C,
    int ldo, int o0, int o1)
{
	const float	*w0, *w1, *w2, *w3, *w4, *w5, *x;
	v8f		 a[12], u0, u1, b;
	int		 v, g, k, t, j, nv, nt;

	for (v = o0; v < o1; v += OPS_WTILE) {
		/* Past the end, a tile repeats its first row, not stored. */
		nv = o1 - v < OPS_WTILE ? o1 - v : OPS_WTILE;
		w0 = w + (size_t)v * C;
		w1 = nv > 1 ? w0 + C : w0;
		w2 = nv > 2 ? w0 + 2 * C : w0;
		w3 = nv > 3 ? w0 + 3 * C : w0;
		w4 = nv > 4 ? w0 + 4 * C : w0;
		w5 = nv > 5 ? w0 + 5 * C : w0;
		for (g = 0; g < T; g += OPS_PANEL) {
			x = xp + (size_t)g * C;
			for (j = 0; j < 12; j++)
				a[j] = (v8f){ 0 };
			for (k = 0; k < C; k++, x += OPS_PANEL) {
				memcpy(&u0, x, sizeof u0);
				memcpy(&u1, x + 8, sizeof u1);
				b = OPS_BCAST(w0[k]);
				a[0] += u0 * b; a[1] += u1 * b;
				b = OPS_BCAST(w1[k]);
				a[2] += u0 * b; a[3] += u1 * b;
				b = OPS_BCAST(w2[k]);
				a[4] += u0 * b; a[5] += u1 * b;
				b = OPS_BCAST(w3[k]);
				a[6] += u0 * b; a[7] += u1 * b;
				b = OPS_BCAST(w4[k]);
				a[8] += u0 * b; a[9] += u1 * b;
				b = OPS_BCAST(w5[k]);
				a[10] += u0 * b; a[11] += u1 * b;
			}
			nt = T - g < OPS_PANEL ? T - g : OPS_PANEL;
			for (t = 0; t < nt; t++) {
				for (j = 0; j < nv; j++)
					out[(size_t)(g + t) * ldo + v + j] =
					    a[2 * j + t / 8][t % 8];
			}
		}
	}
}

typedef float	v16f __attribute__((vector_size(64)));

/* Sixteen logits of each row of a tile, a[o..o+7] += u * w0..7[k]. */
#define OPS_NT16(a, u, o)						\
	do {								\
		a[o + 0] += u * w0[k]; a[o + 1] += u * w1[k];		\
		a[o + 2] += u * w2[k]; a[o + 3] += u * w3[k];		\
		a[o + 4] += u * w4[k]; a[o + 5] += u * w5[k];		\
		a[o + 6] += u * w6[k]; a[o + 7] += u * w7[k];		\
	} while (0)

/*
 * The same product for AVX-512, from inp packed in panels of 32: a tile of
 * 8 rows of w (24 KB) meets each panel of 32 rows, 8 x 32 logits in 16
 * registers, each w value broadcast once against the panel's two vectors:
 * 16 FMAs for 10 loads, 26 of the 32 registers (more accumulators would
 * spill). A panel of at most 16 rows (a batch's last) runs on one vector.
 * While the first panel runs, the next tile's rows are fetched from
 * memory, a line per k. A logit is summed over k in order, in float.
 */
__attribute__((target("avx512f"))) static void
ops_nt_tiles_avx512(float *out, const float *xp, const float *w, int T,
    int C, int ldo, int o0, int o1)
{
	const float	*w0, *w1, *w2, *w3, *w4, *w5, *w6, *w7, *x, *pre, *pend;
	v16f		 a[16], u0, u1;
	int		 v, g, k, t, j, nv, nt;

	for (v = o0; v < o1; v += OPS_WTILE16) {
		/* Past the end, a tile repeats its first row, not stored. */
		nv = o1 - v < OPS_WTILE16 ? o1 - v : OPS_WTILE16;
		w0 = w + (size_t)v * C;
		w1 = nv > 1 ? w0 + C : w0;
		w2 = nv > 2 ? w0 + 2 * C : w0;
		w3 = nv > 3 ? w0 + 3 * C : w0;
		w4 = nv > 4 ? w0 + 4 * C : w0;
		w5 = nv > 5 ? w0 + 5 * C : w0;
		w6 = nv > 6 ? w0 + 6 * C : w0;
		w7 = nv > 7 ? w0 + 7 * C : w0;
		pre = pend = w0;
		if (o1 - v >= 2 * OPS_WTILE16) {
			pre = w0 + (size_t)OPS_WTILE16 * C;
			pend = pre + (size_t)OPS_WTILE16 * C;
		}
		for (g = 0; g < T; g += OPS_PANEL16) {
			x = xp + (size_t)g * C;
			nt = T - g < OPS_PANEL16 ? T - g : OPS_PANEL16;
			for (j = 0; j < 16; j++)
				a[j] = (v16f){ 0 };
			if (nt > 16) {
				for (k = 0; k < C; k++, x += OPS_PANEL16) {
					if (pre < pend) {
						__builtin_prefetch(pre, 0, 2);
						pre += 16;
					}
					memcpy(&u0, x, sizeof u0);
					memcpy(&u1, x + 16, sizeof u1);
					OPS_NT16(a, u0, 0);
					OPS_NT16(a, u1, 8);
				}
			} else {
				for (k = 0; k < C; k++, x += OPS_PANEL16) {
					if (pre < pend) {
						__builtin_prefetch(pre, 0, 2);
						pre += 16;
					}
					memcpy(&u0, x, sizeof u0);
					OPS_NT16(a, u0, 0);
				}
			}
			for (t = 0; t < nt; t++) {
				for (j = 0; j < nv; j++)
					out[(size_t)(g + t) * ldo + v + j] =
					    a[j + 8 * (t / 16)][t % 16];
			}
		}
	}
}
#endif

static void
ops_mm_chunk(const struct ops_mm *a, int o0, int o1)
{
	int	t;

	if (a->trans == 1 && a->T <= OPS_SMALL) {
		ops_nt_small(a->out, a->inp, a->w, a->T, a->C, a->OC, o0, o1);
		return;
	}
	if (a->trans == 1) {
		a->tiles(a->out, a->xp, a->w, a->T, a->C, a->OC, o0, o1);
		return;
	}
	if (a->trans) {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, a->T,
		    o1 - o0, a->C, 1.0f, a->inp, a->C, a->w + (size_t)o0 * a->C,
		    a->C, 0.0f, a->out + o0, a->OC);
		return;
	}
	for (t = 0; a->bias != NULL && t < a->T; t++)
		memcpy(a->out + (size_t)t * a->OC + o0, a->bias + o0,
		    (size_t)(o1 - o0) * sizeof *a->out);
	if (a->T == 1) {
		/* One row: sgemv streams w once; sgemm would pack it. */
		cblas_sgemv(CblasRowMajor, CblasTrans, a->C, o1 - o0, 1.0f,
		    a->w + o0, a->OC, a->inp, 1, a->bias != NULL ? 1.0f : 0.0f,
		    a->out + o0, 1);
		return;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, a->T, o1 - o0,
	    a->C, 1.0f, a->inp, a->C, a->w + o0, a->OC, a->bias != NULL ?
	    1.0f : 0.0f, a->out + o0, a->OC);
}

static void
ops_mm_part(void *arg, int i, int n)
{
	struct ops_mm	*a = arg;
	int		 c, nc = n == 1 ? 1 : n * OPS_CHUNKS, o0, o1;

	/* sgemv is bound by memory: one stretch each streams fastest. */
	if (a->T == 1 && !a->trans)
		nc = n;
	/*
	 * ops_nt_tiles costs nothing per chunk (inp is packed once): chunks
	 * of a few ms, so that the threads finish close together.
	 */
	if (a->xp != NULL && n > 1 && (a->OC + OPS_NT_CHUNK - 1) /
	    OPS_NT_CHUNK > nc)
		nc = (a->OC + OPS_NT_CHUNK - 1) / OPS_NT_CHUNK;

	while ((c = atomic_fetch_add(&a->next, 1)) < nc) {
		/* Whole tiles of 6 (AVX2, portable) and of 8 (AVX-512). */
		ops_part(c, nc, a->OC, a->xp != NULL ? 24 : 16, &o0, &o1);
		if (o0 < o1)
			ops_mm_chunk(a, o0, o1);
	}
}

void
ops_matmul(float *out, const float *inp, const float *w, const float *bias,
    int T, int C, int OC)
{
	struct ops_mm	a = { out, inp, w, bias, T, C, OC, 0, 0, NULL, NULL };

	ops_parallel(ops_mm_part, &a);
}

/* The kernels of ops_matmul_nt's batches, by enum ops_nt_kernel. */
static const struct {
	const char	*name;
	ops_nt_fn	*fn;		/* NULL: OpenBLAS's sgemm */
	int		 panel;
} ops_nt_kernels[OPS_NT_NKERNELS] = {
	[OPS_NT_PORTABLE] = { "portable", ops_nt_tiles_c, OPS_PANEL },
#if OPS_X86
	[OPS_NT_AVX2] = { "avx2", ops_nt_tiles_avx2, OPS_PANEL },
	[OPS_NT_AVX512] = { "avx512", ops_nt_tiles_avx512, OPS_PANEL16 },
#else
	[OPS_NT_AVX2] = { "avx2", NULL, 0 },
	[OPS_NT_AVX512] = { "avx512", NULL, 0 },
#endif
	[OPS_NT_BLAS] = { "blas", NULL, 0 },
};
static atomic_int	ops_nt_current = OPS_NT_AUTO;

const char *
ops_nt_kernel_name(enum ops_nt_kernel k)
{
	if (k <= OPS_NT_AUTO || k >= OPS_NT_NKERNELS)
		return "auto";
	return ops_nt_kernels[k].name;
}

enum ops_nt_kernel
ops_nt_kernel_byname(const char *name)
{
	int	k;

	for (k = OPS_NT_AUTO + 1; k < OPS_NT_NKERNELS; k++) {
		if (strcmp(name, ops_nt_kernels[k].name) == 0)
			return k;
	}
	return OPS_NT_AUTO;
}

int
ops_nt_kernel_supported(enum ops_nt_kernel k)
{
	switch (k) {
	case OPS_NT_PORTABLE:
	case OPS_NT_BLAS:
		return 1;
#if OPS_X86
	case OPS_NT_AVX2:
		return __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
	case OPS_NT_AVX512:
		return __builtin_cpu_supports("avx512f");
#endif
	default:
		return 0;
	}
}

/* By the CPU's features alone: the widest kernel it runs. */
static enum ops_nt_kernel
ops_nt_default(void)
{
	if (ops_nt_kernel_supported(OPS_NT_AVX512))
		return OPS_NT_AVX512;
	if (ops_nt_kernel_supported(OPS_NT_AVX2))
		return OPS_NT_AVX2;
	return OPS_NT_PORTABLE;
}

int
ops_nt_set_kernel(enum ops_nt_kernel k)
{
	if (k != OPS_NT_AUTO && !ops_nt_kernel_supported(k))
		return -1;
	atomic_store(&ops_nt_current, k);
	return 0;
}

enum ops_nt_kernel
ops_nt_kernel(void)
{
	enum ops_nt_kernel	k = atomic_load(&ops_nt_current);

	return k == OPS_NT_AUTO ? ops_nt_default() : k;
}

void
ops_matmul_nt(float *out, const float *inp, const float *w, int T, int C,
    int V)
{
	struct ops_mm		 a = { out, inp, w, NULL, T, C, V, 1, 0, NULL,
				    NULL };
	enum ops_nt_kernel	 k = ops_nt_kernel();
	float			*xp = NULL;
	int			 panel;

	if (T > OPS_SMALL && k == OPS_NT_BLAS)
		a.trans = 2;
	else if (T > OPS_SMALL) {
		panel = ops_nt_kernels[k].panel;
		xp = xmalloc((size_t)(T + panel - 1) / panel * panel * C *
		    sizeof *xp);
		ops_nt_pack(xp, inp, T, C, panel);
		a.xp = xp;
		a.tiles = ops_nt_kernels[k].fn;
	}
	ops_parallel(ops_mm_part, &a);
	free(xp);
}

const char *
ops_blas_config(void)
{
	const char	*c = openblas_get_config();

	return c != NULL ? c : "?";
}

const char *
ops_blas_core(void)
{
	const char	*c = openblas_get_corename();

	return c != NULL ? c : "?";
}

void
ops_sgemm_nt(float *out, const float *inp, const float *w, int T, int C,
    int V)
{
	struct ops_mm	a = { out, inp, w, NULL, T, C, V, 2, 0, NULL, NULL };

	ops_parallel(ops_mm_part, &a);
}

/* The largest of V values, x[0] first. */
OPS_CLONES static float
ops_max(const float *x, int V)
{
	v8f	mv, v;
	float	m = x[0];
	int	i, j;

	i = 0;
	if (V >= 8) {
		memcpy(&mv, x, sizeof mv);
		for (i = 8; i + 8 <= V; i += 8) {
			memcpy(&v, x + i, sizeof v);
			mv = (v8f)(((v8i)mv & ~(v > mv)) | ((v8i)v & (v > mv)));
		}
		for (j = 0; j < 8; j++)
			m = mv[j] > m ? mv[j] : m;
	}
	for (; i < V; i++)
		m = x[i] > m ? x[i] : m;
	return m;
}

/* Softmax in place over a row of n scores. */
OPS_CLONES static void
ops_softmax_row(float *row, int n)
{
	v8f	v, sv = { 0 };
	float	max = ops_max(row, n), sum = 0.0f, inv;
	int	i, j;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&v, row + i, sizeof v);
		v -= max;
		ops_exp8(&v);
		sv += v;
		memcpy(row + i, &v, sizeof v);
	}
	for (j = 0; j < 8; j++)
		sum += sv[j];
	for (; i < n; i++) {
		row[i] = expf(row[i] - max);
		sum += row[i];
	}
	inv = 1.0f / sum;
	for (i = 0; i < n; i++)
		row[i] *= inv;
}

/* o (n) += a * v (n). */
OPS_CLONES static void
ops_axpy(float *o, float a, const float *v, int n)
{
	v8f	x, y;
	int	i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, o + i, sizeof x);
		memcpy(&y, v + i, sizeof y);
		x += a * y;
		memcpy(o + i, &x, sizeof x);
	}
	for (; i < n; i++)
		o[i] += a * v[i];
}

struct ops_att {
	float		*out;
	const float	*q, *k, *v;
	int		 ldq, ldkv, t0, T, C, NH;
	float		 scale;
	atomic_int	 next;
};

#define OPS_ATT_BLOCK	32

/*
 * Head h for the queries at absolute positions [p0, p1), one block: the
 * scores over keys [0, p1) into att (p1 - p0, p1), each row's softmax over
 * its own keys, then out = att @ v: one sgemm over the keys [0, K0) that all
 * rows see, and each row adds its keys past those. Masked keys are never
 * read, so a NaN in a later position cannot leak, and a position's sums do
 * not depend on t0: incremental runs equal full ones.
 */
static void
ops_att_block(const struct ops_att *a, float *att, int h, int p0, int p1)
{
	const int	 hs = a->C / a->NH, K0 = p0 / OPS_ATT_BLOCK *
			    OPS_ATT_BLOCK + 1;
	const float	*v = a->v + h * hs;
	float		*o, *ar;
	int		 p, j;

	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p1 - p0, p1, hs,
	    a->scale, a->q + (size_t)(p0 - a->t0) * a->ldq + h * hs, a->ldq,
	    a->k + h * hs, a->ldkv, 0.0f, att, p1);
	for (p = p0; p < p1; p++)
		ops_softmax_row(att + (size_t)(p - p0) * p1, p + 1);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p1 - p0, hs,
	    K0, 1.0f, att, p1, v, a->ldkv, 0.0f, a->out + (size_t)(p0 -
	    a->t0) * a->C + h * hs, a->C);
	for (p = p0; p < p1; p++) {
		ar = att + (size_t)(p - p0) * p1;
		o = a->out + (size_t)(p - a->t0) * a->C + h * hs;
		for (j = K0; j <= p; j++)
			ops_axpy(o, ar[j], v + (size_t)j * a->ldkv, hs);
	}
}

/* Heads taken in turn, each by blocks of absolute positions. */
static void
ops_att_part(void *arg, int i, int n)
{
	struct ops_att	*a = arg;
	const int	 B = OPS_ATT_BLOCK;
	int		 h, p0, p1;
	float		*att;

	att = ops_scratch(i, (size_t)B * a->T);
	while ((h = atomic_fetch_add(&a->next, 1)) < a->NH) {
		for (p0 = a->t0; p0 < a->T; p0 = p1) {
			p1 = (p0 / B + 1) * B < a->T ? (p0 / B + 1) * B :
			    a->T;
			ops_att_block(a, att, h, p0, p1);
		}
	}
}

void
ops_attention(float *out, const float *q, int ldq, const float *k,
    const float *v, int ldkv, int t0, int T, int C, int NH, float scale)
{
	struct ops_att	a = { out, q, k, v, ldq, ldkv, t0, T, C, NH, scale,
			    0 };

	/* Each thread has a block's worth of scores of its own. */
	ops_parallel(ops_att_part, &a);
}

OPS_CLONES void
ops_gelu(float *x, size_t n)
{
	const float	s = 0.7978845608028654f;	/* sqrt(2/pi) */
	v8f		u, z, t, th;
	v8i		neg;
	size_t		i;
	float		w;

	/* tanh |z| = (1 - e) / (1 + e), e = exp(-2|z|): no cancellation. */
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&u, x + i, sizeof u);
		z = s * (u + 0.044715f * u * u * u);
		neg = z < 0.0f;
		t = -2.0f * (v8f)((v8i)z & 0x7fffffff);
		ops_exp8(&t);
		th = (1.0f - t) / (1.0f + t);
		th = (v8f)((v8i)th ^ (neg & (int)0x80000000));
		u = 0.5f * u * (1.0f + th);
		memcpy(x + i, &u, sizeof u);
	}
	for (; i < n; i++) {
		w = x[i];
		x[i] = 0.5f * w * (1.0f + tanhf(s * (w + 0.044715f * w * w *
		    w)));
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
	pthread_once(&ops_once, ops_pool_init);
	if (n <= 0 || n == ops_pool.n)
		return;
	pthread_mutex_lock(&ops_pool.region);
	ops_pool_stop();
	ops_pool_start(n);
	pthread_mutex_unlock(&ops_pool.region);
}

int
ops_get_threads(void)
{
	pthread_once(&ops_once, ops_pool_init);
	return ops_pool.n;
}

/*
 * The fused pass: sums of e = exp(x - max), e x and pf x, and the counts of
 * x > thr[0] and x > thr[1]. Products accumulate in float over 64 values,
 * then in double.
 */
OPS_CLONES static void
ops_row_pass(struct ops_stats *st, const float *x, const float *pf, int V,
    float max, float thr0, float thr1, int *n0, int *n1)
{
	v4d	ds = { 0 }, dx = { 0 }, dd = { 0 };
	v8f	v, e, p, s, sx, sd;
	v8i	c0 = { 0 }, c1 = { 0 };
	double	sum, ex, dot, ev;
	int	i, j, k0 = 0, k1 = 0;

	for (i = 0; i + 64 <= V; i += 64) {
		s = sx = sd = (v8f){ 0 };
		for (j = i; j < i + 64; j += 8) {
			memcpy(&v, x + j, sizeof v);
			e = v - max;
			ops_exp8(&e);
			s += e;
			sx += e * v;
			if (pf != NULL) {
				memcpy(&p, pf + j, sizeof p);
				sd += p * v;
			}
			c0 -= v > thr0;
			c1 -= v > thr1;
		}
		ops_acc4d(&ds, &s);
		ops_acc4d(&dx, &sx);
		ops_acc4d(&dd, &sd);
	}
	sum = ops_hsum4d(&ds);
	ex = ops_hsum4d(&dx);
	dot = ops_hsum4d(&dd);
	for (j = 0; j < 8; j++) {
		k0 += c0[j];
		k1 += c1[j];
	}
	for (; i < V; i++) {
		ev = (double)expf(x[i] - max);
		sum += ev;
		ex += ev * (double)x[i];
		if (pf != NULL)
			dot += (double)pf[i] * (double)x[i];
		k0 += x[i] > thr0;
		k1 += x[i] > thr1;
	}
	st->max = max;
	st->lse = (double)max + log(sum);
	st->ex = ex / sum;
	st->dotf = dot;
	if (n0 != NULL)
		*n0 = k0;
	if (n1 != NULL)
		*n1 = k1;
}

void
ops_row_stats(struct ops_stats *st, const float *x, const float *pf, int V)
{
	ops_row_pass(st, x, pf, V, ops_max(x, V), INFINITY, INFINITY, NULL,
	    NULL);
}

void
ops_row_stats_count(struct ops_stats *st, const float *x, const float *pf,
    int V, float max, float thr0, float thr1, int *n0, int *n1)
{
	ops_row_pass(st, x, pf, V, max, thr0, thr1, n0, n1);
}

OPS_CLONES void
ops_softmax(float *p, const float *x, int V, double lse)
{
	v8f	v;
	v4d	a, b;
	int	i;

	/* x - lse in double: its rounding would be a relative error of p. */
	for (i = 0; i + 8 <= V; i += 8) {
		memcpy(&v, x + i, sizeof v);
		ops_cvt4d(&a, &b, &v);
		a -= lse;
		b -= lse;
		ops_exp4d(&a);
		ops_exp4d(&b);
		v = (v8f){ (float)a[0], (float)a[1], (float)a[2], (float)a[3],
		    (float)b[0], (float)b[1], (float)b[2], (float)b[3] };
		memcpy(p + i, &v, sizeof v);
	}
	for (; i < V; i++)
		p[i] = (float)exp((double)x[i] - lse);
}

OPS_CLONES int
ops_count_gt(const float *x, int V, float thr)
{
	v8f	v;
	v8i	c = { 0 };
	int	i, j, n = 0;

	for (i = 0; i + 8 <= V; i += 8) {
		memcpy(&v, x + i, sizeof v);
		c -= v > thr;
	}
	for (j = 0; j < 8; j++)
		n += c[j];
	for (; i < V; i++)
		n += x[i] > thr;
	return n;
}

/* Inserts x[i0..i1) into the sorted list of n (<= k) entries. */
static int
ops_topk_insert(int *ids, float *vals, const float *x, int i0, int i1,
    int n, int k)
{
	int	i, j;

	for (i = i0; i < i1; i++) {
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
	return n;
}

OPS_CLONES void
ops_topk(int *ids, float *vals, const float *x, int V, int k)
{
	v8f	v, mv;
	v8i	gt;
	int	i, j, n = 0, any;

	if (k > V)
		k = V;
	/*
	 * Blocks of 64 whose largest value does not beat the k-th are
	 * skipped whole; the others go through the scalar insertion.
	 */
	for (i = 0; i + 64 <= V; i += 64) {
		if (n == k) {
			memcpy(&mv, x + i, sizeof mv);
			for (j = i + 8; j < i + 64; j += 8) {
				memcpy(&v, x + j, sizeof v);
				gt = v > mv;
				mv = (v8f)(((v8i)mv & ~gt) | ((v8i)v & gt));
			}
			gt = mv > vals[k - 1];
			for (j = any = 0; j < 8; j++)
				any |= gt[j];
			if (!any)
				continue;
		}
		n = ops_topk_insert(ids, vals, x, i, i + 64, n, k);
	}
	ops_topk_insert(ids, vals, x, i, V, n, k);
}

/*
 * The products over packed weights (ops.h). A tile of OPS_PACK_ROWS rows of
 * inp by a panel's 48 columns holds 24 accumulators; each k loads the
 * panel's three vectors and broadcasts eight values of inp (11 loads for 24
 * FMAs). inp is packed first, k-major by tiles of 8 rows, so that a tile's
 * broadcasts are one stream. k runs in blocks of OPS_PACK_K: a panel's block
 * (24 KB) stays in L1 while every tile of inp meets it, and the first tile
 * fetches the next block ahead (it comes from memory, or from the page
 * cache's file). A result is summed over k in order, in float; a tile is
 * started from the bias, then from out.
 */
#define OPS_PACK_ROWS	8
#define OPS_PACK_K	128
#define OPS_PACK_AHEAD	8	/* rows of a panel fetched ahead */

size_t
ops_pack_len(int C, int OC)
{
	return (size_t)(OC + OPS_PACK_W - 1) / OPS_PACK_W * OPS_PACK_W * C;
}

void
ops_pack(float *wp, const float *w, int C, int OC)
{
	float	*d;
	int	 p, k, n;

	for (p = 0; p * OPS_PACK_W < OC; p++) {
		n = OC - p * OPS_PACK_W < OPS_PACK_W ? OC - p * OPS_PACK_W :
		    OPS_PACK_W;
		for (k = 0; k < C; k++) {
			d = wp + ((size_t)p * C + k) * OPS_PACK_W;
			memcpy(d, w + (size_t)k * OC + p * OPS_PACK_W,
			    (size_t)n * sizeof *d);
			memset(d + n, 0, (size_t)(OPS_PACK_W - n) * sizeof *d);
		}
	}
}

void
ops_pack_nt(float *wp, const float *w, int C, int OC)
{
	float	*d;
	int	 p, k, j, n;

	for (p = 0; p * OPS_PACK_W < OC; p++) {
		n = OC - p * OPS_PACK_W < OPS_PACK_W ? OC - p * OPS_PACK_W :
		    OPS_PACK_W;
		for (k = 0; k < C; k++) {
			d = wp + ((size_t)p * C + k) * OPS_PACK_W;
			for (j = 0; j < n; j++)
				d[j] = w[((size_t)p * OPS_PACK_W + j) * C + k];
			memset(d + n, 0, (size_t)(OPS_PACK_W - n) * sizeof *d);
		}
	}
}

/* The packed kernel in use: 0 none, 1 AVX2, 2 AVX-512 (-1: not chosen). */
static atomic_int	ops_pk_current = -1;

/* The widest packed kernel this CPU runs. */
static int
ops_pk_widest(void)
{
#if OPS_X86
	if (__builtin_cpu_supports("avx512f"))
		return 2;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return 1;
#endif
	return 0;
}

static int
ops_pk_kernel(void)
{
	int	k = atomic_load(&ops_pk_current);

	if (k < 0) {
		k = ops_pk_widest();
		atomic_store(&ops_pk_current, k);
	}
	return k;
}

int
ops_packed_supported(void)
{
	return ops_pk_kernel() != 0;
}

const char *
ops_packed_kernel(void)
{
	static const char *const names[] = { "none", "avx2", "avx512" };

	return names[ops_pk_kernel()];
}

int
ops_packed_set(const char *name)
{
	int	k;

	if (name == NULL) {
		atomic_store(&ops_pk_current, ops_pk_widest());
		return 0;
	}
	if (strcmp(name, "avx512") == 0)
		k = 2;
	else if (strcmp(name, "avx2") == 0)
		k = 1;
	else
		return -1;
	if (k > ops_pk_widest())
		return -1;
	atomic_store(&ops_pk_current, k);
	return 0;
}

struct ops_pk {
	float		*out;
	const float	*xp, *wp, *bias;	/* xp: inp by tiles of 8 */
	int		 T, C, OC;
	atomic_int	 next;
};

#if OPS_X86
/* A vector of sixteen s (a broadcast load, not an addition of 0). */
#define OPS_BCAST16(s)							\
	((v16f){ (s), (s), (s), (s), (s), (s), (s), (s),		\
	    (s), (s), (s), (s), (s), (s), (s), (s) })
/* A tile's row r from out (kb > 0), the bias or 0; the last panel via buf. */
/*
 * Row r of a tile, the kernels' three accumulators c<r>0..2 of any width:
 * the tile's rows are row0.. (nr of them), its columns col.. (ncol of a
 * full), read from out (kb > 0), the bias or 0, and a short tile's
 * columns through buf; then stored back.
 */
#define OPS_PK_LANES(v)	((int)(sizeof (v) / sizeof (float)))
#define OPS_PK_INIT(r)							\
	if (kb > 0 && r < nr)						\
		src = a->out + (size_t)(row0 + r) * a->OC + col;	\
	else								\
		src = a->bias != NULL ? a->bias + col : NULL;		\
	if (src == NULL) {						\
		memset(&c##r##0, 0, sizeof c##r##0);			\
		memset(&c##r##1, 0, sizeof c##r##1);			\
		memset(&c##r##2, 0, sizeof c##r##2);			\
	} else {							\
		if (ncol < full) {					\
			memcpy(buf, src, (size_t)ncol * sizeof *buf);	\
			src = buf;					\
		}							\
		memcpy(&c##r##0, src, sizeof c##r##0);			\
		memcpy(&c##r##1, src + OPS_PK_LANES(c##r##0),		\
		    sizeof c##r##1);					\
		memcpy(&c##r##2, src + 2 * OPS_PK_LANES(c##r##0),	\
		    sizeof c##r##2);					\
	}
#define OPS_PK_STORE(r)							\
	if (r < nr) {							\
		dst = ncol < full ? buf : a->out + (size_t)(row0 + r) *	\
		    a->OC + col;					\
		memcpy(dst, &c##r##0, sizeof c##r##0);			\
		memcpy(dst + OPS_PK_LANES(c##r##0), &c##r##1,		\
		    sizeof c##r##1);					\
		memcpy(dst + 2 * OPS_PK_LANES(c##r##0), &c##r##2,	\
		    sizeof c##r##2);					\
		if (ncol < full)					\
			memcpy(a->out + (size_t)(row0 + r) * a->OC + col, \
			    buf, (size_t)ncol * sizeof *buf);		\
	}
#define OPS_PK_FMA(r) {							\
	v16f	b_ = OPS_BCAST16(xk[r]);				\
	c##r##0 += b_ * u0;						\
	c##r##1 += b_ * u1;						\
	c##r##2 += b_ * u2;						\
}
/* The next rows of a panel's block into L1. */
#define OPS_PK_FETCH(pre) do {						\
	__builtin_prefetch(pre, 0, 3);					\
	__builtin_prefetch(pre + 16, 0, 3);				\
	__builtin_prefetch(pre + 32, 0, 3);				\
	pre += OPS_PACK_W;						\
} while (0)
/* One k of a tile. */
#define OPS_PK_STEP() do {						\
	memcpy(&u0, wk, sizeof u0);					\
	memcpy(&u1, wk + 16, sizeof u1);				\
	memcpy(&u2, wk + 32, sizeof u2);				\
	OPS_PK_FMA(0) OPS_PK_FMA(1) OPS_PK_FMA(2) OPS_PK_FMA(3)		\
	OPS_PK_FMA(4) OPS_PK_FMA(5) OPS_PK_FMA(6) OPS_PK_FMA(7)		\
	wk += OPS_PACK_W;						\
	xk += OPS_PACK_ROWS;						\
} while (0)

__attribute__((target("avx512f"))) static void
ops_pk_panels(struct ops_pk *a, int p0, int p1)
{
	float		 buf[OPS_PACK_W], *dst;
	const float	*wb, *wk, *xk, *src, *pre;
	v16f		 c00, c01, c02, c10, c11, c12, c20, c21, c22;
	v16f		 c30, c31, c32, c40, c41, c42, c50, c51, c52;
	v16f		 c60, c61, c62, c70, c71, c72, u0, u1, u2;
	const int	 full = OPS_PACK_W;
	int		 p, col, ncol, kb, ke, t0, row0, nr, k;

	for (p = p0; p < p1; p++) {
		col = p * OPS_PACK_W;
		ncol = a->OC - col < OPS_PACK_W ? a->OC - col : OPS_PACK_W;
		for (kb = 0; kb < a->C; kb += OPS_PACK_K) {
			ke = a->C - kb < OPS_PACK_K ? a->C - kb : OPS_PACK_K;
			wb = a->wp + ((size_t)p * a->C + kb) * OPS_PACK_W;
			/* The next block (or panel) follows in memory. */
			pre = wb + (size_t)ke * OPS_PACK_W;
			for (t0 = 0; t0 < a->T; t0 += OPS_PACK_ROWS) {
				row0 = t0;
				nr = a->T - t0 < OPS_PACK_ROWS ? a->T - t0 :
				    OPS_PACK_ROWS;
				OPS_PK_INIT(0) OPS_PK_INIT(1) OPS_PK_INIT(2)
				OPS_PK_INIT(3) OPS_PK_INIT(4) OPS_PK_INIT(5)
				OPS_PK_INIT(6) OPS_PK_INIT(7)
				wk = wb;
				xk = a->xp + ((size_t)t0 * a->C + (size_t)kb *
				    OPS_PACK_ROWS);
				if (t0 == 0 && p + 1 < p1) {
					for (k = 0; k < ke; k++) {
						OPS_PK_FETCH(pre);
						OPS_PK_STEP();
					}
				} else {
					for (k = 0; k < ke; k++)
						OPS_PK_STEP();
				}
				OPS_PK_STORE(0) OPS_PK_STORE(1)
				OPS_PK_STORE(2) OPS_PK_STORE(3)
				OPS_PK_STORE(4) OPS_PK_STORE(5)
				OPS_PK_STORE(6) OPS_PK_STORE(7)
			}
		}
	}
}

/*
 * The same for AVX2 (16 registers): each tile of 8 rows runs as four
 * quarters, 4 rows by 24 columns (half a panel), 12 accumulators; each k
 * loads three vectors of the half panel and broadcasts four values of inp
 * (7 loads for 12 FMAs). The panel's block stays in L1 for all four.
 */
#define OPS_PK8_FMA(r) {						\
	v8f	b_ = OPS_BCAST(xk[r]);					\
	c##r##0 += b_ * u0;						\
	c##r##1 += b_ * u1;						\
	c##r##2 += b_ * u2;						\
}
#define OPS_PK8_STEP() do {						\
	memcpy(&u0, wk, sizeof u0);					\
	memcpy(&u1, wk + 8, sizeof u1);					\
	memcpy(&u2, wk + 16, sizeof u2);				\
	OPS_PK8_FMA(0) OPS_PK8_FMA(1) OPS_PK8_FMA(2) OPS_PK8_FMA(3)	\
	wk += OPS_PACK_W;						\
	xk += OPS_PACK_ROWS;						\
} while (0)

__attribute__((target("avx2,fma"))) static void
ops_pk_panels_avx2(struct ops_pk *a, int p0, int p1)
{
	float		 buf[OPS_PACK_W / 2], *dst;
	const float	*wb, *wk, *xk, *src, *pre;
	v8f		 c00, c01, c02, c10, c11, c12, c20, c21, c22;
	v8f		 c30, c31, c32, u0, u1, u2;
	const int	 full = OPS_PACK_W / 2;
	int		 p, o, col, nv, ncol, kb, ke, t0, nr, row0, h, q, k;

	for (p = p0; p < p1; p++) {
		o = p * OPS_PACK_W;
		nv = a->OC - o < OPS_PACK_W ? a->OC - o : OPS_PACK_W;
		for (kb = 0; kb < a->C; kb += OPS_PACK_K) {
			ke = a->C - kb < OPS_PACK_K ? a->C - kb : OPS_PACK_K;
			wb = a->wp + ((size_t)p * a->C + kb) * OPS_PACK_W;
			pre = wb + (size_t)ke * OPS_PACK_W;
			for (t0 = 0; t0 < a->T; t0 += OPS_PACK_ROWS) {
				/* Quarters: 4 rows by half a panel. */
				for (q = 0; q < 4; q++) {
					row0 = t0 + q / 2 * 4;
					h = q % 2 * (OPS_PACK_W / 2);
					nr = a->T - row0 < 4 ? a->T - row0 : 4;
					col = o + h;
					ncol = nv - h < full ? nv - h : full;
					if (nr <= 0 || ncol <= 0)
						continue;
					OPS_PK_INIT(0) OPS_PK_INIT(1)
					OPS_PK_INIT(2) OPS_PK_INIT(3)
					wk = wb + h;
					xk = a->xp + (size_t)t0 * a->C +
					    (size_t)kb * OPS_PACK_ROWS +
					    (row0 - t0);
					if (t0 == 0 && q == 0 && p + 1 < p1) {
						for (k = 0; k < ke; k++) {
							OPS_PK_FETCH(pre);
							OPS_PK8_STEP();
						}
					} else {
						for (k = 0; k < ke; k++)
							OPS_PK8_STEP();
					}
					OPS_PK_STORE(0) OPS_PK_STORE(1)
					OPS_PK_STORE(2) OPS_PK_STORE(3)
				}
			}
		}
	}
}
#endif

static void
ops_pk_part(void *arg, int i, int n)
{
	struct ops_pk	*a = arg;
	int		 np = (a->OC + OPS_PACK_W - 1) / OPS_PACK_W;
	int		 c, nc = n == 1 ? 1 : n * OPS_CHUNKS, p0, p1;

	(void)i;
	while ((c = atomic_fetch_add(&a->next, 1)) < nc) {
		ops_part(c, nc, np, 1, &p0, &p1);
#if OPS_X86
		if (p0 < p1 && ops_pk_kernel() == 2)
			ops_pk_panels(a, p0, p1);
		else if (p0 < p1)
			ops_pk_panels_avx2(a, p0, p1);
#endif
	}
}

void
ops_matmul_packed(float *out, const float *inp, const float *wp,
    const float *bias, int T, int C, int OC)
{
	struct ops_pk	 a = { out, NULL, wp, bias, T, C, OC, 0 };
	float		*xp;

	xp = xmalloc((size_t)(T + OPS_PACK_ROWS - 1) / OPS_PACK_ROWS *
	    OPS_PACK_ROWS * C * sizeof *xp);
	ops_nt_pack(xp, inp, T, C, OPS_PACK_ROWS);
	a.xp = xp;
	ops_parallel(ops_pk_part, &a);
	free(xp);
}
