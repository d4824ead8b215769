/*
 * test-tuned.c: the tuned lens against an independent computation.
 *
 * Translators are made here (seeded pseudo-random W and b, exact in BF16)
 * and written as safetensors files (F32, and BF16 that must load the same).
 * For the fixture model's prompts, every cell of the lens run with the
 * tuned lens set is compared with a double-precision computation written
 * here from scratch (h + W h + b, ln_f, logits over the whole vocabulary,
 * softmax): top-k ids, logits and probabilities, entropy, lse, KL against
 * the final row, kl_other = KL(P_tuned || P_logit), the final top-1, any
 * token's logit, and attrib_logit()'s parts adding up to it. Zero
 * translators must give exactly the plain lens; unsetting the tuned lens
 * must give it back. Then malformed files are refused with messages naming
 * the file and tensor, and tools/convert-tuned-lens.py is run on params.pt
 * files made with torch (skipped when torch is missing).
 */
#include "config.h"

#include <sys/wait.h>

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <unistd.h>

#include "attrib.h"
#include "harness.h"
#include "lens.h"
#include "model.h"
#include "tuned.h"
#include "util.h"

#define TOPK		5
#define TOL		5e-5

static uint32_t	 g_seed = 2024;
static char	 g_tmp[256];

/* Uniform in [-scale, scale), rounded to BF16: every file type holds it. */
static float
rnd(float scale)
{
	union { float f; uint32_t u; } v;

	g_seed ^= g_seed << 13;
	g_seed ^= g_seed >> 17;
	g_seed ^= g_seed << 5;
	v.f = (float)((double)g_seed / 2147483648.0 - 1.0) * scale;
	v.u &= 0xffff0000u;
	return v.f;
}

/* Writing safetensors files (harness_write_st). */

/* Translators made here: w (L, C, C) [out, in], b (L, C). */
struct trans {
	int		 L, C;
	float		*w, *b;
	uint16_t	*w16, *b16;	/* the same in BF16 */
};

static struct trans *
trans_new(int L, int C, float wscale, float bscale)
{
	struct trans	*tr = xcalloc(1, sizeof *tr);
	size_t		 i, nw = (size_t)L * C * C, nb = (size_t)L * C;
	union { float f; uint32_t u; } v;

	tr->L = L;
	tr->C = C;
	tr->w = xcalloc(nw, sizeof *tr->w);
	tr->b = xcalloc(nb, sizeof *tr->b);
	tr->w16 = xcalloc(nw, sizeof *tr->w16);
	tr->b16 = xcalloc(nb, sizeof *tr->b16);
	for (i = 0; i < nw; i++) {
		v.f = tr->w[i] = rnd(wscale);
		tr->w16[i] = (uint16_t)(v.u >> 16);
	}
	for (i = 0; i < nb; i++) {
		v.f = tr->b[i] = rnd(bscale);
		tr->b16[i] = (uint16_t)(v.u >> 16);
	}
	return tr;
}

static void
trans_free(struct trans *tr)
{
	free(tr->w);
	free(tr->b);
	free(tr->w16);
	free(tr->b16);
	free(tr);
}

/* Fills t[0..2L) with tr's tensors; returns the count. */
static int
trans_tensors(const struct trans *tr, struct harness_tensor *t, int bf16)
{
	size_t	C = (size_t)tr->C, es = bf16 ? 2 : 4;
	int	i, n = 0;

	for (i = 0; i < tr->L; i++) {
		snprintf(t[n].name, sizeof t[n].name, "translators.%d.weight",
		    i);
		t[n].dtype = bf16 ? "BF16" : "F32";
		t[n].ndim = 2;
		t[n].shape[0] = t[n].shape[1] = tr->C;
		t[n].data = bf16 ? (const void *)(tr->w16 + i * C * C) :
		    (const void *)(tr->w + i * C * C);
		t[n++].nbytes = C * C * es;
		snprintf(t[n].name, sizeof t[n].name, "translators.%d.bias", i);
		t[n].dtype = t[n - 1].dtype;
		t[n].ndim = 1;
		t[n].shape[0] = tr->C;
		t[n].data = bf16 ? (const void *)(tr->b16 + i * C) :
		    (const void *)(tr->b + i * C);
		t[n++].nbytes = C * es;
	}
	return n;
}

