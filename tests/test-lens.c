/*
 * test-lens.c: the lens against Hugging Face's references.
 *
 * For each fixture model (tiny-gpt2 F32, tiny-gpt2-f16) and each prompt of
 * its lens_ref.json (computed by transformers in float64 from the stored
 * weights), every row (embeddings, each attention sub-block, each block)
 * and position is compared: top-10 ids, log-probabilities and logits,
 * entropy, KL(final || row), the final top-1 and its rank, the next token's
 * log-probability and rank. Then invariants: the last row is the model's
 * own output, probabilities sum to 1, incremental runs equal full runs.
 */
#include "config.h"

#include <jansson.h>

#include "harness.h"
#include "lens.h"
#include "ops.h"
#include "model.h"
#include "util.h"

#define TOL_LOGIT	5e-5
#define TOL_LOGP	5e-5
#define TOL_KL		5e-5

static int g_vocab;

/* Tokens whose logit lies within tol of the target's: ranks may swap. */
static int
near_ties(const struct lens *ln, const struct gpt2_state *s, int row,
    int pos, int id)
{
	float	x = lens_token_logit(ln, s, row, pos, id), y;
	int	v, n = 0;

	for (v = 0; v < g_vocab; v++) {
		y = lens_token_logit(ln, s, row, pos, v);
		if (v != id && fabsf(y - x) <= 1e-4f * (1.0f + fabsf(x)))
			n++;
	}
	return n;
}

static void
check_rank(const struct lens *ln, const struct gpt2_state *s, int row,
    int pos, int id, int got, int ref0, const char *what, const char *where)
{
	int	slack;

	if (got == ref0 + 1)
		return;
	slack = near_ties(ln, s, row, pos, id);
	CHECK(abs(got - (ref0 + 1)) <= slack, "%s: %s rank %d, reference %d "
	    "(%d near ties)", where, what, got, ref0 + 1, slack);
}

static void
check_cell(const struct lens *ln, const struct gpt2_state *s, json_t *ref,
    int row, int pos, const char *where)
{
	const struct lens_cell	*c = lens_cell(ln, row, pos);
	const struct lens_top	*top = lens_top(ln, row, pos);
	json_t			*ids = json_object_get(ref, "top_ids");
	json_t			*lps = json_object_get(ref, "top_logprobs");
	json_t			*lgs = json_object_get(ref, "top_logits");
	double			 lg, lgn, kl;
	size_t			 j;

	for (j = 0; j < json_array_size(ids); j++) {
		lg = json_real_value(json_array_get(lgs, j));
		/* Equal ids unless the reference has a near tie here. */
		lgn = j + 1 < json_array_size(lgs) ?
		    json_real_value(json_array_get(lgs, j + 1)) : -1e30;
		if (fabs(lg - lgn) > 1e-4 && (j == 0 || fabs(lg -
		    json_real_value(json_array_get(lgs, j - 1))) > 1e-4))
			CHECK(top[j].id == json_integer_value(json_array_get(
			    ids, j)), "%s: top[%zu] id %d, reference %lld",
			    where, j, top[j].id, json_integer_value(
			    json_array_get(ids, j)));
		CHECK_NEAR(top[j].logit, lg, TOL_LOGIT * (1 + fabs(lg)),
		    "%s: top[%zu] logit", where, j);
		CHECK_NEAR(log(top[j].prob), json_real_value(json_array_get(
		    lps, j)), TOL_LOGP, "%s: top[%zu] logprob", where, j);
	}
	CHECK_NEAR(c->entropy, json_real_value(json_object_get(ref, "entropy")),
	    TOL_LOGP, "%s: entropy", where);
	kl = json_real_value(json_object_get(ref, "kl_final_to_layer"));
	CHECK_NEAR(c->kl, kl, TOL_KL * (1 + kl), "%s: kl", where);
	CHECK(c->final_top1 == json_integer_value(json_object_get(ref,
	    "final_top1")), "%s: final_top1 %d", where, c->final_top1);
	check_rank(ln, s, row, pos, c->final_top1, c->final_top1_rank,
	    (int)json_integer_value(json_object_get(ref,
	    "rank_of_final_top1")), "final top-1", where);
	if (json_object_get(ref, "next_id") == NULL) {
		CHECK(c->next_id == -1, "%s: next_id %d at the end", where,
		    c->next_id);
		return;
	}
	CHECK(c->next_id == json_integer_value(json_object_get(ref,
	    "next_id")), "%s: next_id %d", where, c->next_id);
	CHECK_NEAR(log(c->next_prob), json_real_value(json_object_get(ref,
	    "logprob_next")), TOL_LOGP * 5, "%s: next logprob", where);
	check_rank(ln, s, row, pos, c->next_id, c->next_rank,
	    (int)json_integer_value(json_object_get(ref, "rank_of_next")),
	    "next", where);
}

