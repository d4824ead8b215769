/*
 * test-compare.c: the comparison of two prompts (compare.h).
 *
 * Each cell against the definitions, recomputed here in double precision
 * from the cell's decoder input (lens_cell_input) by plain dot products over
 * the whole vocabulary, KL(P_A || M) and KL(P_B || M) taken apart for JS;
 * the bounds KL, TV >= 0, JS <= ln 2, JS <= TV ln 2 and Pinsker's
 * TV <= sqrt(KL / 2); exact zeros where both prompts share the prefix; the
 * logit difference against lens_token_logit; and the incremental runs (an
 * edit of B, a cancelled run, sub-layers turned on, a new pair) against a
 * fresh comparison. The numbers against an independent float64 GPT-2 are
 * tests/compare-ref.py's, in compare.sh.
 */
#include "config.h"

#include <stdatomic.h>

#include "harness.h"
#include "compare.h"
#include "lens.h"
#include "model.h"
#include "ops.h"
#include "util.h"

/* lens_ref.json's first prompt, and it with " Mary" and one more token. */
static const int g_a[] = { 25082, 10955, 284, 921, 11, 3772 };
static const int g_b[] = { 25082, 10955, 284, 5335, 11, 3772, 10955 };
#define TA	((int)nitems(g_a))
#define TB	((int)nitems(g_b))
#define X_ID	3772
#define Y_ID	11

/* log softmax (V) of the cell, in double, from its decoder input. */
static void
ref_logp(const struct gpt2 *m, const struct lens *ln,
    const struct gpt2_state *s, int row, int pos, double *lp)
{
	const struct gpt2_config	*c = gpt2_config(m);
	const float			*w;
	float				*x = xcalloc((size_t)c->n_embd,
					    sizeof *x);
	double				 max = -HUGE_VAL, sum = 0, dot;
	int				 v, i;

	lens_cell_input(ln, s, row, pos, x);
	for (v = 0; v < c->n_vocab; v++) {
		w = gpt2_wte(m) + (size_t)v * c->n_embd;
		for (dot = 0, i = 0; i < c->n_embd; i++)
			dot += (double)x[i] * (double)w[i];
		lp[v] = dot;
		if (dot > max)
			max = dot;
	}
	for (v = 0; v < c->n_vocab; v++)
		sum += exp(lp[v] - max);
	for (v = 0; v < c->n_vocab; v++)
		lp[v] -= max + log(sum);
	free(x);
}

/*
 * Relative 1e-4 (the JSON contract), plus 1e-9: the lens's logits are a
 * float product, the reference's double dot products.
 */
static int
close_to(double got, double want)
{
	return fabs(got - want) <= 1e-4 * fabs(want) + 1e-9;
}

static void
check_cell(const struct gpt2 *m, const struct lens *ln,
    const struct gpt2_state *sa, const struct gpt2_state *sb,
    const struct compare_cell *cc, int row, int pos, double *la, double *lb)
{
	const int	V = gpt2_config(m)->n_vocab;
	double		pa, pb, lm, kl = 0, kam = 0, kbm = 0, tv = 0;
	double		best = 0;
	int		v, arg = 0;

	ref_logp(m, ln, sa, row, pos, la);
	ref_logp(m, ln, sb, row, pos, lb);
	for (v = 0; v < V; v++) {
		pa = exp(la[v]);
		pb = exp(lb[v]);
		kl += pa * (la[v] - lb[v]);
		lm = log(0.5 * (pa + pb));
		kam += pa * (la[v] - lm);
		kbm += pb * (lb[v] - lm);
		tv += fabs(pb - pa);
		if (fabs(pb - pa) > best) {
			best = fabs(pb - pa);
			arg = v;
		}
	}
	CHECK(close_to(cc->kl, kl), "row %d pos %d: kl %.9g, ref %.9g", row,
	    pos, cc->kl, kl);
	CHECK(close_to(cc->js, 0.5 * kam + 0.5 * kbm), "row %d pos %d: js "
	    "%.9g, ref %.9g", row, pos, cc->js, 0.5 * kam + 0.5 * kbm);
	CHECK(close_to(cc->tv, 0.5 * tv), "row %d pos %d: tv %.9g, ref %.9g",
	    row, pos, cc->tv, 0.5 * tv);
	/* The largest change: the same token but for a near tie. */
	CHECK(cc->max_id == arg || fabs(fabs(cc->max_delta) - best) < 1e-7,
	    "row %d pos %d: max id %d (%.9g), ref %d (%.9g)", row, pos,
	    cc->max_id, cc->max_delta, arg, best);
	CHECK(close_to(cc->max_delta, exp(lb[cc->max_id]) -
	    exp(la[cc->max_id])), "row %d pos %d: max_delta", row, pos);
	/* Bounds. */
	CHECK(cc->kl >= 0 && cc->tv >= 0 && cc->tv <= 1 + 1e-12 &&
	    cc->js >= 0 && cc->js <= M_LN2 + 1e-12, "row %d pos %d: range",
	    row, pos);
	CHECK(cc->js <= cc->tv * M_LN2 * (1 + 1e-9) + 1e-15 &&
	    cc->tv <= sqrt(cc->kl / 2) * (1 + 1e-9) + 1e-12,
	    "row %d pos %d: JS <= TV ln 2, TV <= sqrt(KL/2)", row, pos);
	if (pos < 3) {
		/* The same prefix: the same cells, exactly. */
		CHECK(cc->kl == 0 && cc->js == 0 && cc->tv == 0 &&
		    cc->max_delta == 0, "row %d pos %d: not 0 before the edit",
		    row, pos);
	}
}

