/*
 * test-patch.c: patching's invariants (tests/patch.sh checks every value
 * against a float64 PyTorch reference).
 *
 * On each fixture model: a run's final logits equal the model's own
 * (gpt2_forward and the lens's unembedding, independently); batches of one
 * variant, and of at most 8 rows, give what the default batches give (the stacking and the cached
 * keys and values change nothing); a patch from a run into itself changes
 * nothing; patching the final row at the last position gives the source's
 * metric, elsewhere the base's; every attention row sums to 1 over the
 * positions it sees; the heads' attribution, the c_proj biases, the MLPs
 * and the embeddings add up to the logit; a cancelled computation returns
 * NULL; computed in parts, the rows asked for come first, each part holds
 * the rows done so far bit for bit as the whole computation gives them,
 * and the heads come last. All of it again over packed weights
 * (gpt2_pack), where the CPU has their kernel.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model.h"
#include "ops.h"
#include "patch.h"
#include "util.h"

#define TOL	2e-5	/* float against float, relative to 1 + |x| */

static const int clean_ids[] = { 464, 3797, 3332, 319, 262, 2603, 11 };
static const int corr_ids[] = { 464, 3290, 3332, 319, 262, 2603, 11 };
#define NT	((int)nitems(clean_ids))

static void
near_all(const float *a, const float *b, size_t n, const char *what)
{
	size_t	i;

	for (i = 0; i < n; i++)
		CHECK_NEAR(a[i], b[i], TOL * (1 + fabs(b[i])), "%s [%zu]",
		    what, i);
}

/* The run's final logits against gpt2_forward's final row. */
static void
check_logits(const struct gpt2 *m, const struct patch_run *r)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct gpt2_state		*s = gpt2_state_new(m);
	float				*ln, *lg;

	gpt2_forward(s, corr_ids, NT, NULL, NULL, NULL);
	ln = xmalloc((size_t)c->n_embd * sizeof *ln);
	lg = xmalloc((size_t)c->n_vocab * sizeof *lg);
	ops_layernorm(ln, gpt2_resid(s, GPT2_NROWS(c) - 1) + (size_t)(NT - 1) *
	    c->n_embd, gpt2_lnf_g(m), gpt2_lnf_b(m), 1, c->n_embd, c->eps);
	ops_matmul_nt(lg, ln, gpt2_wte(m), 1, c->n_embd, c->n_vocab);
	near_all(patch_run_logits(r), lg, (size_t)c->n_vocab, "logits");
	free(ln);
	free(lg);
	gpt2_state_free(s);
}

static void
check_attention(const struct gpt2 *m, const struct patch_run *r)
{
	const struct gpt2_config	*c = gpt2_config(m);
	float				*w;
	double				 sum;
	int				 l, h, t, s;

	w = xmalloc((size_t)c->n_head * NT * NT * sizeof *w);
	for (l = 0; l < c->n_layer; l++) {
		patch_run_attn(r, l, w);
		for (h = 0; h < c->n_head; h++) {
			for (t = 0; t < NT; t++) {
				sum = 0;
				for (s = 0; s < NT; s++)
					sum += w[((size_t)h * NT + t) * NT + s];
				CHECK_NEAR(sum, 1.0, 1e-6, "attention %d.%d "
				    "row %d", l, h, t);
				CHECK(w[((size_t)h * NT + t) * NT + NT - 1] ==
				    0 || t == NT - 1, "attention sees ahead");
			}
		}
	}
	free(w);
}

