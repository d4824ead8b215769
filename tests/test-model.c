/*
 * test-model.c: the GPT-2 loader on model directories built here from the
 * tiny-gpt2 fixture, and the forward pass's incremental behaviour.
 *
 * Every accepted variant (the hub's layout without "transformer." and with
 * its attn.bias/masked_bias buffers, a config with n_ctx only, an lm_head
 * equal to wte, a misaligned F32 file, BF16 and F16 files) must give the
 * same residuals as the model it stands for, bit for bit. Every rejected
 * one must say exactly which file is wrong and how. Then: what a forward
 * pass recomputes after an edit, cancelling, and NaN weights.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <unistd.h>

#include "harness.h"
#include "model.h"
#include "ops.h"
#include "st.h"
#include "util.h"

#define MAX_VARIANTS	64

/* A tensor to write: data is borrowed unless owned is set. */
struct wt {
	char		*name;
	const char	*dtype;
	int		 ndim;
	int64_t		 shape[4];
	const void	*data;
	size_t		 nbytes;
	int		 owned;
};

/* A model directory to write: its config and its tensors. */
struct variant {
	json_t		*config;
	struct wt	*t;
	size_t		 n;
};

static char	*g_tmp;			/* the temporary directory */
static char	*g_dirs[MAX_VARIANTS];
static int	 g_ndirs;

static const int g_ids[] = { 0, 25082, 10955, 284, 921, 11, 3772, 50256 };
#define NIDS	((int)nitems(g_ids))

/* Variants: building and writing. */

static struct wt *
v_add(struct variant *v, const char *name, const char *dtype, int ndim,
    const int64_t *shape, const void *data, size_t nbytes, int owned)
{
	struct wt	*t;
	int		 i;

	v->t = xreallocarray(v->t, v->n + 1, sizeof *v->t);
	t = &v->t[v->n++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	t->dtype = dtype;
	t->ndim = ndim;
	for (i = 0; i < ndim; i++)
		t->shape[i] = shape[i];
	t->data = data;
	t->nbytes = nbytes;
	t->owned = owned;
	return t;
}

static struct wt *
v_find(struct variant *v, const char *name)
{
	size_t	i;

	for (i = 0; i < v->n; i++) {
		if (strcmp(v->t[i].name, name) == 0)
			return &v->t[i];
	}
	HARD("no tensor '%s' in the variant", name);
}

static void
v_set_data(struct wt *t, void *data, size_t nbytes)
{
	if (t->owned)
		free((void *)(uintptr_t)t->data);
	t->data = data;
	t->nbytes = nbytes;
	t->owned = 1;
}

static void
v_remove(struct variant *v, const char *name)
{
	struct wt	*t = v_find(v, name);

	if (t->owned)
		free((void *)(uintptr_t)t->data);
	free(t->name);
	memmove(t, t + 1, (size_t)(v->t + v->n - (t + 1)) * sizeof *t);
	v->n--;
}

static void
v_free(struct variant *v)
{
	size_t	i;

	for (i = 0; i < v->n; i++) {
		if (v->t[i].owned)
			free((void *)(uintptr_t)v->t[i].data);
		free(v->t[i].name);
	}
	free(v->t);
	json_decref(v->config);
	memset(v, 0, sizeof *v);
}

/* A copy of the fixture: its config and its tensors, data borrowed. */
static void
v_from(struct variant *v, const struct st_file *sf, json_t *config,
    const char *strip)
{
	const struct st_tensor	*t;
	const char		*name;
	size_t			 i;

	memset(v, 0, sizeof *v);
	v->config = json_deep_copy(config);
	for (i = 0; i < st_count(sf); i++) {
		t = st_tensor(sf, i);
		name = t->name;
		if (strip != NULL && strncmp(name, strip, strlen(strip)) == 0)
			name += strlen(strip);
		v_add(v, name, st_dtype_name(t->dtype), t->ndim, t->shape,
		    t->data, t->nbytes, 0);
	}
}

static void
v_config_int(struct variant *v, const char *key, json_int_t value)
{
	json_object_set_new(v->config, key, json_integer(value));
}

static void
v_config_str(struct variant *v, const char *key, const char *value)
{
	json_object_set_new(v->config, key, json_string(value));
}

/*
 * Writes model.safetensors: the header is padded with spaces so that the
 * data starts at an offset of (8k + align) bytes.
 */
static void
write_st(const char *path, const struct variant *v, int align)
{
	FILE		*f;
	char		*hdr, *p, shape[128];
	size_t		 len = 0, size = 64, off = 0, i, n, pad;
	unsigned char	 lenb[8];
	int		 k;

	hdr = xmalloc(size);
	len = (size_t)snprintf(hdr, size, "{\"__metadata__\": {\"format\": "
	    "\"pt\"}");
	for (i = 0; i < v->n; i++) {
		n = 0;
		shape[0] = '\0';
		for (k = 0; k < v->t[i].ndim; k++)
			n += (size_t)snprintf(shape + n, sizeof shape - n,
			    "%s%lld", k ? ", " : "",
			    (long long)v->t[i].shape[k]);
		p = xasprintf(", \"%s\": {\"dtype\": \"%s\", \"shape\": [%s], "
		    "\"data_offsets\": [%zu, %zu]}", v->t[i].name,
		    v->t[i].dtype, shape, off, off + v->t[i].nbytes);
		off += v->t[i].nbytes;
		hdr = xreallocarray(hdr, len + strlen(p) + 16, 1);
		memcpy(hdr + len, p, strlen(p) + 1);
		len += strlen(p);
		free(p);
	}
	pad = (size_t)((8 + align - (int)((8 + len + 1) % 8)) % 8);
	hdr = xreallocarray(hdr, len + pad + 2, 1);
	hdr[len++] = '}';
	memset(hdr + len, ' ', pad);
	len += pad;
	for (k = 0; k < 8; k++)
		lenb[k] = (unsigned char)((uint64_t)len >> (8 * k));
	if ((f = fopen(path, "wb")) == NULL)
		HARD("%s: %s", path, strerror(errno));
	if (fwrite(lenb, 1, 8, f) != 8 || fwrite(hdr, 1, len, f) != len)
		HARD("%s: cannot write", path);
	for (i = 0; i < v->n; i++) {
		if (v->t[i].nbytes != 0 && fwrite(v->t[i].data, 1,
		    v->t[i].nbytes, f) != v->t[i].nbytes)
			HARD("%s: cannot write", path);
	}
	if (fclose(f) != 0)
		HARD("%s: cannot write", path);
	free(hdr);
}

static void
write_text(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) != 0)
		HARD("%s: cannot write", path);
}

