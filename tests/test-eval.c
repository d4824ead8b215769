/*
 * test-eval.c: the corpus statistics' invariants, the Jacobian lens's
 * loader, and the result's JSON round trip and merge.
 *
 * The numbers themselves are checked against a float64 PyTorch reference in
 * eval.sh; here, on the fixture model: identity Jacobian matrices and zero
 * tuned translators must give exactly the logit lens's sums; the final row
 * has KL 0 and the model's own cross-entropy; KL and entropy are never
 * negative; two windows run into one sum equal the two run apart and added;
 * cancelling leaves the sums alone. Jacobian files with a missing tensor, a
 * wrong shape, a NaN or a layer beyond the model's are refused naming the
 * file and tensor. A result written as JSON reads back to the same bits,
 * and merge refuses shards that do not belong together.
 */
#include "config.h"

#include <stdint.h>
#include <unistd.h>

#include "eval-report.h"
#include "eval.h"
#include "harness.h"
#include "jacobian.h"
#include "model.h"
#include "tuned.h"
#include "util.h"

static char	g_tmp[256];

/* L matrices C x C, each the identity (or what mat says), as jacobians.i. */
static char *
write_jac(const char *name, int L, int C, int shapeC, const float *mat)
{
	struct harness_tensor	 t[16];
	float			*m;
	char			*path = xasprintf("%s/%s", g_tmp, name);
	int			 i, k;

	m = xcalloc((size_t)shapeC * shapeC, sizeof *m);
	for (k = 0; k < shapeC; k++)
		m[k * shapeC + k] = 1.0f;
	if (mat != NULL)
		memcpy(m, mat, (size_t)shapeC * shapeC * sizeof *m);
	for (i = 0; i < L; i++) {
		snprintf(t[i].name, sizeof t[i].name, "jacobians.%d", i);
		t[i].dtype = "F32";
		t[i].ndim = 2;
		t[i].shape[0] = t[i].shape[1] = shapeC;
		t[i].data = m;
		t[i].nbytes = (size_t)shapeC * shapeC * sizeof *m;
	}
	(void)C;
	harness_write_st(path, t, L);
	free(m);
	return path;
}

/* Zero translators for L layers. */
static char *
write_zero_tuned(int L, int C)
{
	struct harness_tensor	 t[32];
	float			*z = xcalloc((size_t)C * C, sizeof *z);
	char			*path = xasprintf("%s/zero-tuned.st", g_tmp);
	int			 i;

	for (i = 0; i < L; i++) {
		snprintf(t[2 * i].name, sizeof t[0].name,
		    "translators.%d.weight", i);
		t[2 * i].dtype = "F32";
		t[2 * i].ndim = 2;
		t[2 * i].shape[0] = t[2 * i].shape[1] = C;
		t[2 * i].data = z;
		t[2 * i].nbytes = (size_t)C * C * sizeof *z;
		snprintf(t[2 * i + 1].name, sizeof t[0].name,
		    "translators.%d.bias", i);
		t[2 * i + 1].dtype = "F32";
		t[2 * i + 1].ndim = 1;
		t[2 * i + 1].shape[0] = C;
		t[2 * i + 1].data = z;
		t[2 * i + 1].nbytes = (size_t)C * sizeof *z;
	}
	harness_write_st(path, t, 2 * L);
	free(z);
	return path;
}

static int
sums_equal(const struct eval_sums *a, const struct eval_sums *b)
{
	return a->nrows == b->nrows && a->lenses == b->lenses &&
	    a->windows == b->windows && a->tokens == b->tokens &&
	    a->bytes == b->bytes && a->base_ce == b->base_ce &&
	    memcmp(a->sums, b->sums, (size_t)EVAL_NLENS * a->nrows *
	    EVAL_NMETRIC * sizeof *a->sums) == 0;
}