static void
check_dla(const struct gpt2 *m, const struct patch_run *r)
{
	const struct gpt2_config	*c = gpt2_config(m);
	const int			 L = c->n_layer, NH = c->n_head;
	double				*heads, *bias, *mlp, embed, lnb, sum;
	double				 logit;
	int				 pos, k, l, id;

	heads = xcalloc((size_t)L * (NH + 2), sizeof *heads);
	bias = heads + (size_t)L * NH;
	mlp = bias + L;
	for (pos = 0; pos < NT; pos++) {
		for (k = 0; k < 3; k++) {
			id = k == 0 ? patch_run_top1(r) : k == 1 ? 11 :
			    clean_ids[pos];
			logit = patch_dla(m, r, pos, id, &embed, heads, bias,
			    mlp, &lnb);
			sum = embed + lnb;
			for (l = 0; l < L * NH; l++)
				sum += heads[l];
			for (l = 0; l < L; l++)
				sum += bias[l] + mlp[l];
			CHECK_NEAR(sum, logit, 1e-4 * (1 + fabs(logit)),
			    "parts of token %d at %d", id, pos);
			CHECK(heads[0] != 0, "head 0.0 contributes nothing");
		}
	}
	/* The last: token clean_ids[NT - 1] at the last position. */
	CHECK_NEAR(logit, patch_run_logits(r)[clean_ids[NT - 1]],
	    TOL * (1 + fabs(logit)), "logit");
	free(heads);
}

struct parts {
	const struct patch_result	*whole;
	int				 nparts;
	int				 first[2];	/* the first rows done */
};

/* A part: its done rows are the whole's, one more row each time. */
static void
on_part(void *arg, const struct patch_result *r)
{
	struct parts	*p = arg;
	const struct patch_result *a = p->whole;
	int		 i, ndone = 0;

	for (i = 0; i < r->nrows; i++) {
		if (!r->done[i])
			continue;
		/* the row a part adds, for the first two parts */
		if (p->nparts < 2 && (p->nparts == 0 || i != p->first[0]))
			p->first[p->nparts] = i;
		ndone++;
		CHECK(memcmp(r->values + (size_t)i * r->T, a->values +
		    (size_t)i * a->T, (size_t)a->T * sizeof *a->values) == 0,
		    "part %d: row %d differs from the whole", p->nparts, i);
	}
	p->nparts++;
	CHECK(ndone == (p->nparts <= r->nrows ? p->nparts : r->nrows),
	    "part %d: %d rows done", p->nparts, ndone);
	CHECK(r->heads_done == (p->nparts == r->nrows + 1), "part %d: "
	    "heads_done %d", p->nparts, r->heads_done);
}

/* The rows asked for first, then the others, then the heads. */
static void
check_parts(const struct gpt2 *m, const struct patch_run *cl,
    const struct patch_run *co, const struct patch_spec *sp,
    const struct patch_result *a)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct parts			 p = { a, 0, { -1, -1 } };
	struct patch_result		*b, *d;
	int				 order[4];

	/* the last row, a repeat and a row out of range are ignored */
	order[0] = a->nrows - 1;
	order[1] = a->nrows - 1;
	order[2] = a->nrows + 5;
	order[3] = 1;
	b = patch_compute_parts(m, cl, co, sp, order, 4, NULL, NULL, on_part,
	    &p);
	CHECK(p.nparts == a->nrows + 1, "%d parts for %d rows", p.nparts,
	    a->nrows);
	CHECK(p.first[0] == a->nrows - 1 && p.first[1] == 1,
	    "rows computed first: %d, %d", p.first[0], p.first[1]);
	CHECK(memcmp(b->values, a->values, (size_t)a->nrows * a->T *
	    sizeof *a->values) == 0 && memcmp(b->heads, a->heads,
	    (size_t)c->n_layer * c->n_head * sizeof *a->heads) == 0,
	    "in parts: results differ from the whole");
	d = patch_result_dup(b);
	CHECK(memcmp(d->values, b->values, (size_t)b->nrows * b->T *
	    sizeof *b->values) == 0 && d->heads_done && d->done[0],
	    "a copy differs");
	patch_result_free(b);
	patch_result_free(d);
}

