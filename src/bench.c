/*
 * bench.c: logitlens-bench, the timings of the lens on a model directory.
 *
 * Measures, medians over runs: the machine's sgemm rate at the lens's own
 * shape (rows x n_embd x n_vocab; OpenBLAS's and the lens's own product,
 * the faster setting the floor), its peak rate of fused multiply-adds
 * (which no implementation can beat) and of reading the weights (which
 * bounds an append), the full lens (forward + every cell of the L+1 block
 * rows) at several T, appending one token and editing the first token at
 * T = 64, start-up (load to the first computed prompt) and peak RSS (after
 * a run at T = n_ctx unless -R). -F: the full lens only.
 * Prints a table, and JSON with -j. Knows nothing of the peer: bench/run.sh
 * puts the two side by side.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kern.h"
#include "lens.h"
#include "model.h"
#include "ops.h"
#include "util.h"

#define BENCH_MAXT	16
#define BENCH_BATCH	208	/* a lens batch: 16 of 32 positions x 13 rows */

struct bench_full {
	int	T;
	double	med, min, fwd;
};

static int	bench_runs = 7;

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
bench_min(const double *v, int n)
{
	double	m = v[0];
	int	i;

	for (i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

/* Random ids, the same for every T (a prefix of one sequence). */
static void
bench_ids(int *ids, int n, int V)
{
	unsigned int	x = 12345;
	int		i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		ids[i] = (int)((x >> 8) % (unsigned int)V);
	}
}

/*
 * The machine's peak: every thread of the pool doing nothing but
 * independent fused multiply-adds, the widest the CPU has (8 floats with
 * AVX2, 16 with AVX-512). No product of the lens can run faster; it bounds
 * what any implementation, ours or the peer's, can reach.
 */
#define BENCH_FMA_ITERS	20000000L
#define BENCH_FMA_BODY(v)						\
	v	a0 = x + 1, a1 = x + 2, a2 = x + 3, a3 = x + 4,	\
		a4 = x + 5, a5 = x + 6, a6 = x + 7, a7 = x + 8,		\
		a8 = x + 9, a9 = x + 10, a10 = x + 11, a11 = x + 12;	\
	long	i;							\
									\
	for (i = 0; i < n; i++) {					\
		a0 = a0 * m + x; a1 = a1 * m + x; a2 = a2 * m + x;	\
		a3 = a3 * m + x; a4 = a4 * m + x; a5 = a5 * m + x;	\
		a6 = a6 * m + x; a7 = a7 * m + x; a8 = a8 * m + x;	\
		a9 = a9 * m + x; a10 = a10 * m + x; a11 = a11 * m + x;	\
	}								\
	a0 += a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;	\
	return a0[0]

typedef float	bench_v8 __attribute__((vector_size(32)));
/* Zero, but not to the compiler: the loop must not fold away. */
static volatile float	bench_zero;
#if defined(__x86_64__) && defined(__GNUC__)
typedef float	bench_v16 __attribute__((vector_size(64)));

__attribute__((target("avx512f"))) static float
bench_fma16(long n)
{
	const bench_v16	z = { 0 }, x = z + bench_zero, m = x + 1;

	BENCH_FMA_BODY(bench_v16);
}

__attribute__((target("avx2,fma"))) static float
bench_fma8(long n)
#else
static float
bench_fma8(long n)
#endif
{
	const bench_v8	z = { 0 }, x = z + bench_zero, m = x + 1;

	BENCH_FMA_BODY(bench_v8);
}

static volatile float	bench_sink;
static int		bench_wide;

static void
bench_fma_part(void *arg, int i, int n)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (bench_wide) {
		bench_sink = bench_fma16(BENCH_FMA_ITERS);
		return;
	}
#endif
	bench_sink = bench_fma8(BENCH_FMA_ITERS);
}

/* GFLOP/s of the pool's threads at once, 8 and 16 wide: the best. */
static double
bench_peak(void)
{
	double	best = 0, t0, g;
	int	w, r;

	for (w = 0; w < 2; w++) {
#if defined(__x86_64__) && defined(__GNUC__)
		if ((w == 0 && !__builtin_cpu_supports("fma")) ||
		    (w == 1 && !__builtin_cpu_supports("avx512f")))
			continue;
#else
		if (w == 1)
			continue;
#endif
		bench_wide = w;
		for (r = 0; r < 3; r++) {
			t0 = util_now();
			ops_parallel(bench_fma_part, NULL);
			g = ops_get_threads() * BENCH_FMA_ITERS * 12.0 *
			    (w ? 16 : 8) * 2 / (util_now() - t0) / 1e9;
			best = g > best ? g : best;
		}
	}
	return best;
}

