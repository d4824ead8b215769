/*
 * eval.c: a window's lens statistics, summed per row and lens.
 *
 * The scored positions go by blocks of EVAL_BLOCK. In each block the final
 * row is decoded first: its probabilities pf (P, V) and hf = sum pf log pf
 * are what every other row's KL is taken against:
 *     KL(P_final || P_row) = hf - sum pf x + lse(x)
 * Then each lens decodes each other row: translate (tuned, Jacobian), ln_f,
 * one product with wte^T (ops_matmul_nt: the machine's kernel, kern.h),
 * and one pass per position over its V logits (ops_row_stats_count: lse,
 * sum p x, sum pf x and the count of logits above the next token's). A row
 * a lens does not translate is the logit lens's, copied. Per-position
 * values land in arrays summed in position order, so the sums do not
 * depend on the threads.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "eval.h"
#include "ops.h"
#include "util.h"

#define EVAL_BLOCK	256	/* positions per product */

const char *const eval_lens_names[EVAL_NLENS] = { "logit", "tuned",
    "jacobian" };
const char *const eval_metric_names[EVAL_NMETRIC] = { "ce", "kl", "entropy",
    "top1_acc" };

/* A product's positions [next, n) still to reduce, shared by the threads. */
struct eval_work {
	const float	*logits;	/* (n, V) */
	const int	*next_ids;	/* (n) */
	int		 n;
	int		 final;		/* the final row: fill pf and hf */
	atomic_int	 next;
};

struct eval {
	const struct gpt2		*m;
	const struct gpt2_config	*c;
	const struct tuned		*tuned;
	const struct jacobian		*jac;
	int				 lenses;
	int				 sublayers;
	int				 nrows;
	struct gpt2_state		*st;
	float				*h;	/* (EVAL_BLOCK, C) translated */
	float				*x;	/* (EVAL_BLOCK, C) normed */
	float				*logits;/* (EVAL_BLOCK, V) */
	float				*pf;	/* (EVAL_BLOCK, V) final probs */
	size_t				 vbytes;
	double				*hf;	/* (EVAL_BLOCK) sum pf log pf */
	double				*val;	/* (EVAL_NMETRIC, EVAL_BLOCK) */
	struct eval_work		 work;
};

struct eval_sums *
eval_sums_new(int nrows, int lenses)
{
	struct eval_sums	*s;

	s = xcalloc(1, sizeof *s);
	s->nrows = nrows;
	s->lenses = lenses;
	s->sums = xcalloc((size_t)EVAL_NLENS * nrows * EVAL_NMETRIC,
	    sizeof *s->sums);
	return s;
}

void
eval_sums_free(struct eval_sums *s)
{
	if (s == NULL)
		return;
	free(s->sums);
	free(s);
}

void
eval_sums_clear(struct eval_sums *s)
{
	s->windows = s->tokens = s->bytes = 0;
	s->base_ce = 0;
	memset(s->sums, 0, (size_t)EVAL_NLENS * s->nrows * EVAL_NMETRIC *
	    sizeof *s->sums);
}

void
eval_sums_add(struct eval_sums *dst, const struct eval_sums *src)
{
	size_t	i, n = (size_t)EVAL_NLENS * dst->nrows * EVAL_NMETRIC;

	assert(dst->nrows == src->nrows && dst->lenses == src->lenses);
	dst->windows += src->windows;
	dst->tokens += src->tokens;
	dst->bytes += src->bytes;
	dst->base_ce += src->base_ce;
	for (i = 0; i < n; i++)
		dst->sums[i] += src->sums[i];
}

double *
eval_sums_at(const struct eval_sums *s, enum eval_lens l, int row,
    enum eval_metric k)
{
	assert(row >= 0 && row < s->nrows);
	return s->sums + ((size_t)l * s->nrows + row) * EVAL_NMETRIC + k;
}

struct eval *
eval_new(const struct gpt2 *m, const struct tuned *tuned,
    const struct jacobian *jac, int sublayers)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct eval			*ev;

	ev = xcalloc(1, sizeof *ev);
	ev->m = m;
	ev->c = c;
	ev->tuned = tuned;
	ev->jac = jac;
	ev->lenses = 1 << EVAL_LOGIT;
	if (tuned != NULL)
		ev->lenses |= 1 << EVAL_TUNED;
	if (jac != NULL)
		ev->lenses |= 1 << EVAL_JACOBIAN;
	ev->sublayers = sublayers;
	ev->nrows = sublayers ? GPT2_NROWS(c) : c->n_layer + 1;
	ev->st = gpt2_state_new(m);
	if (sublayers)
		gpt2_state_keep_sublayers(ev->st);
	ev->h = xcalloc((size_t)EVAL_BLOCK * c->n_embd, sizeof *ev->h);
	ev->x = xcalloc((size_t)EVAL_BLOCK * c->n_embd, sizeof *ev->x);
	ev->vbytes = (size_t)EVAL_BLOCK * c->n_vocab * sizeof (float);
	ev->logits = xbigalloc(ev->vbytes);
	ev->pf = xbigalloc(ev->vbytes);