/* A new directory under the temporary one; removed at the end. */
static char *
new_dir(const char *name)
{
	char	*dir;

	if (g_ndirs == MAX_VARIANTS)
		HARD("too many variants");
	dir = util_path(g_tmp, name);
	if (mkdir(dir, 0700) != 0)
		HARD("mkdir %s: %s", dir, strerror(errno));
	g_dirs[g_ndirs++] = dir;
	return dir;
}

/* Writes the variant (config, weights, or both) into a new directory. */
static const char *
write_variant(const char *name, const struct variant *v, int align)
{
	char	*dir = new_dir(name), *path;

	if (v->config != NULL) {
		path = util_path(dir, "config.json");
		if (json_dump_file(v->config, path, JSON_INDENT(2)) != 0)
			HARD("%s: cannot write", path);
		free(path);
	}
	if (v->t != NULL) {
		path = util_path(dir, "model.safetensors");
		write_st(path, v, align);
		free(path);
	}
	return dir;
}

static void
cleanup(void)
{
	static const char *const files[] = { "config.json",
	    "model.safetensors" };
	char	*path;
	size_t	 j;
	int	 i;

	for (i = 0; i < g_ndirs; i++) {
		for (j = 0; j < nitems(files); j++) {
			path = util_path(g_dirs[i], files[j]);
			unlink(path);
			free(path);
		}
		if (rmdir(g_dirs[i]) != 0)
			fprintf(stderr, "rmdir %s: %s\n", g_dirs[i],
			    strerror(errno));
		free(g_dirs[i]);
	}
	if (g_tmp != NULL && rmdir(g_tmp) != 0)
		fprintf(stderr, "rmdir %s: %s\n", g_tmp, strerror(errno));
}

/* Running models. */

/* All 2L+1 residual rows of a run on ids, copied: (2L+1, T, C). */
static float *
run_rows(struct gpt2_state *s, const struct gpt2_config *c, const int *ids,
    int T)
{
	size_t	 row = (size_t)T * c->n_embd;
	float	*out = xcalloc((size_t)GPT2_NROWS(c) * row, sizeof *out);
	int	 r;

	gpt2_state_reset(s);
	if (gpt2_forward(s, ids, T, NULL, NULL, NULL) != 0)
		HARD("forward after reset did not start at 0");
	for (r = 0; r < GPT2_NROWS(c); r++)
		memcpy(out + r * row, gpt2_resid(s, r), row * sizeof *out);
	return out;
}

static float *
run_model(const struct gpt2 *m, const int *ids, int T)
{
	struct gpt2_state	*s = gpt2_state_new(m);
	float			*out;

	gpt2_state_keep_sublayers(s);
	out = run_rows(s, gpt2_config(m), ids, T);

	gpt2_state_free(s);
	return out;
}

/* The reference runs: the fixture itself on g_ids and on n_ctx ids. */
struct ref {
	struct gpt2_config	 cfg;
	int			 long_ids[1024];
	int			 T_long;
	float			*rows;		/* on g_ids */
	float			*rows_long;	/* on long_ids */
};

static size_t
rows_size(const struct gpt2_config *c, int T)
{
	return (size_t)GPT2_NROWS(c) * T * c->n_embd * sizeof (float);
}

/* First differing float, for the message. */
static void
report_diff(const char *name, const float *a, const float *b, size_t n,
    const struct gpt2_config *c, int T)
{
	size_t	i, per = (size_t)T * c->n_embd;

	for (i = 0; i < n; i++) {
		if (memcmp(&a[i], &b[i], sizeof *a) != 0) {
			fprintf(stderr, "  %s: row %zu pos %zu ch %zu: %.9g, "
			    "expected %.9g\n", name, i / per, i % per /
			    c->n_embd, i % c->n_embd, (double)a[i],
			    (double)b[i]);
			return;
		}
	}
}

/* Loads dir; its residuals must equal want's bit for bit. */
static void
expect_same(const char *name, const char *dir, const struct ref *ref,
    const float *want, const float *want_long)
{
	const struct gpt2_config	*c;
	struct gpt2			*m;
	char				*cause = NULL;
	float				*got;

	m = gpt2_load(dir, &cause);
	CHECK(m != NULL, "%s: refused: %s", name, cause ? cause : "");
	free(cause);
	if (m == NULL)
		return;
	c = gpt2_config(m);
	CHECK(memcmp(c, &ref->cfg, sizeof *c) == 0, "%s: config differs "
	    "(n_ctx %d, n_vocab %d)", name, c->n_ctx, c->n_vocab);
	CHECK(strcmp(gpt2_dir(m), dir) == 0, "%s: gpt2_dir '%s'", name,
	    gpt2_dir(m));
	got = run_model(m, g_ids, NIDS);
	CHECK(memcmp(got, want, rows_size(c, NIDS)) == 0, "%s: residuals "
	    "differ", name);
	if (memcmp(got, want, rows_size(c, NIDS)) != 0)
		report_diff(name, got, want, rows_size(c, NIDS) / sizeof *got,
		    c, NIDS);
	free(got);
	if (want_long != NULL) {
		got = run_model(m, ref->long_ids, ref->T_long);
		CHECK(memcmp(got, want_long, rows_size(c, ref->T_long)) == 0,
		    "%s: residuals over n_ctx positions differ", name);
		free(got);
	}
	gpt2_free(m);
}