/*
 * The rate of reading the mapped weights: the pool's threads summing wte
 * (154 MB for GPT-2, far larger than the caches), a part each. An appended
 * token reads every block's weights and wte once, so this rate bounds its
 * time.
 */
struct bench_bw {
	const float	*buf;
	size_t		 n;
	float		 sum[OPS_MAXTHREADS];
};

static void
bench_bw_part(void *arg, int i, int n)
{
	struct bench_bw	*b = arg;
	size_t		 lo = b->n / n * i, hi = i == n - 1 ? b->n : lo + b->n / n;
	bench_v8	 a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 }, v;
	size_t		 k;

	for (k = lo; k + 32 <= hi; k += 32) {
		memcpy(&v, b->buf + k, sizeof v);
		a0 += v;
		memcpy(&v, b->buf + k + 8, sizeof v);
		a1 += v;
		memcpy(&v, b->buf + k + 16, sizeof v);
		a2 += v;
		memcpy(&v, b->buf + k + 24, sizeof v);
		a3 += v;
	}
	a0 += a1 + a2 + a3;
	b->sum[i] = a0[0];
}

/* GB/s of reading wte on every thread of the pool: the best of 3. */
static double
bench_bandwidth(const struct gpt2 *m)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct bench_bw			 b;
	double				 best = 0, t0, g;
	int				 r;

	b.buf = gpt2_wte(m);
	b.n = (size_t)c->n_vocab * c->n_embd;
	for (r = 0; r < 3; r++) {
		t0 = util_now();
		ops_parallel(bench_bw_part, &b);
		g = b.n * sizeof (float) / (util_now() - t0) / 1e9;
		best = g > best ? g : best;
	}
	bench_sink = b.sum[0];
	return best;
}

/*
 * GFLOP/s at the lens's shape, rows x C times (V x C)^T, the best of 5: of
 * OpenBLAS's sgemm (BENCH_SGEMM), ops_matmul_nt's kernel as set
 * (BENCH_NT), or the lens's product as it runs (BENCH_UNEMBED: packed wte
 * where the model has it).
 */
enum { BENCH_NT, BENCH_SGEMM, BENCH_UNEMBED };

static double
bench_sgemm(const struct gpt2 *m, int rows, int how)
{
	const struct gpt2_config	*c = gpt2_config(m);
	float				*x, *out;
	double				 best = 1e30, t0;
	size_t				 outbytes;
	int				 i;

	outbytes = (size_t)rows * c->n_vocab * sizeof *out;
	x = xcalloc((size_t)rows * c->n_embd, sizeof *x);
	for (i = 0; i < rows * c->n_embd; i++)
		x[i] = (float)(((unsigned)i * 7919u) % 1000u) / 1000.0f - 0.5f;
	out = xbigalloc(outbytes);
	for (i = -1; i < 5; i++) {
		t0 = util_now();
		if (how == BENCH_SGEMM)
			ops_sgemm_nt(out, x, gpt2_wte(m), rows, c->n_embd,
			    c->n_vocab);
		else if (how == BENCH_NT)
			ops_matmul_nt(out, x, gpt2_wte(m), rows, c->n_embd,
			    c->n_vocab);
		else
			gpt2_unembed(m, out, x, rows);
		t0 = util_now() - t0;
		if (i < 0)
			continue;	/* a warm-up */
		best = t0 < best ? t0 : best;
	}
	xbigfree(out, outbytes);
	free(x);
	return 2.0 * rows * c->n_embd * c->n_vocab / best / 1e9;
}

/*
 * Every kernel kern.c would measure, on wte at a lens batch's rows: the
 * rate of each, 0 for those not run; the chosen kernel is set again after.
 */
