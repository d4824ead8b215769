/*
 * model.c: GPT-2 from a Hugging Face model directory, and its forward pass.
 *
 * config.json is read with jansson; model.safetensors is mapped (st.c) and
 * each weight is bound through a table of names and expected shapes, with or
 * without the "transformer." prefix. F32 weights are used in place; F16 and
 * BF16 are converted once into one allocation. Buffers that are not weights
 * (h.N.attn.bias, h.N.attn.masked_bias) are ignored, and so is an
 * lm_head.weight equal to wte.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "ops.h"
#include "pack.h"
#include "st.h"
#include "util.h"

#define MODEL_MAX_CONFIG	(4 * 1024 * 1024)

struct gpt2_layer {
	const float	*ln_1_g, *ln_1_b;	/* (C) */
	const float	*attn_w, *attn_b;	/* (C, 3C), (3C) */
	const float	*aproj_w, *aproj_b;	/* (C, C), (C) */
	const float	*ln_2_g, *ln_2_b;	/* (C) */
	const float	*fc_w, *fc_b;		/* (C, 4C), (4C) */
	const float	*mproj_w, *mproj_b;	/* (4C, C), (C) */
};

struct gpt2 {
	char			*dir;
	struct gpt2_config	 cfg;
	float			 attn_scale_layer;	/* 1: scale by 1/(l+1) */
	struct st_file		*st;
	float			*conv;		/* converted F16/BF16 weights */
	size_t			 convlen;
	const float		*wte;		/* (V, C) */
	const float		*wpe;		/* (n_ctx, C) */
	const float		*ln_f_g, *ln_f_b;
	struct gpt2_layer	*layers;
	struct pack		*pack;		/* gpt2_pack's file ... */
	const float		**wp;		/* ... (L, 4): packed weights */
	const float		*wtep;		/* ... wte packed, or NULL */
	int			 pack_tmax;
};

/*
 * A block runs over its positions in passes of at most chunk of them, so
 * that the scratch (ln .. mid) holds a chunk's rows, not n_ctx's: at
 * n_ctx = 1024 that is 28 MB less for GPT-2 small. The rows after each
 * attention sub-block (odd rows) are kept only when asked for; otherwise
 * they pass through mid.
 *
 * badpos[r] is the first position of row r holding NaN or Inf (INT_MAX if
 * none): a run scans only the positions it computes, however long the
 * prompt.
 */
#define MODEL_CHUNK	256

struct gpt2_state {
	const struct gpt2	*m;
	int			 len;		/* positions valid */
	int			*ids;		/* (n_ctx) */
	float			*resid;		/* (2L+1, n_ctx, C) */
	float			*kv;		/* (L, 2, n_ctx, C) */
	float			*ln;		/* (chunk, C) */
	float			*qkv;		/* (chunk, 3C) */
	float			*atty;		/* (chunk, C) */
	float			*fc;		/* (chunk, n_inner) */
	float			*mid;		/* (chunk, C) */
	int			*badpos;	/* (2L+1) */
	size_t			 bytes;
	int			 chunk;
	int			 sublayers;	/* odd rows kept */
	int			 nonfinite;
};

/* config.json */

static int
model_json_int(json_t *root, const char *key, int lo, int hi, int *out,
    const char *path, char **cause)
{
	json_t	*v = json_object_get(root, key);

	if (v == NULL)
		return util_fail(cause, "%s: missing key '%s'", path, key);
	if (!json_is_integer(v))
		return util_fail(cause, "%s: '%s' is not an integer", path, key);
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return util_fail(cause, "%s: '%s' is %lld, expected %d..%d",
		    path, key, (long long)json_integer_value(v), lo, hi);
	*out = (int)json_integer_value(v);
	return 0;
}

