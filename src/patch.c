/*
 * patch.c: activation patching, attention patterns and the direct logit
 * attribution of each head.
 *
 * A run is a plain forward pass over the model's blocks (gpt2_block_weights)
 * that keeps every residual, the queries, keys and values, and each layer's
 * attention result before c_proj. Patched variants never run the whole
 * model: a variant starts at a stage (a layer, and where in it: its input
 * row, its attention result, or the row after its attention) and at a
 * position t0; it holds positions t0..T-1 only, and reads the base run's
 * keys and values for positions < t0. The variants of one stage are
 * stacked into one matrix, so each weight matrix is read once per batch,
 * and the last layer computes only the last position past its keys and
 * values.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "patch.h"
#include "util.h"

#define PATCH_BATCH	4096
#define PATCH_UNEMBED	32	/* rows unembedded at once */
#define PATCH_KV	(32 << 20)	/* floats of keys|values per batch */

static int patch_batch_rows = PATCH_BATCH;

struct patch_run {
	const struct gpt2	*m;
	int			 T, C, L, NH, I, V;
	float			*resid;		/* (2L+1, T, C) */
	float			*q;		/* (L, T, C) */
	float			*kv;		/* (L, T, 2C): keys | values */
	float			*atty;		/* (L, T, C) */
	float			*logits;	/* (V) at T-1 */
	float			*scale;		/* (L) */
	int			 top1;
};

void
patch_set_batch(int rows)
{
	assert(rows >= 0);
	patch_batch_rows = rows == 0 ? PATCH_BATCH : rows;
}

const char *
patch_metric_name(enum patch_metric m)
{
	return m == PATCH_PROB ? "prob" : "logit_diff";
}

const char *
patch_dir_name(enum patch_dir d)
{
	return d == PATCH_NOISE ? "noise" : "denoise";
}

/* Runs. */

static float *
run_row(const struct patch_run *r, int row)
{
	return r->resid + (size_t)row * r->T * r->C;
}

/* The first of the largest of x (V). */
static int
patch_argmax(const float *x, int V)
{
	int	i, best = 0;

	for (i = 1; i < V; i++) {
		if (x[i] > x[best])
			best = i;
	}
	return best;
}

/* out (n, V) = ln_f(x (n, C)) @ wte^T; ln (n, C) is scratch. */
static void
patch_unembed(const struct gpt2 *m, float *out, float *ln, const float *x,
    int n)
{
	const struct gpt2_config	*c = gpt2_config(m);

	ops_layernorm(ln, x, gpt2_lnf_g(m), gpt2_lnf_b(m), n, c->n_embd,
	    c->eps);
	gpt2_unembed(m, out, ln, n);
}

/* Block l over all T positions, keeping what patching reads. */
static void
run_block(struct patch_run *r, int l, float *ln, float *qkv, float *fc)
{
	const struct gpt2_config	*c = gpt2_config(r->m);
	struct gpt2_block		 w;
	const int			 T = r->T, C = r->C;
	float				*in = run_row(r, 2 * l);
	float				*mid = run_row(r, 2 * l + 1);
	float				*out = run_row(r, 2 * l + 2);
	float				*q = r->q + (size_t)l * T * C;
	float				*kv = r->kv + (size_t)l * T * 2 * C;
	float				*atty = r->atty + (size_t)l * T * C;
	int				 t;

	gpt2_block_weights(r->m, l, &w);
	r->scale[l] = w.attn_scale;
	/* qkv (T, 3C); q and k|v kept per position */
	ops_layernorm(ln, in, w.ln_1_g, w.ln_1_b, T, C, c->eps);
	gpt2_block_mm(r->m, l, GPT2_MM_QKV, qkv, ln, T);
	for (t = 0; t < T; t++) {
		memcpy(q + (size_t)t * C, qkv + (size_t)t * 3 * C,
		    (size_t)C * sizeof *q);
		memcpy(kv + (size_t)t * 2 * C, qkv + (size_t)t * 3 * C + C,
		    (size_t)2 * C * sizeof *kv);
	}
	ops_attention(atty, q, C, kv, kv + C, 2 * C, 0, T, C, r->NH,
	    w.attn_scale);
	/* mid = in + atty @ c_proj; out = mid + mlp(mid) */
	gpt2_block_mm(r->m, l, GPT2_MM_APROJ, mid, atty, T);
	ops_add(mid, in, (size_t)T * C);
	ops_layernorm(ln, mid, w.ln_2_g, w.ln_2_b, T, C, c->eps);
	gpt2_block_mm(r->m, l, GPT2_MM_FC, fc, ln, T);
	ops_gelu(fc, (size_t)T * c->n_inner);
	gpt2_block_mm(r->m, l, GPT2_MM_MPROJ, out, fc, T);
	ops_add(out, mid, (size_t)T * C);
}

