/*
 * attrib.c: the direct contributions of the embeddings and of every
 * sub-block to one decoded logit.
 *
 * gw = g * wte[id] is formed once; a part p then contributes
 *     (sum_c p_c gw_c - mean(p) sum_c gw_c) / sigma.
 * Parts are differences of float rows taken in double, so they add up to
 * the row's residual exactly. With a translator the row's residual is h' =
 * sum_k (p_k + W p_k) + b, and sigma is that of h'.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "attrib.h"
#include "util.h"

int
attrib_nparts(int row)
{
	return row + 1;
}

const char *
attrib_part_name(int k, char *buf, size_t len)
{
	if (k == 0)
		snprintf(buf, len, "embed");
	else if (k % 2 == 1)
		snprintf(buf, len, "h.%d.attn", k / 2);
	else
		snprintf(buf, len, "h.%d.mlp", k / 2 - 1);
	return buf;
}

/* Part k at position pos into p (C). */
static void
attrib_part(const struct gpt2_state *s, int k, int pos, int C, double *p)
{
	const float	*x = gpt2_resid(s, k) + (size_t)pos * C;
	const float	*y = k > 0 ? gpt2_resid(s, k - 1) + (size_t)pos * C :
			    NULL;
	int		 c;

	for (c = 0; c < C; c++)
		p[c] = (double)x[c] - (y != NULL ? (double)y[c] : 0.0);
}

/* q (C) = p + W p (tuned) or W p (Jacobian), W (C, C) [out, in]. */
static void
attrib_translate(const float *w, int map, const double *p, double *q, int C)
{
	double	dot;
	int	o, c;

	for (o = 0; o < C; o++) {
		dot = 0;
		for (c = 0; c < C; c++)
			dot += (double)w[(size_t)o * C + c] * p[c];
		q[o] = (map == LENS_MAP_TUNED ? p[o] : 0.0) + dot;
	}
}

/* (sum_c v_c gw_c - mean(v) sum_c gw_c), and adds v into acc. */
static double
attrib_dot(const double *v, const double *gw, double sgw, double *acc, int C)
{
	double	dot = 0, sum = 0;
	int	c;

	for (c = 0; c < C; c++) {
		dot += v[c] * gw[c];
		sum += v[c];
		acc[c] += v[c];
	}
	return dot - sum / C * sgw;
}

/* ln_f's 1/sigma of the row's whole residual h (C). */
static double
attrib_rstd(const double *h, int C, float eps)
{
	double	mean = 0, var = 0, d;
	int	c;

	for (c = 0; c < C; c++)
		mean += h[c];
	mean /= C;
	for (c = 0; c < C; c++) {
		d = h[c] - mean;
		var += d * d;
	}
	return 1.0 / sqrt(var / C + (double)eps);
}

/* attrib_logit through translator map (lens.h's LENS_MAP_*): tw, tb. */
static double
attrib_logit_map(const struct gpt2 *m, const struct gpt2_state *s, int map,
    const float *tw, const float *tb, int row, int pos, int id,
    double *parts, double *bias)
{
	const struct gpt2_config	*cfg = gpt2_config(m);
	const float			*g = gpt2_lnf_g(m);
	const float			*b = gpt2_lnf_b(m);
	const float			*w;
	const int			 C = cfg->n_embd;
	double				*gw, *p, *q, *h, sgw = 0, cb = 0;
	double				 tbc = 0, rs, sum = 0;
	int				 c, k;

	assert(row >= 0 && row < GPT2_NROWS(cfg));
	assert(pos >= 0 && pos < gpt2_state_len(s));
	assert(id >= 0 && id < cfg->n_vocab);
	w = gpt2_wte(m) + (size_t)id * C;
	gw = xcalloc((size_t)C * 4, sizeof *gw);
	p = gw + C;
	q = p + C;
	h = q + C;	/* the (translated) residual, summed from its parts */
	for (c = 0; c < C; c++) {
		gw[c] = (double)g[c] * (double)w[c];
		sgw += gw[c];
		cb += (double)b[c] * (double)w[c];
	}

	/* Unscaled contributions, the residual summed alongside. */
	for (k = 0; k <= row; k++) {
		attrib_part(s, k, pos, C, p);
		if (tw != NULL)
			attrib_translate(tw, map, p, q, C);
		parts[k] = attrib_dot(tw != NULL ? q : p, gw, sgw, h, C);
	}
	if (tb != NULL) {
		for (c = 0; c < C; c++)
			p[c] = (double)tb[c];
		tbc = attrib_dot(p, gw, sgw, h, C);
	}

	rs = attrib_rstd(h, C, cfg->eps);
	for (k = 0; k <= row; k++) {
		parts[k] *= rs;
		sum += parts[k];
	}
	free(gw);
	/* The translator's bias goes through the norm like a part. */
	cb += tbc * rs;
	if (bias != NULL)
		*bias = cb;
	return sum + cb;
}

double
attrib_logit(const struct gpt2 *m, const struct gpt2_state *s,
    const struct tuned *t, int row, int pos, int id, double *parts,
    double *bias)
{
	const float	*tw = NULL, *tb = NULL;

	if (t != NULL)
		tuned_translator(t, row, &tw, &tb);
	return attrib_logit_map(m, s, LENS_MAP_TUNED, tw, tb, row, pos, id,
	    parts, bias);
}

double
attrib_logit_lens(const struct gpt2 *m, const struct gpt2_state *s,
    const struct lens *ln, int row, int pos, int id, double *parts,
    double *bias)
{
	const float	*tw, *tb;
	int		 map = lens_map(ln, row, &tw, &tb);

	return attrib_logit_map(m, s, map, tw, tb, row, pos, id, parts, bias);
}
