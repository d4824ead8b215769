/*
 * lens.c: decode residual rows through ln_f and wte^T, and reduce each
 * (row, position) at once to its cell statistics.
 *
 * Work goes by blocks of positions. In each block the final row's cells are
 * computed first: their probabilities pf (P, V) are what every other row's
 * KL(P_final || P_row) and rank of the final top-1 are taken against:
 *     KL = sum pf (log pf - log p) = -H_final - sum pf x + lse(x)
 * The cells of the block are batched into matrix products (ops_matmul_nt)
 * of up to LENS_BATCH rows, so no more than LENS_BATCH x V logits exist at
 * once.
 *
 * Threads: the product and then the reductions of a batch (one top-k pass
 * and one fused pass per cell, cells taken in turn) run on ops's pool.
 *
 * The logits of the last two positions of a run are kept (the tail): when
 * the next run appends a token or changes the last one, the column before
 * it only has a new next token, whose logit and rank are read from there
 * instead of decoding the column again.
 *
 * A tuned lens or a Jacobian lens (one at a time) translates a row's
 * residual before ln_f. Its batches then also decode the translated rows'
 * plain residuals in a second product, for
 *     KL(P_tuned || P_logit) = sum pt xt - lse(xt) - sum pt xl + lse(xl)
 * (P_jacobian in place of P_tuned likewise). Without one, nothing of this
 * runs.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lens.h"
#include "ops.h"
#include "util.h"

#define LENS_BLOCK	32	/* positions per block */
#define LENS_BATCH	256	/* cells per product at most */
#define LENS_PANEL	16	/* batches are multiples of this (ops.c) */

struct lens_job {
	int	row;		/* residual row */
	int	pos;
};

/* A batch's cells [next, n) still to reduce, shared by the threads. */
struct lens_work {
	const struct lens_job	*jobs;
	const float		*logits;
	const int		*ids;
	int			 p0, T, n;
	atomic_int		 next;
};

/* A reduction thread's top-k scratch. */
struct lens_thread {
	int	*topid;
	float	*topval;
};

struct lens {
	const struct gpt2		*m;
	const struct gpt2_config	*c;
	int				 k;
	int				 nrows;		/* 2L+1 */
	int				 len;
	int				 batch;		/* cells per product */
	struct lens_cell		*cells;		/* (nrows, n_ctx) */
	struct lens_top			*tops;		/* (nrows, n_ctx, k) */
	unsigned char			*ok;		/* (nrows, n_ctx) */
	size_t				 cellbytes, topbytes;
	float				*x;	/* (LENS_BATCH, C) normed */
	float				*logits;/* (LENS_BATCH, V) */
	float				*pf;	/* (LENS_BLOCK, V) final probs */
	double				*hf;	/* (LENS_BLOCK) -H_final - lse */
	size_t				 logitbytes, pfbytes;
	struct lens_job			*jobs;
	float				*tail;	/* (2, nrows, V) logits */
	unsigned char			*tailok;/* (2, nrows) */
	int				 tailpos[2];
	size_t				 tailbytes;

	struct lens_thread		 th[OPS_MAXTHREADS];
	struct lens_work		 work;

	const struct tuned		*tuned;
	const struct jacobian		*jacobian;
	float				*x2;	/* (LENS_BATCH, C) plain */
	float				*logits2;/* (LENS_BATCH, V) plain */
	int				*other;	/* (LENS_BATCH) row in logits2 */
	float				*tp[OPS_MAXTHREADS]; /* (V) P_tuned */

	int				*track;	/* (ntrack) ids ranked */
	int				 ntrack;
	int				*trank;	/* (nrows, n_ctx, ntrack) */
};