static void
check_patching(const struct gpt2 *m, const struct patch_run *cl,
    const struct patch_run *co, enum patch_dir dir)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct patch_spec		 sp = { PATCH_LOGIT_DIFF, dir, 3797,
					    3290, 1, 1 };
	struct patch_result		*a, *b, *same;
	atomic_int			 cancel = 1;
	double				 base, src;
	int				 t, top;

	a = patch_compute(m, cl, co, &sp, NULL, NULL, NULL);
	check_parts(m, cl, co, &sp, a);
	for (t = 1; t <= 8; t += 7) {
		/* one variant per batch; batches of varied sizes */
		patch_set_batch(t);
		b = patch_compute(m, cl, co, &sp, NULL, NULL, NULL);
		patch_set_batch(0);
		near_all(b->values, a->values, (size_t)a->nrows * NT, "rows");
		near_all(b->heads, a->heads, (size_t)c->n_layer * c->n_head,
		    "heads");
		near_all(b->head_pos, a->head_pos, (size_t)c->n_layer *
		    c->n_head * NT, "head positions");
		patch_result_free(b);
	}
	base = dir == PATCH_DENOISE ? a->corrupted : a->clean;
	src = dir == PATCH_DENOISE ? a->clean : a->corrupted;
	top = a->nrows - 1;
	for (t = 0; t < NT; t++)
		CHECK_NEAR(a->values[(size_t)top * NT + t], t == NT - 1 ? src :
		    base, TOL * (1 + fabs(base)), "final row at %d", t);
	/* Position 0 holds the same token in both prompts. */
	for (t = 0; t < a->nrows; t++)
		CHECK_NEAR(a->values[(size_t)t * NT], base, TOL * (1 +
		    fabs(base)), "row %d at position 0", t);
	same = patch_compute(m, co, co, &sp, NULL, NULL, NULL);
	for (t = 0; t < same->nrows * NT; t++)
		CHECK_NEAR(same->values[t], same->clean, TOL * (1 +
		    fabs(same->clean)), "self-patch %d", t);
	CHECK(patch_compute(m, cl, co, &sp, &cancel, NULL, NULL) == NULL,
	    "a cancelled computation returned a result");
	patch_result_free(a);
	patch_result_free(same);
}

static char	*g_cache;	/* the packed weights' cache directory */

static void
cleanup(void)
{
	char	*cmd;

	if (g_cache == NULL)
		return;
	cmd = xasprintf("rm -rf '%s'", g_cache);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", g_cache);
	free(cmd);
}

/* Every check against the references; packed: over packed weights. */
static void
run_fixture(const char *name, int packed)
{
	static char		 tmpl[] = "/tmp/test-patch.XXXXXX";
	struct gpt2		*m;
	struct patch_run	*cl, *co;
	char			*dir, *cause;

	if ((dir = harness_fixture(name)) == NULL)
		SKIP("fixture %s not found (../shared/fixtures)", name);
	if ((m = gpt2_load(dir, &cause)) == NULL)
		HARD("%s", cause);
	if (packed) {
		if (g_cache == NULL && (g_cache = mkdtemp(tmpl)) == NULL)
			HARD("mkdtemp: %s", strerror(errno));
		setenv("XDG_CACHE_HOME", g_cache, 1);
		if (gpt2_pack(m, INT_MAX, 1, &cause) != 0)
			HARD("%s: packed weights: %s", name, cause);
	}
	cl = patch_run_new(m, clean_ids, NT);
	co = patch_run_new(m, corr_ids, NT);
	check_logits(m, co);
	check_attention(m, co);
	check_dla(m, cl);
	check_patching(m, cl, co, PATCH_DENOISE);
	check_patching(m, cl, co, PATCH_NOISE);
	patch_run_free(cl);
	patch_run_free(co);
	gpt2_free(m);
	free(dir);
}

int
main(void)
{
	atexit(cleanup);
	run_fixture("tiny-gpt2", 0);
	run_fixture("tiny-gpt2-f16", 0);
	/* The same over packed weights, where the CPU has their kernel. */
	if (ops_packed_supported()) {
		run_fixture("tiny-gpt2", 1);
		run_fixture("tiny-gpt2-f16", 1);
	}
	return harness_done();
}
