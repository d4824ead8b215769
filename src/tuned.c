/*
 * tuned.c: load the tuned lens's translators and apply them.
 *
 * The file is mapped (st.c), every translator is checked for its shape,
 * dtype and finite values and copied, converted to float, into one
 * allocation; the mapping is then closed. Names translators.{i}.* with i
 * beyond the model's layers are refused: the file is for another model.
 * Other tensors are ignored.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "st.h"
#include "tuned.h"
#include "util.h"

struct tuned {
	char	*path;
	int	 n_layer;
	int	 C;
	float	*w;	/* (n_layer, C, C) [out, in] */
	float	*b;	/* (n_layer, C) */
};

/* Binds translators.{i}.{name} of shape (C[, C]) into out. */
static int
tuned_bind(struct st_file *st, int i, const char *name, int ndim, int C,
    float *out, char **cause)
{
	const struct st_tensor	*t;
	char			 key[64], got[96];

	snprintf(key, sizeof key, "translators.%d.%s", i, name);
	if ((t = st_find(st, key)) == NULL)
		return util_fail(cause, "%s: missing tensor '%s'", st_path(st),
		    key);
	if (t->ndim != ndim || t->shape[0] != C ||
	    (ndim == 2 && t->shape[1] != C)) {
		st_shape_str(t, got, sizeof got);
		if (ndim == 2)
			return util_fail(cause, "%s: tensor '%s' has shape %s, "
			    "expected [%d, %d]", st_path(st), key, got, C, C);
		return util_fail(cause, "%s: tensor '%s' has shape %s, "
		    "expected [%d]", st_path(st), key, got, C);
	}
	return st_to_f32(st, t, out, cause);
}

/* Refuses translators.{i} with i outside [0, n_layer). */
static int
tuned_check_names(struct st_file *st, int n_layer, char **cause)
{
	const struct st_tensor	*t;
	size_t			 j;
	long			 i;
	char			*end;

	for (j = 0; j < st_count(st); j++) {
		t = st_tensor(st, j);
		if (strncmp(t->name, "translators.", 12) != 0)
			continue;
		i = strtol(t->name + 12, &end, 10);
		if (end == t->name + 12 || *end != '.' || i < 0 ||
		    i >= n_layer)
			return util_fail(cause, "%s: tensor '%s' is no "
			    "translator of a model with %d layers (expected "
			    "translators.0 to translators.%d)", st_path(st),
			    t->name, n_layer, n_layer - 1);
	}
	return 0;
}

struct tuned *
tuned_load(const char *path, const struct gpt2 *m, char **cause)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct st_file			*st;
	struct tuned			*t;
	size_t				 C = (size_t)c->n_embd;
	int				 i;

	if ((st = st_open(path, cause)) == NULL)
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->path = xstrdup(path);
	t->n_layer = c->n_layer;
	t->C = c->n_embd;
	t->w = xcalloc((size_t)c->n_layer * C * C, sizeof *t->w);
	t->b = xcalloc((size_t)c->n_layer * C, sizeof *t->b);
	if (tuned_check_names(st, c->n_layer, cause) != 0)
		goto fail;
	for (i = 0; i < c->n_layer; i++) {
		if (tuned_bind(st, i, "weight", 2, t->C, t->w + i * C * C,
		    cause) != 0 || tuned_bind(st, i, "bias", 1, t->C,
		    t->b + i * C, cause) != 0)
			goto fail;
	}
	st_close(st);
	return t;
fail:
	st_close(st);
	tuned_free(t);
	return NULL;
}

void
tuned_free(struct tuned *t)
{
	if (t == NULL)
		return;
	free(t->w);
	free(t->b);
	free(t->path);
	free(t);
}

const char *
tuned_path(const struct tuned *t)
{
	return t->path;
}

int
tuned_translator(const struct tuned *t, int row, const float **w,
    const float **b)
{
	size_t	C = (size_t)t->C;
	int	i = -1;

	assert(row >= 0 && row <= 2 * t->n_layer);
	if (row % 2 == 0 && row < 2 * t->n_layer)
		i = row / 2;
	if (w != NULL)
		*w = i < 0 ? NULL : t->w + i * C * C;
	if (b != NULL)
		*b = i < 0 ? NULL : t->b + i * C;
	return i;
}

void
tuned_apply(const struct tuned *t, int row, const float *in, float *out,
    int n)
{
	const float	*w, *b;
	size_t		 C = (size_t)t->C;
	int		 j;

	assert(in + n * C <= out || out + n * C <= in);
	if (tuned_translator(t, row, &w, &b) < 0) {
		memcpy(out, in, n * C * sizeof *out);
		return;
	}
	/* out (n, C) = in @ W^T, then + in + b. */
	ops_matmul_nt(out, in, w, n, t->C, t->C);
	for (j = 0; j < n; j++) {
		ops_add(out + j * C, in + j * C, C);
		ops_add(out + j * C, b, C);
	}
}