static char *
tmp_path(const char *name)
{
	return util_path(g_tmp, name);
}

/* Removes the temporary directory and what the test left in it. */
static void
tmp_clean(void)
{
	const char	*names[] = { "t32.safetensors", "t16.safetensors",
			    "bad.safetensors", "conv.safetensors",
			    "mkparams.py", "list.pt", "whole.pt", "f16.pt",
			    "bad.pt" };
	char		*path;
	size_t		 i;

	for (i = 0; i < nitems(names); i++) {
		path = tmp_path(names[i]);
		unlink(path);
		free(path);
	}
	if (rmdir(g_tmp) != 0)
		fprintf(stderr, "%s: not removed\n", g_tmp);
}

static struct tuned *
load_trans(const struct gpt2 *m, const struct trans *tr, int bf16)
{
	struct harness_tensor	 t[64];
	struct tuned		*tu;
	char			*path = tmp_path(bf16 ? "t16.safetensors" :
				    "t32.safetensors"), *cause;

	harness_write_st(path, t, trans_tensors(tr, t, bf16));
	if ((tu = tuned_load(path, m, &cause)) == NULL)
		HARD("%s", cause);
	free(path);
	return tu;
}

/* The reference: written without the library's kernels. */

struct ref {
	int	 V, C;
	double	*y;		/* (C) */
	double	*lt, *ll, *lf;	/* (V) tuned, plain, final row logits */
};

/* logits (V) of (row, pos), through tr's translator when tr != NULL. */
static void
ref_logits(struct ref *r, const struct gpt2 *m, const struct gpt2_state *s,
    const struct trans *tr, int row, int pos, double *logits)
{
	const struct gpt2_config	*c = gpt2_config(m);
	const float			*x = gpt2_resid(s, row) + (size_t)pos *
					    r->C;
	const float			*wte = gpt2_wte(m), *w, *b;
	double				 h[4096], mu = 0, var = 0, dot;
	int				 o, i, v, L = c->n_layer, C = r->C;

	for (o = 0; o < C; o++)
		h[o] = (double)x[o];
	if (tr != NULL && row % 2 == 0 && row < 2 * L) {
		w = tr->w + (size_t)(row / 2) * C * C;
		b = tr->b + (size_t)(row / 2) * C;
		for (o = 0; o < C; o++) {
			dot = 0;
			for (i = 0; i < C; i++)
				dot += (double)w[o * C + i] * (double)x[i];
			h[o] += dot + (double)b[o];
		}
	}
	for (o = 0; o < C; o++)
		mu += h[o] / C;
	for (o = 0; o < C; o++)
		var += (h[o] - mu) * (h[o] - mu) / C;
	for (o = 0; o < C; o++)
		r->y[o] = (h[o] - mu) / sqrt(var + (double)c->eps) *
		    (double)gpt2_lnf_g(m)[o] + (double)gpt2_lnf_b(m)[o];
	for (v = 0; v < r->V; v++) {
		dot = 0;
		for (o = 0; o < C; o++)
			dot += r->y[o] * (double)wte[(size_t)v * C + o];
		logits[v] = dot;
	}
}

static double
ref_lse(const double *x, int V)
{
	double	max = x[0], sum = 0;
	int	v;

	for (v = 1; v < V; v++)
		max = x[v] > max ? x[v] : max;
	for (v = 0; v < V; v++)
		sum += exp(x[v] - max);
	return max + log(sum);
}

/* KL(P_a || P_b) from logits. */
static double
ref_kl(const double *a, const double *b, int V)
{
	double	la = ref_lse(a, V), lb = ref_lse(b, V), kl = 0, pa;
	int	v;

	for (v = 0; v < V; v++) {
		pa = exp(a[v] - la);
		kl += pa * ((a[v] - la) - (b[v] - lb));
	}
	return kl;
}

static double
ref_entropy(const double *x, int V)
{
	double	lse = ref_lse(x, V), h = 0, lp;
	int	v;

	for (v = 0; v < V; v++) {
		lp = x[v] - lse;
		h -= exp(lp) * lp;
	}
	return h;
}