/* Loading dir must fail with exactly dir/file: problem. */
static void
expect_refused(const char *name, const char *dir, const char *file,
    const char *problem)
{
	struct gpt2	*m;
	char		*cause = NULL, *path, *want;

	path = util_path(dir, file);
	want = xasprintf("%s%s", path, problem);
	m = gpt2_load(dir, &cause);
	CHECK(m == NULL && cause != NULL && strcmp(cause, want) == 0,
	    "%s:\n    got      '%s'\n    expected '%s'", name, m != NULL ?
	    "(accepted)" : cause ? cause : "(no message)", want);
	gpt2_free(m);
	free(cause);
	free(want);
	free(path);
}

/* Rounding to 16 bits, written here from the definitions. */

static uint32_t
f32_bits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof u);
	return u;
}

/* To bfloat16, round to nearest even (the weights hold no NaN). */
static uint16_t
to_bf16(float f)
{
	uint32_t	u = f32_bits(f);

	return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

static float
from_bf16(uint16_t h)
{
	uint32_t	u = (uint32_t)h << 16;
	float		f;

	memcpy(&f, &u, sizeof f);
	return f;
}

/* To IEEE half, round to nearest even; overflow to infinity. */
static uint16_t
to_f16(float f)
{
	uint32_t	u = f32_bits(f), mant = u & 0x7fffff, rem, halfway;
	uint16_t	sign = (uint16_t)((u >> 16) & 0x8000), h;
	int		e = (int)((u >> 23) & 0xff) - 127 + 15, shift;

	if (e >= 0x1f)
		return sign | 0x7c00;
	if (e <= 0) {				/* subnormal or zero */
		if (e < -10)
			return sign;
		mant |= 0x800000;
		shift = 14 - e;
		h = (uint16_t)(mant >> shift);
		rem = mant & ((1u << shift) - 1);
		halfway = 1u << (shift - 1);
	} else {
		h = (uint16_t)((unsigned)e << 10 | mant >> 13);
		rem = mant & 0x1fff;
		halfway = 0x1000;
	}
	if (rem > halfway || (rem == halfway && (h & 1)))
		h++;
	return sign | h;
}

static float
from_f16(uint16_t h)
{
	int	e = (h >> 10) & 0x1f, m = h & 0x3ff;
	double	v;

	if (e == 0x1f)
		v = m ? NAN : INFINITY;
	else if (e == 0)
		v = ldexp(m, -24);
	else
		v = ldexp(1024 + m, e - 25);
	return (float)((h & 0x8000) ? -v : v);
}

/*
 * Rounds every F32 weight to 16 bits: into rounded (F32 holding the
 * rounded values) and half (the 16-bit dtype itself).
 */
static void
round_variant(struct variant *rounded, struct variant *half, int bf16)
{
	const float	*src;
	uint16_t	*h;
	float		*f;
	size_t		 i, j, n;

	for (i = 0; i < rounded->n; i++) {
		if (strcmp(rounded->t[i].dtype, "F32") != 0)
			HARD("fixture tensor %s is not F32",
			    rounded->t[i].name);
		n = rounded->t[i].nbytes / 4;
		src = rounded->t[i].data;
		f = xcalloc(n + 1, sizeof *f);
		h = xcalloc(n + 1, sizeof *h);
		for (j = 0; j < n; j++) {
			memcpy(&f[j], (const char *)src + 4 * j, 4);
			h[j] = bf16 ? to_bf16(f[j]) : to_f16(f[j]);
			f[j] = bf16 ? from_bf16(h[j]) : from_f16(h[j]);
		}
		v_set_data(&rounded->t[i], f, n * sizeof *f);
		v_set_data(&half->t[i], h, n * sizeof *h);
		half->t[i].dtype = bf16 ? "BF16" : "F16";
	}
}

/* The accepted variants. */

static void
test_accepted(const struct st_file *sf, json_t *config, const struct ref *ref)
{
	static const float	 masked_bias = -1e4f;
	struct variant		 v, half;
	const struct st_tensor	*wte;
	int64_t			 shape[4];
	float			*mask, *rounded_rows;
	struct gpt2		*m;
	char			*cause = NULL;
	const char		*dir, *dir2;
	int			 l, i, j, C = ref->cfg.n_embd;

	wte = st_find(sf, "transformer.wte.weight");
	/* The fixture rewritten by this test's writer. */
	v_from(&v, sf, config, NULL);
	expect_same("rewritten", write_variant("rewritten", &v, 0), ref,
	    ref->rows, ref->rows_long);

	/* (e) Misaligned F32: the data starts at 8k+1 and 8k+2. */
	expect_same("misaligned+1", write_variant("misaligned1", &v, 1), ref,
	    ref->rows, ref->rows_long);
	expect_same("misaligned+2", write_variant("misaligned2", &v, 2), ref,
	    ref->rows, NULL);

	/* (d) lm_head.weight: the same as wte, then one value off. */
	v_add(&v, "lm_head.weight", "F32", 2, wte->shape, wte->data,
	    wte->nbytes, 0);
	expect_same("lm_head = wte", write_variant("lm_head", &v, 0), ref,
	    ref->rows, NULL);
	expect_same("lm_head = wte, misaligned", write_variant("lm_head3", &v,
	    3), ref, ref->rows, NULL);
	mask = xmalloc(wte->nbytes);
	memcpy(mask, wte->data, wte->nbytes);
	mask[12345 * C + 7] += 1.0f;
	v_set_data(v_find(&v, "lm_head.weight"), mask, wte->nbytes);
	expect_refused("lm_head != wte", write_variant("lm_head_diff", &v, 0),
	    "model.safetensors", ": lm_head.weight differs from wte.weight; "
	    "untied unembeddings are not supported");
	shape[0] = ref->cfg.n_vocab - 1;
	shape[1] = C;
	v_remove(&v, "lm_head.weight");
	v_add(&v, "lm_head.weight", "F32", 2, shape, wte->data,
	    (size_t)shape[0] * C * sizeof (float), 0);
	expect_refused("lm_head shape", write_variant("lm_head_shape", &v, 0),
	    "model.safetensors", ": lm_head.weight does not have wte's shape");
	v_free(&v);

	/* (a) The hub's layout: no prefix, mask buffers, n_ctx too. */
	v_from(&v, sf, config, "transformer.");
	mask = xcalloc((size_t)ref->cfg.n_ctx * ref->cfg.n_ctx, sizeof *mask);
	for (i = 0; i < ref->cfg.n_ctx; i++) {
		for (j = 0; j <= i; j++)
			mask[i * ref->cfg.n_ctx + j] = 1.0f;
	}
	shape[0] = shape[1] = 1;
	shape[2] = shape[3] = ref->cfg.n_ctx;
	for (l = 0; l < ref->cfg.n_layer; l++) {
		char	name[64];

		snprintf(name, sizeof name, "h.%d.attn.bias", l);
		v_add(&v, name, "F32", 4, shape, mask, (size_t)ref->cfg.n_ctx *
		    ref->cfg.n_ctx * sizeof *mask, 0);
		snprintf(name, sizeof name, "h.%d.attn.masked_bias", l);
		v_add(&v, name, "F32", 0, shape, &masked_bias,
		    sizeof masked_bias, 0);
	}
	v_config_int(&v, "n_ctx", ref->cfg.n_ctx);
	expect_same("hub layout", write_variant("hub", &v, 0), ref, ref->rows,
	    ref->rows_long);

	/* (b) n_ctx without n_positions. */
	json_object_del(v.config, "n_positions");
	expect_same("n_ctx only", write_variant("n_ctx", &v, 0), ref,
	    ref->rows, ref->rows_long);
	json_object_del(v.config, "n_ctx");
	expect_refused("neither n_positions nor n_ctx", write_variant(
	    "no_ctx", &v, 0), "config.json", ": missing key 'n_ctx'");
	v_free(&v);
	free(mask);

	/* (c) BF16 and F16: the same values as F32 and as 16-bit weights. */
	for (i = 0; i < 2; i++) {
		const char *what = i == 0 ? "BF16" : "F16";
		char	    name[64];

		v_from(&v, sf, config, NULL);
		v_from(&half, sf, config, "transformer.");
		round_variant(&v, &half, i == 0);
		snprintf(name, sizeof name, "rounded-%s", what);
		dir = write_variant(name, &v, 0);
		m = gpt2_load(dir, &cause);
		CHECK(m != NULL, "%s: refused: %s", name, cause ? cause : "");
		free(cause);
		cause = NULL;
		if (m == NULL) {
			v_free(&v);
			v_free(&half);
			continue;
		}
		rounded_rows = run_model(m, g_ids, NIDS);
		gpt2_free(m);
		/* Rounding changed the numbers, but not by much. */
		CHECK(memcmp(rounded_rows, ref->rows, rows_size(&ref->cfg,
		    NIDS)) != 0, "%s: rounding changed nothing", name);
		CHECK(fabsf(rounded_rows[NIDS * C] - ref->rows[NIDS * C]) <
		    0.1f, "%s: rounding changed too much", name);
		snprintf(name, sizeof name, "%s", what);
		dir2 = write_variant(name, &half, 0);
		expect_same(name, dir2, ref, rounded_rows, NULL);
		snprintf(name, sizeof name, "%s-odd", what);
		expect_same(name, write_variant(name, &half, 1), ref,
		    rounded_rows, NULL);
		/* A tied lm_head in the same dtype. */
		v_add(&half, "lm_head.weight", half.t[v_find(&half,
		    "wte.weight") - half.t].dtype, 2, wte->shape,
		    v_find(&half, "wte.weight")->data,
		    v_find(&half, "wte.weight")->nbytes, 0);
		snprintf(name, sizeof name, "%s-lm_head", what);
		expect_same(name, write_variant(name, &half, 0), ref,
		    rounded_rows, NULL);
		/* One 16-bit value off. */
		{
			struct wt	*t = v_find(&half, "lm_head.weight");
			uint16_t	*h = xmalloc(t->nbytes);

			memcpy(h, t->data, t->nbytes);
			h[50256 * C + 31] ^= 1;
			v_set_data(t, h, t->nbytes);
		}
		snprintf(name, sizeof name, "%s-lm_head-diff", what);
		expect_refused(name, write_variant(name, &half, 0),
		    "model.safetensors", ": lm_head.weight differs from "
		    "wte.weight; untied unembeddings are not supported");
		free(rounded_rows);
		v_free(&v);
		v_free(&half);
	}
}

/* The rejected variants. */

static void
test_refused_config(const struct st_file *sf, json_t *config)
{
	static const struct {
		const char	*name, *key, *str;
		json_int_t	 val;
		const char	*problem;
	} cases[] = {
		{ "no n_layer", "n_layer", NULL, -1,
		    ": missing key 'n_layer'" },
		{ "no n_head", "n_head", NULL, -1, ": missing key 'n_head'" },
		{ "no vocab_size", "vocab_size", NULL, -1,
		    ": missing key 'vocab_size'" },
		{ "n_layer string", "n_layer", "3", 0,
		    ": 'n_layer' is not an integer" },
		{ "n_layer 0", "n_layer", NULL, 0,
		    ": 'n_layer' is 0, expected 1..1024" },
		{ "n_embd negative", "n_embd", NULL, -32,
		    ": 'n_embd' is -32, expected 1..65536" },
		{ "n_head 5", "n_head", NULL, 5,
		    ": n_embd 32 is not a multiple of n_head 5" },
		{ "gpt_neo", "model_type", "gpt_neo", 0,
		    ": model_type is 'gpt_neo', not 'gpt2': logitlens reads "
		    "GPT-2 models only" },
		{ "relu", "activation_function", "relu", 0,
		    ": activation_function 'relu' is not GPT-2's (gelu_new)" },
	};
	struct variant	 v;
	char		*dir;
	size_t		 i;

	/* No config.json at all, and no weights. */
	memset(&v, 0, sizeof v);
	v_from(&v, sf, config, NULL);
	json_decref(v.config);
	v.config = NULL;
	expect_refused("no config.json", write_variant("no_config", &v, 0),
	    "config.json", ": No such file or directory");
	v_free(&v);
	v.config = json_deep_copy(config);
	expect_refused("no model.safetensors", write_variant("no_weights", &v,
	    0), "model.safetensors", ": No such file or directory");
	v_free(&v);

	/* Not JSON, not an object: written by hand. */
	dir = new_dir("bad_json");
	{
		char *path = util_path(dir, "config.json");

		write_text(path, "{\n  \"n_layer\": 3,\n  oops\n}\n");
		expect_refused("config not JSON", dir, "config.json",
		    ":3:6: not valid JSON: string or '}' expected near "
		    "'oops'");
		write_text(path, "[3, 4, 32]\n");
		expect_refused("config not an object", dir, "config.json",
		    ": not a JSON object");
		write_text(path, "");
		expect_refused("config empty", dir, "config.json",
		    ":1:0: not valid JSON: '[' or '{' expected near end of "
		    "file");
		unlink(path);
		free(path);
	}

	/* One key changed at a time; the weights are never reached. */
	for (i = 0; i < nitems(cases); i++) {
		memset(&v, 0, sizeof v);
		v.config = json_deep_copy(config);
		if (cases[i].str != NULL)
			v_config_str(&v, cases[i].key, cases[i].str);
		else if (cases[i].val == -1)
			json_object_del(v.config, cases[i].key);
		else
			v_config_int(&v, cases[i].key, cases[i].val);
		expect_refused(cases[i].name, write_variant(cases[i].name, &v,
		    0), "config.json", cases[i].problem);
		v_free(&v);
	}

	/* Switches of GPT-2 variants that are not implemented. */
	memset(&v, 0, sizeof v);
	v.config = json_deep_copy(config);
	json_object_set_new(v.config, "add_cross_attention", json_true());
	expect_refused("add_cross_attention", write_variant("cross", &v, 0),
	    "config.json", ": add_cross_attention is not supported");
	json_object_set_new(v.config, "add_cross_attention", json_false());
	json_object_set_new(v.config, "scale_attn_weights", json_false());
	expect_refused("scale_attn_weights", write_variant("noscale", &v, 0),
	    "config.json", ": scale_attn_weights false is not supported");
	json_object_set_new(v.config, "scale_attn_weights", json_true());
	json_object_set_new(v.config, "layer_norm_epsilon", json_real(0));
	expect_refused("layer_norm_epsilon 0", write_variant("eps0", &v, 0),
	    "config.json", ": layer_norm_epsilon is not a small positive "
	    "number");
	json_object_set_new(v.config, "layer_norm_epsilon", json_string("x"));
	expect_refused("layer_norm_epsilon string", write_variant("eps_str",
	    &v, 0), "config.json", ": layer_norm_epsilon is not a small "
	    "positive number");
	v_free(&v);
}

/* Keys that change the numbers: accepted, and they do change them. */
static void
test_config_effects(const struct st_file *sf, json_t *config,
    const struct ref *ref)
{
	static const struct {
		const char	*name, *key;
		double		 value;		/* < 0: true */
	} cases[] = {
		{ "inverse layer scale", "scale_attn_by_inverse_layer_idx",
		    -1 },
		{ "eps 0.1", "layer_norm_epsilon", 0.1 },
	};
	struct variant	 v;
	struct gpt2	*m;
	char		*cause = NULL;
	float		*rows;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		v_from(&v, sf, config, NULL);
		json_object_set_new(v.config, cases[i].key, cases[i].value < 0 ?
		    json_true() : json_real(cases[i].value));
		m = gpt2_load(write_variant(cases[i].name, &v, 0), &cause);
		v_free(&v);
		CHECK(m != NULL, "%s: refused: %s", cases[i].name,
		    cause ? cause : "");
		free(cause);
		cause = NULL;
		if (m == NULL)
			continue;
		rows = run_model(m, g_ids, NIDS);
		/* Row 0 (the embeddings) is the same; later ones are not. */
		CHECK(memcmp(rows, ref->rows, rows_size(&ref->cfg, 1) /
		    GPT2_NROWS(&ref->cfg) * NIDS) == 0 && memcmp(rows,
		    ref->rows, rows_size(&ref->cfg, NIDS)) != 0,
		    "%s: residuals not changed as expected", cases[i].name);
		free(rows);
		gpt2_free(m);
	}
}