/* Keys that describe another model, or GPT-2 variants not implemented. */
static int
model_check_kind(json_t *root, struct gpt2 *m, const char *path,
    char **cause)
{
	static const char *const acts[] = { "gelu_new", "gelu_fast",
	    "gelu_pytorch_tanh", NULL };
	json_t		*v;
	const char	*s;
	int		 i;

	v = json_object_get(root, "model_type");
	if (v != NULL && (!json_is_string(v) ||
	    strcmp(json_string_value(v), "gpt2") != 0))
		return util_fail(cause, "%s: model_type is '%s', not 'gpt2': "
		    "logitlens reads GPT-2 models only", path,
		    json_is_string(v) ? json_string_value(v) : "?");
	v = json_object_get(root, "activation_function");
	if (v != NULL && !json_is_null(v)) {
		s = json_is_string(v) ? json_string_value(v) : "?";
		for (i = 0; acts[i] != NULL; i++) {
			if (strcmp(s, acts[i]) == 0)
				break;
		}
		if (acts[i] == NULL)
			return util_fail(cause, "%s: activation_function '%s' "
			    "is not GPT-2's (gelu_new)", path, s);
	}
	v = json_object_get(root, "scale_attn_weights");
	if (v != NULL && json_is_false(v))
		return util_fail(cause, "%s: scale_attn_weights false is not "
		    "supported", path);
	v = json_object_get(root, "scale_attn_by_inverse_layer_idx");
	m->attn_scale_layer = v != NULL && json_is_true(v);
	v = json_object_get(root, "add_cross_attention");
	if (v != NULL && json_is_true(v))
		return util_fail(cause, "%s: add_cross_attention is not "
		    "supported", path);
	return 0;
}