struct patch_run *
patch_run_new(const struct gpt2 *m, const int *ids, int T)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct patch_run		*r;
	const size_t			 C = (size_t)c->n_embd;
	float				*ln, *qkv, *fc, *x;
	int				 t, l;

	assert(T >= 1 && T <= c->n_ctx);
	r = xcalloc(1, sizeof *r);
	r->m = m;
	r->T = T;
	r->C = c->n_embd;
	r->L = c->n_layer;
	r->NH = c->n_head;
	r->I = c->n_inner;
	r->V = c->n_vocab;
	r->resid = xmalloc((size_t)GPT2_NROWS(c) * T * C * sizeof *r->resid);
	r->q = xmalloc((size_t)r->L * T * C * sizeof *r->q);
	r->kv = xmalloc((size_t)r->L * T * 2 * C * sizeof *r->kv);
	r->atty = xmalloc((size_t)r->L * T * C * sizeof *r->atty);
	r->logits = xmalloc((size_t)r->V * sizeof *r->logits);
	r->scale = xmalloc((size_t)r->L * sizeof *r->scale);
	ln = xmalloc((size_t)T * C * sizeof *ln);
	qkv = xmalloc((size_t)T * 3 * C * sizeof *qkv);
	fc = xmalloc((size_t)T * r->I * sizeof *fc);
	/* Embeddings: wte[id] + wpe[pos]. */
	for (t = 0; t < T; t++) {
		assert(ids[t] >= 0 && ids[t] < c->n_vocab);
		x = run_row(r, 0) + (size_t)t * C;
		gpt2_wte_row(m, ids[t], x);
		ops_add(x, gpt2_wpe(m) + (size_t)t * C, C);
	}
	for (l = 0; l < r->L; l++)
		run_block(r, l, ln, qkv, fc);
	patch_unembed(m, r->logits, ln, run_row(r, 2 * r->L) +
	    (size_t)(T - 1) * C, 1);
	r->top1 = patch_argmax(r->logits, r->V);
	free(ln);
	free(qkv);
	free(fc);
	return r;
}

void
patch_run_free(struct patch_run *r)
{
	if (r == NULL)
		return;
	free(r->resid);
	free(r->q);
	free(r->kv);
	free(r->atty);
	free(r->logits);
	free(r->scale);
	free(r);
}

int
patch_run_len(const struct patch_run *r)
{
	return r->T;
}

const float *
patch_run_resid(const struct patch_run *r, int row)
{
	assert(row >= 0 && row <= 2 * r->L);
	return run_row(r, row);
}

const float *
patch_run_atty(const struct patch_run *r, int l)
{
	assert(l >= 0 && l < r->L);
	return r->atty + (size_t)l * r->T * r->C;
}

const float *
patch_run_logits(const struct patch_run *r)
{
	return r->logits;
}

int
patch_run_top1(const struct patch_run *r)
{
	return r->top1;
}