static void
test_refused_weights(const struct st_file *sf, json_t *config)
{
	struct variant	 v;
	struct wt	*t;

	/* A missing tensor. */
	v_from(&v, sf, config, NULL);
	v_remove(&v, "transformer.h.1.mlp.c_fc.bias");
	expect_refused("missing tensor", write_variant("missing", &v, 0),
	    "model.safetensors", ": missing tensor "
	    "'transformer.h.1.mlp.c_fc.bias'");
	v_free(&v);
	v_from(&v, sf, config, "transformer.");
	v_remove(&v, "ln_f.weight");
	expect_refused("missing tensor, hub layout", write_variant(
	    "missing_hub", &v, 0), "model.safetensors", ": missing tensor "
	    "'ln_f.weight'");
	v_free(&v);

	/* Wrong shapes: 2-D and 1-D. */
	v_from(&v, sf, config, NULL);
	t = v_find(&v, "transformer.h.0.attn.c_attn.weight");
	t->shape[1] = 64;
	t->nbytes = 32 * 64 * sizeof (float);
	expect_refused("c_attn [32, 64]", write_variant("shape2", &v, 0),
	    "model.safetensors", ": tensor "
	    "'transformer.h.0.attn.c_attn.weight' has shape [32, 64], "
	    "expected [32, 96]");
	v_free(&v);
	v_from(&v, sf, config, NULL);
	t = v_find(&v, "transformer.h.2.ln_2.bias");
	t->shape[0] = 31;
	t->nbytes = 31 * sizeof (float);
	expect_refused("ln_2.bias [31]", write_variant("shape1", &v, 0),
	    "model.safetensors", ": tensor 'transformer.h.2.ln_2.bias' has "
	    "shape [31], expected [32]");
	t->shape[0] = 1;
	t->shape[1] = 32;
	t->ndim = 2;
	t->nbytes = 32 * sizeof (float);
	expect_refused("ln_2.bias [1, 32]", write_variant("shape1b", &v, 0),
	    "model.safetensors", ": tensor 'transformer.h.2.ln_2.bias' has "
	    "shape [1, 32], expected [32]");
	v_free(&v);

	/* A dtype that is not a float. */
	v_from(&v, sf, config, NULL);
	v_find(&v, "transformer.ln_f.bias")->dtype = "I32";
	expect_refused("I32", write_variant("i32", &v, 0), "model.safetensors",
	    ": tensor 'transformer.ln_f.bias' has dtype I32, expected F32, "
	    "F16 or BF16");
	v_free(&v);

	/* The config and the tensors disagree. */
	v_from(&v, sf, config, NULL);
	v_config_int(&v, "vocab_size", 50000);
	expect_refused("vocab_size 50000", write_variant("vocab", &v, 0),
	    "model.safetensors", ": tensor 'transformer.wte.weight' has shape "
	    "[50257, 32], expected [50000, 32]");
	v_config_int(&v, "vocab_size", 50257);
	v_config_int(&v, "n_positions", 128);
	expect_refused("n_positions 128", write_variant("npos", &v, 0),
	    "model.safetensors", ": tensor 'transformer.wpe.weight' has shape "
	    "[64, 32], expected [128, 32]");
	v_config_int(&v, "n_positions", 64);
	v_config_int(&v, "n_inner", 64);
	expect_refused("n_inner 64", write_variant("ninner", &v, 0),
	    "model.safetensors", ": tensor 'transformer.h.0.mlp.c_fc.weight' "
	    "has shape [32, 128], expected [32, 64]");
	v_config_int(&v, "n_inner", 128);
	v_config_int(&v, "n_layer", 4);
	expect_refused("n_layer 4", write_variant("nlayer", &v, 0),
	    "model.safetensors", ": missing tensor "
	    "'transformer.h.3.ln_1.weight'");
	v_free(&v);

	/* A file that is not safetensors at all. */
	v_from(&v, sf, config, NULL);
	{
		const char	*dir = write_variant("garbage", &v, 0);
		char		*path = util_path(dir, "model.safetensors");

		write_text(path, "<html>not found</html>");
		expect_refused("garbage weights", dir, "model.safetensors",
		    ": header length 8029423821061908540 is larger than the "
		    "file (22 bytes) allows");
		free(path);
	}
	v_free(&v);
}