static void
test_invariants(struct gpt2 *m, const struct tuned *tl,
    const struct jacobian *jl, int sublayers)
{
	static const int	 ids[] = { 464, 2068, 7586, 21831, 18045, 625,
	    262, 16931, 3290, 13, 50256, 40, 1101, 257, 3290, 11, 257 };
	int			 T = (int)nitems(ids), T1 = 9, i, l, k;
	struct eval		*ev = eval_new(m, tl, jl, sublayers);
	struct eval_sums	*s, *a, *b;
	atomic_int		 cancel = 1;
	char			*cause = NULL;
	double			 x;

	s = eval_sums_new(eval_nrows(ev), eval_lenses(ev));
	CHECK(eval_window(ev, ids, T, s, NULL, &cause) == 0, "%s", cause);
	CHECK(s->windows == 1 && s->tokens == T - 1, "%lld windows, %lld "
	    "tokens", (long long)s->windows, (long long)s->tokens);
	for (l = 0; l < EVAL_NLENS; l++) {
		if (!(eval_lenses(ev) & (1 << l)))
			continue;
		/* Identity matrices, zero translators: the logit lens. */
		for (i = 0; i < eval_nrows(ev); i++) {
			for (k = 0; k < EVAL_NMETRIC; k++)
				CHECK(*eval_sums_at(s, l, i, k) ==
				    *eval_sums_at(s, EVAL_LOGIT, i, k),
				    "lens %s row %d metric %s: %.17g vs %.17g",
				    eval_lens_names[l], i, eval_metric_names[k],
				    *eval_sums_at(s, l, i, k),
				    *eval_sums_at(s, EVAL_LOGIT, i, k));
			CHECK(*eval_sums_at(s, l, i, EVAL_KL) >= -1e-4 &&
			    *eval_sums_at(s, l, i, EVAL_ENTROPY) >= 0 &&
			    *eval_sums_at(s, l, i, EVAL_TOP1) >= 0 &&
			    *eval_sums_at(s, l, i, EVAL_TOP1) <= T - 1,
			    "row %d out of range", i);
		}
		i = eval_nrows(ev) - 1;
		CHECK(*eval_sums_at(s, l, i, EVAL_KL) == 0, "final KL");
		CHECK(*eval_sums_at(s, l, i, EVAL_CE) == s->base_ce,
		    "final ce %.17g, baseline %.17g",
		    *eval_sums_at(s, l, i, EVAL_CE), s->base_ce);
	}
	/* Earlier rows are farther from the final one, on this model. */
	CHECK(*eval_sums_at(s, EVAL_LOGIT, 0, EVAL_KL) >
	    *eval_sums_at(s, EVAL_LOGIT, eval_nrows(ev) - 2, EVAL_KL),
	    "KL does not fall from embed to the last block");

	/* Two windows into one sum, or apart and added. */
	a = eval_sums_new(eval_nrows(ev), eval_lenses(ev));
	b = eval_sums_new(eval_nrows(ev), eval_lenses(ev));
	CHECK(eval_window(ev, ids, T1, a, NULL, &cause) == 0, "window 1");
	CHECK(eval_window(ev, ids + T1, T - T1, a, NULL, &cause) == 0,
	    "window 2");
	CHECK(eval_window(ev, ids, T1, b, NULL, &cause) == 0, "window 1");
	eval_sums_clear(s);
	CHECK(eval_window(ev, ids + T1, T - T1, s, NULL, &cause) == 0,
	    "window 2");
	eval_sums_add(b, s);
	CHECK(sums_equal(a, b), "two windows summed differ from added");
	/* Cancelled: 1, and nothing added. */
	x = a->base_ce;
	CHECK(eval_window(ev, ids + 1, T - 1, a, &cancel, &cause) == 1,
	    "cancel");
	CHECK(a->base_ce == x && a->windows == 2, "a cancelled window counted");
	eval_sums_free(a);
	eval_sums_free(b);
	eval_sums_free(s);
	eval_free(ev);
}

static void
test_jacobian_errors(struct gpt2 *m, int L, int C)
{
	struct jacobian	*jl;
	float		*nan_m;
	char		*path, *cause = NULL;

	path = write_jac("short.st", L - 1, C, C, NULL);
	jl = jacobian_load(path, m, &cause);
	CHECK(jl == NULL && cause != NULL && strstr(cause, path) != NULL &&
	    strstr(cause, "jacobians.2") != NULL, "missing: %s", cause);
	free(cause);
	free(path);
	cause = NULL;
	path = write_jac("wide.st", L, C, C / 2, NULL);
	jl = jacobian_load(path, m, &cause);
	CHECK(jl == NULL && cause != NULL && strstr(cause,
	    "has shape [16, 16], expected [32, 32]") != NULL, "shape: %s",
	    cause);
	free(cause);
	free(path);
	cause = NULL;
	path = write_jac("extra.st", L + 1, C, C, NULL);
	jl = jacobian_load(path, m, &cause);
	CHECK(jl == NULL && cause != NULL && strstr(cause, "jacobians.3") !=
	    NULL && strstr(cause, "3 layers") != NULL, "extra: %s", cause);
	free(cause);
	free(path);
	cause = NULL;
	nan_m = xcalloc((size_t)C * C, sizeof *nan_m);
	nan_m[5] = NAN;
	path = write_jac("nan.st", L, C, C, nan_m);
	jl = jacobian_load(path, m, &cause);
	CHECK(jl == NULL && cause != NULL && strstr(cause, "non-finite") !=
	    NULL, "nan: %s", cause);
	free(cause);
	free(path);
	free(nan_m);
}