static int
near(double a, double b)
{
	return (isnan(a) && isnan(b)) || close_to(a, b);
}

/*
 * Every cell of a and b (same rows, same length) equal, to the rounding of
 * a float product whose batch differs (close_to).
 */
static int
same_cells(const struct compare *a, const struct compare *b,
    const struct lens *ln, int sublayers, int from)
{
	const struct compare_cell	*x, *y;
	int				 i, p, row;

	if (compare_len(a) != compare_len(b))
		return 0;
	for (i = 0; i < lens_nrows(ln, sublayers); i++) {
		row = lens_row(ln, i, sublayers);
		for (p = from; p < compare_len(a); p++) {
			x = compare_cell(a, row, p);
			y = compare_cell(b, row, p);
			if (!near(x->kl, y->kl) || !near(x->js, y->js) ||
			    !near(x->tv, y->tv) || x->max_id != y->max_id ||
			    !near(x->max_delta, y->max_delta) ||
			    !near(x->diff_a, y->diff_a) ||
			    !near(x->diff_b, y->diff_b)) {
				fprintf(stderr, "row %d pos %d: kl %.9g %.9g, "
				    "max %d %d, diff %.9g %.9g\n", row, p,
				    x->kl, y->kl, x->max_id, y->max_id,
				    x->diff_b, y->diff_b);
				return 0;
			}
		}
	}
	return 1;
}

static void
check_incremental(const struct gpt2 *m, const struct lens *ln,
    struct gpt2_state *sa, struct gpt2_state *sb, struct compare *cm)
{
	struct compare		*fresh;
	struct compare_cell	*before;
	const struct compare_cell *x;
	int			 b2[TB], i;
	int			 nrows = GPT2_NROWS(gpt2_config(m));
	atomic_int		 cancel = 1;

	before = xcalloc((size_t)nrows * TA, sizeof *before);
	for (i = 0; i < nrows * TA; i++)
		before[i] = *compare_cell(cm, i / TA, i % TA);
	/* B's position 4 edited: positions 0-3 kept, 4 on recomputed. */
	memcpy(b2, g_b, sizeof b2);
	b2[4] = 13;
	CHECK(gpt2_forward(sb, b2, TB, NULL, NULL, NULL) == 4, "B's forward");
	CHECK(compare_run(cm, ln, sa, g_a, TA, sb, b2, TB, 1, &cancel) == -1,
	    "a cancelled run says so");
	CHECK(compare_run(cm, ln, sa, g_a, TA, sb, b2, TB, 1, NULL) == 4,
	    "the edit's position");
	for (i = 0; i < nrows * TA; i++) {
		if (i % TA < 4)
			CHECK(memcmp(&before[i], compare_cell(cm, i / TA,
			    i % TA), sizeof *before) == 0, "cell %d kept", i);
	}
	fresh = compare_new(m);
	compare_set_diff(fresh, X_ID, Y_ID);
	CHECK(compare_run(fresh, ln, sa, g_a, TA, sb, b2, TB, 1, NULL) == 0,
	    "a fresh run starts at 0");
	CHECK(same_cells(cm, fresh, ln, 1, 0), "incremental = fresh");
	/* Nothing changed: nothing recomputed. */
	CHECK(compare_run(cm, ln, sa, g_a, TA, sb, b2, TB, 1, NULL) == TA,
	    "an unchanged run");
	/* A new pair: the divergences kept, the differences anew. */
	for (i = 0; i < nrows * TA; i++)
		before[i] = *compare_cell(cm, i / TA, i % TA);
	compare_set_diff(cm, Y_ID, X_ID);
	CHECK(compare_run(cm, ln, sa, g_a, TA, sb, b2, TB, 1, NULL) == TA,
	    "a new pair: no position recomputed");
	for (i = 0; i < nrows * TA; i++) {
		x = compare_cell(cm, i / TA, i % TA);
		CHECK(x->kl == before[i].kl && x->js == before[i].js &&
		    x->diff_a == -before[i].diff_a &&
		    x->diff_b == -before[i].diff_b, "cell %d: pair swapped", i);
	}
	compare_free(fresh);
	free(before);
}