void
patch_run_attn(const struct patch_run *r, int l, float *w)
{
	const int	 T = r->T, C = r->C, hs = C / r->NH;
	const float	*q = r->q + (size_t)l * T * C;
	const float	*k = r->kv + (size_t)l * T * 2 * C;
	double		*sc, mx, sum, d;
	float		*row;
	int		 h, t, s, j;

	assert(l >= 0 && l < r->L);
	sc = xmalloc((size_t)T * sizeof *sc);
	for (h = 0; h < r->NH; h++) {
		for (t = 0; t < T; t++) {
			/* scores of t over s <= t, softmax in double */
			mx = -(double)INFINITY;
			for (s = 0; s <= t; s++) {
				d = 0;
				for (j = h * hs; j < (h + 1) * hs; j++)
					d += (double)q[(size_t)t * C + j] *
					    (double)k[(size_t)s * 2 * C + j];
				sc[s] = d * (double)r->scale[l];
				mx = sc[s] > mx ? sc[s] : mx;
			}
			sum = 0;
			for (s = 0; s <= t; s++)
				sum += sc[s] = exp(sc[s] - mx);
			row = w + ((size_t)h * T + t) * T;
			for (s = 0; s < T; s++)
				row[s] = s <= t ? (float)(sc[s] / sum) : 0.0f;
		}
	}
	free(sc);
}

/* The metric. */

/* The metric of final residuals x (n, C) into out (n). */
static void
patch_metric_rows(const struct gpt2 *m, const struct patch_spec *sp,
    const float *x, int n, double *out)
{
	const struct gpt2_config	*c = gpt2_config(m);
	const int			 C = c->n_embd, V = c->n_vocab;
	const float			*wa, *wb;
	float				*ln, *lg;
	double				 d, mx, sum;
	int				 i, j;

	ln = xmalloc((size_t)n * C * sizeof *ln);
	if (sp->metric == PATCH_LOGIT_DIFF) {
		ops_layernorm(ln, x, gpt2_lnf_g(m), gpt2_lnf_b(m), n, C,
		    c->eps);
		wa = gpt2_wte(m) + (size_t)sp->target * C;
		wb = gpt2_wte(m) + (size_t)sp->anti * C;
		for (i = 0; i < n; i++) {
			d = 0;
			for (j = 0; j < C; j++)
				d += (double)ln[(size_t)i * C + j] *
				    ((double)wa[j] - (double)wb[j]);
			out[i] = d;
		}
		free(ln);
		return;
	}
	/* Whole softmaxes, PATCH_UNEMBED rows at a time. */
	lg = xmalloc((size_t)PATCH_UNEMBED * V * sizeof *lg);
	for (i = 0; i < n; i++) {
		const float *y = lg + (size_t)(i % PATCH_UNEMBED) * V;

		if (i % PATCH_UNEMBED == 0)
			patch_unembed(m, lg, ln, x + (size_t)i * C,
			    n - i < PATCH_UNEMBED ? n - i : PATCH_UNEMBED);

		mx = (double)y[patch_argmax(y, V)];
		sum = 0;
		for (j = 0; j < V; j++)
			sum += exp((double)y[j] - mx);
		out[i] = exp((double)y[sp->target] - mx) / sum;
	}
	free(lg);
	free(ln);
}

double
patch_metric_of(const struct gpt2 *m, const struct patch_run *r,
    const struct patch_spec *sp)
{
	double	v;

	patch_metric_rows(m, sp, run_row(r, 2 * r->L) + (size_t)(r->T - 1) *
	    r->C, 1, &v);
	return v;
}

/* Patched variants. */

enum patch_phase {
	PHASE_INPUT,	/* the block's input row, 2l */
	PHASE_HEAD,	/* its attention result, before c_proj */
	PHASE_MID	/* the row after its attention, 2l+1 */
};

struct patch_var {
	int	 t0;		/* first position held */
	int	 head;		/* PHASE_HEAD: the head */
	int	 head_all;	/* PHASE_HEAD: every position from t0 on */
	float	*out;		/* the metric goes here */
	size_t	 off;		/* first row in the batch */
};

struct patch_ctx {
	const struct gpt2	*m;
	const struct patch_run	*base, *src;
	const struct patch_spec	*sp;
	int			 T, C, L, NH, I;
	size_t			 cap, capb;	/* rows, variants */
	float			*x, *ln, *qkv, *atty, *tmp, *fc;
	float			*kvb;		/* (capb, T, 2C) */
};