static void
check_rows(const struct lens *ln, const struct gpt2_state *s, json_t *rows,
    int odd, const char *model, size_t pi)
{
	json_t	*row;
	char	 where[128];
	size_t	 r, p;

	json_array_foreach(rows, r, row) {
		for (p = 0; p < json_array_size(row); p++) {
			snprintf(where, sizeof where, "%s prompt %zu %s %zu "
			    "pos %zu", model, pi, odd ? "attn row" : "row", r,
			    p);
			check_cell(ln, s, json_array_get(row, p),
			    odd ? 2 * (int)r + 1 : 2 * (int)r, (int)p, where);
		}
	}
}

/* Probabilities sum to at most 1, top-k sorted, last row KL 0. */
static void
check_invariants(const struct lens *ln, int T, int nrows)
{
	const struct lens_top	*top;
	double			 sum;
	int			 r, p, j;

	for (r = 0; r < nrows; r++) {
		for (p = 0; p < T; p++) {
			top = lens_top(ln, r, p);
			sum = 0;
			for (j = 0; j < lens_top_k(ln); j++) {
				sum += (double)top[j].prob;
				if (j > 0)
					CHECK(top[j].logit <= top[j - 1].logit,
					    "row %d pos %d: top-k not sorted",
					    r, p);
			}
			CHECK(sum <= 1.0 + 1e-5, "row %d pos %d: top-k sum %g",
			    r, p, sum);
			CHECK(lens_cell(ln, r, p)->entropy >= -1e-5f,
			    "negative entropy");
		}
	}
	for (p = 0; p < T; p++)
		CHECK(lens_cell(ln, nrows - 1, p)->kl == 0.0f, "last row kl");
}

/*
 * Cells of another run (how names it: incremental, other batches...)
 * against a full run's. Equal up to float rounding, not bit for bit: a
 * column decoded alone or in a small batch goes through the small-row
 * kernel, which sums in its own order.
 */
static void
check_same_cell(const struct lens *ln, const struct lens *ref, int r, int p,
    const char *how)
{
	const struct lens_cell	*a = lens_cell(ln, r, p), *b = lens_cell(ref, r,
				    p);
	const struct lens_top	*ta = lens_top(ln, r, p), *tb = lens_top(ref,
				    r, p);
	int			 j;

#define SAME(x, what) CHECK_NEAR(a->x, b->x, 1e-5 * (1 + fabs(b->x)),	\
	"%s: row %d pos %d: %s", how, r, p, what)
	SAME(entropy, "entropy");
	SAME(kl, "kl");
	SAME(lse, "lse");
	SAME(final_top1_prob, "final top-1 prob");
	SAME(next_prob, "next prob");
	SAME(next_logit, "next logit");
#undef SAME
	CHECK(a->final_top1 == b->final_top1 && a->next_id == b->next_id,
	    "%s: row %d pos %d: final top-1 %d/%d, next %d/%d", how, r, p,
	    a->final_top1, b->final_top1, a->next_id, b->next_id);
	/* Ranks and top ids move only between near ties. */
	CHECK(abs(a->final_top1_rank - b->final_top1_rank) <= 1 &&
	    abs(a->next_rank - b->next_rank) <= 1, "%s: row %d pos %d: ranks "
	    "%d/%d, %d/%d", how, r, p, a->final_top1_rank, b->final_top1_rank,
	    a->next_rank, b->next_rank);
	for (j = 0; j < lens_top_k(ln); j++)
		CHECK(ta[j].id == tb[j].id || fabsf(ta[j].logit - tb[j].logit) <
		    1e-4f * (1.0f + fabsf(tb[j].logit)), "%s: row %d pos %d: "
		    "top[%d] %d, full run %d", how, r, p, j, ta[j].id,
		    tb[j].id);
}