struct lens *
lens_new(const struct gpt2 *m, int top_k)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct lens			*ln;
	size_t				 cells;
	int				 i;

	assert(top_k >= 1);
	ln = xcalloc(1, sizeof *ln);
	ln->m = m;
	ln->c = c;
	ln->k = top_k < c->n_vocab ? top_k : c->n_vocab;
	ln->nrows = GPT2_NROWS(c);
	ln->batch = LENS_BATCH;
	cells = (size_t)ln->nrows * c->n_ctx;
	ln->cellbytes = cells * sizeof *ln->cells;
	ln->topbytes = cells * ln->k * sizeof *ln->tops;
	ln->cells = xbigalloc(ln->cellbytes);
	ln->tops = xbigalloc(ln->topbytes);
	ln->ok = xcalloc(cells, 1);
	ln->x = xcalloc((size_t)LENS_BATCH * c->n_embd, sizeof *ln->x);
	ln->logitbytes = (size_t)LENS_BATCH * c->n_vocab * sizeof (float);
	ln->pfbytes = (size_t)LENS_BLOCK * c->n_vocab * sizeof (float);
	ln->logits = xbigalloc(ln->logitbytes);
	ln->pf = xbigalloc(ln->pfbytes);
#ifdef MADV_HUGEPAGE
	/* Page faults are slow here: 2 MiB pages fault 512 times fewer. */
	madvise(ln->logits, ln->logitbytes, MADV_HUGEPAGE);
	madvise(ln->pf, ln->pfbytes, MADV_HUGEPAGE);
#endif
	ln->hf = xcalloc(LENS_BLOCK, sizeof *ln->hf);
	ln->jobs = xcalloc((size_t)ln->nrows * LENS_BLOCK, sizeof *ln->jobs);
	ln->tailbytes = 2 * (size_t)ln->nrows * c->n_vocab * sizeof (float);
	ln->tail = xbigalloc(ln->tailbytes);
	ln->tailok = xcalloc(2 * (size_t)ln->nrows, 1);
	ln->tailpos[0] = ln->tailpos[1] = -1;
	for (i = 0; i < OPS_MAXTHREADS; i++) {
		ln->th[i].topid = xcalloc((size_t)ln->k, sizeof (int));
		ln->th[i].topval = xcalloc((size_t)ln->k, sizeof (float));
	}
	return ln;
}

void
lens_free(struct lens *ln)
{
	int	i;

	if (ln == NULL)
		return;
	for (i = 0; i < OPS_MAXTHREADS; i++) {
		free(ln->th[i].topid);
		free(ln->th[i].topval);
	}
	xbigfree(ln->cells, ln->cellbytes);
	xbigfree(ln->tops, ln->topbytes);
	xbigfree(ln->logits, ln->logitbytes);
	xbigfree(ln->pf, ln->pfbytes);
	xbigfree(ln->tail, ln->tailbytes);
	free(ln->tailok);
	free(ln->ok);
	free(ln->x);
	free(ln->hf);
	free(ln->jobs);
	free(ln->track);
	free(ln->trank);
	if (ln->logits2 != NULL) {
		for (i = 0; i < OPS_MAXTHREADS; i++)
			free(ln->tp[i]);
		xbigfree(ln->logits2, ln->logitbytes);
		free(ln->x2);
		free(ln->other);
	}
	free(ln);
}

int
lens_top_k(const struct lens *ln)
{
	return ln->k;
}

const struct gpt2 *
lens_model(const struct lens *ln)
{
	return ln->m;
}

int
lens_len(const struct lens *ln)
{
	return ln->len;
}

int
lens_nrows(const struct lens *ln, int sublayers)
{
	return sublayers ? ln->nrows : ln->c->n_layer + 1;
}

int
lens_row(const struct lens *ln, int i, int sublayers)
{
	assert(i >= 0 && i < lens_nrows(ln, sublayers));
	return sublayers ? i : 2 * i;
}

const char *
lens_row_name(int row, char *buf, size_t len)
{
	if (row == 0)
		snprintf(buf, len, "embed");
	else if (row % 2 == 1)
		snprintf(buf, len, "h.%d.attn", row / 2);
	else
		snprintf(buf, len, "h.%d", row / 2 - 1);
	return buf;
}

