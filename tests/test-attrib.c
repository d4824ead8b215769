/*
 * test-attrib.c: a logit's parts against an independent computation.
 *
 * For each fixture model and each prompt of its lens_ref.json, every row
 * and position, and three tokens (the cell's top-1, the next input token,
 * a pseudo-random one): the parts plus the bias equal lens_token_logit();
 * each part equals the one computed here from scratch (the row's mean and
 * sigma taken from the float row itself, each part centred on its own and
 * dotted with g * wte[id] / sigma); the sub-block parts are not zero; row
 * 0 has the embeddings as its only part; nothing is written past
 * parts[row].
 */
#include "config.h"

#include <jansson.h>
#include <stdint.h>

#include "attrib.h"
#include "harness.h"
#include "lens.h"
#include "model.h"
#include "util.h"

#define TOL_SUM		1e-4	/* against the float lens, relative */
#define TOL_PART	1e-9	/* double against double */

static uint32_t g_seed = 12345;

static int
rnd(int n)
{
	g_seed = g_seed * 1664525u + 1013904223u;
	return (int)((g_seed >> 8) % (uint32_t)n);
}

/* The expected parts of (row, pos, id), written out longhand. */
static void
expect_parts(const struct gpt2 *m, const struct gpt2_state *s, int row,
    int pos, int id, double *want, double *want_bias)
{
	const struct gpt2_config	*c = gpt2_config(m);
	const int			 C = c->n_embd;
	const float			*x = gpt2_resid(s, row) + (size_t)pos * C;
	const float			*wte = gpt2_wte(m) + (size_t)id * C;
	const float			*g = gpt2_lnf_g(m), *b = gpt2_lnf_b(m);
	const float			*cur, *prev;
	double				 mu = 0, var = 0, sigma, pm, v;
	double				 part[4096];
	int				 k, i;

	if (C > 4096)
		HARD("n_embd %d too large for the test", C);
	for (i = 0; i < C; i++)
		mu += (double)x[i];
	mu /= C;
	for (i = 0; i < C; i++)
		var += ((double)x[i] - mu) * ((double)x[i] - mu);
	sigma = sqrt(var / C + (double)c->eps);
	*want_bias = 0;
	for (i = 0; i < C; i++)
		*want_bias += (double)b[i] * (double)wte[i];
	for (k = 0; k <= row; k++) {
		cur = gpt2_resid(s, k) + (size_t)pos * C;
		prev = k == 0 ? NULL : gpt2_resid(s, k - 1) + (size_t)pos * C;
		pm = 0;
		for (i = 0; i < C; i++) {
			part[i] = (double)cur[i];
			if (prev != NULL)
				part[i] -= (double)prev[i];
			pm += part[i] / C;
		}
		want[k] = 0;
		for (i = 0; i < C; i++) {
			v = (part[i] - pm) / sigma;
			want[k] += v * (double)g[i] * (double)wte[i];
		}
	}
}

static void
check_token(const struct gpt2 *m, const struct lens *ln,
    const struct gpt2_state *s, int row, int pos, int id, const char *where)
{
	double	parts[64], want[64], bias, want_bias, sum, got, logit;
	char	name[32];
	int	k, n = attrib_nparts(row);

	if (n + 1 > (int)nitems(parts))
		HARD("too many rows for the test");
	parts[n] = 12345.0;	/* must stay */
	got = attrib_logit(m, s, NULL, row, pos, id, parts, &bias);
	CHECK(parts[n] == 12345.0, "%s: wrote past parts[%d]", where, row);
	logit = (double)lens_token_logit(ln, s, row, pos, id);
	sum = bias;
	for (k = 0; k < n; k++)
		sum += parts[k];
	CHECK_NEAR(sum, got, 1e-12 * (1 + fabs(got)), "%s id %d: parts + "
	    "bias vs the returned logit", where, id);
	CHECK_NEAR(sum, logit, TOL_SUM * (1 + fabs(logit)), "%s id %d: parts "
	    "+ bias vs lens_token_logit", where, id);
	expect_parts(m, s, row, pos, id, want, &want_bias);
	CHECK_NEAR(bias, want_bias, TOL_PART * (1 + fabs(want_bias)),
	    "%s id %d: bias", where, id);
	for (k = 0; k < n; k++) {
		attrib_part_name(k, name, sizeof name);
		CHECK_NEAR(parts[k], want[k], TOL_PART * (1 + fabs(want[k])),
		    "%s id %d: part %d (%s)", where, id, k, name);
		if (k > 0)
			CHECK(fabs(parts[k]) > 1e-9, "%s id %d: part %s is "
			    "zero", where, id, name);
	}
}