/* The j-th largest logit (j < TOPK). */
static double
ref_kth(const double *x, int V, int j)
{
	double	top[TOPK];
	int	v, i, n = 0;

	for (v = 0; v < V; v++) {
		if (n == TOPK && x[v] <= top[TOPK - 1])
			continue;
		/* Insert, dropping the smallest when full. */
		for (i = n < TOPK ? n : TOPK - 1; i > 0 && top[i - 1] < x[v];
		    i--)
			top[i] = top[i - 1];
		top[i] = x[v];
		if (n < TOPK)
			n++;
	}
	return top[j];
}

static int
ref_argmax(const double *x, int V)
{
	int	v, best = 0;

	for (v = 1; v < V; v++)
		if (x[v] > x[best])
			best = v;
	return best;
}

static void
check_cell(struct ref *r, const struct gpt2 *m, const struct lens *ln,
    const struct gpt2_state *s, const struct tuned *tu,
    const struct trans *tr, int row, int pos, const char *where)
{
	const struct lens_cell	*c = lens_cell(ln, row, pos);
	const struct lens_top	*top = lens_top(ln, row, pos);
	const int		 V = r->V, last = 2 * gpt2_config(m)->n_layer;
	double			 lse, want, parts[64], bias, sum;
	int			 j, k, id;

	ref_logits(r, m, s, tr, row, pos, r->lt);
	ref_logits(r, m, s, NULL, row, pos, r->ll);
	ref_logits(r, m, s, NULL, last, pos, r->lf);
	lse = ref_lse(r->lt, V);
	for (j = 0; j < TOPK; j++) {
		id = top[j].id;
		want = ref_kth(r->lt, V, j);
		CHECK_NEAR(r->lt[id], want, 1e-4 * (1 + fabs(want)),
		    "%s: top[%d] id %d is not the %d-th largest", where, j, id,
		    j + 1);
		CHECK_NEAR((double)top[j].logit, r->lt[id], TOL * (1 + fabs(r->lt[id])),
		    "%s: top[%d] logit", where, j);
		CHECK_NEAR(log((double)top[j].prob), r->lt[id] - lse, TOL,
		    "%s: top[%d] logprob", where, j);
	}
	CHECK_NEAR((double)c->lse, lse, TOL * (1 + fabs(lse)), "%s: lse", where);
	CHECK_NEAR((double)c->entropy, ref_entropy(r->lt, V), TOL, "%s: entropy",
	    where);
	want = row == last ? 0 : ref_kl(r->lf, r->lt, V);
	CHECK_NEAR((double)c->kl, want, TOL * (1 + want), "%s: kl", where);
	CHECK(c->final_top1 == ref_argmax(r->lf, V), "%s: final_top1 %d",
	    where, c->final_top1);
	want = ref_kl(r->lt, r->ll, V);
	CHECK_NEAR((double)c->kl_other, want, TOL * (1 + want), "%s: kl_other",
	    where);
	if (row % 2 == 0 && row != last)
		CHECK(c->kl_other > 1e-3f, "%s: kl_other %g: the translator "
		    "changes nothing", where, (double)c->kl_other);
	else
		CHECK(c->kl_other == 0.0f, "%s: kl_other %g without a "
		    "translator", where, (double)c->kl_other);

	/* Any token's logit, and its parts. */
	id = (pos * 7919 + row * 104729) % V;
	CHECK_NEAR((double)lens_token_logit(ln, s, row, pos, id), r->lt[id],
	    TOL * (1 + fabs(r->lt[id])), "%s: token %d logit", where, id);
	for (k = 0; k < 2; k++) {
		id = k == 0 ? top[0].id : id;
		sum = attrib_logit(m, s, tu, row, pos, id, parts, &bias);
		want = bias;
		for (j = 0; j <= row; j++)
			want += parts[j];
		CHECK_NEAR(want, sum, 1e-12 * (1 + fabs(sum)), "%s: parts",
		    where);
		CHECK_NEAR(sum, r->lt[id], 1e-8 * (1 + fabs(r->lt[id])),
		    "%s: token %d attributed logit", where, id);
	}
}