static size_t
lens_index(const struct lens *ln, int row, int pos)
{
	return (size_t)row * ln->c->n_ctx + pos;
}

const struct lens_cell *
lens_cell(const struct lens *ln, int row, int pos)
{
	assert(row >= 0 && row < ln->nrows && pos >= 0 && pos < ln->c->n_ctx);
	return &ln->cells[lens_index(ln, row, pos)];
}

const struct lens_top *
lens_top(const struct lens *ln, int row, int pos)
{
	return &ln->tops[lens_index(ln, row, pos) * ln->k];
}

/* ln_f(resid[row][pos]) into out (C): the plain logit lens. */
static void
lens_norm_plain(const struct lens *ln, const struct gpt2_state *s,
    float *out, int row, int pos)
{
	const float	*r = gpt2_resid(s, row) + (size_t)pos * ln->c->n_embd;

	ops_layernorm(out, r, gpt2_lnf_g(ln->m), gpt2_lnf_b(ln->m), 1,
	    ln->c->n_embd, ln->c->eps);
}

/* Is a translating lens (tuned or Jacobian) set? */
static int
lens_mapped(const struct lens *ln)
{
	return ln->tuned != NULL || ln->jacobian != NULL;
}

int
lens_map(const struct lens *ln, int row, const float **w, const float **b)
{
	const float	*jw;

	if (w != NULL)
		*w = NULL;
	if (b != NULL)
		*b = NULL;
	if (ln->tuned != NULL)
		return tuned_translator(ln->tuned, row, w, b) >= 0 ?
		    LENS_MAP_TUNED : LENS_MAP_NONE;
	if (ln->jacobian == NULL ||
	    (jw = jacobian_matrix(ln->jacobian, row)) == NULL)
		return LENS_MAP_NONE;
	if (w != NULL)
		*w = jw;
	return LENS_MAP_JACOBIAN;
}

/* Has row a translator of the lens set? */
static int
lens_translated(const struct lens *ln, int row)
{
	return lens_map(ln, row, NULL, NULL) != LENS_MAP_NONE;
}

/* ln_f(resid[row][pos]) into out (C), translated first if tuned. */
static void
lens_norm(const struct lens *ln, const struct gpt2_state *s, float *out,
    int row, int pos)
{
	const float	*r = gpt2_resid(s, row) + (size_t)pos * ln->c->n_embd;

	if (!lens_translated(ln, row)) {
		lens_norm_plain(ln, s, out, row, pos);
		return;
	}
	if (ln->tuned != NULL)
		tuned_apply(ln->tuned, row, r, out, 1);
	else
		jacobian_apply(ln->jacobian, row, r, out, 1);
	/* In place: layernorm takes the statistics first. */
	ops_layernorm(out, out, gpt2_lnf_g(ln->m), gpt2_lnf_b(ln->m), 1,
	    ln->c->n_embd, ln->c->eps);
}

void
lens_cell_input(const struct lens *ln, const struct gpt2_state *s, int row,
    int pos, float *out)
{
	assert(row >= 0 && row < ln->nrows && pos >= 0 && pos < ln->c->n_ctx);
	lens_norm(ln, s, out, row, pos);
}

float
lens_token_logit(const struct lens *ln, const struct gpt2_state *s, int row,
    int pos, int id)
{
	const float	*w = gpt2_wte(ln->m) + (size_t)id * ln->c->n_embd;
	float		*x;
	double		 dot = 0;
	int		 i;

	assert(id >= 0 && id < ln->c->n_vocab);
	x = xmalloc((size_t)ln->c->n_embd * sizeof *x);
	lens_norm(ln, s, x, row, pos);
	for (i = 0; i < ln->c->n_embd; i++)
		dot += (double)x[i] * (double)w[i];
	free(x);
	return (float)dot;
}