static void
bench_kernels(const struct gpt2 *m, int rows, double *gflops)
{
	enum ops_nt_kernel	was = ops_nt_kernel();
	int			k;

	for (k = 0; k < OPS_NT_NKERNELS; k++) {
		gflops[k] = 0;
		if (k == OPS_NT_AUTO || !ops_nt_kernel_supported(k) ||
		    (k == OPS_NT_PORTABLE &&
		    ops_nt_kernel_supported(OPS_NT_AVX2)))
			continue;
		ops_nt_set_kernel(k);
		gflops[k] = bench_sgemm(m, rows, BENCH_NT);
	}
	ops_nt_set_kernel(was);
}

/* s as a JSON string's contents (no quotes, backslashes, control bytes). */
static void
bench_json_str(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

/* Forward + lens of every block row from scratch, runs times. */
static void
bench_full(struct lens *ln, struct gpt2_state *s, const int *ids, int T,
    struct bench_full *r)
{
	double	t[64], f[64], t0;
	int	i;

	r->T = T;
	for (i = -1; i < bench_runs; i++) {
		gpt2_state_reset(s);
		t0 = util_now();
		gpt2_forward(s, ids, T, NULL, NULL, NULL);
		if (i >= 0)
			f[i] = util_now() - t0;
		gpt2_state_reset(s);
		t0 = util_now();
		lens_run(ln, s, ids, T, 0, 0, 0, NULL, NULL, NULL);
		if (i >= 0)
			t[i] = util_now() - t0;
	}
	r->min = bench_min(t, bench_runs);
	r->med = bench_median(t, bench_runs);
	r->fwd = bench_median(f, bench_runs);
}

/* Appending token T-1 to a prompt of T-1 tokens. */
static double
bench_append(struct lens *ln, struct gpt2_state *s, const int *ids, int T)
{
	double	t[64], t0;
	int	i;

	gpt2_state_reset(s);
	lens_run(ln, s, ids, T, 0, 0, 0, NULL, NULL, NULL);
	for (i = -1; i < bench_runs; i++) {
		lens_run(ln, s, ids, T - 1, 0, 0, 0, NULL, NULL, NULL);
		t0 = util_now();
		lens_run(ln, s, ids, T, 0, T - 1, T, NULL, NULL, NULL);
		if (i >= 0)
			t[i] = util_now() - t0;
	}
	return bench_median(t, bench_runs);
}

static double	bench_t0, bench_first;

/* The time to the first batch: the visible columns' cells come first. */
static void
bench_progress(void *arg, int done, int total)
{
	if (bench_first == 0)
		bench_first = util_now() - bench_t0;
}

/* Editing the first token of a prompt of T tokens; *first: the first batch. */
static double
bench_edit(struct lens *ln, struct gpt2_state *s, const int *ids, int T,
    int V, double *first)
{
	double	 t[64], f[64];
	int	*e, i;

	e = xcalloc((size_t)T, sizeof *e);
	memcpy(e, ids, (size_t)T * sizeof *e);
	gpt2_state_reset(s);
	lens_run(ln, s, e, T, 0, 0, 0, NULL, NULL, NULL);
	for (i = -1; i < bench_runs; i++) {
		e[0] = (e[0] + 1) % V;
		bench_first = 0;
		bench_t0 = util_now();
		lens_run(ln, s, e, T, 0, 0, T < 16 ? T : 16, NULL,
		    bench_progress, NULL);
		if (i >= 0) {
			t[i] = util_now() - bench_t0;
			f[i] = bench_first;
		}
	}
	free(e);
	*first = bench_median(f, bench_runs);
	return bench_median(t, bench_runs);
}

/* RssAnon and RssFile of /proc/self/status in MB (Linux), else -1. */
static void
bench_rss_parts(double *anon, double *file)
{
	FILE	*f;
	char	 line[256];
	long	 kb;

	*anon = *file = -1;
	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "RssAnon: %ld", &kb) == 1)
			*anon = kb / 1024.0;
		else if (sscanf(line, "RssFile: %ld", &kb) == 1)
			*file = kb / 1024.0;
	}
	fclose(f);
}