/*
 * The next token's rank of cell (r, p) is 1 + the logits above its own:
 * counted again from lens_token_logit (a longhand dot product), up to its
 * rounding. Catches a rank off by one that the comparison with a full run
 * (which allows near ties to move) lets through.
 */
static void
check_next_rank(const struct lens *ln, const struct gpt2_state *s, int r,
    int p)
{
	const struct lens_cell	*a = lens_cell(ln, r, p);
	float			 x;
	int			 id, above = 0, near = 0;

	if (a->next_id < 0)
		return;
	for (id = 0; id < g_vocab; id++) {
		x = lens_token_logit(ln, s, r, p, id);
		if (x > a->next_logit + 1e-4f * (1 + fabsf(a->next_logit)))
			above++;
		else if (x > a->next_logit - 1e-4f * (1 + fabsf(a->next_logit))
		    && id != a->next_id)
			near++;
	}
	CHECK(a->next_rank >= 1 + above && a->next_rank <= 1 + above + near,
	    "row %d pos %d: next rank %d, %d logits above (%d near)", r, p,
	    a->next_rank, above, near);
}

/* An incremental run (prefix, then the rest) equals a fresh full run. */
static void
check_incremental(struct gpt2 *m, const int *ids, int T, const struct lens *ref,
    int nrows)
{
	struct gpt2_state	*s = gpt2_state_new(m), *s2;
	struct lens		*ln = lens_new(m, 10), *short_ref;
	int			 r, p, from, other[64];

	if (T < 3 || T > 64)
		goto out;
	/* A different token at T/2 first, then the real prompt. */
	memcpy(other, ids, (size_t)T * sizeof *ids);
	other[T / 2] = (ids[T / 2] + 1) % g_vocab;
	lens_run(ln, s, other, T, 1, 0, 0, NULL, NULL, NULL);
	lens_run(ln, s, ids, T - 1, 1, 0, 0, NULL, NULL, NULL);
	from = lens_run(ln, s, ids, T, 1, T - 1, T, NULL, NULL, NULL);
	CHECK(from == T - 1, "append recomputed from %d, expected %d", from,
	    T - 1);
	for (r = 0; r < nrows; r++) {
		for (p = 0; p < T; p++)
			check_same_cell(ln, ref, r, p, "incremental");
		check_next_rank(ln, s, r, T - 2);
	}
	/*
	 * The last token changed, as typing does: the column before it takes
	 * its new next token from the logits kept of the last run.
	 */
	memcpy(other, ids, (size_t)T * sizeof *ids);
	other[T - 1] = (ids[T - 1] + 7) % g_vocab;
	lens_run(ln, s, other, T, 1, 0, 0, NULL, NULL, NULL);
	from = lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
	CHECK(from == T - 1, "new last token recomputed from %d", from);
	for (r = 0; r < nrows; r++) {
		for (p = 0; p < T; p++)
			check_same_cell(ln, ref, r, p, "new last token");
		check_next_rank(ln, s, r, T - 2);
	}
	/* Shrinking: the new last column has no next token. */
	s2 = gpt2_state_new(m);
	short_ref = lens_new(m, 10);
	lens_run(short_ref, s2, ids, T - 1, 1, 0, 0, NULL, NULL, NULL);
	lens_run(ln, s, ids, T - 1, 1, 0, 0, NULL, NULL, NULL);
	for (r = 0; r < nrows; r++) {
		for (p = 0; p < T - 1; p++)
			check_same_cell(ln, short_ref, r, p, "shrunk");
	}
	CHECK(lens_cell(ln, 0, T - 2)->next_id == -1 &&
	    lens_cell(ln, 0, T - 2)->next_rank == 0, "shrunk: a next token");
	lens_free(short_ref);
	gpt2_state_free(s2);
out:
	lens_free(ln);
	gpt2_state_free(s);
}

/*
 * Batches of a few cells (several per block of positions, uneven, some
 * without the final row's cells, some of ops's small-row kernel) give the
 * cells of one batch per block.
 */