static void
check_run(struct ref *r, const struct gpt2 *m, const int *ids, int T,
    const struct trans *tr, int bf16, const char *label)
{
	struct gpt2_state	*s = gpt2_state_new(m);
	struct lens		*ln = lens_new(m, TOPK);
	struct tuned		*tu = load_trans(m, tr, bf16);
	int			 row, pos, nrows = GPT2_NROWS(gpt2_config(m));
	char			 where[128];

	/* A plain run first: setting the tuned lens must forget it. */
	lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
	CHECK(isnan(lens_cell(ln, 0, 0)->kl_other), "plain kl_other %g",
	    (double)lens_cell(ln, 0, 0)->kl_other);
	lens_set_tuned(ln, tu);
	CHECK(lens_tuned(ln) == tu, "lens_tuned");
	lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
	for (row = 0; row < nrows; row++) {
		for (pos = 0; pos < T; pos++) {
			snprintf(where, sizeof where, "%s%s row %d pos %d",
			    label, bf16 ? " bf16" : "", row, pos);
			check_cell(r, m, ln, s, tu, tr, row, pos, where);
		}
	}
	lens_free(ln);
	tuned_free(tu);
	gpt2_state_free(s);
}

/* Two runs give the same cells, kl_other aside. */
static void
check_same(const struct lens *a, const struct lens *b, int nrows, int T,
    const char *what)
{
	const struct lens_cell	*x, *y;
	int			 row, pos;

	for (row = 0; row < nrows; row++) {
		for (pos = 0; pos < T; pos++) {
			x = lens_cell(a, row, pos);
			y = lens_cell(b, row, pos);
			CHECK(x->entropy == y->entropy && x->kl == y->kl &&
			    x->lse == y->lse && x->final_top1 == y->final_top1 &&
			    x->final_top1_rank == y->final_top1_rank &&
			    x->next_rank == y->next_rank &&
			    x->next_prob == y->next_prob, "%s: row %d pos %d "
			    "differs", what, row, pos);
			CHECK(memcmp(lens_top(a, row, pos), lens_top(b, row,
			    pos), TOPK * sizeof (struct lens_top)) == 0,
			    "%s: row %d pos %d top-k differs", what, row, pos);
		}
	}
}

/* Zero translators are the plain lens; NULL gives the plain lens back. */
static void
check_identity(const struct gpt2 *m, const int *ids, int T)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct gpt2_state		*s = gpt2_state_new(m);
	struct lens			*plain = lens_new(m, TOPK);
	struct lens			*ln = lens_new(m, TOPK);
	struct trans			*zero, *tr;
	struct tuned			*tz, *tu;
	int				 row, pos, nrows = GPT2_NROWS(c);
	float				 klo;

	zero = trans_new(c->n_layer, c->n_embd, 0.0f, 0.0f);
	tr = trans_new(c->n_layer, c->n_embd, 0.3f, 1.0f);
	tz = load_trans(m, zero, 0);
	lens_run(plain, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
	lens_set_tuned(ln, tz);
	lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
	check_same(plain, ln, nrows, T, "zero translators");
	for (row = 0; row < nrows; row++) {
		for (pos = 0; pos < T; pos++) {
			klo = lens_cell(ln, row, pos)->kl_other;
			CHECK(klo >= 0.0f && klo <= 1e-5f, "zero translators "
			    "row %d pos %d: kl_other %g", row, pos,
			    (double)klo);
		}
	}
	/* Another tuned lens, then none: the plain lens again. */
	tu = load_trans(m, tr, 0);
	lens_set_tuned(ln, tu);
	lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
	lens_set_tuned(ln, NULL);
	CHECK(lens_len(ln) == 0, "lens_set_tuned kept the cells");
	lens_run(ln, s, ids, T, 1, 0, 0, NULL, NULL, NULL);
	check_same(plain, ln, nrows, T, "tuned lens unset");
	CHECK(isnan(lens_cell(ln, 1, 0)->kl_other), "unset: kl_other %g",
	    (double)lens_cell(ln, 1, 0)->kl_other);
	tuned_free(tu);
	tuned_free(tz);
	trans_free(zero);
	trans_free(tr);
	lens_free(plain);
	lens_free(ln);
	gpt2_state_free(s);
}