/* The forward pass: incremental runs, cancelling, progress. */

struct progress {
	int	calls, last_done, last_total;
};

static void
on_progress(void *arg, int done, int total)
{
	struct progress	*p = arg;

	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

/* Rows of positions [0, T) of s equal want's (laid out for Twant). */
static int
rows_match(const struct gpt2_state *s, const struct gpt2_config *c,
    const float *want, int Twant, int T, double tol)
{
	const float	*got, *w;
	size_t		 per = (size_t)Twant * c->n_embd, i;
	int		 r;

	for (r = 0; r < GPT2_NROWS(c); r++) {
		got = gpt2_resid(s, r);
		w = want + r * per;
		for (i = 0; i < (size_t)T * c->n_embd; i++) {
			if (!(fabs((double)got[i] - (double)w[i]) <= tol *
			    (1 + fabs((double)w[i]))))
				return 0;
		}
	}
	return 1;
}

static void
test_incremental(const struct gpt2 *m, const struct ref *ref)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct gpt2_state		*s = gpt2_state_new(m);
	struct progress			 p;
	atomic_int			 cancel = 1;
	float				*before, *edited;
	int				 ids[NIDS], rc, r;

	gpt2_state_keep_sublayers(s);
	memcpy(ids, g_ids, sizeof ids);
	CHECK(gpt2_state_len(s) == 0, "new state: len %d",
	    gpt2_state_len(s));
	memset(&p, 0, sizeof p);
	rc = gpt2_forward(s, ids, NIDS, NULL, on_progress, &p);
	CHECK(rc == 0, "first run: returned %d", rc);
	CHECK(p.calls == c->n_layer && p.last_done == c->n_layer &&
	    p.last_total == c->n_layer, "first run: progress %d calls, last "
	    "%d/%d", p.calls, p.last_done, p.last_total);
	CHECK(gpt2_state_len(s) == NIDS, "len %d", gpt2_state_len(s));
	CHECK(memcmp(gpt2_state_ids(s), ids, sizeof ids) == 0, "state ids");
	CHECK(rows_match(s, c, ref->rows, NIDS, NIDS, 0), "first run differs "
	    "from the reference");

	/* The same ids again: nothing recomputed. */
	before = run_rows(s, c, ids, NIDS);
	memset(&p, 0, sizeof p);
	rc = gpt2_forward(s, ids, NIDS, NULL, on_progress, &p);
	CHECK(rc == NIDS && p.calls == 0, "same ids: returned %d, %d progress "
	    "calls", rc, p.calls);
	CHECK(rows_match(s, c, before, NIDS, NIDS, 0), "same ids: rows "
	    "changed");

	/* Shrinking: nothing recomputed either. */
	rc = gpt2_forward(s, ids, 3, NULL, on_progress, &p);
	CHECK(rc == 3 && p.calls == 0, "shrink to 3: returned %d", rc);
	CHECK(gpt2_state_len(s) == 3, "shrink: len %d", gpt2_state_len(s));
	CHECK(rows_match(s, c, before, NIDS, 3, 0), "shrink: rows changed");
	/* Growing back recomputes from 3 and matches the full run. */
	rc = gpt2_forward(s, ids, NIDS, NULL, NULL, NULL);
	CHECK(rc == 3, "grow back: returned %d, expected 3", rc);
	CHECK(rows_match(s, c, before, NIDS, NIDS, 1e-5), "grow back: rows "
	    "differ from a full run");

	/* Editing position i returns i, keeps [0, i), matches a full run. */
	for (r = NIDS - 1; r >= 0; r -= 3) {
		gpt2_forward(s, g_ids, NIDS, NULL, NULL, NULL);
		memcpy(ids, g_ids, sizeof ids);
		ids[r] = 1000 + r;
		edited = run_model(m, ids, NIDS);
		gpt2_forward(s, g_ids, NIDS, NULL, NULL, NULL);
		memset(&p, 0, sizeof p);
		rc = gpt2_forward(s, ids, NIDS, NULL, on_progress, &p);
		CHECK(rc == r, "edit at %d: returned %d", r, rc);
		CHECK(p.calls == c->n_layer, "edit at %d: %d progress calls",
		    r, p.calls);
		CHECK(rows_match(s, c, before, NIDS, r, 1e-5), "edit at %d: "
		    "rows before it changed", r);
		CHECK(rows_match(s, c, edited, NIDS, NIDS, 1e-5), "edit at %d: "
		    "rows differ from a full run", r);
		free(edited);
	}

	/* Cancelled: -1, and the next run recomputes what was left. */
	gpt2_forward(s, g_ids, NIDS, NULL, NULL, NULL);
	memcpy(ids, g_ids, sizeof ids);
	ids[5] = 77;
	rc = gpt2_forward(s, ids, NIDS, &cancel, NULL, NULL);
	CHECK(rc == -1, "cancelled: returned %d", rc);
	edited = run_model(m, ids, NIDS);
	rc = gpt2_forward(s, ids, NIDS, NULL, NULL, NULL);
	CHECK(rc >= 0 && rc <= 5, "after cancel: returned %d", rc);
	CHECK(rows_match(s, c, edited, NIDS, NIDS, 1e-5), "after cancel: rows "
	    "differ from a full run");
	free(edited);
	cancel = 0;
	rc = gpt2_forward(s, g_ids, NIDS, &cancel, NULL, NULL);
	CHECK(rc == 5, "cancel flag 0: returned %d", rc);

	/* Reset: everything again. */
	gpt2_state_reset(s);
	CHECK(gpt2_state_len(s) == 0, "reset: len %d", gpt2_state_len(s));
	rc = gpt2_forward(s, g_ids, NIDS, NULL, NULL, NULL);
	CHECK(rc == 0, "after reset: returned %d", rc);
	CHECK(gpt2_state_nonfinite(s) == -1, "finite model: nonfinite %d",
	    gpt2_state_nonfinite(s));
	free(before);
	gpt2_state_free(s);
}