static void
check_batches(struct gpt2 *m, const int *ids, int T, const struct lens *ref,
    int nrows)
{
	static const int	 sizes[] = { 40, 17, 1 };
	struct gpt2_state	*s;
	struct lens		*ln;
	size_t			 i;
	int			 r, p;

	for (i = 0; i < nitems(sizes); i++) {
		s = gpt2_state_new(m);
		ln = lens_new(m, 10);
		lens_set_batch(ln, sizes[i]);
		lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
		for (r = 0; r < nrows; r++) {
			for (p = 0; p < T; p++)
				check_same_cell(ln, ref, r, p, "batches");
		}
		lens_free(ln);
		gpt2_state_free(s);
	}
}

/* Counts the cells a run computes. */
static void
count_progress(void *arg, int done, int total)
{
	*(int *)arg = total;
	(void)done;
}

/*
 * Logits of cell (r, p) longhand, in double: ln_f of the residual, then a
 * dot product with each row of wte.
 */
static void
longhand_logits(const struct gpt2 *m, const struct gpt2_state *s, int r,
    int p, double *out)
{
	const struct gpt2_config	*c = gpt2_config(m);
	const float			*x = gpt2_resid(s, r) + (size_t)p * c->n_embd;
	const float			*w;
	double				 mean = 0, var = 0, y[1024], dot;
	int				 i, v;

	for (i = 0; i < c->n_embd; i++)
		mean += x[i];
	mean /= c->n_embd;
	for (i = 0; i < c->n_embd; i++)
		var += (x[i] - mean) * (x[i] - mean);
	var /= c->n_embd;
	for (i = 0; i < c->n_embd; i++)
		y[i] = (x[i] - mean) / sqrt(var + c->eps) *
		    gpt2_lnf_g(m)[i] + gpt2_lnf_b(m)[i];
	for (v = 0; v < c->n_vocab; v++) {
		w = gpt2_wte(m) + (size_t)v * c->n_embd;
		for (dot = 0, i = 0; i < c->n_embd; i++)
			dot += y[i] * w[i];
		out[v] = dot;
	}
}

/* lens_token_rank of id at (r, p): 1 + the longhand logits lg above. */
static void
check_longhand_rank(const struct lens *ln, const double *lg, int r, int p,
    int id)
{
	double	x = lg[id], tol = 1e-4 * (1 + fabs(lg[id]));
	int	v, got, above = 0, near = 0;

	for (v = 0; v < g_vocab; v++) {
		if (lg[v] > x + tol)
			above++;
		else if (lg[v] > x - tol && v != id)
			near++;
	}
	got = lens_token_rank(ln, r, p, id);
	CHECK(got >= 1 + above && got <= 1 + above + near, "track: row %d "
	    "pos %d id %d: rank %d, %d logits above (%d near)", r, p, id, got,
	    above, near);
}

/*
 * Tracked tokens' ranks: in every cell equal to the ranks the cell has of
 * the same token (final top-1, next token); at the first and last position
 * 1 + the longhand logits above, up to near ties. Narrowing the set keeps
 * the cells, a new token recomputes them all.
 */