/* Malformed files. */

/* Loading the tensors t[0..n) fails with a message holding want. */
static void
check_refused(const struct gpt2 *m, const struct harness_tensor *t, int n,
    const char *want, const char *what)
{
	struct tuned	*tu;
	char		*path = tmp_path("bad.safetensors"), *cause = NULL;

	harness_write_st(path, t, n);
	tu = tuned_load(path, m, &cause);
	CHECK(tu == NULL, "%s: loaded", what);
	if (tu == NULL) {
		CHECK(strncmp(cause, path, strlen(path)) == 0 &&
		    strstr(cause, want) != NULL, "%s: message '%s', expected "
		    "the path and '%s'", what, cause, want);
		free(cause);
	}
	tuned_free(tu);
	unlink(path);
	free(path);
}

static void
check_errors(const struct gpt2 *m)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct trans			*tr;
	struct harness_tensor		 t[64], u[64];
	float				 nanv[4096], small[16 * 16];
	int32_t				 ints[4096];
	char				*cause = NULL, want[128];
	int				 n, i, C = c->n_embd, L = c->n_layer;

	tr = trans_new(L, C, 0.3f, 1.0f);
	n = trans_tensors(tr, t, 0);

	memcpy(u, t, sizeof t);
	u[2].shape[1] = C - 1;
	u[2].nbytes = (size_t)C * (C - 1) * 4;
	snprintf(want, sizeof want, "tensor 'translators.1.weight' has shape "
	    "[%d, %d], expected [%d, %d]", C, C - 1, C, C);
	check_refused(m, u, n, want, "wrong weight shape");

	memcpy(u, t, sizeof t);
	u[5].shape[0] = C + 1;
	memset(nanv, 0, sizeof nanv);
	u[5].data = nanv;
	u[5].nbytes = (size_t)(C + 1) * 4;
	check_refused(m, u, n, "'translators.2.bias' has shape", "bias shape");

	check_refused(m, t, n - 1, "missing tensor 'translators.2.bias'",
	    "missing bias");
	memcpy(u, t, sizeof t);
	u[0] = u[n - 1];	/* translators.0.weight missing */
	check_refused(m, u, n - 1, "missing tensor 'translators.0.weight'",
	    "missing weight");

	memcpy(u, t, sizeof t);
	u[n] = u[1];
	snprintf(u[n].name, sizeof u[n].name, "translators.%d.bias", L);
	check_refused(m, u, n + 1, "translators.3.bias' is no translator",
	    "one translator too many");

	for (i = 0; i < C; i++)
		nanv[i] = tr->b[i];
	nanv[C / 2] = NAN;
	memcpy(u, t, sizeof t);
	u[1].data = nanv;
	check_refused(m, u, n, "'translators.0.bias' holds a non-finite "
	    "value at index", "NaN bias");
	nanv[C / 2] = -INFINITY;
	check_refused(m, u, n, "non-finite", "infinite bias");

	memset(ints, 0, sizeof ints);
	memcpy(u, t, sizeof t);
	u[4].dtype = "I32";
	u[4].data = ints;
	check_refused(m, u, n, "'translators.2.weight' has dtype I32",
	    "integer weight");

	/* Translators of another width. */
	memset(small, 0, sizeof small);
	memcpy(u, t, sizeof t);
	for (i = 0; i < n; i++) {
		u[i].shape[0] = u[i].shape[1] = 16;
		u[i].data = small;
		u[i].nbytes = u[i].ndim == 2 ? sizeof small : 16 * 4;
	}
	check_refused(m, u, n, "expected [32, 32]", "another model's width");

	CHECK(tuned_load("/nonexistent/t.safetensors", m, &cause) == NULL,
	    "nonexistent file loaded");
	CHECK(cause != NULL && strstr(cause, "/nonexistent/t.safetensors"),
	    "nonexistent: %s", cause ? cause : "(null)");
	free(cause);
	trans_free(tr);
}