#ifdef MADV_HUGEPAGE
	/* Page faults are slow here: 2 MiB pages fault 512 times fewer. */
	madvise(ev->logits, ev->vbytes, MADV_HUGEPAGE);
	madvise(ev->pf, ev->vbytes, MADV_HUGEPAGE);
#endif
	ev->hf = xcalloc(EVAL_BLOCK, sizeof *ev->hf);
	ev->val = xcalloc((size_t)EVAL_NMETRIC * EVAL_BLOCK, sizeof *ev->val);
	return ev;
}

void
eval_free(struct eval *ev)
{
	if (ev == NULL)
		return;
	gpt2_state_free(ev->st);
	free(ev->h);
	free(ev->x);
	xbigfree(ev->logits, ev->vbytes);
	xbigfree(ev->pf, ev->vbytes);
	free(ev->hf);
	free(ev->val);
	free(ev);
}

int
eval_lenses(const struct eval *ev)
{
	return ev->lenses;
}

int
eval_nrows(const struct eval *ev)
{
	return ev->nrows;
}

int
eval_row(const struct eval *ev, int i)
{
	assert(i >= 0 && i < ev->nrows);
	return ev->sublayers ? i : 2 * i;
}

/* One position's statistics from its logits x (V). */
static void
eval_reduce_one(struct eval *ev, int j)
{
	struct eval_work	*w = &ev->work;
	struct ops_stats	 s;
	const float		*x;
	float			*pf;
	float			 max;
	int			 V = ev->c->n_vocab, n0, n1, top1;
	int			 id = w->next_ids[j];
	double			 lse;

	x = w->logits + (size_t)j * V;
	pf = ev->pf + (size_t)j * V;
	/* The max (and top-1: ties go to the lower id), then one pass. */
	ops_topk(&top1, &max, x, V, 1);
	ops_row_stats_count(&s, x, w->final ? NULL : pf, V, max, INFINITY,
	    INFINITY, &n0, &n1);
	lse = s.lse;
	ev->val[EVAL_CE * EVAL_BLOCK + j] = lse - (double)x[id];
	ev->val[EVAL_ENTROPY * EVAL_BLOCK + j] = lse - s.ex;
	ev->val[EVAL_TOP1 * EVAL_BLOCK + j] = top1 == id;
	if (w->final) {
		ops_softmax(pf, x, V, lse);
		ev->hf[j] = s.ex - lse;
		ev->val[EVAL_KL * EVAL_BLOCK + j] = 0;
	} else
		ev->val[EVAL_KL * EVAL_BLOCK + j] = ev->hf[j] - s.dotf + lse;
}

static void
eval_reduce_part(void *arg, int i, int n)
{
	struct eval	*ev = arg;
	int		 j;

	(void)i;
	(void)n;
	while ((j = atomic_fetch_add(&ev->work.next, 1)) < ev->work.n)
		eval_reduce_one(ev, j);
}

/*
 * Decodes the residuals h (n, C) of one row and reduces each position into
 * ev->val; with final, also fills pf and hf.
 */
static int
eval_decode(struct eval *ev, const float *h, const int *next_ids, int n,
    int final, char **cause)
{
	const struct gpt2_config	*c = ev->c;
	int				 j, k;

	ops_layernorm(ev->x, h, gpt2_lnf_g(ev->m), gpt2_lnf_b(ev->m), n,
	    c->n_embd, c->eps);
	/*
	 * The machine's kernel (kern.h's choice, set by the caller: the
	 * lens's own where it beats OpenBLAS's sgemm on blocks of this size,
	 * else sgemm itself, or wte packed: gpt2_unembed).
	 */
	gpt2_unembed(ev->m, ev->logits, ev->x, n);
	ev->work.logits = ev->logits;
	ev->work.next_ids = next_ids;
	ev->work.n = n;
	ev->work.final = final;
	atomic_store(&ev->work.next, 0);
	ops_parallel(eval_reduce_part, ev);
	for (k = 0; k < EVAL_NMETRIC; k++) {
		for (j = 0; j < n; j++) {
			if (!isfinite(ev->val[k * EVAL_BLOCK + j]))
				return util_fail(cause, "the lens's %s is not "
				    "finite at position %d: the model's "
				    "weights or activations overflow",
				    eval_metric_names[k], j);
		}
	}
	return 0;
}