static void
check_prompt(const struct gpt2 *m, const int *ids, int T, const char *label)
{
	struct gpt2_state	*s = gpt2_state_new(m);
	struct lens		*ln = lens_new(m, 3);
	int			 nrows = GPT2_NROWS(gpt2_config(m));
	int			 V = gpt2_config(m)->n_vocab, row, pos;
	char			 where[128];

	lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
	for (row = 0; row < nrows; row++) {
		for (pos = 0; pos < T; pos++) {
			snprintf(where, sizeof where, "%s row %d pos %d",
			    label, row, pos);
			check_token(m, ln, s, row, pos,
			    lens_top(ln, row, pos)[0].id, where);
			if (pos + 1 < T)
				check_token(m, ln, s, row, pos, ids[pos + 1],
				    where);
			check_token(m, ln, s, row, pos, rnd(V), where);
		}
	}
	lens_free(ln);
	gpt2_state_free(s);
}

static void
run_fixture(const char *name)
{
	struct gpt2	*m;
	json_t		*ref, *pr, *jids;
	json_error_t	 jerr;
	char		*dir, *path, *cause, label[64];
	int		 ids[64], T;
	size_t		 pi, i;

	if ((dir = harness_fixture(name)) == NULL)
		SKIP("fixture %s not found (../shared/fixtures)", name);
	if ((m = gpt2_load(dir, &cause)) == NULL)
		HARD("%s", cause);
	path = util_path(dir, "lens_ref.json");
	if ((ref = json_load_file(path, 0, &jerr)) == NULL)
		HARD("%s: %s", path, jerr.text);
	json_array_foreach(json_object_get(ref, "prompts"), pi, pr) {
		jids = json_object_get(pr, "ids");
		T = (int)json_array_size(jids);
		if (T < 1 || T > (int)nitems(ids) ||
		    T > gpt2_config(m)->n_ctx)
			continue;
		for (i = 0; i < (size_t)T; i++)
			ids[i] = (int)json_integer_value(json_array_get(jids,
			    i));
		snprintf(label, sizeof label, "%s prompt %zu", name, pi);
		check_prompt(m, ids, T, label);
	}
	json_decref(ref);
	free(path);
	free(dir);
	gpt2_free(m);
}

static void
check_names(void)
{
	char	buf[32];

	CHECK(strcmp(attrib_part_name(0, buf, sizeof buf), "embed") == 0,
	    "part 0 %s", buf);
	CHECK(strcmp(attrib_part_name(1, buf, sizeof buf), "h.0.attn") == 0,
	    "part 1 %s", buf);
	CHECK(strcmp(attrib_part_name(2, buf, sizeof buf), "h.0.mlp") == 0,
	    "part 2 %s", buf);
	CHECK(strcmp(attrib_part_name(7, buf, sizeof buf), "h.3.attn") == 0,
	    "part 7 %s", buf);
	CHECK(strcmp(attrib_part_name(24, buf, sizeof buf), "h.11.mlp") == 0,
	    "part 24 %s", buf);
	CHECK(attrib_nparts(0) == 1 && attrib_nparts(6) == 7, "nparts");
}

int
main(void)
{
	check_names();
	run_fixture("tiny-gpt2");
	run_fixture("tiny-gpt2-f16");
	return harness_done();
}