static void
run_fixture(const char *name)
{
	struct gpt2		*m;
	struct gpt2_state	*sa, *sb;
	struct lens		*ln;
	struct compare		*cm;
	const struct compare_cell *cc;
	double			*la, *lb, want;
	char			*dir, *cause;
	int			 i, p, row, V;

	if ((dir = harness_fixture(name)) == NULL)
		SKIP("fixture %s not found (../shared/fixtures)", name);
	if ((m = gpt2_load(dir, &cause)) == NULL)
		HARD("%s", cause);
	V = gpt2_config(m)->n_vocab;
	la = xcalloc((size_t)V, sizeof *la);
	lb = xcalloc((size_t)V, sizeof *lb);
	sa = gpt2_state_new(m);
	sb = gpt2_state_new(m);
	ln = lens_new(m, 5);
	cm = compare_new(m);
	/* Block rows first; sub-layers' rows added by a later run. */
	gpt2_forward(sa, g_a, TA, NULL, NULL, NULL);
	gpt2_forward(sb, g_b, TB, NULL, NULL, NULL);
	CHECK(compare_run(cm, ln, sa, g_a, TA, sb, g_b, TB, 0, NULL) == 0,
	    "first run");
	CHECK(compare_len(cm) == TA, "compared %d positions", compare_len(cm));
	CHECK(isnan(compare_cell(cm, 2, 1)->diff_a), "no pair: NaN");
	gpt2_state_keep_sublayers(sa);
	gpt2_state_keep_sublayers(sb);
	gpt2_forward(sa, g_a, TA, NULL, NULL, NULL);
	gpt2_forward(sb, g_b, TB, NULL, NULL, NULL);
	compare_reset(cm);	/* the states were recomputed */
	compare_set_diff(cm, X_ID, Y_ID);
	CHECK(compare_run(cm, ln, sa, g_a, TA, sb, g_b, TB, 1, NULL) == 0,
	    "with sub-layers");
	for (i = 0; i < lens_nrows(ln, 1); i++) {
		row = lens_row(ln, i, 1);
		for (p = 0; p < TA; p++) {
			cc = compare_cell(cm, row, p);
			check_cell(m, ln, sa, sb, cc, row, p, la, lb);
			want = (double)lens_token_logit(ln, sa, row, p, X_ID) -
			    (double)lens_token_logit(ln, sa, row, p, Y_ID);
			CHECK_NEAR(cc->diff_a, want, 1e-4 * (1 + fabs(want)),
			    "diff_a row %d pos %d", row, p);
			CHECK(cc->diff_a == compare_logit_diff(ln, sa, row, p,
			    X_ID, Y_ID), "compare_logit_diff");
			want = (double)lens_token_logit(ln, sb, row, p, X_ID) -
			    (double)lens_token_logit(ln, sb, row, p, Y_ID);
			CHECK_NEAR(cc->diff_b, want, 1e-4 * (1 + fabs(want)),
			    "diff_b row %d pos %d", row, p);
		}
	}
	check_incremental(m, ln, sa, sb, cm);
	compare_free(cm);
	lens_free(ln);
	gpt2_state_free(sa);
	gpt2_state_free(sb);
	free(la);
	free(lb);
	free(dir);
	gpt2_free(m);
}

int
main(void)
{
	int	n;

	/* One thread (as make check runs), then two: the pool's splits. */
	for (n = 1; n <= 2; n++) {
		ops_set_threads(n);
		run_fixture("tiny-gpt2");
		run_fixture("tiny-gpt2-f16");
	}
	return harness_done();
}
