/*
 * compare.c: the cells of two prompts compared from their full softmax.
 *
 * Each batch of cells decodes A's and B's residuals in two matrix products
 * (ops_matmul_nt, as the lens does), then reduces each pair of logit rows
 * on ops's pool in double precision: two passes, the first for the
 * log-sum-exps (keeping each exp in the thread's scratch), the second for
 * the rest with one logarithm per token, M's (la = xa - lse_a, ...):
 *     KL = sum pa (la - lb)
 *     JS = 1/2 sum pa (la - lm) + pb (lb - lm),  lm = log (pa + pb) / 2
 * Tokens where pa = pb add nothing to either and are skipped, so cells
 * with the same prefix compare as exactly 0 (the form H(M) - (H(P_A) +
 * H(P_B)) / 2 would leave the entropies' rounding there).
 * Both prompts' cells at a position depend on their prefixes only, so the
 * ids of the last run tell which positions an edit invalidates. Refuses to
 * know what the cells mean to a reader: report.c and the explorer say it.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "ops.h"
#include "util.h"

#define COMPARE_BATCH	64	/* cell pairs per product */

struct compare_job {
	int	row;		/* residual row */
	int	pos;
};

struct compare {
	const struct gpt2		*m;
	const struct gpt2_config	*c;
	int				 nrows;		/* 2L+1 */
	int				 len;
	struct compare_cell		*cells;		/* (nrows, n_ctx) */
	unsigned char			*ok;		/* (nrows, n_ctx) */
	unsigned char			*dok;		/* (nrows, n_ctx)
							   diff_a, diff_b */
	int				*ida, *idb;	/* (n_ctx) last run's */
	int				 ta, tb;
	int				 pending;	/* first position
							   not recomputed */
	int				 diff_x, diff_y;
	float				*xa, *xb;	/* (BATCH, C) */
	float				*la, *lb;	/* (BATCH, V) */
	size_t				 logitbytes;
	double				*ex[OPS_MAXTHREADS];	/* (2, V)
							   exps, per thread */
	struct compare_job		*jobs;		/* (nrows * n_ctx) */
	/* The batch being reduced, shared by the pool's threads. */
	const struct compare_job	*work;
	int				 nwork;
	atomic_int			 next;
};

struct compare *
compare_new(const struct gpt2 *m)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct compare			*cm;
	size_t				 cells;
	int				 i;

	cm = xcalloc(1, sizeof *cm);
	cm->m = m;
	cm->c = c;
	cm->nrows = GPT2_NROWS(c);
	cells = (size_t)cm->nrows * c->n_ctx;
	cm->cells = xcalloc(cells, sizeof *cm->cells);
	cm->ok = xcalloc(cells, 1);
	cm->dok = xcalloc(cells, 1);
	cm->ida = xcalloc((size_t)c->n_ctx, sizeof *cm->ida);
	cm->idb = xcalloc((size_t)c->n_ctx, sizeof *cm->idb);
	cm->diff_x = cm->diff_y = -1;
	cm->xa = xcalloc((size_t)COMPARE_BATCH * c->n_embd, sizeof *cm->xa);
	cm->xb = xcalloc((size_t)COMPARE_BATCH * c->n_embd, sizeof *cm->xb);
	cm->logitbytes = (size_t)COMPARE_BATCH * c->n_vocab * sizeof (float);
	cm->la = xbigalloc(cm->logitbytes);
	cm->lb = xbigalloc(cm->logitbytes);
	cm->jobs = xcalloc(cells, sizeof *cm->jobs);
	for (i = 0; i < OPS_MAXTHREADS; i++)
		cm->ex[i] = xcalloc(2 * (size_t)c->n_vocab, sizeof (double));
	return cm;
}

void
compare_free(struct compare *cm)
{
	int	i;

	if (cm == NULL)
		return;
	for (i = 0; i < OPS_MAXTHREADS; i++)
		free(cm->ex[i]);
	free(cm->cells);
	free(cm->ok);
	free(cm->dok);
	free(cm->ida);
	free(cm->idb);
	free(cm->xa);
	free(cm->xb);
	xbigfree(cm->la, cm->logitbytes);
	xbigfree(cm->lb, cm->logitbytes);
	free(cm->jobs);
	free(cm);
}

static size_t
compare_index(const struct compare *cm, int row, int pos)
{
	return (size_t)row * cm->c->n_ctx + pos;
}

/* Forgets the cells from position from on. */
static void
compare_invalidate(struct compare *cm, int from)
{
	int	row;

	for (row = 0; row < cm->nrows; row++)
		memset(cm->ok + compare_index(cm, row, from), 0,
		    (size_t)(cm->c->n_ctx - from));
}

void
compare_reset(struct compare *cm)
{
	compare_invalidate(cm, 0);
	cm->pending = 0;
	cm->len = 0;
}