/*
 * Blocks run in passes of a few positions (the scratch's size): any pass
 * size gives the reference's rows. Without the odd rows kept, the others
 * are the same bits.
 */
static void
test_chunks(const struct gpt2 *m, const struct ref *ref)
{
	static const int		 chunks[] = { 1, 2, 5, 31 };
	const struct gpt2_config	*c = gpt2_config(m);
	struct gpt2_state		*s, *plain;
	size_t				 i, row;
	int				 r;

	row = (size_t)ref->T_long * c->n_embd;
	for (i = 0; i < nitems(chunks); i++) {
		s = gpt2_state_new(m);
		gpt2_state_keep_sublayers(s);
		gpt2_state_chunk(s, chunks[i]);
		gpt2_forward(s, g_ids, NIDS, NULL, NULL, NULL);
		CHECK(rows_match(s, c, ref->rows, NIDS, NIDS, 1e-5), "passes "
		    "of %d positions: rows differ from the reference",
		    chunks[i]);
		gpt2_state_reset(s);
		gpt2_forward(s, ref->long_ids, ref->T_long, NULL, NULL, NULL);
		CHECK(rows_match(s, c, ref->rows_long, ref->T_long,
		    ref->T_long, 1e-5), "passes of %d positions, %d ids: rows "
		    "differ from the reference", chunks[i], ref->T_long);
		plain = gpt2_state_new(m);
		gpt2_state_chunk(plain, chunks[i]);
		gpt2_forward(plain, ref->long_ids, ref->T_long, NULL, NULL,
		    NULL);
		CHECK(!gpt2_state_sublayers(plain), "sublayers kept unasked");
		for (r = 0; r < GPT2_NROWS(c); r += 2)
			CHECK(memcmp(gpt2_resid(plain, r), gpt2_resid(s, r),
			    row * sizeof (float)) == 0, "passes of %d: row %d "
			    "differs without the odd rows kept", chunks[i], r);
		/* Asking for them later recomputes: the same rows again. */
		gpt2_state_keep_sublayers(plain);
		CHECK(gpt2_forward(plain, ref->long_ids, ref->T_long, NULL,
		    NULL, NULL) == 0, "keeping sublayers: no recompute");
		CHECK(rows_match(plain, c, ref->rows_long, ref->T_long,
		    ref->T_long, 1e-5), "sublayers asked later: rows differ");
		gpt2_state_free(plain);
		gpt2_state_free(s);
	}
}

