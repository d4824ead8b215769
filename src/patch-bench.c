/*
 * patch-bench.c: logitlens-patch-bench, the timings of activation patching
 * on a model directory.
 *
 * For each T: the clean and the corrupted run, then the whole residual grid
 * (embed and h.N: (L+1) T patched cells) and the head grid (L n_head
 * cells), denoising, with the logit difference of two fixed tokens; median
 * and best over runs. The prompts are the peer's (bench/torch_patch.py):
 * ids (1000 + 7919 t) mod V, the corrupted one differing at 1 and T/2 (a
 * subject swapped near the start: nearly every position differs).
 * Prints a table, and JSON with -j (the values too, for the peer to compare
 * with). Knows nothing of the peer: bench/patch.sh puts the two side by
 * side.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "ops.h"
#include "patch.h"
#include "setup.h"
#include "util.h"

#define PB_MAXT		16
#define PB_TARGET	1000
#define PB_ANTI		2000

static int
pb_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
pb_ids(int *clean, int *corr, int T, int V)
{
	int	t;

	for (t = 0; t < T; t++)
		clean[t] = corr[t] = (int)((1000 + 7919L * t) % V);
	corr[1 % T] = (corr[1 % T] + 1) % V;
	corr[T / 2] = (corr[T / 2] + 1) % V;
}

static void
pb_json_values(FILE *f, const float *v, int n)
{
	int	i;

	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%.9g", i ? ", " : "", (double)v[i]);
	fputc(']', f);
}

/* One T: runs times, the median and the best into *med, *best. */
static struct patch_result *
pb_one(const struct gpt2 *m, int T, int runs, double *med, double *best)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct patch_spec		 sp = { PATCH_LOGIT_DIFF, PATCH_DENOISE,
					    PB_TARGET, PB_ANTI, 0, 0 };
	struct patch_run		*cl, *co;
	struct patch_result		*res = NULL;
	int				*ci, *xi, i;
	double				*dt, t0;

	ci = xcalloc((size_t)T, sizeof *ci);
	xi = xcalloc((size_t)T, sizeof *xi);
	dt = xcalloc((size_t)runs, sizeof *dt);
	pb_ids(ci, xi, T, c->n_vocab);
	for (i = 0; i < runs; i++) {
		patch_result_free(res);
		t0 = util_now();
		cl = patch_run_new(m, ci, T);
		co = patch_run_new(m, xi, T);
		res = patch_compute(m, cl, co, &sp, NULL, NULL, NULL);
		dt[i] = util_now() - t0;
		patch_run_free(cl);
		patch_run_free(co);
	}
	qsort(dt, (size_t)runs, sizeof *dt, pb_cmp);
	*best = dt[0];
	*med = runs % 2 ? dt[runs / 2] : (dt[runs / 2 - 1] + dt[runs / 2]) / 2;
	free(dt);
	free(ci);
	free(xi);
	return res;
}

static void
pb_json(FILE *f, const struct gpt2 *m, int T, double med, double best,
    const struct patch_result *res, int first)
{
	const struct gpt2_config	*c = gpt2_config(m);
	int				 i;

	fprintf(f, "%s\n  {\"T\": %d, \"median_s\": %.6f, \"best_s\": %.6f, "
	    "\"cells\": %d, \"clean\": %.9g, \"corrupted\": %.9g, "
	    "\"rows\": [", first ? "" : ",", T, med, best, res->nrows * T +
	    c->n_layer * c->n_head, res->clean, res->corrupted);
	for (i = 0; i < res->nrows; i++) {
		fputs(i ? ", " : "", f);
		pb_json_values(f, res->values + (size_t)i * T, T);
	}
	fputs("], \"heads\": [", f);
	for (i = 0; i < c->n_layer; i++) {
		fputs(i ? ", " : "", f);
		pb_json_values(f, res->heads + (size_t)i * c->n_head,
		    c->n_head);
	}
	fputs("]}", f);
}

static void
usage(void)
{
	fprintf(stderr, "usage: logitlens-patch-bench [-n runs] [-T 16,64] "
	    "[-j out.json] MODEL-DIR\n");
	exit(1);
}

static void
pb_warn(const char *line)
{
	fprintf(stderr, "logitlens-patch-bench: %s\n", line);
}

int
main(int argc, char **argv)
{
	struct gpt2		*m;
	struct patch_result	*res;
	FILE			*jf = NULL;
	char			*cause, *s, *tl = NULL, deflt[] = "16,64";
	const char		*json = NULL;
	int			 ch, runs = 3, Ts[PB_MAXT], nT = 0, i;
	double			 med, best;

	while ((ch = getopt(argc, argv, "n:T:j:")) != -1) {
		switch (ch) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'T':
			tl = optarg;
			break;
		case 'j':
			json = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || runs < 1)
		usage();
	for (s = strtok(tl != NULL ? tl : deflt, ","); s != NULL &&
	    nT < PB_MAXT; s = strtok(NULL, ","))
		Ts[nT++] = atoi(s);
	if ((m = gpt2_load(argv[optind], &cause)) == NULL) {
		fprintf(stderr, "logitlens-patch-bench: %s\n", cause);
		return 2;
	}
	/* The kernels the program would run here, packed weights included. */
	setup_kernels(m, pb_warn);
	if (json != NULL && (jf = fopen(json, "w")) == NULL) {
		perror(json);
		return 2;
	}
	if (jf != NULL)
		fprintf(jf, "{\"threads\": %d, \"results\": [",
		    ops_get_threads());
	printf("%5s %7s %10s %10s %12s\n", "T", "cells", "median_ms",
	    "best_ms", "ms_per_cell");
	for (i = 0; i < nT; i++) {
		if (Ts[i] < 1 || Ts[i] > gpt2_config(m)->n_ctx)
			usage();
		res = pb_one(m, Ts[i], runs, &med, &best);
		printf("%5d %7d %10.1f %10.1f %12.3f\n", Ts[i], res->nrows *
		    Ts[i] + gpt2_config(m)->n_layer * gpt2_config(m)->n_head,
		    med * 1e3, best * 1e3, med * 1e3 / (res->nrows * Ts[i] +
		    gpt2_config(m)->n_layer * gpt2_config(m)->n_head));
		if (jf != NULL)
			pb_json(jf, m, Ts[i], med, best, res, i == 0);
		patch_result_free(res);
	}
	if (jf != NULL) {
		fputs("\n]}\n", jf);
		fclose(jf);
	}
	gpt2_free(m);
	return 0;
}