float
lens_token_prob(const struct lens *ln, const struct gpt2_state *s, int row,
    int pos, int id)
{
	const struct lens_cell	*cell = lens_cell(ln, row, pos);

	return (float)exp((double)lens_token_logit(ln, s, row, pos, id) -
	    (double)cell->lse);
}

/* Slot of the tail for position pos. */
static float *
lens_tail(const struct lens *ln, int row, int pos)
{
	return ln->tail + ((size_t)(pos & 1) * ln->nrows + row) *
	    ln->c->n_vocab;
}

/*
 * Keeps the logits x (V) of cell (row, pos). Each thread writes its own
 * cells; the slot's position changes only between runs (lens_tail_start).
 */
static void
lens_tail_keep(struct lens *ln, const float *x, int row, int pos)
{
	memcpy(lens_tail(ln, row, pos), x, (size_t)ln->c->n_vocab *
	    sizeof *x);
	ln->tailok[(pos & 1) * ln->nrows + row] = 1;
}

/* Before a run of T positions whose residuals changed from position from. */
static void
lens_tail_start(struct lens *ln, int from, int T)
{
	int	i, p;

	for (i = 0; i < 2; i++) {
		if (ln->tailpos[i] >= from)
			ln->tailpos[i] = -1;
	}
	/* The slots of positions T-2 and T-1, unless they hold them. */
	for (p = T - 2; p < T; p++) {
		if (p < 0 || ln->tailpos[p & 1] == p)
			continue;
		ln->tailpos[p & 1] = p;
		memset(ln->tailok + (p & 1) * ln->nrows, 0, (size_t)ln->nrows);
	}
}

/*
 * Column pos keeps its residuals but has a new next token (ids[pos + 1],
 * or none at T): updates its cells' next-token figures from the tail. 0
 * when a computed cell of the column is not there.
 */
static int
lens_tail_next(struct lens *ln, int pos, const int *ids, int T)
{
	struct lens_cell	*cell;
	const float		*x;
	int			 row, slot = pos & 1;

	if (ln->tailpos[slot] != pos)
		return 0;
	for (row = 0; row < ln->nrows; row++) {
		if (ln->ok[lens_index(ln, row, pos)] &&
		    !ln->tailok[slot * ln->nrows + row])
			return 0;
	}
	for (row = 0; row < ln->nrows; row++) {
		if (!ln->ok[lens_index(ln, row, pos)])
			continue;
		cell = &ln->cells[lens_index(ln, row, pos)];
		x = lens_tail(ln, row, pos);
		cell->next_id = pos + 1 < T ? ids[pos + 1] : -1;
		if (cell->next_id < 0) {
			cell->next_logit = cell->next_prob = 0.0f;
			cell->next_rank = 0;
			continue;
		}
		cell->next_logit = x[cell->next_id];
		cell->next_prob = (float)exp((double)cell->next_logit -
		    (double)cell->lse);
		cell->next_rank = 1 + ops_count_gt(x, ln->c->n_vocab,
		    cell->next_logit);
	}
	return 1;
}