/* NaN and Inf weights: loaded, run, and reported by row. */
static void
test_nonfinite(const struct st_file *sf, json_t *config)
{
	static const struct {
		const char	*tensor;
		size_t		 index;
		float		 value;
		int		 row;	/* first bad row, on g_ids */
	} cases[] = {
		/* In wte's row of token 25082, used at position 1. */
		{ "transformer.wte.weight", 25082 * 32 + 3, NAN, 0 },
		{ "transformer.wpe.weight", 5 * 32, INFINITY, 0 },
		{ "transformer.h.0.attn.c_attn.weight", 17, NAN, 1 },
		{ "transformer.h.1.mlp.c_fc.weight", 100, NAN, 4 },
		{ "transformer.h.2.attn.c_proj.bias", 0, -INFINITY, 5 },
		/* ln_f is not on the way to any row. */
		{ "transformer.ln_f.weight", 0, NAN, -1 },
		/* Token 30000 is not in g_ids. */
		{ "transformer.wte.weight", 30000 * 32, NAN, -1 },
	};
	struct variant			 v;
	struct gpt2_state		*s;
	struct gpt2			*m;
	struct wt			*t;
	float				*w;
	char				*cause = NULL, name[32];
	size_t				 i;
	int				 rc, got, keep;

	for (i = 0; i < nitems(cases); i++) {
		v_from(&v, sf, config, NULL);
		t = v_find(&v, cases[i].tensor);
		w = xmalloc(t->nbytes);
		memcpy(w, t->data, t->nbytes);
		w[cases[i].index] = cases[i].value;
		v_set_data(t, w, t->nbytes);
		snprintf(name, sizeof name, "nonfinite%zu", i);
		m = gpt2_load(write_variant(name, &v, 0), &cause);
		v_free(&v);
		CHECK(m != NULL, "%s: refused: %s", cases[i].tensor,
		    cause ? cause : "");
		free(cause);
		cause = NULL;
		if (m == NULL)
			continue;
		/* Odd rows kept, or only remembered as bad (midbad). */
		for (keep = 0; keep < 2; keep++) {
			s = gpt2_state_new(m);
			if (keep)
				gpt2_state_keep_sublayers(s);
			rc = gpt2_forward(s, g_ids, NIDS, NULL, NULL, NULL);
			got = gpt2_state_nonfinite(s);
			CHECK(rc == 0 && got == cases[i].row, "%s[%zu] = %g%s: "
			    "first non-finite row %d, expected %d",
			    cases[i].tensor, cases[i].index,
			    (double)cases[i].value, keep ? " (sublayers)" :
			    "", got, cases[i].row);
			gpt2_state_free(s);
		}
		s = gpt2_state_new(m);
		rc = gpt2_forward(s, g_ids, NIDS, NULL, NULL, NULL);
		if (cases[i].row == 0 && cases[i].index / 32 == 25082) {
			/* Without the bad token the run is finite again. */
			rc = gpt2_forward(s, g_ids, 1, NULL, NULL, NULL);
			CHECK(rc == 1 && gpt2_state_nonfinite(s) == -1,
			    "shrunk past the NaN token: nonfinite %d",
			    gpt2_state_nonfinite(s));
			rc = gpt2_forward(s, g_ids, 2, NULL, NULL, NULL);
			CHECK(gpt2_state_nonfinite(s) == 0, "grown back to the "
			    "NaN token: nonfinite %d", gpt2_state_nonfinite(s));
			rc = gpt2_forward(s, (const int[]){ 0, 1, 2 }, 3, NULL,
			    NULL, NULL);
			CHECK(rc == 1 && gpt2_state_nonfinite(s) == -1,
			    "edited past the NaN token: returned %d, "
			    "nonfinite %d", rc, gpt2_state_nonfinite(s));
		}
			gpt2_state_free(s);
		gpt2_free(m);
	}
}