/* Writes s as JSON to name and reads it back. */
static void
test_json(const struct eval_sums *s0, int L, int C)
{
	struct eval_run		 r, r2, mr;
	struct eval_sums	*s, *ms;
	const char		*paths[3];
	char			*text, *p0, *p1, *p2, *cause = NULL;
	FILE			*f;
	size_t			 i;

	memset(&r, 0, sizeof r);
	r.model = xstrdup("model-dir");
	r.model_fp = xstrdup("0123456789abcdef");
	r.n_layer = L;
	r.n_embd = C;
	r.n_vocab = 50257;
	r.n_ctx = 64;
	r.ctx = 16;
	r.shard_n = 2;
	r.corpus_fp = xstrdup("feedfacefeedface");
	r.corpus_windows = 7;
	r.complete = 1;
	p0 = xasprintf("%s/s0.json", g_tmp);
	p1 = xasprintf("%s/s1.json", g_tmp);
	p2 = xasprintf("%s/s2.json", g_tmp);
	for (i = 0; i < 3; i++) {
		if (i == 1)
			r.shard_k = 1;
		if (i == 2)
			r.ctx = 17;
		text = eval_report_json(&r, s0, 0);
		f = fopen(i == 0 ? p0 : i == 1 ? p1 : p2, "w");
		if (text == NULL || f == NULL)
			HARD("cannot write the JSON");
		fputs(text, f);
		fclose(f);
		free(text);
	}
	CHECK(eval_report_load(p0, &r2, &s, &cause) == 0, "%s", cause);
	if (s != NULL) {
		CHECK(sums_equal(s, s0), "the sums do not read back exactly");
		CHECK(r2.ctx == 16 && r2.shard_n == 2 && r2.complete &&
		    strcmp(r2.corpus_fp, r.corpus_fp) == 0, "the run");
		eval_sums_free(s);
		eval_run_clear(&r2);
	}
	paths[0] = p0;
	paths[1] = p1;
	CHECK(eval_report_merge(paths, 2, &mr, &ms, &cause) == 0, "%s", cause);
	if (ms != NULL) {
		CHECK(ms->tokens == 2 * s0->tokens && ms->base_ce == 2 *
		    s0->base_ce && mr.shard_n == 1, "merged");
		eval_sums_free(ms);
		eval_run_clear(&mr);
	}
	paths[1] = p2;
	CHECK(eval_report_merge(paths, 2, &mr, &ms, &cause) != 0 && cause !=
	    NULL && strstr(cause, "another ctx") != NULL, "%s", cause);
	free(cause);
	cause = NULL;
	paths[1] = p0;
	CHECK(eval_report_merge(paths, 2, &mr, &ms, &cause) != 0 && cause !=
	    NULL && strstr(cause, "twice") != NULL, "%s", cause);
	free(cause);
	cause = NULL;
	CHECK(eval_report_merge(paths, 1, &mr, &ms, &cause) != 0 && cause !=
	    NULL && strstr(cause, "shard 1/2 is missing") != NULL, "%s",
	    cause);
	free(cause);
	free(p0);
	free(p1);
	free(p2);
	eval_run_clear(&r);
}

int
main(void)
{
	struct gpt2		*m;
	struct tuned		*tl;
	struct jacobian		*jl;
	struct eval		*ev;
	struct eval_sums	*s;
	static const int	 ids[] = { 464, 2068, 7586, 21831, 18045, 625 };
	char			*dir, *cause = NULL, *jpath, *tpath;
	int			 L, C;

	if ((dir = harness_fixture("tiny-gpt2")) == NULL)
		SKIP("the shared fixtures (tiny-gpt2) are not there");
	if ((m = gpt2_load(dir, &cause)) == NULL)
		HARD("%s", cause);
	L = gpt2_config(m)->n_layer;
	C = gpt2_config(m)->n_embd;
	snprintf(g_tmp, sizeof g_tmp, "/tmp/test-eval.XXXXXX");
	if (mkdtemp(g_tmp) == NULL)
		HARD("mkdtemp");
	jpath = write_jac("id.st", L, C, C, NULL);
	tpath = write_zero_tuned(L, C);
	if ((jl = jacobian_load(jpath, m, &cause)) == NULL)
		HARD("%s", cause);
	if ((tl = tuned_load(tpath, m, &cause)) == NULL)
		HARD("%s", cause);
	CHECK(jacobian_matrix(jl, 2 * L) == NULL &&
	    jacobian_matrix(jl, 1) == NULL && jacobian_matrix(jl, 2) != NULL,
	    "rows with a matrix");
	test_invariants(m, tl, jl, 0);
	test_invariants(m, tl, jl, 1);
	test_jacobian_errors(m, L, C);

	ev = eval_new(m, tl, NULL, 0);
	s = eval_sums_new(eval_nrows(ev), eval_lenses(ev));
	if (eval_window(ev, ids, (int)nitems(ids), s, NULL, &cause) != 0)
		HARD("%s", cause);
	s->bytes = 31;
	test_json(s, L, C);
	eval_sums_free(s);
	eval_free(ev);

	jacobian_free(jl);
	tuned_free(tl);
	gpt2_free(m);
	unlink(jpath);
	unlink(tpath);
	free(jpath);
	free(tpath);
	free(dir);
	{
		char *cmd = xasprintf("rm -rf '%s'", g_tmp);

		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", g_tmp);
		free(cmd);
	}
	return harness_done();
}
