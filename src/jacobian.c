/*
 * jacobian.c: load the Jacobian lens's matrices and apply them.
 *
 * The file is mapped (st.c), every matrix is checked for its shape, dtype
 * and finite values and copied, converted to float, into one allocation;
 * the mapping is then closed. Names jacobians.{i} with i beyond the
 * model's layers are refused: the file is for another model. Other tensors
 * are ignored.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jacobian.h"
#include "ops.h"
#include "st.h"
#include "util.h"

#define JACOBIAN_PREFIX	"jacobians."

struct jacobian {
	char	*path;
	int	 n_layer;
	int	 C;
	float	*j;	/* (n_layer, C, C) [out, in] */
};

/* Refuses jacobians.{i} with i outside [0, n_layer). */
static int
jacobian_check_names(struct st_file *st, int n_layer, char **cause)
{
	const struct st_tensor	*t;
	const char		*s;
	size_t			 j, n = strlen(JACOBIAN_PREFIX);
	long			 i;
	char			*end;

	for (j = 0; j < st_count(st); j++) {
		t = st_tensor(st, j);
		if (strncmp(t->name, JACOBIAN_PREFIX, n) != 0)
			continue;
		s = t->name + n;
		i = strtol(s, &end, 10);
		if (end == s || *end != '\0' || i < 0 || i >= n_layer)
			return util_fail(cause, "%s: tensor '%s' is no "
			    "matrix of a model with %d layers (expected "
			    "jacobians.0 to jacobians.%d)", st_path(st),
			    t->name, n_layer, n_layer - 1);
	}
	return 0;
}

/* Binds jacobians.{i} of shape (C, C) into out. */
static int
jacobian_bind(struct st_file *st, int i, int C, float *out, char **cause)
{
	const struct st_tensor	*t;
	char			 key[64], got[96];

	snprintf(key, sizeof key, JACOBIAN_PREFIX "%d", i);
	if ((t = st_find(st, key)) == NULL)
		return util_fail(cause, "%s: missing tensor '%s'", st_path(st),
		    key);
	if (t->ndim != 2 || t->shape[0] != C || t->shape[1] != C) {
		st_shape_str(t, got, sizeof got);
		return util_fail(cause, "%s: tensor '%s' has shape %s, "
		    "expected [%d, %d]", st_path(st), key, got, C, C);
	}
	return st_to_f32(st, t, out, cause);
}

struct jacobian *
jacobian_load(const char *path, const struct gpt2 *m, char **cause)
{
	const struct gpt2_config	*c = gpt2_config(m);
	struct st_file			*st;
	struct jacobian			*jl;
	size_t				 C = (size_t)c->n_embd;
	int				 i;

	if ((st = st_open(path, cause)) == NULL)
		return NULL;
	jl = xcalloc(1, sizeof *jl);
	jl->path = xstrdup(path);
	jl->n_layer = c->n_layer;
	jl->C = c->n_embd;
	jl->j = xcalloc((size_t)c->n_layer * C * C, sizeof *jl->j);
	if (jacobian_check_names(st, c->n_layer, cause) != 0)
		goto fail;
	for (i = 0; i < c->n_layer; i++) {
		if (jacobian_bind(st, i, jl->C, jl->j + i * C * C, cause) != 0)
			goto fail;
	}
	st_close(st);
	return jl;
fail:
	st_close(st);
	jacobian_free(jl);
	return NULL;
}

void
jacobian_free(struct jacobian *jl)
{
	if (jl == NULL)
		return;
	free(jl->j);
	free(jl->path);
	free(jl);
}

const char *
jacobian_path(const struct jacobian *jl)
{
	return jl->path;
}

const float *
jacobian_matrix(const struct jacobian *jl, int row)
{
	assert(row >= 0 && row <= 2 * jl->n_layer);
	if (row % 2 != 0 || row == 2 * jl->n_layer)
		return NULL;
	return jl->j + (size_t)(row / 2) * jl->C * jl->C;
}

void
jacobian_apply(const struct jacobian *jl, int row, const float *in,
    float *out, int n)
{
	const float	*j;
	size_t		 C = (size_t)jl->C;

	assert(in + n * C <= out || out + n * C <= in);
	if ((j = jacobian_matrix(jl, row)) == NULL) {
		memcpy(out, in, n * C * sizeof *out);
		return;
	}
	/* out (n, C) = in @ J^T. */
	ops_matmul_nt(out, in, j, n, jl->C, jl->C);
}