static double
bench_rss_mb(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: logitlens-bench [-FR] [-j json] [-n runs] "
	    "[-t threads] [-T T,...] model-dir\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	const struct gpt2_config	*c;
	struct gpt2			*m;
	struct gpt2_state		*s;
	struct lens			*ln;
	struct bench_full		 full[BENCH_MAXT];
	FILE				*f;
	const char			*json = NULL;
	char				*cause, *p, *ep;
	double				 t0, startup, load, gflops, fl, ffl;
	double				 blasg, owng;
	double				 append, edit, first, rss, big = 0;
	double				 wbytes, anon, file, peak, bw, abytes;
	int				*ids, Ts[BENCH_MAXT] = { 16, 64, 256 };
	int				 nT = 3, ch, i, doR = 1, threads = 0;
	int				 onlyfull = 0, k;
	struct kern_choice		 kc;
	struct kern_forward		 kf;
	double				 kg[OPS_NT_NKERNELS], kpacked;
	const char			*lk, *lhow;
	char				*cpu, *feat;
	const char			*coretype;

	while ((ch = getopt(argc, argv, "FRj:n:t:T:")) != -1) {
		switch (ch) {
		case 'F':
			onlyfull = 1;
			doR = 0;
			break;
		case 'R':
			doR = 0;
			break;
		case 'j':
			json = optarg;
			break;
		case 'n':
			bench_runs = atoi(optarg);
			if (bench_runs < 1 || bench_runs > 64)
				usage();
			break;
		case 't':
			threads = atoi(optarg);
			break;
		case 'T':
			nT = 0;
			for (p = optarg; *p != '\0' && nT < BENCH_MAXT; p = ep) {
				Ts[nT++] = (int)strtol(p, &ep, 10);
				if (ep == p)
					usage();
				if (*ep == ',')
					ep++;
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	ops_set_threads(threads);

	/* Start-up: load to the lens of a 16-token prompt. */
	t0 = util_now();
	if ((m = gpt2_load(argv[0], &cause)) == NULL) {
		fprintf(stderr, "logitlens-bench: %s\n", cause);
		free(cause);
		return 1;
	}
	load = util_now() - t0;
	c = gpt2_config(m);
	/* As the program does: measured once per machine, then cached. */
	if (kern_choose(&kc, c->n_embd, &cause) != 0) {
		fprintf(stderr, "logitlens-bench: %s\n", cause);
		free(cause);
	}
	if (kern_forward(&kf, c->n_embd, &cause) != 0) {
		fprintf(stderr, "logitlens-bench: %s\n", cause);
		free(cause);
	}
	if (kf.tmax > 0 && gpt2_pack(m, kf.tmax, kf.lens, &cause) != 0) {
		fprintf(stderr, "logitlens-bench: packed weights: %s\n",
		    cause);
		free(cause);
		kf.tmax = 0;
	}
	ids = xcalloc((size_t)c->n_ctx, sizeof *ids);
	bench_ids(ids, c->n_ctx, c->n_vocab);
	s = gpt2_state_new(m);
	ln = lens_new(m, 10);
	lens_run(ln, s, ids, 16 < c->n_ctx ? 16 : c->n_ctx, 0, 0, 16, NULL,
	    NULL, NULL);
	startup = util_now() - t0;

	for (i = 0; i < nT; i++) {
		if (Ts[i] < 1 || Ts[i] > c->n_ctx)
			usage();
		bench_full(ln, s, ids, Ts[i], &full[i]);
	}
	append = edit = first = 0;
	if (!onlyfull) {
		append = bench_append(ln, s, ids, 64 < c->n_ctx ? 64 :
		    c->n_ctx);
		edit = bench_edit(ln, s, ids, 64 < c->n_ctx ? 64 : c->n_ctx,
		    c->n_vocab, &first);
	}
	if (doR) {
		gpt2_state_reset(s);
		t0 = util_now();
		lens_run(ln, s, ids, c->n_ctx, 0, 0, 0, NULL, NULL, NULL);
		big = util_now() - t0;
	}
	rss = bench_rss_mb();
	bench_rss_parts(&anon, &file);
	/*
	 * The floor's rate: the faster of OpenBLAS's sgemm and the lens's own
	 * product, at 1024 rows (the lens's batches are smaller). After the
	 * peak RSS: their 1024 x V outputs are no part of the lens.
	 */
	blasg = bench_sgemm(m, 1024, BENCH_SGEMM);
	owng = bench_sgemm(m, 1024, BENCH_UNEMBED);
	gflops = blasg > owng ? blasg : owng;
	peak = bench_peak();
	bench_kernels(m, BENCH_BATCH, kg);
	kpacked = gpt2_unembed_packed(m) ? bench_sgemm(m, BENCH_BATCH,
	    BENCH_UNEMBED) : 0;
	lk = kpacked > 0 ? "packed" : ops_nt_kernel_name(kc.kernel);
	lhow = kpacked > 0 ? kf.how : kc.how;
	bw = bench_bandwidth(m);
	/* An append reads every block's weights and wte once. */
	abytes = 4.0 * c->n_embd * ((double)c->n_vocab + c->n_layer *
	    (4.0 * c->n_embd + 2.0 * c->n_inner));
	wbytes = 4.0 * c->n_embd * ((double)c->n_vocab + c->n_ctx +
	    c->n_layer * (4.0 * c->n_embd + 2.0 * c->n_inner));

	cpu = kern_cpu_model();
	feat = kern_cpu_features();
	coretype = getenv("OPENBLAS_CORETYPE");
	printf("cpu %s; vector features: %s\n", cpu, feat);
	printf("blas %s; its kernel %s (OPENBLAS_CORETYPE %s)\n",
	    ops_blas_config(), ops_blas_core(), coretype != NULL ? coretype :
	    "unset");
	printf("lens kernel %s (%s); at %d x %d x %d:", lk, lhow, BENCH_BATCH,
	    c->n_embd, c->n_vocab);
	for (k = 0; k < OPS_NT_NKERNELS; k++) {
		if (kg[k] > 0)
			printf(" %s %.1f", ops_nt_kernel_name(k), kg[k]);
	}
	if (kpacked > 0)
		printf(" packed %.1f", kpacked);
	printf(" GFLOP/s\n");
	printf("forward kernel %s%s (%s)", kf.tmax == 0 ? "blas" : "packed ",
	    kf.tmax == 0 ? "" : ops_packed_kernel(), kf.how);
	if (kf.ms[0][0] > 0)
		printf("; C x 3C at T = 16, 64, 256: sgemm %.3f %.3f %.3f ms, "
		    "packed %.3f %.3f %.3f ms", kf.ms[0][0], kf.ms[0][1],
		    kf.ms[0][2], kf.ms[1][0], kf.ms[1][1], kf.ms[1][2]);
	if (kf.lens_ms[0] > 0)
		printf("; the lens's product, 208 x C x 6144: %s %.3f ms, "
		    "packed %.3f ms", ops_nt_kernel_name(kc.kernel),
		    kf.lens_ms[0], kf.lens_ms[1]);
	printf("\n");
	printf("model %s: L=%d C=%d V=%d, threads %d, 1024 x %d x %d: "
	    "OpenBLAS sgemm %.1f GFLOP/s, ours %.1f GFLOP/s; FMA peak %.1f "
	    "GFLOP/s\n", argv[0], c->n_layer, c->n_embd, c->n_vocab,
	    ops_get_threads(), c->n_embd, c->n_vocab, blasg, owng, peak);
	printf("%6s %10s %10s %10s %10s %10s %8s %8s\n", "T", "GFLOP",
	    "fwd_ms", "lens_med", "lens_min", "floor_ms", "x_floor",
	    "peak_ms");
	for (i = 0; i < nT; i++) {
		fl = 2.0 * (c->n_layer + 1) * full[i].T * c->n_embd *
		    c->n_vocab;
		ffl = 2.0 * full[i].T * c->n_layer * (12.0 * c->n_embd *
		    c->n_embd + 2.0 * full[i].T * c->n_embd);
		printf("%6d %10.1f %10.1f %10.1f %10.1f %10.1f %8.2f %8.1f\n",
		    full[i].T, (fl + ffl) / 1e9, full[i].fwd * 1e3,
		    full[i].med * 1e3, full[i].min * 1e3,
		    (fl + ffl) / gflops / 1e6, full[i].med * gflops * 1e9 /
		    (fl + ffl), (fl + ffl) / peak / 1e6);
	}
	if (!onlyfull)
		printf("append one token at T=64: %.2f ms (reading its %.0f MB "
		    "at %.1f GB/s: %.1f ms); edit the first token at T=64: "
		    "%.1f ms (first batch, columns 0-15: %.1f ms)\n",
		    append * 1e3, abytes / 1e6, bw, abytes / bw / 1e6,
		    edit * 1e3, first * 1e3);
	printf("start-up to the first lens (T=16): %.0f ms (load %.0f ms)\n",
	    startup * 1e3, load * 1e3);
	if (doR)
		printf("full lens at T=%d: %.0f ms\n", c->n_ctx, big * 1e3);
	printf("peak RSS %.0f MB; weights %.0f MB (+%.0f MB); now: anonymous "
	    "%.0f MB, file-backed %.0f MB\n", rss, wbytes / 1048576, rss -
	    wbytes / 1048576, anon, file);

	if (json != NULL) {
		if ((f = fopen(json, "w")) == NULL) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"model\": \"%s\", \"n_layer\": %d, \"n_embd\": %d, "
		    "\"n_vocab\": %d, \"blas_threads\": %d, \"runs\": %d,\n"
		    " \"sgemm_gflops\": %.2f, \"openblas_gflops\": %.2f, "
		    "\"own_nt_gflops\": %.2f,\n \"fma_peak_gflops\": %.2f,\n"
		    " \"read_gbps\": %.2f, \"append_read_floor_s\": %.6f,\n",
		    argv[0], c->n_layer, c->n_embd,
		    c->n_vocab, ops_get_threads(), bench_runs, gflops, blasg,
		    owng, peak, bw, abytes / bw / 1e9);
		fprintf(f, " \"cpu\": \"");
		bench_json_str(f, cpu);
		fprintf(f, "\", \"cpu_features\": \"");
		bench_json_str(f, feat);
		fprintf(f, "\",\n \"blas_config\": \"");
		bench_json_str(f, ops_blas_config());
		fprintf(f, "\", \"blas_core\": \"");
		bench_json_str(f, ops_blas_core());
		fprintf(f, "\", \"openblas_coretype\": ");
		if (coretype != NULL) {
			fputc('"', f);
			bench_json_str(f, coretype);
			fputc('"', f);
		} else
			fprintf(f, "null");
		fprintf(f, ",\n \"kernel\": \"%s\", \"kernel_how\": \"", lk);
		bench_json_str(f, lhow);
		fprintf(f, "\", \"kernel_rows\": %d, \"kernels_gflops\": {",
		    BENCH_BATCH);
		for (k = 0, i = 0; k < OPS_NT_NKERNELS; k++) {
			if (kg[k] > 0)
				fprintf(f, "%s\"%s\": %.2f", i++ ? ", " : "",
				    ops_nt_kernel_name(k), kg[k]);
		}
		if (kpacked > 0)
			fprintf(f, "%s\"packed\": %.2f", i ? ", " : "",
			    kpacked);
		fprintf(f, "},\n \"results\": [");
		for (i = 0; i < nT; i++) {
			fl = 2.0 * (c->n_layer + 1) * full[i].T * c->n_embd *
			    c->n_vocab;
			ffl = 2.0 * full[i].T * c->n_layer * (12.0 *
			    c->n_embd * c->n_embd + 2.0 * full[i].T *
			    c->n_embd);
			fprintf(f, "%s\n  {\"T\": %d, \"gflop\": %.3f, "
			    "\"forward_median_s\": %.6f, "
			    "\"fwd_lens_median_s\": %.6f, "
			    "\"fwd_lens_min_s\": %.6f, \"floor_s\": %.6f, "
			    "\"peak_s\": %.6f}", i ? "," : "", full[i].T,
			    (fl + ffl) / 1e9, full[i].fwd, full[i].med,
			    full[i].min, (fl + ffl) / gflops / 1e9, (fl + ffl) /
			    peak / 1e9);
		}
		fprintf(f, "],\n \"append_T64_s\": %.6f, \"edit_first_T64_s\": "
		    "%.6f,\n \"edit_first_batch_s\": %.6f, \"startup_s\": "
		    "%.6f, \"load_s\": %.6f,\n \"full_nctx_s\": %.6f, "
		    "\"peak_rss_mb\": %.1f, \"weights_mb\": %.1f,\n "
		    "\"rss_anon_mb\": %.1f, \"rss_file_mb\": %.1f}\n", append,
		    edit, first, startup, load, big, rss, wbytes / 1048576,
		    anon, file);
		fclose(f);
	}
	lens_free(ln);
	gpt2_state_free(s);
	gpt2_free(m);
	free(ids);
	free(cpu);
	free(feat);
	return 0;
}