/* Reduces logits x (V) of cell (row, pos) to its statistics. */
static void
lens_reduce(struct lens *ln, struct lens_thread *th, const float *x,
    int row, int pos, int bpos, const int *ids, int T)
{
	struct lens_cell	*cell = &ln->cells[lens_index(ln, row, pos)];
	struct lens_top		*top = &ln->tops[lens_index(ln, row, pos) *
				    ln->k];
	const int		 V = ln->c->n_vocab, last = ln->nrows - 1;
	const float		*pf = row == last ? NULL :
				    ln->pf + (size_t)bpos * V;
	struct ops_stats	 st;
	float			 next;
	int			 i, ft1, nft1, nnext;

	/* Top-k (and so the max) first, then one pass for the rest. */
	ops_topk(th->topid, th->topval, x, V, ln->k);
	ft1 = row == last ? th->topid[0] :
	    ln->cells[lens_index(ln, last, pos)].final_top1;
	cell->next_id = pos + 1 < T ? ids[pos + 1] : -1;
	next = cell->next_id >= 0 ? x[cell->next_id] : INFINITY;
	ops_row_stats_count(&st, x, pf, V, th->topval[0], x[ft1], next,
	    &nft1, &nnext);
	for (i = 0; i < ln->k; i++) {
		top[i].id = th->topid[i];
		top[i].logit = th->topval[i];
		top[i].prob = (float)exp((double)th->topval[i] - st.lse);
	}
	cell->lse = (float)st.lse;
	cell->entropy = (float)(st.lse - st.ex);
	cell->kl_other = lens_mapped(ln) ? 0.0f : NAN;	/* lens_other */
	if (row == last) {
		/* The final row: keep its probabilities for the block. */
		ops_softmax(ln->pf + (size_t)bpos * V, x, V, st.lse);
		ln->hf[bpos] = st.ex - st.lse;	/* sum pf log pf */
		cell->kl = 0.0f;
	} else {
		cell->kl = (float)(ln->hf[bpos] - st.dotf + st.lse);
		if (cell->kl < 0.0f)	/* rounding below the true 0 */
			cell->kl = 0.0f;
	}
	for (i = 0; i < ln->ntrack; i++) {
		ln->trank[(size_t)lens_index(ln, row, pos) * ln->ntrack + i] =
		    1 + ops_count_gt(x, V, x[ln->track[i]]);
	}
	cell->final_top1 = ft1;
	cell->final_top1_logit = x[ft1];
	cell->final_top1_prob = (float)exp((double)x[ft1] - st.lse);
	cell->final_top1_rank = 1 + nft1;
	if (cell->next_id >= 0) {
		cell->next_logit = next;
		cell->next_prob = (float)exp((double)next - st.lse);
		cell->next_rank = 1 + nnext;
	} else {
		cell->next_logit = cell->next_prob = 0.0f;
		cell->next_rank = 0;
	}
	if (pos >= T - 2)
		lens_tail_keep(ln, x, row, pos);
}

/* Part i: takes cells of the current work until none is left. */
static void
lens_work_part(void *arg, int i, int n)
{
	struct lens		*ln = arg;
	struct lens_work	*w = &ln->work;
	const size_t		 V = (size_t)ln->c->n_vocab;
	int			 j;

	while ((j = atomic_fetch_add(&w->next, 1)) < w->n) {
		lens_reduce(ln, &ln->th[i], w->logits + (size_t)j * V,
		    w->jobs[j].row, w->jobs[j].pos, w->jobs[j].pos - w->p0,
		    w->ids, w->T);
	}
}

/* Reduces jobs[0..n) from logits (n, V) on every thread. */
static void
lens_reduce_all(struct lens *ln, const struct lens_job *jobs, int n,
    const float *logits, int p0, const int *ids, int T)
{
	struct lens_work	*w = &ln->work;

	w->jobs = jobs;
	w->logits = logits;
	w->ids = ids;
	w->p0 = p0;
	w->T = T;
	w->n = n;
	atomic_store(&w->next, 0);
	if (n > 0)
		ops_parallel(lens_work_part, ln);
}

/* Part i: kl_other of the translated cells of the current work. */
static void
lens_other_part(void *arg, int i, int n)
{
	struct lens		*ln = arg;
	struct lens_work	*w = &ln->work;
	const size_t		 V = (size_t)ln->c->n_vocab;
	const float		*xt, *xl;
	struct lens_cell	*cell;
	struct ops_stats	 st, sl;
	int			 j;

	while ((j = atomic_fetch_add(&w->next, 1)) < w->n) {
		if (ln->other[j] < 0)
			continue;
		xt = w->logits + (size_t)j * V;
		xl = ln->logits2 + (size_t)ln->other[j] * V;
		cell = &ln->cells[lens_index(ln, w->jobs[j].row,
		    w->jobs[j].pos)];
		ops_row_stats(&st, xt, NULL, (int)V);
		ops_softmax(ln->tp[i], xt, (int)V, st.lse);
		ops_row_stats(&sl, xl, ln->tp[i], (int)V);
		cell->kl_other = (float)(st.ex - st.lse - sl.dotf + sl.lse);
		if (cell->kl_other < 0.0f)	/* rounding below 0 */
			cell->kl_other = 0.0f;
	}
}