void
compare_set_diff(struct compare *cm, int x, int y)
{
	assert((x == -1 && y == -1) || (x >= 0 && x < cm->c->n_vocab &&
	    y >= 0 && y < cm->c->n_vocab));
	if (x == cm->diff_x && y == cm->diff_y)
		return;
	cm->diff_x = x;
	cm->diff_y = y;
	memset(cm->dok, 0, (size_t)cm->nrows * cm->c->n_ctx);
}

int
compare_len(const struct compare *cm)
{
	return cm->len;
}

const struct compare_cell *
compare_cell(const struct compare *cm, int row, int pos)
{
	assert(row >= 0 && row < cm->nrows && pos >= 0 && pos < cm->len);
	return &cm->cells[compare_index(cm, row, pos)];
}

/* x (C) . (wte[a] - wte[b]) in double. */
static double
compare_dot_diff(const struct gpt2 *m, const float *x, int a, int b)
{
	const int	 C = gpt2_config(m)->n_embd;
	const float	*wa = gpt2_wte(m) + (size_t)a * C;
	const float	*wb = gpt2_wte(m) + (size_t)b * C;
	double		 dot = 0;
	int		 i;

	for (i = 0; i < C; i++)
		dot += (double)x[i] * ((double)wa[i] - (double)wb[i]);
	return dot;
}

double
compare_logit_diff(const struct lens *ln, const struct gpt2_state *s,
    int row, int pos, int x, int y)
{
	const struct gpt2	*m = lens_model(ln);
	float			*in;
	double			 d;

	in = xreallocarray(NULL, (size_t)gpt2_config(m)->n_embd, sizeof *in);
	lens_cell_input(ln, s, row, pos, in);
	d = compare_dot_diff(m, in, x, y);
	free(in);
	return d;
}

/* log sum exp x (V) in double; e (V) gets exp(x - max x), *sum their sum. */
static double
compare_lse(const float *x, int V, double *e, double *sum)
{
	float	max = x[0];
	int	i;

	for (i = 1; i < V; i++) {
		if (x[i] > max)
			max = x[i];
	}
	*sum = 0;
	for (i = 0; i < V; i++)
		*sum += e[i] = exp((double)x[i] - (double)max);
	return (double)max + log(*sum);
}

/*
 * Reduces A's logits xa (V) and B's xb (V) to the comparison of a cell;
 * ex (2, V) is scratch.
 */
static void
compare_reduce(struct compare_cell *out, const float *xa, const float *xb,
    int V, double *ex)
{
	double	*ea = ex, *eb = ex + V, sa, sb;	/* sums, then 1/sums */
	double	 lsa = compare_lse(xa, V, ea, &sa);
	double	 lsb = compare_lse(xb, V, eb, &sb);
	double	 pa, pb, la, lb, lm, d, kl = 0, js = 0, tv = 0;
	double	 best = -1.0;
	int	 i;

	out->max_id = 0;
	out->max_delta = 0.0;
	sa = 1.0 / sa;
	sb = 1.0 / sb;
	for (i = 0; i < V; i++) {
		pa = ea[i] * sa;
		pb = eb[i] * sb;
		d = pb - pa;
		if (fabs(d) > best) {
			best = fabs(d);
			out->max_id = i;
			out->max_delta = d;
		}
		if (d == 0.0)
			continue;
		la = (double)xa[i] - lsa;
		lb = (double)xb[i] - lsb;
		lm = log(0.5 * (pa + pb));
		kl += pa * (la - lb);
		js += pa * (la - lm) + pb * (lb - lm);
		tv += fabs(d);
	}
	/* Rounding may take a true 0 just below it. */
	out->kl = kl > 0.0 ? kl : 0.0;
	out->js = js > 0.0 ? 0.5 * js : 0.0;
	out->tv = 0.5 * tv;
}

/* Part i of the pool: takes the batch's cells until none is left. */
static void
compare_part(void *arg, int i, int n)
{
	struct compare		*cm = arg;
	const size_t		 V = (size_t)cm->c->n_vocab;
	const struct compare_job *job;
	int			 j;

	(void)n;
	while ((j = atomic_fetch_add(&cm->next, 1)) < cm->nwork) {
		job = &cm->work[j];
		compare_reduce(&cm->cells[compare_index(cm, job->row,
		    job->pos)], cm->la + (size_t)j * V, cm->lb + (size_t)j * V,
		    (int)V, cm->ex[i]);
	}
}

/* A cell's logit differences from A's and B's decoder inputs (C). */
static void
compare_diffs(const struct compare *cm, struct compare_cell *cell,
    const float *xa, const float *xb)
{
	cell->diff_a = cell->diff_b = (double)NAN;
	if (cm->diff_x < 0)
		return;
	cell->diff_a = compare_dot_diff(cm->m, xa, cm->diff_x, cm->diff_y);
	cell->diff_b = compare_dot_diff(cm->m, xb, cm->diff_x, cm->diff_y);
}