/* The BF16 file holds the same values as the F32 one. */
static void
check_bf16(const struct gpt2 *m)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct trans			*tr = trans_new(c->n_layer, c->n_embd,
					    0.3f, 1.0f);
	struct tuned			*a = load_trans(m, tr, 0);
	struct tuned			*b = load_trans(m, tr, 1);
	const float			*wa, *ba, *wb, *bb;
	size_t				 C = (size_t)c->n_embd;
	int				 row;

	for (row = 0; row < GPT2_NROWS(c); row++) {
		CHECK(tuned_translator(a, row, &wa, &ba) == (row % 2 == 0 &&
		    row < 2 * c->n_layer ? row / 2 : -1), "translator of row "
		    "%d", row);
		if (tuned_translator(b, row, &wb, &bb) < 0) {
			CHECK(wa == NULL && wb == NULL && bb == NULL, "NULLs");
			continue;
		}
		CHECK(memcmp(wa, wb, C * C * sizeof *wa) == 0 &&
		    memcmp(ba, bb, C * sizeof *ba) == 0, "row %d: BF16 file "
		    "differs from F32", row);
		CHECK(memcmp(wa, tr->w + (size_t)(row / 2) * C * C, C * C *
		    sizeof *wa) == 0, "row %d: weights not as written", row);
	}
	tuned_free(a);
	tuned_free(b);
	trans_free(tr);
}

/* tools/convert-tuned-lens.py on params.pt files made with torch. */

/*
 * Writes list.pt (TunedLens.save's layer_translators state dict), whole.pt
 * (a whole lens's state dict, unembed.* included), f16.pt (F16, without
 * biases) and bad.pt (a [C, C+1] weight) into argv[1]; exits 3 without
 * torch.
 */
static const char *g_mkparams =
    "import sys\n"
    "try:\n"
    "    import torch\n"
    "except ImportError:\n"
    "    sys.exit(3)\n"
    "d, C, L = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])\n"
    "st = {}\n"
    "for i in range(L):\n"
    "    o = torch.arange(C * C, dtype=torch.float64).reshape(C, C)\n"
    "    st[f'{i}.weight'] = (torch.sin(o * 0.37 + i) * 0.1).float()\n"
    "    c = torch.arange(C, dtype=torch.float64)\n"
    "    st[f'{i}.bias'] = torch.cos(c * 0.61 + i).float()\n"
    "torch.save(st, d + '/list.pt')\n"
    "w = {'layer_translators.' + k: v for k, v in st.items()}\n"
    "w['unembed.final_norm.weight'] = torch.ones(C)\n"
    "w['unembed.unembedding.weight'] = torch.zeros(7, C)\n"
    "torch.save(w, d + '/whole.pt')\n"
    "torch.save({k: v.half() for k, v in st.items() if 'weight' in k},\n"
    "    d + '/f16.pt')\n"
    "st['1.weight'] = torch.zeros(C, C + 1)\n"
    "torch.save(st, d + '/bad.pt')\n";

static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd;
	int	 rc;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	rc = system(cmd);
	free(cmd);
	return rc;
}

/* Converts mode.pt and compares the translators with the formulas. */
static void
check_convert_mode(const struct gpt2 *m, const char *py, const char *script,
    const char *mode)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct tuned			*tu;
	const float			*w, *b;
	char				*pt, *out = tmp_path("conv.safetensors");
	char				*cause, name[32];
	double				 tol, want;
	int				 i, o, k, C = c->n_embd, rc, f16;

	snprintf(name, sizeof name, "%s.pt", mode);
	pt = tmp_path(name);
	f16 = strcmp(mode, "f16") == 0;
	rc = sh("'%s' '%s' '%s' '%s' 2>/dev/null", py, script, pt, out);
	if (strcmp(mode, "bad") == 0) {
		CHECK(rc != 0, "converter accepted a [C, C+1] weight");
		goto out;
	}
	CHECK(rc == 0, "converter failed on %s", name);
	if (rc != 0)
		goto out;
	if ((tu = tuned_load(out, m, &cause)) == NULL) {
		CHECK(0, "converted %s: %s", name, cause);
		free(cause);
		goto out;
	}
	tol = f16 ? 1e-3 : 1e-6;
	for (i = 0; i < c->n_layer; i++) {
		tuned_translator(tu, 2 * i, &w, &b);
		for (k = 0; k < C * C; k++) {
			want = sin(k * 0.37 + i) * 0.1;
			CHECK_NEAR((double)w[k], want, tol, "%s: translator %d w[%d]",
			    name, i, k);
		}
		for (o = 0; o < C; o++) {
			want = f16 ? 0.0 : cos(o * 0.61 + i);
			CHECK_NEAR((double)b[o], want, tol, "%s: translator %d b[%d]",
			    name, i, o);
		}
	}
	tuned_free(tu);