/*
 * kl_other of jobs[0..n), whose tuned logits are in ln->logits: decodes the
 * translated rows' plain residuals in one more matrix product.
 */
static void
lens_other(struct lens *ln, const struct gpt2_state *s,
    const struct lens_job *jobs, int n)
{
	const int	C = ln->c->n_embd;
	int		i, n2 = 0;

	for (i = 0; i < n; i++) {
		ln->other[i] = -1;
		if (!lens_translated(ln, jobs[i].row))
			continue;
		lens_norm_plain(ln, s, ln->x2 + (size_t)n2 * C, jobs[i].row,
		    jobs[i].pos);
		ln->other[i] = n2++;
	}
	if (n2 == 0)
		return;
	gpt2_unembed(ln->m, ln->logits2, ln->x2, n2);
	ln->work.jobs = jobs;
	ln->work.logits = ln->logits;
	ln->work.n = n;
	atomic_store(&ln->work.next, 0);
	ops_parallel(lens_other_part, ln);
}

/* Decodes and reduces jobs[0..n) in one matrix product. */
static void
lens_batch(struct lens *ln, const struct gpt2_state *s,
    const struct lens_job *jobs, int n, int p0, const int *ids, int T)
{
	const int	C = ln->c->n_embd, V = ln->c->n_vocab;
	const int	last = ln->nrows - 1;
	int		i, nf;

	for (i = 0; i < n; i++)
		lens_norm(ln, s, ln->x + (size_t)i * C, jobs[i].row,
		    jobs[i].pos);
	gpt2_unembed(ln->m, ln->logits, ln->x, n);
	/* The final row's cells lead: the others need their pf. */
	for (nf = 0; nf < n && jobs[nf].row == last; nf++)
		/* nothing */;
	lens_reduce_all(ln, jobs, nf, ln->logits, p0, ids, T);
	lens_reduce_all(ln, jobs + nf, n - nf, ln->logits + (size_t)nf * V,
	    p0, ids, T);
	if (lens_mapped(ln))
		lens_other(ln, s, jobs, n);
	for (i = 0; i < n; i++)
		ln->ok[lens_index(ln, jobs[i].row, jobs[i].pos)] = 1;
}

/* The cells of positions [p0, p1) still to compute: the final row first. */
static int
lens_jobs(struct lens *ln, int p0, int p1, int sublayers)
{
	int	i, p, row, n = 0, need, last = ln->nrows - 1;

	/* A position's final cell is redone when any of its others is. */
	for (p = p0; p < p1; p++) {
		need = !ln->ok[lens_index(ln, last, p)];
		for (i = 0; i < lens_nrows(ln, sublayers) - 1 && !need; i++) {
			row = lens_row(ln, i, sublayers);
			need = !ln->ok[lens_index(ln, row, p)];
		}
		if (need)
			ln->jobs[n++] = (struct lens_job){ last, p };
	}
	for (i = 0; i < lens_nrows(ln, sublayers) - 1; i++) {
		row = lens_row(ln, i, sublayers);
		for (p = p0; p < p1; p++) {
			if (!ln->ok[lens_index(ln, row, p)])
				ln->jobs[n++] = (struct lens_job){ row, p };
		}
	}
	return n;
}

/* Forgets cells from position from on. */
static void
lens_invalidate(struct lens *ln, int from)
{
	int	row;

	for (row = 0; row < ln->nrows; row++) {
		memset(ln->ok + lens_index(ln, row, from), 0,
		    (size_t)(ln->c->n_ctx - from));
	}
}

