/*
 * ui-view.c: candidates, masking, the delta scale, numbers and sparklines.
 *
 * Pure functions over the snapshot's arrays, so that what a view shows can
 * be tested without a terminal. Refuses to know about curses or threads.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"
#include "ui-palette.h"
#include "ui-view.h"
#include "util.h"

static int
ui_view_cand_cmp(const void *a, const void *b)
{
	const struct ui_cand	*x = a, *y = b;

	if (x->prob != y->prob)
		return (x->prob > y->prob ? -1 : 1);
	if (x->row != y->row)
		return (x->row < y->row ? -1 : 1);
	return (x->id < y->id ? -1 : x->id > y->id);
}

int
ui_view_cands(const struct lens_top *tops, int nrows, int T, int k, int pos,
    struct ui_cand *out, int max)
{
	const struct lens_top	*t;
	struct ui_cand		*all;
	int			 n = 0, r, i, j;

	if (nrows <= 0 || k <= 0 || pos < 0 || pos >= T || max <= 0)
		return (0);
	all = xreallocarray(NULL, (size_t)nrows * k, sizeof *all);
	for (r = 0; r < nrows; r++) {
		t = &tops[((size_t)r * T + pos) * k];
		for (i = 0; i < k; i++) {
			for (j = 0; j < n && all[j].id != t[i].id; j++)
				;
			if (j == n) {
				all[n].id = t[i].id;
				all[n].prob = t[i].prob;
				all[n++].row = r;
			} else if (t[i].prob > all[j].prob) {
				all[j].prob = t[i].prob;
				all[j].row = r;
			}
		}
	}
	qsort(all, n, sizeof *all, ui_view_cand_cmp);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return (n);
}

int
ui_view_in(int id, const int *ids, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		if (ids[i] == id)
			return (1);
	}
	return (0);
}

int
ui_view_mask(const struct lens_top *top, int k, const int *ids, int n)
{
	int	i;

	for (i = 0; i < k; i++) {
		if (!ui_view_in(top[i].id, ids, n))
			return (i);
	}
	return (-1);
}

float
ui_view_diverge(float d, float range)
{
	float	x;

	if (!(range > 0.0f) || isnan(d))
		return (0.5f);
	x = d / range;
	if (x > 1.0f)
		x = 1.0f;
	if (x < -1.0f)
		x = -1.0f;
	return (0.5f + 0.5f * x);
}

char *
ui_view_num(float v, int sign, int width, char *buf, size_t len)
{
	double		 d = (double)v;
	int		 p, n;

	if (isnan(v)) {
		snprintf(buf, len, "nan");
		return (buf);
	}
	for (p = 4; p >= 0; p--) {
		n = sign ? snprintf(buf, len, "%+.*f", p, d) :
		    snprintf(buf, len, "%.*f", p, d);
		if (n <= width)
			break;
	}
	if (p < 0 || (d != 0.0 && fabs(d) < 0.5 * pow(10.0, -p))) {
		/* Too small (or too large) for the fixed form. */
		for (p = 2; p >= 0; p--) {
			n = sign ? snprintf(buf, len, "%+.*e", p, d) :
			    snprintf(buf, len, "%.*e", p, d);
			if (n <= width)
				break;
		}
	}
	return (buf);
}

char *
ui_view_spark(const float *v, int n, int ascii, char *buf, size_t len)
{
	const char	*g;
	size_t		 o = 0, l;
	int		 i;

	if (len == 0)
		return (buf);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		g = isnan(v[i]) ? " " : ui_palette_glyph(v[i], ascii);
		l = strlen(g);
		if (o + l + 1 > len)
			break;
		memcpy(buf + o, g, l + 1);
		o += l;
	}
	return (buf);
}