static void
ctx_grow(struct patch_ctx *cx, size_t N, size_t B)
{
	const size_t	C = (size_t)cx->C;

	if (N > cx->cap) {
		cx->cap = N;
		free(cx->x);
		free(cx->ln);
		free(cx->qkv);
		free(cx->atty);
		free(cx->tmp);
		free(cx->fc);
		cx->x = xmalloc(N * C * sizeof (float));
		cx->ln = xmalloc(N * C * sizeof (float));
		cx->qkv = xmalloc(N * 3 * C * sizeof (float));
		cx->atty = xmalloc(N * C * sizeof (float));
		cx->tmp = xmalloc(N * C * sizeof (float));
		cx->fc = xmalloc(N * (size_t)cx->I * sizeof (float));
	}
	if (B > cx->capb) {
		cx->capb = B;
		free(cx->kvb);
		cx->kvb = xmalloc(B * cx->T * 2 * C * sizeof (float));
	}
}

static void
ctx_free(struct patch_ctx *cx)
{
	free(cx->x);
	free(cx->ln);
	free(cx->qkv);
	free(cx->atty);
	free(cx->tmp);
	free(cx->fc);
	free(cx->kvb);
}

/* The variants' starting rows in x (and atty for PHASE_HEAD). */
static void
batch_init(struct patch_ctx *cx, struct patch_var *v, int B, int l0,
    enum patch_phase ph)
{
	const size_t	 C = (size_t)cx->C, T = (size_t)cx->T;
	const int	 row = ph == PHASE_MID ? 2 * l0 + 1 : 2 * l0;
	const int	 hs = cx->C / cx->NH;
	const float	*ba, *sa;
	size_t		 n, t;
	int		 i;

	for (i = 0; i < B; i++) {
		n = T - (size_t)v[i].t0;
		memcpy(cx->x + v[i].off * C, run_row(cx->base, row) +
		    (size_t)v[i].t0 * C, n * C * sizeof (float));
		if (ph != PHASE_HEAD) {
			memcpy(cx->x + v[i].off * C, run_row(cx->src, row) +
			    (size_t)v[i].t0 * C, C * sizeof (float));
			continue;
		}
		ba = patch_run_atty(cx->base, l0) + (size_t)v[i].t0 * C;
		sa = patch_run_atty(cx->src, l0) + (size_t)v[i].t0 * C;
		memcpy(cx->atty + v[i].off * C, ba, n * C * sizeof (float));
		for (t = 0; t < (v[i].head_all ? n : 1); t++)
			memcpy(cx->atty + (v[i].off + t) * C +
			    (size_t)v[i].head * hs, sa + t * C + (size_t)v[i].head *
			    hs, (size_t)hs * sizeof (float));
	}
}

/*
 * Layer l's attention for the batch: qkv of every row held (their keys and
 * values), the attention of every row, or of each variant's last row only
 * (into atty row i) when last.
 */
static void
batch_attention(struct patch_ctx *cx, const struct gpt2_block *w,
    struct patch_var *v, int B, size_t N, int l, int last)
{
	const struct gpt2_config	*c = gpt2_config(cx->m);
	const size_t			 C = (size_t)cx->C, T = (size_t)cx->T;
	const float			*bkv = cx->base->kv + (size_t)l * T *
					    2 * C;
	float				*kvb;
	size_t				 t, n;
	int				 i;

	ops_layernorm(cx->ln, cx->x, w->ln_1_g, w->ln_1_b, (int)N, cx->C,
	    c->eps);
	gpt2_block_mm(cx->m, l, GPT2_MM_QKV, cx->qkv, cx->ln, (int)N);
	for (i = 0; i < B; i++) {
		/* keys|values: the base run's before t0, the variant's after */
		kvb = cx->kvb + (size_t)i * T * 2 * C;
		n = T - (size_t)v[i].t0;
		memcpy(kvb, bkv, (size_t)v[i].t0 * 2 * C * sizeof *kvb);
		for (t = 0; t < n; t++)
			memcpy(kvb + ((size_t)v[i].t0 + t) * 2 * C, cx->qkv +
			    (v[i].off + t) * 3 * C + C, 2 * C * sizeof *kvb);
		if (last)
			ops_attention(cx->atty + (size_t)i * C, cx->qkv +
			    (v[i].off + n - 1) * 3 * C, 3 * cx->C, kvb,
			    kvb + C, 2 * cx->C, cx->T - 1, cx->T, cx->C,
			    cx->NH, w->attn_scale);
		else
			ops_attention(cx->atty + v[i].off * C, cx->qkv +
			    v[i].off * 3 * C, 3 * cx->C, kvb, kvb + C,
			    2 * cx->C, v[i].t0, cx->T, cx->C, cx->NH,
			    w->attn_scale);
	}
}