static int
model_read_config(struct gpt2 *m, const char *path, char **cause)
{
	struct gpt2_config	*c = &m->cfg;
	json_t			*root = NULL, *v;
	json_error_t		 jerr;
	char			*buf;
	size_t			 len;
	int			 rc = -1, ctx;

	if (util_read_file(path, MODEL_MAX_CONFIG, &buf, &len, cause) != 0)
		return -1;
	root = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (root == NULL)
		return util_fail(cause, "%s:%d:%d: not valid JSON: %s", path,
		    jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		util_fail(cause, "%s: not a JSON object", path);
		goto out;
	}
	if (model_check_kind(root, m, path, cause) != 0 ||
	    model_json_int(root, "n_layer", 1, 1024, &c->n_layer, path,
	    cause) != 0 ||
	    model_json_int(root, "n_head", 1, 1024, &c->n_head, path,
	    cause) != 0 ||
	    model_json_int(root, "n_embd", 1, 65536, &c->n_embd, path,
	    cause) != 0 ||
	    model_json_int(root, "vocab_size", 1, 4 << 20, &c->n_vocab, path,
	    cause) != 0)
		goto out;
	if (json_object_get(root, "n_positions") != NULL) {
		if (model_json_int(root, "n_positions", 1, 1 << 20, &c->n_ctx,
		    path, cause) != 0)
			goto out;
	} else if (model_json_int(root, "n_ctx", 1, 1 << 20, &c->n_ctx,
	    path, cause) != 0)
		goto out;
	if (json_object_get(root, "n_ctx") != NULL && model_json_int(root,
	    "n_ctx", 1, 1 << 20, &ctx, path, cause) != 0)
		goto out;
	if (c->n_embd % c->n_head != 0) {
		util_fail(cause, "%s: n_embd %d is not a multiple of n_head %d",
		    path, c->n_embd, c->n_head);
		goto out;
	}
	c->n_inner = 4 * c->n_embd;
	v = json_object_get(root, "n_inner");
	if (v != NULL && !json_is_null(v) && model_json_int(root, "n_inner",
	    1, 1 << 20, &c->n_inner, path, cause) != 0)
		goto out;
	c->eps = 1e-5f;
	v = json_object_get(root, "layer_norm_epsilon");
	if (v != NULL) {
		if (!json_is_number(v) || json_number_value(v) <= 0 ||
		    json_number_value(v) >= 1) {
			util_fail(cause, "%s: layer_norm_epsilon is not a small "
			    "positive number", path);
			goto out;
		}
		c->eps = (float)json_number_value(v);
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Weights. */

/* Finds name, with the "transformer." prefix if the file uses it. */
static const struct st_tensor *
model_tensor(const struct gpt2 *m, const char *prefix, const char *name)
{
	char	buf[256];

	snprintf(buf, sizeof buf, "%s%s", prefix, name);
	return st_find(m->st, buf);
}

static size_t
model_conv_size(const struct st_tensor *t)
{
	if (t == NULL || t->dtype == ST_F32)
		return 0;
	return (size_t)t->nelem;
}

/* Binds *out to the tensor name of shape (d0[, d1]), converting if needed. */
static int
model_bind(struct gpt2 *m, const char *prefix, const char *name, int ndim,
    int64_t d0, int64_t d1, const float **out, size_t *convoff, char **cause)
{
	const struct st_tensor	*t = model_tensor(m, prefix, name);
	char			 got[96];
	float			*dst;

	if (t == NULL)
		return util_fail(cause, "%s: missing tensor '%s%s'",
		    st_path(m->st), prefix, name);
	if (t->ndim != ndim || t->shape[0] != d0 || (ndim == 2 &&
	    t->shape[1] != d1)) {
		st_shape_str(t, got, sizeof got);
		if (ndim == 2)
			return util_fail(cause, "%s: tensor '%s' has shape %s, "
			    "expected [%lld, %lld]", st_path(m->st), t->name,
			    got, (long long)d0, (long long)d1);
		return util_fail(cause, "%s: tensor '%s' has shape %s, "
		    "expected [%lld]", st_path(m->st), t->name, got,
		    (long long)d0);
	}
	st_load(m->st, t);
	switch (t->dtype) {
	case ST_F32:
		if (((uintptr_t)t->data & 3) == 0) {
			*out = t->data;
			return 0;
		}
		dst = m->conv + *convoff;	/* misaligned: copy */
		memcpy(dst, t->data, t->nbytes);
		break;
	case ST_F16:
		dst = m->conv + *convoff;
		ops_f16_to_f32(dst, t->data, (size_t)t->nelem);
		break;
	case ST_BF16:
		dst = m->conv + *convoff;
		ops_bf16_to_f32(dst, t->data, (size_t)t->nelem);
		break;
	default:
		return util_fail(cause, "%s: tensor '%s' has dtype %s, expected "
		    "F32, F16 or BF16", st_path(m->st), t->name,
		    st_dtype_name(t->dtype));
	}
	/* Converted: the file's pages are not read again. */
	st_unload(m->st, t);
	*convoff += (size_t)t->nelem;
	*out = dst;
	return 0;
}

/* Every weight: name, shape, and where it goes. */
struct model_slot {
	char		 name[64];
	int		 ndim;
	int64_t		 d0, d1;
	const float	**out;
};

static size_t
model_slots(struct gpt2 *m, struct model_slot *s)
{
	const struct gpt2_config	*c = &m->cfg;
	struct gpt2_layer		*l;
	size_t				 n = 0;
	int				 i;
	int64_t				 C = c->n_embd, I = c->n_inner;

#define SLOT(nd, a, b, dst, ...) do {					\
	snprintf(s[n].name, sizeof s[n].name, __VA_ARGS__);		\
	s[n].ndim = (nd);						\
	s[n].d0 = (a);							\
	s[n].d1 = (b);							\
	s[n++].out = (dst);						\
} while (0)
	SLOT(2, c->n_vocab, C, &m->wte, "wte.weight");
	SLOT(2, c->n_ctx, C, &m->wpe, "wpe.weight");
	for (i = 0; i < c->n_layer; i++) {
		l = &m->layers[i];
		SLOT(1, C, 0, &l->ln_1_g, "h.%d.ln_1.weight", i);
		SLOT(1, C, 0, &l->ln_1_b, "h.%d.ln_1.bias", i);
		SLOT(2, C, 3 * C, &l->attn_w, "h.%d.attn.c_attn.weight", i);
		SLOT(1, 3 * C, 0, &l->attn_b, "h.%d.attn.c_attn.bias", i);
		SLOT(2, C, C, &l->aproj_w, "h.%d.attn.c_proj.weight", i);
		SLOT(1, C, 0, &l->aproj_b, "h.%d.attn.c_proj.bias", i);
		SLOT(1, C, 0, &l->ln_2_g, "h.%d.ln_2.weight", i);
		SLOT(1, C, 0, &l->ln_2_b, "h.%d.ln_2.bias", i);
		SLOT(2, C, I, &l->fc_w, "h.%d.mlp.c_fc.weight", i);
		SLOT(1, I, 0, &l->fc_b, "h.%d.mlp.c_fc.bias", i);
		SLOT(2, I, C, &l->mproj_w, "h.%d.mlp.c_proj.weight", i);
		SLOT(1, C, 0, &l->mproj_b, "h.%d.mlp.c_proj.bias", i);
	}
	SLOT(1, C, 0, &m->ln_f_g, "ln_f.weight");
	SLOT(1, C, 0, &m->ln_f_b, "ln_f.bias");
#undef SLOT
	return n;
}

/* An lm_head.weight may be present if it is the same matrix as wte. */
static int
model_check_lm_head(struct gpt2 *m, char **cause)
{
	const struct st_tensor	*t = st_find(m->st, "lm_head.weight");
	const struct gpt2_config *c = &m->cfg;
	float			*row;
	size_t			 n = (size_t)c->n_vocab * c->n_embd, i;
	int			 same = 1;

	if (t == NULL)
		return 0;
	if (t->ndim != 2 || t->shape[0] != c->n_vocab ||
	    t->shape[1] != c->n_embd)
		return util_fail(cause, "%s: lm_head.weight does not have "
		    "wte's shape", st_path(m->st));
	if (t->dtype == ST_F32)
		same = memcmp(t->data, m->wte, n * sizeof (float)) == 0;
	else {
		row = xmalloc((size_t)c->n_embd * sizeof *row);
		for (i = 0; same && i < (size_t)c->n_vocab; i++) {
			const char *p = (const char *)t->data +
			    i * (size_t)c->n_embd * 2;
			if (t->dtype == ST_F16)
				ops_f16_to_f32(row, p, (size_t)c->n_embd);
			else if (t->dtype == ST_BF16)
				ops_bf16_to_f32(row, p, (size_t)c->n_embd);
			else
				same = 0;
			same = same && memcmp(row, m->wte + i * c->n_embd,
			    (size_t)c->n_embd * sizeof *row) == 0;
		}
		free(row);
	}
	if (!same)
		return util_fail(cause, "%s: lm_head.weight differs from "
		    "wte.weight; untied unembeddings are not supported",
		    st_path(m->st));
	return 0;
}

static int
model_bind_all(struct gpt2 *m, char **cause)
{
	struct model_slot	*slots;
	const char		*prefix = "";
	size_t			 n, i, conv = 0, off = 0;
	int			 rc = -1;

	if (st_find(m->st, "transformer.wte.weight") != NULL)
		prefix = "transformer.";
	m->layers = xcalloc((size_t)m->cfg.n_layer, sizeof *m->layers);
	slots = xcalloc(12 * (size_t)m->cfg.n_layer + 4, sizeof *slots);
	n = model_slots(m, slots);
	for (i = 0; i < n; i++)
		conv += model_conv_size(model_tensor(m, prefix, slots[i].name));
	/* Misaligned F32 tensors are copied too: count them. */
	for (i = 0; i < n; i++) {
		const struct st_tensor *t = model_tensor(m, prefix,
		    slots[i].name);
		if (t != NULL && t->dtype == ST_F32 &&
		    ((uintptr_t)t->data & 3) != 0)
			conv += (size_t)t->nelem;
	}
	if (conv != 0) {
		m->convlen = conv * sizeof (float);
		m->conv = xbigalloc(m->convlen);
	}
	for (i = 0; i < n; i++) {
		if (model_bind(m, prefix, slots[i].name, slots[i].ndim,
		    slots[i].d0, slots[i].d1, slots[i].out, &off, cause) != 0)
			goto out;
	}
	rc = model_check_lm_head(m, cause);
out:
	free(slots);
	return rc;
}

struct gpt2 *
gpt2_load(const char *dir, char **cause)
{
	struct gpt2	*m;
	char		*path;
	int		 rc;

	m = xcalloc(1, sizeof *m);
	m->dir = xstrdup(dir);
	path = util_path(dir, "config.json");
	rc = model_read_config(m, path, cause);
	free(path);
	if (rc != 0)
		goto fail;
	path = util_path(dir, "model.safetensors");
	m->st = st_open(path, cause);
	free(path);
	if (m->st == NULL || model_bind_all(m, cause) != 0)
		goto fail;
	return m;
fail:
	gpt2_free(m);
	return NULL;
}

void
gpt2_free(struct gpt2 *m)
{
	if (m == NULL)
		return;
	pack_close(m->pack);
	free(m->wp);
	st_close(m->st);
	xbigfree(m->conv, m->convlen);
	free(m->layers);
	free(m->dir);
	free(m);
}

const struct gpt2_config *
gpt2_config(const struct gpt2 *m)
{
	return &m->cfg;
}

const char *
gpt2_dir(const struct gpt2 *m)
{
	return m->dir;
}

const float *
gpt2_wte(const struct gpt2 *m)
{
	return m->wte;
}

const float *
gpt2_lnf_g(const struct gpt2 *m)
{
	return m->ln_f_g;
}

const float *
gpt2_lnf_b(const struct gpt2 *m)
{
	return m->ln_f_b;
}

void
gpt2_block_weights(const struct gpt2 *m, int l, struct gpt2_block *b)
{
	const struct gpt2_layer	*w = &m->layers[l];

	assert(l >= 0 && l < m->cfg.n_layer);
	b->ln_1_g = w->ln_1_g;
	b->ln_1_b = w->ln_1_b;
	b->attn_w = w->attn_w;
	b->attn_b = w->attn_b;
	b->aproj_w = w->aproj_w;
	b->aproj_b = w->aproj_b;
	b->ln_2_g = w->ln_2_g;
	b->ln_2_b = w->ln_2_b;
	b->fc_w = w->fc_w;
	b->fc_b = w->fc_b;
	b->mproj_w = w->mproj_w;
	b->mproj_b = w->mproj_b;
	b->attn_scale = 1.0f / sqrtf((float)(m->cfg.n_embd / m->cfg.n_head));
	if (m->attn_scale_layer)
		b->attn_scale /= (float)(l + 1);
}

const float *
gpt2_wpe(const struct gpt2 *m)
{
	return m->wpe;
}

/* State. */

struct gpt2_state *
gpt2_state_new(const struct gpt2 *m)
{
	const struct gpt2_config	*c = &m->cfg;
	struct gpt2_state		*s;
	size_t				 N = (size_t)c->n_ctx, C = c->n_embd;
	size_t				 sizes[7], i, P;
	char				*p;

	s = xcalloc(1, sizeof *s);
	s->m = m;
	s->chunk = N < MODEL_CHUNK ? (int)N : MODEL_CHUNK;
	P = (size_t)s->chunk;
	sizes[0] = (2 * (size_t)c->n_layer + 1) * N * C;	/* resid */
	sizes[1] = (size_t)c->n_layer * 2 * N * C;		/* kv */
	sizes[2] = P * C;					/* ln */
	sizes[3] = P * 3 * C;					/* qkv */
	sizes[4] = P * C;					/* atty */
	sizes[5] = P * (size_t)c->n_inner;			/* fc */
	sizes[6] = P * C;					/* mid */
	for (i = 0; i < nitems(sizes); i++) {
		sizes[i] = (sizes[i] * sizeof (float) + 63) & ~(size_t)63;
		s->bytes += sizes[i];
	}
	/* One mapping: pages are only touched as positions are used. */
	p = xbigalloc(s->bytes);
	s->resid = (float *)p;
	s->kv = (float *)(p += sizes[0]);
	s->ln = (float *)(p += sizes[1]);
	s->qkv = (float *)(p += sizes[2]);
	s->atty = (float *)(p += sizes[3]);
	s->fc = (float *)(p += sizes[4]);
	s->mid = (float *)(p += sizes[5]);
	s->badpos = xcalloc((size_t)GPT2_NROWS(c), sizeof *s->badpos);
	for (i = 0; i < (size_t)GPT2_NROWS(c); i++)
		s->badpos[i] = INT_MAX;
	s->ids = xcalloc(N, sizeof *s->ids);
	s->nonfinite = -1;
	return s;
}

void
gpt2_state_free(struct gpt2_state *s)
{
	if (s == NULL)
		return;
	xbigfree(s->resid, s->bytes);
	free(s->badpos);
	free(s->ids);
	free(s);
}

void
gpt2_state_reset(struct gpt2_state *s)
{
	s->len = 0;
}

int
gpt2_state_len(const struct gpt2_state *s)
{
	return s->len;
}

const int *
gpt2_state_ids(const struct gpt2_state *s)
{
	return s->ids;
}

void
gpt2_state_chunk(struct gpt2_state *s, int chunk)
{
	assert(chunk >= 1);
	if (chunk < s->chunk)
		s->chunk = chunk;
}

void
gpt2_state_keep_sublayers(struct gpt2_state *s)
{
	if (!s->sublayers) {
		s->sublayers = 1;
		s->len = 0;	/* the cached positions have none */
	}
}

int
gpt2_state_sublayers(const struct gpt2_state *s)
{
	return s->sublayers;
}

const float *
gpt2_resid(const struct gpt2_state *s, int row)
{
	const struct gpt2_config	*c = &s->m->cfg;

	assert(row % 2 == 0 || s->sublayers);
	return s->resid + (size_t)row * c->n_ctx * c->n_embd;
}

int
gpt2_state_nonfinite(const struct gpt2_state *s)
{
	return s->nonfinite;
}

static float *
state_row(struct gpt2_state *s, int row, int t)
{
	const struct gpt2_config	*c = &s->m->cfg;

	return s->resid + ((size_t)row * c->n_ctx + t) * c->n_embd;
}

/* Notes in badpos[row] the first of positions [t0, T) of x with NaN/Inf. */
static void
model_scan(struct gpt2_state *s, int row, const float *x, int t0, int T)
{
	const int	C = s->m->cfg.n_embd;
	int		t, i;

	for (t = t0; t < T && t < s->badpos[row]; t++) {
		for (i = 0; i < C; i++) {
			if (!isfinite(x[(size_t)(t - t0) * C + i])) {
				s->badpos[row] = t;
				return;
			}
		}
	}
}

void
gpt2_block_mm(const struct gpt2 *m, int l, enum gpt2_mm i, float *out,
    const float *inp, int T)
{
	const struct gpt2_layer	*w = &m->layers[l];
	const int		 C = m->cfg.n_embd, I = m->cfg.n_inner;
	/* By enum gpt2_mm: the weights, the bias, C and OC. */
	const float		*ws[4] = { w->attn_w, w->aproj_w, w->fc_w,
				    w->mproj_w };
	const float		*bs[4] = { w->attn_b, w->aproj_b, w->fc_b,
				    w->mproj_b };
	const int		 cs[4] = { C, C, C, I };
	const int		 ocs[4] = { 3 * C, C, I, C };

	if (m->wp != NULL && T <= m->pack_tmax)
		ops_matmul_packed(out, inp, m->wp[4 * l + i], bs[i], T, cs[i],
		    ocs[i]);
	else
		ops_matmul(out, inp, ws[i], bs[i], T, cs[i], ocs[i]);
}

/*
 * Drops the mapped pages of the weights w (the file's own, not a converted
 * copy): the packed file stands in for them, and only one copy is resident.
 */
static void
model_unload(const struct gpt2 *m, const float *w)
{
	const struct st_tensor	*t;
	size_t			 i;

	for (i = 0; i < st_count(m->st); i++) {
		t = st_tensor(m->st, i);
		if ((const void *)t->data == (const void *)w) {
			st_unload(m->st, t);
			return;
		}
	}
}

int
gpt2_pack(struct gpt2 *m, int tmax, int unembed, char **cause)
{
	const struct gpt2_config	*c = &m->cfg;
	const struct gpt2_layer		*w;
	const float			**ws, **wp;
	int				*C, *OC, *nt, l, rc = 0;
	int				 n = 4 * c->n_layer + (unembed != 0);

	m->pack_tmax = 0;
	if (tmax < 1 || m->wp != NULL) {
		m->pack_tmax = m->wp != NULL ? tmax : 0;
		return 0;
	}
	if (!ops_packed_supported())
		return util_fail(cause, "no packed kernel for this CPU");
	ws = xcalloc((size_t)n, sizeof *ws);
	wp = xcalloc((size_t)n, sizeof *wp);
	C = xcalloc((size_t)n, sizeof *C);
	OC = xcalloc((size_t)n, sizeof *OC);
	nt = xcalloc((size_t)n, sizeof *nt);
	for (l = 0; l < c->n_layer; l++) {
		w = &m->layers[l];
		ws[4 * l] = w->attn_w;
		ws[4 * l + 1] = w->aproj_w;
		ws[4 * l + 2] = w->fc_w;
		ws[4 * l + 3] = w->mproj_w;
		C[4 * l] = C[4 * l + 1] = C[4 * l + 2] = c->n_embd;
		C[4 * l + 3] = OC[4 * l + 2] = c->n_inner;
		OC[4 * l] = 3 * c->n_embd;
		OC[4 * l + 1] = OC[4 * l + 3] = c->n_embd;
	}
	if (unembed) {
		ws[n - 1] = m->wte;
		C[n - 1] = c->n_embd;
		OC[n - 1] = c->n_vocab;
		nt[n - 1] = 1;
	}
	/* Before too: the loader brought them in, and the file may serve. */
	for (l = 0; l < n && tmax == INT_MAX; l++)
		model_unload(m, ws[l]);
	if ((m->pack = pack_open(st_path(m->st), n, ws, C, OC, nt, wp,
	    cause)) == NULL) {
		free(wp);
		rc = -1;
	} else {
		m->wp = wp;
		m->wtep = unembed ? wp[n - 1] : NULL;
		m->pack_tmax = tmax;
		for (l = 0; l < n && tmax == INT_MAX; l++)
			model_unload(m, ws[l]);
	}
	free(ws);
	free(C);
	free(OC);
	free(nt);
	return rc;
}

void
gpt2_unembed(const struct gpt2 *m, float *out, const float *x, int n)
{
	if (m->wtep != NULL)
		ops_matmul_packed(out, x, m->wtep, NULL, n, m->cfg.n_embd,
		    m->cfg.n_vocab);
	else
		ops_matmul_nt(out, x, m->wte, n, m->cfg.n_embd,
		    m->cfg.n_vocab);
}

void
gpt2_wte_row(const struct gpt2 *m, int id, float *out)
{
	const int	C = m->cfg.n_embd;
	const float	*p;
	int		 k;

	if (m->wtep == NULL) {
		memcpy(out, m->wte + (size_t)id * C, (size_t)C * sizeof *out);
		return;
	}
	/* Panel id / OPS_PACK_W, column id % OPS_PACK_W of each k. */
	p = m->wtep + (size_t)(id / OPS_PACK_W) * C * OPS_PACK_W +
	    id % OPS_PACK_W;
	for (k = 0; k < C; k++)
		out[k] = p[(size_t)k * OPS_PACK_W];
}

int
gpt2_unembed_packed(const struct gpt2 *m)
{
	return m->wtep != NULL;
}

/*
 * One transformer block over positions [t0, T), rows 2l -> 2l+1 -> 2l+2:
 * the queries of [t0, T) attend to the keys and values of [0, T), which
 * earlier passes left in the cache.
 */
static void
model_block_pass(struct gpt2_state *s, int l, int t0, int T)
{
	const struct gpt2		*m = s->m;
	const struct gpt2_config	*c = &m->cfg;
	const struct gpt2_layer		*w = &m->layers[l];
	int				 C = c->n_embd, nq = T - t0, t;
	size_t				 N = (size_t)c->n_ctx;
	float				*in = state_row(s, 2 * l, t0);
	float				*mid = s->sublayers ?
					    state_row(s, 2 * l + 1, t0) : s->mid;
	float				*out = state_row(s, 2 * l + 2, t0);
	float				*k = s->kv + (size_t)l * 2 * N * C;
	float				*v = k + N * C, scale;

	/* Attention: ln_1, qkv (nq, 3C), keys/values cached per position. */
	ops_layernorm(s->ln, in, w->ln_1_g, w->ln_1_b, nq, C, c->eps);
	gpt2_block_mm(m, l, GPT2_MM_QKV, s->qkv, s->ln, nq);
	for (t = 0; t < nq; t++) {
		memcpy(k + (size_t)(t0 + t) * C, s->qkv + (size_t)t * 3 * C + C,
		    (size_t)C * sizeof *k);
		memcpy(v + (size_t)(t0 + t) * C, s->qkv + (size_t)t * 3 * C +
		    2 * C, (size_t)C * sizeof *v);
	}
	scale = 1.0f / sqrtf((float)(C / c->n_head));
	if (m->attn_scale_layer)
		scale /= (float)(l + 1);
	ops_attention(s->atty, s->qkv, 3 * C, k, v, C, t0, T, C, c->n_head,
	    scale);
	/* mid (nq, C) = in + atty @ c_proj */
	gpt2_block_mm(m, l, GPT2_MM_APROJ, mid, s->atty, nq);
	ops_add(mid, in, (size_t)nq * C);
	/* MLP: out = mid + gelu(ln_2(mid) @ c_fc) @ c_proj */
	ops_layernorm(s->ln, mid, w->ln_2_g, w->ln_2_b, nq, C, c->eps);
	gpt2_block_mm(m, l, GPT2_MM_FC, s->fc, s->ln, nq);
	ops_gelu(s->fc, (size_t)nq * c->n_inner);
	gpt2_block_mm(m, l, GPT2_MM_MPROJ, out, s->fc, nq);
	ops_add(out, mid, (size_t)nq * C);
	model_scan(s, 2 * l + 1, mid, t0, T);
	model_scan(s, 2 * l + 2, out, t0, T);
}

static void
model_block(struct gpt2_state *s, int l, int t0, int T)
{
	int	p;

	for (p = t0; p < T; p += s->chunk)
		model_block_pass(s, l, p, T - p < s->chunk ? T : p + s->chunk);
}

/* The first residual row holding NaN or Inf over positions [0, T). */
static int
model_nonfinite(const struct gpt2_state *s, int T)
{
	int	r;

	for (r = 0; r < GPT2_NROWS(&s->m->cfg); r++) {
		if (s->badpos[r] < T)
			return r;
	}
	return -1;
}

int
gpt2_forward(struct gpt2_state *s, const int *ids, int T,
    const atomic_int *cancel, gpt2_progress_cb *progress, void *arg)
{
	const struct gpt2		*m = s->m;
	const struct gpt2_config	*c = &m->cfg;
	int				 t0, t, l, C = c->n_embd;
	float				*x;

	assert(T >= 1 && T <= c->n_ctx);
	for (t0 = 0; t0 < T && t0 < s->len && ids[t0] == s->ids[t0]; t0++)
		/* nothing */;
	if (t0 == T) {
		/* Shrinking may have dropped the positions that were bad. */
		s->nonfinite = model_nonfinite(s, T);
		s->len = T;
		return T;
	}
	s->len = t0;
	/* Positions from t0 on are recomputed, and scanned again. */
	for (l = 0; l < GPT2_NROWS(c); l++) {
		if (s->badpos[l] >= t0)
			s->badpos[l] = INT_MAX;
	}
	/* Embeddings: wte[id] + wpe[pos]. */
	for (t = t0; t < T; t++) {
		assert(ids[t] >= 0 && ids[t] < c->n_vocab);
		s->ids[t] = ids[t];
		x = state_row(s, 0, t);
		gpt2_wte_row(m, ids[t], x);
		ops_add(x, m->wpe + (size_t)t * C, (size_t)C);
	}
	model_scan(s, 0, state_row(s, 0, t0), t0, T);
	for (l = 0; l < c->n_layer; l++) {
		if (cancel != NULL && atomic_load(cancel))
			return -1;
		model_block(s, l, t0, T);
		if (progress != NULL)
			progress(arg, l + 1, c->n_layer);
	}
	s->len = T;
	s->nonfinite = model_nonfinite(s, T);
	return t0;
}