/* Block starts in the order to compute them: the priority range first. */
static int
lens_order(int *order, int T, int prio_from, int prio_to)
{
	int	b, n = 0, nb = (T + LENS_BLOCK - 1) / LENS_BLOCK;

	for (b = 0; b < nb; b++) {
		if (b * LENS_BLOCK < prio_to &&
		    (b + 1) * LENS_BLOCK > prio_from)
			order[n++] = b * LENS_BLOCK;
	}
	for (b = 0; b < nb; b++) {
		if (!(b * LENS_BLOCK < prio_to &&
		    (b + 1) * LENS_BLOCK > prio_from))
			order[n++] = b * LENS_BLOCK;
	}
	return n;
}

int
lens_run(struct lens *ln, struct gpt2_state *s, const int *ids, int T,
    int sublayers, int prio_from, int prio_to, const atomic_int *cancel,
    lens_progress_cb *progress, void *arg)
{
	int	*order, nb, b, p0, p1, n, i, bs, from, done = 0, total = 0;

	/* Their rows: a recompute, the first time. */
	if (sublayers)
		gpt2_state_keep_sublayers(s);
	from = gpt2_forward(s, ids, T, cancel, NULL, NULL);
	if (from < 0)
		return -1;
	/*
	 * The column before an edit has a new next token: read from the tail
	 * when it is there, else decoded again.
	 */
	if (from > 0 && lens_tail_next(ln, from - 1, ids, T))
		lens_invalidate(ln, from);
	else
		lens_invalidate(ln, from > 0 ? from - 1 : 0);
	lens_tail_start(ln, from, T);
	ln->len = 0;
	order = xcalloc((size_t)T / LENS_BLOCK + 1, sizeof *order);
	nb = lens_order(order, T, prio_from, prio_to);
	for (b = 0; b < nb; b++)
		total += lens_jobs(ln, order[b], order[b] + LENS_BLOCK > T ? T :
		    order[b] + LENS_BLOCK, sublayers);
	for (b = 0; b < nb; b++) {
		p0 = order[b];
		p1 = p0 + LENS_BLOCK > T ? T : p0 + LENS_BLOCK;
		n = lens_jobs(ln, p0, p1, sublayers);
		/*
		 * Batches of about equal size (a short last one would waste
		 * its product), in whole panels of the product's kernel.
		 */
		bs = (n + ln->batch - 1) / ln->batch;
		bs = bs > 0 ? (n + bs - 1) / bs : 0;
		bs = (bs + LENS_PANEL - 1) / LENS_PANEL * LENS_PANEL;
		bs = bs < ln->batch ? bs : ln->batch;
		for (i = 0; i < n; i += bs) {
			if (cancel != NULL && atomic_load(cancel)) {
				free(order);
				return -1;
			}
			lens_batch(ln, s, ln->jobs + i, n - i < bs ? n - i : bs,
			    p0, ids, T);
			done += n - i < bs ? n - i : bs;
			if (progress != NULL)
				progress(arg, done, total);
		}
	}
	free(order);
	ln->len = T;
	return from;
}

void
lens_set_batch(struct lens *ln, int batch)
{
	ln->batch = batch < 1 ? 1 : batch > LENS_BATCH ? LENS_BATCH : batch;
}

/* Sets the translating lens (at most one of t and j) and forgets cells. */
static void
lens_set_map(struct lens *ln, const struct tuned *t,
    const struct jacobian *j)
{
	const size_t	C = (size_t)ln->c->n_embd, V = (size_t)ln->c->n_vocab;
	int		i;

	assert(t == NULL || j == NULL);
	if ((t != NULL || j != NULL) && ln->logits2 == NULL) {
		ln->logits2 = xbigalloc(ln->logitbytes);
		ln->x2 = xcalloc(LENS_BATCH * C, sizeof *ln->x2);
		ln->other = xcalloc(LENS_BATCH, sizeof *ln->other);
		for (i = 0; i < OPS_MAXTHREADS; i++)
			ln->tp[i] = xcalloc(V, sizeof *ln->tp[i]);
	}
	ln->tuned = t;
	ln->jacobian = j;
	lens_invalidate(ln, 0);
	ln->tailpos[0] = ln->tailpos[1] = -1;
	ln->len = 0;
}