/* Keeps each variant's last row of buf (rows of C) as its row i. */
static void
batch_compact(struct patch_ctx *cx, float *buf, struct patch_var *v, int B)
{
	const size_t	C = (size_t)cx->C;
	size_t		last;
	int		i;

	for (i = 0; i < B; i++) {
		last = v[i].off + (size_t)(cx->T - v[i].t0) - 1;
		memmove(buf + (size_t)i * C, buf + last * C, C * sizeof *buf);
	}
}

/* Runs B variants that start at stage (l0, ph) and writes their metric. */
static void
patch_batch(struct patch_ctx *cx, struct patch_var *v, int B, int l0,
    enum patch_phase ph)
{
	const struct gpt2_config	*c = gpt2_config(cx->m);
	struct gpt2_block		 w;
	size_t				 N = 0, n;
	double				*res;
	int				 i, l, last, compact = 0;

	for (i = 0; i < B; i++) {
		v[i].off = N;
		N += (size_t)(cx->T - v[i].t0);
	}
	ctx_grow(cx, N, (size_t)B);
	batch_init(cx, v, B, l0, ph);
	for (l = l0; l < cx->L; l++) {
		gpt2_block_weights(cx->m, l, &w);
		last = l == cx->L - 1;
		if (l > l0 || ph == PHASE_INPUT)
			batch_attention(cx, &w, v, B, N, l, last);
		else if (last && ph == PHASE_HEAD)
			batch_compact(cx, cx->atty, v, B);
		if (last) {
			batch_compact(cx, cx->x, v, B);
			compact = 1;
		}
		n = last ? (size_t)B : N;
		/* x += atty @ c_proj, unless the variant starts after it */
		if (l > l0 || ph != PHASE_MID) {
			gpt2_block_mm(cx->m, l, GPT2_MM_APROJ, cx->tmp,
			    cx->atty, (int)n);
			ops_add(cx->x, cx->tmp, n * cx->C);
		}
		/* x += mlp(x) */
		ops_layernorm(cx->ln, cx->x, w.ln_2_g, w.ln_2_b, (int)n, cx->C,
		    c->eps);
		gpt2_block_mm(cx->m, l, GPT2_MM_FC, cx->fc, cx->ln, (int)n);
		ops_gelu(cx->fc, n * (size_t)cx->I);
		gpt2_block_mm(cx->m, l, GPT2_MM_MPROJ, cx->tmp, cx->fc,
		    (int)n);
		ops_add(cx->x, cx->tmp, n * cx->C);
	}
	if (!compact)
		batch_compact(cx, cx->x, v, B);
	res = xmalloc((size_t)B * sizeof *res);
	patch_metric_rows(cx->m, cx->sp, cx->x, B, res);
	for (i = 0; i < B; i++)
		*v[i].out = (float)res[i];
	free(res);
}

/*
 * Runs the variants of one stage in batches of at most the row cap, and of
 * at most as many variants as PATCH_KV holds keys and values for.
 */
static void
patch_stage(struct patch_ctx *cx, struct patch_var *v, int nv, int l0,
    enum patch_phase ph)
{
	size_t	rows, maxb = PATCH_KV / ((size_t)cx->T * 2 * cx->C);
	int	i, j;

