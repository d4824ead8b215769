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

int
ui_view_cands(const struct lens_top *tops, int nrows, int T, int k, int pos,
    struct ui_cand *out, int max)
{
	struct lens_cand	*c;
	int			 n, i;

	if (max <= 0)
		return (0);
	c = xreallocarray(NULL, max, sizeof *c);
	n = lens_cands(tops, nrows, T, k, pos, c, max);
	for (i = 0; i < n; i++) {
		out[i].id = c[i].id;
		out[i].prob = c[i].prob;
		out[i].row = c[i].row;
	}
	free(c);
	return (n);
}

int
ui_view_in(int id, const int *ids, int n)
{
	return (lens_in(id, ids, n));
}

int
ui_view_mask(const struct lens_top *top, int k, const int *ids, int n)
{
	return (lens_mask(top, k, ids, n));
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