static void
check_track(struct gpt2 *m, const int *ids, int T, const struct lens *ref,
    int nrows)
{
	const struct lens_cell	*c = lens_cell(ref, nrows - 1, 0);
	struct gpt2_state	*s = gpt2_state_new(m);
	struct lens		*ln = lens_new(m, 10);
	double			*lg = xreallocarray(NULL, g_vocab, sizeof *lg);
	int			 track[3], n = 0, r, p, i, got, other, total;

	track[n++] = c->final_top1;
	if (T > 1 && ids[1] != c->final_top1)
		track[n++] = ids[1];
	track[n++] = g_vocab - 1;
	for (other = 0; lens_in(other, track, n); other++)
		/* nothing */;
	lens_set_track(ln, track, n);
	total = 0;
	lens_run(ln, s, ids, T, 1, 0, 0, NULL, count_progress, &total);
	CHECK(total == nrows * T, "track: %d cells computed, not %d", total,
	    nrows * T);
	for (r = 0; r < nrows; r++) {
		for (p = 0; p < T; p++) {
			c = lens_cell(ln, r, p);
			for (i = 0; i < n; i++) {
				got = lens_token_rank(ln, r, p, track[i]);
				if (track[i] == c->final_top1)
					CHECK(got == c->final_top1_rank, "track: "
					    "row %d pos %d: rank %d, final "
					    "top-1's %d", r, p, got,
					    c->final_top1_rank);
				if (track[i] == c->next_id)
					CHECK(got == c->next_rank, "track: row %d "
					    "pos %d: rank %d, next token's %d",
					    r, p, got, c->next_rank);
			}
			CHECK(lens_token_rank(ln, r, p, other) == 0, "track: "
			    "row %d pos %d: untracked %d ranked", r, p, other);
		}
		for (p = 0; p < T; p += T - 1 > 0 ? T - 1 : 1) {
			longhand_logits(m, s, r, p, lg);
			for (i = 0; i < n; i++)
				check_longhand_rank(ln, lg, r, p, track[i]);
		}
	}

	CHECK(lens_tracks(ln, track + 1, n - 1) && !lens_tracks(ln, &other, 1),
	    "track: lens_tracks");
	/* Fewer: nothing to compute, the ranks stay. */
	got = lens_token_rank(ln, 0, T - 1, track[n - 1]);
	lens_set_track(ln, track + n - 1, 1);
	total = 0;
	lens_run(ln, s, ids, T, 1, 0, 0, NULL, count_progress, &total);
	CHECK(total == 0, "track: narrowed, %d cells computed", total);
	CHECK(lens_token_rank(ln, 0, T - 1, track[n - 1]) == got,
	    "track: narrowed, the rank changed");

	/* A new one: every cell again, and the same cells. */
	lens_set_track(ln, &other, 1);
	total = 0;
	lens_run(ln, s, ids, T, 1, 0, 0, NULL, count_progress, &total);
	CHECK(total == nrows * T, "track: a new token, %d cells computed",
	    total);
	longhand_logits(m, s, nrows - 1, T - 1, lg);
	check_longhand_rank(ln, lg, nrows - 1, T - 1, other);
	for (r = 0; r < nrows; r++) {
		for (p = 0; p < T; p++)
			check_same_cell(ln, ref, r, p, "track");
	}
	free(lg);
	lens_free(ln);
	gpt2_state_free(s);
}

static void
run_fixture(const char *name)
{
	struct gpt2		*m;
	struct gpt2_state	*s;
	struct lens		*ln;
	json_t			*ref, *prompts, *pr, *jids;
	json_error_t		 jerr;
	char			*dir, *path, *cause;
	int			 ids[256], T, nrows;
	size_t			 pi, i;

	if ((dir = harness_fixture(name)) == NULL)
		SKIP("fixture %s not found (../shared/fixtures)", name);
	if ((m = gpt2_load(dir, &cause)) == NULL)
		HARD("%s", cause);
	path = util_path(dir, "lens_ref.json");
	if ((ref = json_load_file(path, 0, &jerr)) == NULL)
		HARD("%s: %s", path, jerr.text);
	nrows = GPT2_NROWS(gpt2_config(m));
	g_vocab = gpt2_config(m)->n_vocab;
	prompts = json_object_get(ref, "prompts");
	json_array_foreach(prompts, pi, pr) {
		jids = json_object_get(pr, "ids");
		T = (int)json_array_size(jids);
		for (i = 0; i < (size_t)T; i++)
			ids[i] = (int)json_integer_value(json_array_get(jids, i));
		s = gpt2_state_new(m);
		ln = lens_new(m, 10);
		CHECK(lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL) == 0,
		    "first run starts at 0");
		check_rows(ln, s, json_object_get(pr, "resid_rows"), 0, name,
		    pi);
		check_rows(ln, s, json_object_get(pr, "attn_out_rows"), 1,
		    name, pi);
		check_invariants(ln, T, nrows);
		check_incremental(m, ids, T, ln, nrows);
		check_batches(m, ids, T, ln, nrows);
		check_track(m, ids, T, ln, nrows);
		lens_free(ln);
		gpt2_state_free(s);
	}
	json_decref(ref);
	free(path);
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