	for (i = 0; i < nv; i = j) {
		rows = 0;
		for (j = i; j < nv; j++) {
			if (j > i && (rows + (size_t)(cx->T - v[j].t0) >
			    (size_t)patch_batch_rows || (size_t)(j - i) >= maxb))
				break;
			rows += (size_t)(cx->T - v[j].t0);
		}
		patch_batch(cx, v + i, j - i, l0, ph);
	}
}

/*
 * A patch that writes what is there already changes nothing: positions
 * where the two runs agree (a shared prefix, an unchanged token's
 * embedding) get the base's metric without a pass.
 */
static int
patch_same_row(const struct patch_ctx *cx, int row, int t)
{
	const size_t	C = (size_t)cx->C;

	return memcmp(run_row(cx->base, row) + t * C, run_row(cx->src, row) +
	    t * C, C * sizeof (float)) == 0;
}

/* The first position from t0 where head h's outputs differ, or T. */
static int
patch_head_from(const struct patch_ctx *cx, int l, int h, int t0)
{
	const size_t	 C = (size_t)cx->C, hs = C / (size_t)cx->NH;
	const float	*a = patch_run_atty(cx->base, l) + h * hs;
	const float	*b = patch_run_atty(cx->src, l) + h * hs;
	int		 t;

	for (t = t0; t < cx->T; t++) {
		if (memcmp(a + t * C, b + t * C, hs * sizeof (float)) != 0)
			break;
	}
	return t;
}

static struct patch_result *
patch_result_new(const struct gpt2 *m, const struct patch_run *clean,
    const struct patch_run *corrupted, const struct patch_spec *sp)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct patch_result		*res;
	const int			 T = clean->T, L = c->n_layer;
	int				 i;

	res = xcalloc(1, sizeof *res);
	res->T = T;
	res->n_layer = L;
	res->n_head = c->n_head;
	res->nrows = sp->sublayers ? 2 * L + 1 : L + 1;
	res->rows = xcalloc((size_t)res->nrows, sizeof *res->rows);
	for (i = 0; i < res->nrows; i++)
		res->rows[i] = sp->sublayers ? i : 2 * i;
	res->values = xcalloc((size_t)res->nrows * T, sizeof *res->values);
	res->heads = xcalloc((size_t)L * c->n_head, sizeof *res->heads);
	if (sp->head_pos)
		res->head_pos = xcalloc((size_t)L * c->n_head * T,
		    sizeof *res->head_pos);
	res->done = xcalloc((size_t)res->nrows, sizeof *res->done);
	res->clean = patch_metric_of(m, clean, sp);
	res->corrupted = patch_metric_of(m, corrupted, sp);
	return res;
}

/* Shown row i: one stage, a variant per position. */
static void
patch_row(struct patch_ctx *cx, struct patch_result *res,
    struct patch_var *v, float bm, int i)
{
	const int	r = res->rows[i], T = cx->T;
	int		t, nv = 0;

	for (t = 0; t < T; t++) {
		v[nv].t0 = t;
		v[nv].out = &res->values[(size_t)i * T + t];
		if (patch_same_row(cx, r, t))
			*v[nv].out = bm;
		else
			nv++;
	}
	patch_stage(cx, v, nv, r / 2, r % 2 ? PHASE_MID : PHASE_INPUT);
}

/* Layer l's heads: one stage, a variant per head, or per head and position. */
static void
patch_heads(struct patch_ctx *cx, struct patch_result *res,
    struct patch_var *v, float bm, int l, int by_pos)
{
	const int	T = cx->T, NH = cx->NH;
	int		h, t, nv = 0;

	for (h = 0; h < NH; h++) {
		for (t = 0; t < (by_pos ? T : 1); t++) {
			v[nv].t0 = patch_head_from(cx, l, h, t);
			v[nv].head = h;
			v[nv].head_all = !by_pos;
			v[nv].out = by_pos ? &res->head_pos[((size_t)l * NH +
			    h) * T + t] : &res->heads[(size_t)l * NH + h];
			/* unchanged at t (all: at every position) */
			if (by_pos ? v[nv].t0 > t : v[nv].t0 == T)
				*v[nv].out = bm;
			else {
				v[nv].t0 = by_pos ? t : v[nv].t0;
				nv++;
			}
		}
	}
	patch_stage(cx, v, nv, l, PHASE_HEAD);
}