out:
	unlink(pt);
	unlink(out);
	free(pt);
	free(out);
}

static void
check_convert(const struct gpt2 *m)
{
	const struct gpt2_config	*c = gpt2_config(m);
	const char			*py = getenv("PYTHON_TORCH");
	char				*script, *mk = tmp_path("mkparams.py");
	FILE				*f;
	int				 rc;

	script = harness_srcpath("tools/convert-tuned-lens.py");
	if (py == NULL || *py == '\0')
		py = "python3";
	if ((f = fopen(mk, "w")) == NULL || fputs(g_mkparams, f) < 0 ||
	    fclose(f) != 0)
		HARD("%s: cannot write", mk);
	rc = sh("'%s' '%s' '%s' %d %d", py, mk, g_tmp, c->n_embd, c->n_layer);
	unlink(mk);
	if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 3) {
		printf("converter not tested: %s has no torch\n", py);
		goto out;
	}
	if (rc != 0)
		HARD("%s %s failed", py, mk);
	check_convert_mode(m, py, script, "list");
	check_convert_mode(m, py, script, "whole");
	check_convert_mode(m, py, script, "f16");
	check_convert_mode(m, py, script, "bad");
out:
	free(mk);
	free(script);
}

int
main(void)
{
	const struct gpt2_config	*c;
	struct gpt2			*m;
	struct trans			*tr;
	struct ref			 r;
	json_t				*ref, *pr, *jids;
	json_error_t			 jerr;
	const char			*tmpdir = getenv("TMPDIR");
	char				*dir, *path, *cause, label[64];
	int				 ids[64], T;
	size_t				 pi, i;

	if ((dir = harness_fixture("tiny-gpt2")) == NULL)
		SKIP("fixture tiny-gpt2 not found (../shared/fixtures)");
	if ((m = gpt2_load(dir, &cause)) == NULL)
		HARD("%s", cause);
	c = gpt2_config(m);
	if (c->n_embd > 4096 || 2 * c->n_layer + 1 > 64)
		HARD("fixture too large for the test");
	snprintf(g_tmp, sizeof g_tmp, "%s/test-tuned.XXXXXX",
	    tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp");
	if (mkdtemp(g_tmp) == NULL)
		HARD("mkdtemp %s failed", g_tmp);
	r.V = c->n_vocab;
	r.C = c->n_embd;
	r.y = xcalloc((size_t)r.C, sizeof *r.y);
	r.lt = xcalloc((size_t)r.V * 3, sizeof *r.lt);
	r.ll = r.lt + r.V;
	r.lf = r.ll + r.V;

	path = util_path(dir, "lens_ref.json");
	if ((ref = json_load_file(path, 0, &jerr)) == NULL)
		HARD("%s: %s", path, jerr.text);
	tr = trans_new(c->n_layer, c->n_embd, 0.3f, 1.0f);
	json_array_foreach(json_object_get(ref, "prompts"), pi, pr) {
		jids = json_object_get(pr, "ids");
		T = (int)json_array_size(jids);
		if (T < 1 || T > (int)nitems(ids) || T > c->n_ctx || pi > 2)
			continue;
		for (i = 0; i < (size_t)T; i++)
			ids[i] = (int)json_integer_value(json_array_get(jids,
			    i));
		snprintf(label, sizeof label, "prompt %zu", pi);
		check_run(&r, m, ids, T, tr, pi == 1, label);
		check_identity(m, ids, T);
	}
	trans_free(tr);
	check_bf16(m);
	check_errors(m);
	check_convert(m);

	json_decref(ref);
	free(path);
	free(r.y);
	free(r.lt);
	free(dir);
	gpt2_free(m);
	tmp_clean();
	return harness_done();
}