/* Adds ev->val (n positions) into sums at lens l, shown row i. */
static void
eval_add(struct eval *ev, struct eval_sums *s, enum eval_lens l, int i,
    int n)
{
	double	*at;
	int	 j, k;

	for (k = 0; k < EVAL_NMETRIC; k++) {
		at = eval_sums_at(s, l, i, k);
		for (j = 0; j < n; j++)
			*at += ev->val[k * EVAL_BLOCK + j];
	}
}

/* The residuals of row for lens l into ev->h, or NULL if l is the logit lens there. */
static const float *
eval_translate(struct eval *ev, enum eval_lens l, int row, const float *h,
    int n)
{
	switch (l) {
	case EVAL_TUNED:
		if (tuned_translator(ev->tuned, row, NULL, NULL) < 0)
			return NULL;
		tuned_apply(ev->tuned, row, h, ev->h, n);
		return ev->h;
	case EVAL_JACOBIAN:
		if (jacobian_matrix(ev->jac, row) == NULL)
			return NULL;
		jacobian_apply(ev->jac, row, h, ev->h, n);
		return ev->h;
	default:
		return h;
	}
}

/* One block of positions [p0, p0 + n) into s. */
static int
eval_block(struct eval *ev, const int *ids, int p0, int n,
    struct eval_sums *s, const atomic_int *cancel, char **cause)
{
	const float	*h;
	size_t		 C = (size_t)ev->c->n_embd;
	int		 i, l, row, last = 2 * ev->c->n_layer;
	double		*src, *dst;

	/* The final row: P_final, and the baseline. */
	h = gpt2_resid(ev->st, last) + p0 * C;
	if (eval_decode(ev, h, ids + p0 + 1, n, 1, cause) != 0)
		return -1;
	for (l = 0; l < EVAL_NLENS; l++) {
		if (ev->lenses & (1 << l))
			eval_add(ev, s, l, ev->nrows - 1, n);
	}
	for (i = 0; i < n; i++)
		s->base_ce += ev->val[EVAL_CE * EVAL_BLOCK + i];
	for (i = 0; i < ev->nrows - 1; i++) {
		row = eval_row(ev, i);
		for (l = 0; l < EVAL_NLENS; l++) {
			if (!(ev->lenses & (1 << l)))
				continue;
			if (cancel != NULL && atomic_load(cancel))
				return 1;
			h = gpt2_resid(ev->st, row) + p0 * C;
			if ((h = eval_translate(ev, l, row, h, n)) == NULL) {
				/* Not translated: the logit lens's row. */
				src = eval_sums_at(s, EVAL_LOGIT, i, 0);
				dst = eval_sums_at(s, l, i, 0);
				memcpy(dst, src, EVAL_NMETRIC * sizeof *dst);
				continue;
			}
			if (eval_decode(ev, h, ids + p0 + 1, n, 0, cause) != 0)
				return -1;
			eval_add(ev, s, l, i, n);
		}
	}
	return 0;
}

int
eval_window(struct eval *ev, const int *ids, int T, struct eval_sums *sums,
    const atomic_int *cancel, char **cause)
{
	struct eval_sums	*s;
	int			 p0, n, r;

	assert(T >= 2 && T <= ev->c->n_ctx);
	assert(sums->nrows == ev->nrows && sums->lenses == ev->lenses);
	if (gpt2_forward(ev->st, ids, T, cancel, NULL, NULL) < 0)
		return 1;
	if (gpt2_state_nonfinite(ev->st) >= 0)
		return util_fail(cause, "the model's residual row %d is not "
		    "finite: its weights overflow",
		    gpt2_state_nonfinite(ev->st));
	/* Blocks into s, added to sums only once the window is whole. */
	s = eval_sums_new(ev->nrows, ev->lenses);
	r = 0;
	for (p0 = 0; p0 < T - 1 && r == 0; p0 += EVAL_BLOCK) {
		n = T - 1 - p0 < EVAL_BLOCK ? T - 1 - p0 : EVAL_BLOCK;
		r = eval_block(ev, ids, p0, n, s, cancel, cause);
	}
	if (r == 0) {
		s->windows = 1;
		s->tokens = T - 1;
		eval_sums_add(sums, s);
	}
	eval_sums_free(s);
	return r;
}