struct patch_result *
patch_compute(const struct gpt2 *m, const struct patch_run *clean,
    const struct patch_run *corrupted, const struct patch_spec *sp,
    const atomic_int *cancel, patch_progress_cb *progress, void *arg)
{
	return patch_compute_parts(m, clean, corrupted, sp, NULL, 0, cancel,
	    progress, NULL, arg);
}

/*
 * The shown rows in the order of computing: order's valid rows first, each
 * once, then the others.
 */
static int *
patch_row_order(int nrows, const int *order, int norder)
{
	int	*seq = xcalloc((size_t)nrows, sizeof *seq);
	int	*seen = xcalloc((size_t)nrows, sizeof *seen);
	int	 i, n = 0;

	for (i = 0; order != NULL && i < norder; i++)
		if (order[i] >= 0 && order[i] < nrows && !seen[order[i]]) {
			seen[order[i]] = 1;
			seq[n++] = order[i];
		}
	for (i = 0; i < nrows; i++)
		if (!seen[i])
			seq[n++] = i;
	free(seen);
	return seq;
}

struct patch_result *
patch_compute_parts(const struct gpt2 *m, const struct patch_run *clean,
    const struct patch_run *corrupted, const struct patch_spec *sp,
    const int *order, int norder, const atomic_int *cancel,
    patch_progress_cb *progress, patch_part_cb *part, void *arg)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct patch_ctx		 cx;
	struct patch_result		*res;
	struct patch_var		*v;
	int				*seq, u, total, per;
	float				 bm;

	assert(clean->T == corrupted->T);
	memset(&cx, 0, sizeof cx);
	cx.m = m;
	cx.base = sp->dir == PATCH_NOISE ? clean : corrupted;
	cx.src = sp->dir == PATCH_NOISE ? corrupted : clean;
	cx.sp = sp;
	cx.T = clean->T;
	cx.C = c->n_embd;
	cx.L = c->n_layer;
	cx.NH = c->n_head;
	cx.I = c->n_inner;
	res = patch_result_new(m, clean, corrupted, sp);
	bm = (float)(sp->dir == PATCH_NOISE ? res->clean : res->corrupted);
	v = xcalloc((size_t)cx.NH * cx.T, sizeof *v);
	seq = patch_row_order(res->nrows, order, norder);

	/* Units of work: each row, then each layer's heads (by position). */
	per = sp->head_pos ? 2 : 1;
	total = res->nrows + cx.L * per;
	for (u = 0; u < total; u++) {
		if (cancel != NULL && atomic_load(cancel)) {
			patch_result_free(res);
			res = NULL;
			break;
		}
		if (u < res->nrows) {
			patch_row(&cx, res, v, bm, seq[u]);
			res->done[seq[u]] = 1;
		} else
			patch_heads(&cx, res, v, bm, (u - res->nrows) / per,
			    (u - res->nrows) % per);
		if (u == total - 1)
			res->heads_done = 1;
		if (progress != NULL)
			progress(arg, u + 1, total);
		if (part != NULL && (u < res->nrows || u == total - 1))
			part(arg, res);
	}
	free(seq);
	free(v);
	ctx_free(&cx);
	return res;
}

static void *
dup_array(const void *a, size_t n, size_t size)
{
	void	*b;

	if (a == NULL)
		return NULL;
	b = xreallocarray(NULL, n ? n : 1, size);
	memcpy(b, a, n * size);
	return b;
}

struct patch_result *
patch_result_dup(const struct patch_result *a)
{
	struct patch_result	*b = xmalloc(sizeof *b);
	const size_t		 LH = (size_t)a->n_layer * a->n_head;

	*b = *a;
	b->rows = dup_array(a->rows, (size_t)a->nrows, sizeof *b->rows);
	b->values = dup_array(a->values, (size_t)a->nrows * a->T,
	    sizeof *b->values);
	b->heads = dup_array(a->heads, LH, sizeof *b->heads);
	b->head_pos = dup_array(a->head_pos, LH * a->T, sizeof *b->head_pos);
	b->done = dup_array(a->done, (size_t)a->nrows, sizeof *b->done);
	return b;
}