/* Decodes both prompts' cells jobs[0..n) and compares them. */
static void
compare_batch(struct compare *cm, const struct lens *ln,
    const struct gpt2_state *sa, const struct gpt2_state *sb,
    const struct compare_job *jobs, int n)
{
	const int		 C = cm->c->n_embd;
	struct compare_cell	*cell;
	int			 i;

	for (i = 0; i < n; i++) {
		lens_cell_input(ln, sa, jobs[i].row, jobs[i].pos,
		    cm->xa + (size_t)i * C);
		lens_cell_input(ln, sb, jobs[i].row, jobs[i].pos,
		    cm->xb + (size_t)i * C);
	}
	gpt2_unembed(cm->m, cm->la, cm->xa, n);
	gpt2_unembed(cm->m, cm->lb, cm->xb, n);
	cm->work = jobs;
	cm->nwork = n;
	atomic_store(&cm->next, 0);
	ops_parallel(compare_part, cm);
	for (i = 0; i < n; i++) {
		cell = &cm->cells[compare_index(cm, jobs[i].row, jobs[i].pos)];
		compare_diffs(cm, cell, cm->xa + (size_t)i * C,
		    cm->xb + (size_t)i * C);
		cm->ok[compare_index(cm, jobs[i].row, jobs[i].pos)] = 1;
		cm->dok[compare_index(cm, jobs[i].row, jobs[i].pos)] = 1;
	}
}

/*
 * The logit differences of the computed cells of positions [0, n) that a
 * new pair made stale: one dot product per cell and prompt.
 */
static void
compare_redo_diffs(struct compare *cm, const struct lens *ln,
    const struct gpt2_state *sa, const struct gpt2_state *sb, int n,
    int sublayers)
{
	size_t	j;
	int	i, p, row;

	for (i = 0; i < lens_nrows(ln, sublayers); i++) {
		row = lens_row(ln, i, sublayers);
		for (p = 0; p < n; p++) {
			j = compare_index(cm, row, p);
			if (!cm->ok[j] || cm->dok[j])
				continue;
			lens_cell_input(ln, sa, row, p, cm->xa);
			lens_cell_input(ln, sb, row, p, cm->xb);
			compare_diffs(cm, &cm->cells[j], cm->xa, cm->xb);
			cm->dok[j] = 1;
		}
	}
}

/* The first position where ids[0..T) differs from the last run's. */
static int
compare_changed(const int *old, int told, const int *ids, int T)
{
	int	p, n = told < T ? told : T;

	for (p = 0; p < n && old[p] == ids[p]; p++)
		/* nothing */;
	return p;
}

int
compare_run(struct compare *cm, const struct lens *ln,
    const struct gpt2_state *sa, const int *ida, int Ta,
    const struct gpt2_state *sb, const int *idb, int Tb, int sublayers,
    const atomic_int *cancel)
{
	int	from, fb, n, nj = 0, i, p, row;

	assert(Ta >= 1 && Ta <= cm->c->n_ctx && Tb >= 1 &&
	    Tb <= cm->c->n_ctx);
	from = compare_changed(cm->ida, cm->ta, ida, Ta);
	fb = compare_changed(cm->idb, cm->tb, idb, Tb);
	if (fb < from)
		from = fb;
	compare_invalidate(cm, from);
	if (from < cm->pending)
		cm->pending = from;
	memcpy(cm->ida, ida, (size_t)Ta * sizeof *ida);
	memcpy(cm->idb, idb, (size_t)Tb * sizeof *idb);
	cm->ta = Ta;
	cm->tb = Tb;
	cm->len = 0;
	n = Ta < Tb ? Ta : Tb;
	compare_redo_diffs(cm, ln, sa, sb, n, sublayers);
	for (i = 0; i < lens_nrows(ln, sublayers); i++) {
		row = lens_row(ln, i, sublayers);
		for (p = 0; p < n; p++) {
			if (!cm->ok[compare_index(cm, row, p)])
				cm->jobs[nj++] = (struct compare_job){ row, p };
		}
	}
	for (i = 0; i < nj; i += COMPARE_BATCH) {
		if (cancel != NULL && atomic_load(cancel))
			return -1;
		compare_batch(cm, ln, sa, sb, cm->jobs + i, nj - i <
		    COMPARE_BATCH ? nj - i : COMPARE_BATCH);
	}
	/* A cancelled run's positions count as recomputed by this one. */
	from = cm->pending < n ? cm->pending : n;
	cm->pending = n;
	cm->len = n;
	return from;
}