void
lens_set_tuned(struct lens *ln, const struct tuned *t)
{
	lens_set_map(ln, t, NULL);
}

void
lens_set_jacobian(struct lens *ln, const struct jacobian *j)
{
	lens_set_map(ln, NULL, j);
}

int
lens_tracks(const struct lens *ln, const int *ids, int n)
{
	int	i;

	for (i = 0; i < n && lens_in(ids[i], ln->track, ln->ntrack); i++)
		/* nothing */;
	return i == n;
}

void
lens_set_track(struct lens *ln, const int *ids, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		assert(ids[i] >= 0 && ids[i] < ln->c->n_vocab);
	if (lens_tracks(ln, ids, n))
		return;		/* ranked already */
	free(ln->track);
	free(ln->trank);
	ln->track = xreallocarray(NULL, (size_t)n, sizeof *ln->track);
	memcpy(ln->track, ids, (size_t)n * sizeof *ids);
	ln->ntrack = n;
	ln->trank = xreallocarray(NULL, (size_t)ln->nrows * ln->c->n_ctx * n,
	    sizeof *ln->trank);
	lens_invalidate(ln, 0);
	ln->len = 0;
}

int
lens_token_rank(const struct lens *ln, int row, int pos, int id)
{
	int	i;

	for (i = 0; i < ln->ntrack; i++) {
		if (ln->track[i] == id)
			return ln->trank[(size_t)lens_index(ln, row, pos) *
			    ln->ntrack + i];
	}
	return 0;
}

const struct tuned *
lens_tuned(const struct lens *ln)
{
	return ln->tuned;
}

const struct jacobian *
lens_jacobian(const struct lens *ln)
{
	return ln->jacobian;
}

const char *
lens_kind(const struct lens *ln)
{
	return ln->tuned != NULL ? "tuned" : ln->jacobian != NULL ?
	    "jacobian" : "logit";
}

static int
lens_cand_cmp(const void *a, const void *b)
{
	const struct lens_cand	*x = a, *y = b;

	if (x->prob != y->prob)
		return (x->prob > y->prob ? -1 : 1);
	if (x->row != y->row)
		return (x->row < y->row ? -1 : 1);
	return (x->id < y->id ? -1 : x->id > y->id);
}

int
lens_cands(const struct lens_top *tops, int nrows, int T, int k, int pos,
    struct lens_cand *out, int max)
{
	const struct lens_top	*t;
	struct lens_cand		*all;
	int			 n = 0, r, i, j;

	if (nrows <= 0 || k <= 0 || pos < 0 || pos >= T || max <= 0)
		return (0);
	all = xreallocarray(NULL, (size_t)nrows * k, sizeof *all);
	for (r = 0; r < nrows; r++) {
		t = &tops[((size_t)r * T + pos) * k];
		for (i = 0; i < k; i++) {
			for (j = 0; j < n && all[j].id != t[i].id; j++)
				;
			if (j == n) {
				all[n].id = t[i].id;
				all[n].prob = t[i].prob;
				all[n++].row = r;
			} else if (t[i].prob > all[j].prob) {
				all[j].prob = t[i].prob;
				all[j].row = r;
			}
		}
	}
	qsort(all, n, sizeof *all, lens_cand_cmp);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return (n);
}

int
lens_in(int id, const int *ids, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		if (ids[i] == id)
			return (1);
	}
	return (0);
}

int
lens_mask(const struct lens_top *top, int k, const int *ids, int n)
{
	int	i;

	for (i = 0; i < k; i++) {
		if (!lens_in(top[i].id, ids, n))
			return (i);
	}
	return (-1);
}