void
patch_result_free(struct patch_result *res)
{
	if (res == NULL)
		return;
	free(res->rows);
	free(res->values);
	free(res->heads);
	free(res->head_pos);
	free(res->done);
	free(res);
}

double
patch_effect(const struct patch_result *res, double m)
{
	if (res->clean == res->corrupted)
		return (double)NAN;
	return (m - res->corrupted) / (res->clean - res->corrupted);
}

/* Direct logit attribution by head. */

/* A vector's share of the logit: (d.gw - mean(d) sgw) rs. */
static double
dla_share(const double *d, const double *gw, double sgw, double rs, int C)
{
	double	dot = 0, sum = 0;
	int	c;

	for (c = 0; c < C; c++) {
		dot += d[c] * gw[c];
		sum += d[c];
	}
	return (dot - sum / C * sgw) * rs;
}

double
patch_dla(const struct gpt2 *m, const struct patch_run *r, int pos, int id,
    double *embed, double *heads, double *bias, double *mlp,
    double *lnf_bias)
{
	const struct gpt2_config	*cfg = gpt2_config(m);
	const int			 C = r->C, hs = C / r->NH;
	const float			*g = gpt2_lnf_g(m), *b = gpt2_lnf_b(m);
	const float			*w = gpt2_wte(m) + (size_t)id * C;
	const float			*x, *y, *a;
	struct gpt2_block		 bw;
	double				*gw, *d, sgw = 0, mean = 0, var = 0;
	double				 rs, logit = 0, cb = 0;
	int				 c, l, h, j;

	assert(pos >= 0 && pos < r->T && id >= 0 && id < r->V);
	gw = xmalloc((size_t)2 * C * sizeof *gw);
	d = gw + C;
	for (c = 0; c < C; c++) {
		gw[c] = (double)g[c] * (double)w[c];
		sgw += gw[c];
		cb += (double)b[c] * (double)w[c];
	}
	/* ln_f's scale of the final row, and the logit itself */
	x = run_row(r, 2 * r->L) + (size_t)pos * C;
	for (c = 0; c < C; c++)
		mean += (double)x[c];
	mean /= C;
	for (c = 0; c < C; c++)
		var += ((double)x[c] - mean) * ((double)x[c] - mean);
	rs = 1.0 / sqrt(var / C + (double)cfg->eps);
	for (c = 0; c < C; c++)
		logit += (((double)x[c] - mean) * rs * (double)g[c] +
		    (double)b[c]) * (double)w[c];
	*lnf_bias = cb;

	x = run_row(r, 0) + (size_t)pos * C;
	for (c = 0; c < C; c++)
		d[c] = (double)x[c];
	*embed = dla_share(d, gw, sgw, rs, C);
	for (l = 0; l < r->L; l++) {
		gpt2_block_weights(m, l, &bw);
		a = patch_run_atty(r, l) + (size_t)pos * C;
		/* head h: its slice of atty through its rows of c_proj */
		for (h = 0; h < r->NH; h++) {
			for (c = 0; c < C; c++)
				d[c] = 0;
			for (j = h * hs; j < (h + 1) * hs; j++) {
				for (c = 0; c < C; c++)
					d[c] += (double)a[j] *
					    (double)bw.aproj_w[(size_t)j * C +
					    c];
			}
			heads[(size_t)l * r->NH + h] = dla_share(d, gw, sgw,
			    rs, C);
		}
		for (c = 0; c < C; c++)
			d[c] = (double)bw.aproj_b[c];
		bias[l] = dla_share(d, gw, sgw, rs, C);
		x = run_row(r, 2 * l + 2) + (size_t)pos * C;
		y = run_row(r, 2 * l + 1) + (size_t)pos * C;
		for (c = 0; c < C; c++)
			d[c] = (double)x[c] - (double)y[c];
		mlp[l] = dla_share(d, gw, sgw, rs, C);
	}
	free(gw);
	return logit;
}