int
main(void)
{
	struct st_file	*sf;
	struct gpt2	*m;
	struct ref	 ref;
	json_error_t	 jerr;
	json_t		*config;
	static char	 tmpl[] = "/tmp/test-model.XXXXXX";
	char		*fix, *path, *cause = NULL;
	int		 i;

	if ((fix = harness_fixture("tiny-gpt2")) == NULL)
		SKIP("fixture tiny-gpt2 not found");
	ops_set_threads(1);
	if ((m = gpt2_load(fix, &cause)) == NULL)
		HARD("fixture: %s", cause);
	path = util_path(fix, "model.safetensors");
	if ((sf = st_open(path, &cause)) == NULL)
		HARD("%s", cause);
	free(path);
	path = util_path(fix, "config.json");
	if ((config = json_load_file(path, 0, &jerr)) == NULL)
		HARD("%s: %s", path, jerr.text);
	free(path);
	if ((g_tmp = mkdtemp(tmpl)) == NULL)
		HARD("mkdtemp: %s", strerror(errno));
	atexit(cleanup);		/* also after HARD() */

	/* The references: the fixture as gpt2_load reads it. */
	memset(&ref, 0, sizeof ref);
	ref.cfg = *gpt2_config(m);
	CHECK(ref.cfg.n_layer == 3 && ref.cfg.n_head == 4 &&
	    ref.cfg.n_embd == 32 && ref.cfg.n_ctx == 64 &&
	    ref.cfg.n_vocab == 50257 && ref.cfg.n_inner == 128 &&
	    ref.cfg.eps == 1e-5f, "fixture config read wrong");
	CHECK(memcmp(gpt2_wte(m), st_find(sf, "transformer.wte.weight")->data,
	    (size_t)ref.cfg.n_vocab * ref.cfg.n_embd * sizeof (float)) == 0,
	    "gpt2_wte is not the fixture's wte");
	CHECK(memcmp(gpt2_lnf_g(m), st_find(sf, "transformer.ln_f.weight")->
	    data, 32 * sizeof (float)) == 0 && memcmp(gpt2_lnf_b(m),
	    st_find(sf, "transformer.ln_f.bias")->data, 32 *
	    sizeof (float)) == 0, "gpt2_lnf_g/b are not the fixture's");
	ref.T_long = ref.cfg.n_ctx;
	for (i = 0; i < ref.T_long; i++)
		ref.long_ids[i] = (i * 7919 + 13) % ref.cfg.n_vocab;
	ref.rows = run_model(m, g_ids, NIDS);
	ref.rows_long = run_model(m, ref.long_ids, ref.T_long);

	test_accepted(sf, config, &ref);
	test_refused_config(sf, config);
	test_refused_weights(sf, config);
	test_config_effects(sf, config, &ref);
	test_incremental(m, &ref);
	test_chunks(m, &ref);
	test_nonfinite(sf, config);

	free(ref.rows);
	free(ref.rows_long);
	json_decref(config);
	st_close(sf);
	gpt2_free(m);
	free(fix);
	return harness_done();
}
