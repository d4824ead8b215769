/*
 * ui-snap.c: a complete lens run as the screen reads it, and its queries.
 *
 * Owns the snapshot's cells and how a cell's shown value, token and search
 * match are read from it under a struct ui_frame (the metric, the mask,
 * the tracked tokens...). Refuses to know the worker that made it, the
 * keys or curses: the grid, the panel and the legend read it, and nothing
 * here draws.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "lens.h"
#include "tok.h"
#include "ui-layout.h"
#include "ui-palette.h"
#include "ui-snap.h"
#include "ui-view.h"
#include "util.h"

void
ui_snap_free(struct ui_snap *s)
{
	if (s == NULL)
		return;
	free(s->ids);
	free(s->rows);
	free(s->cells);
	free(s->tops);
	free(s->track);
	free(s->track_logit);
	free(s->track_prob);
	free(s->track_rank);
	free(s->diff);
	ui_snap_free(s->other);
	if (s->cmp != NULL) {
		free(s->cmp->cells);
		free(s->cmp->pb_of_a);
		free(s->cmp->pa_of_b);
		free(s->cmp);
	}
	free(s);
}

void
ui_snap_swap(struct ui_snap *s)
{
	struct ui_snap	*o = s->other, t;

	if (o == NULL)
		return;
	t = *s;
	*s = *o;
	*o = t;
	s->gen = t.gen;
	s->other = o;
	s->cmp = t.cmp;
	s->swapped = !t.swapped;
	o->other = NULL;
	o->cmp = NULL;
	o->swapped = 0;
}

const struct ui_snap *
ui_snap_a(const struct ui_frame *u)
{
	const struct ui_snap	*s = u->snap;

	return (s != NULL && s->swapped ? s->other : s);
}

const struct ui_snap *
ui_snap_b(const struct ui_frame *u)
{
	const struct ui_snap	*s = u->snap;

	if (s == NULL || s->other == NULL)
		return (NULL);
	return (s->swapped ? s : s->other);
}

const struct compare_cell *
ui_snap_cmp(const struct ui_frame *u, int row, int pos)
{
	const struct ui_snap	*s = u->snap;

	if (s == NULL || s->cmp == NULL || row < 0 || row >= s->cmp->nrows ||
	    pos < 0 || pos >= s->cmp->Tc)
		return (NULL);
	return (&s->cmp->cells[(size_t)row * s->cmp->Tc + pos]);
}

float
ui_snap_signed_range(const struct ui_frame *u)
{
	const struct compare_cell	*c;
	const struct ui_snap		*s = u->snap;
	float				 m = 0.0f, v;
	int				 r, t;

	if (s == NULL)
		return (0.0f);
	if (u->metric == METRIC_DIFF)
		return (s->diff != NULL ? s->diff_max : 0.0f);
	for (r = 0; r < s->nrows; r++) {
		for (t = 0; t < s->T; t++) {
			if ((c = ui_snap_cmp(u, r, t)) == NULL)
				break;
			v = (float)fabs(c->diff_b - c->diff_a);
			if (v > m)
				m = v;
		}
	}
	return (m);
}

void
ui_snap_attrib_free(struct ui_attrib *a)
{
	if (a == NULL)
		return;
	free(a->parts);
	free(a);
}

int
ui_snap_attrib_id(const struct ui_frame *u)
{
	const struct lens_top	*t;

	if (ui_snap_metric_tracked(u->metric) && u->ntrack > 0)
		return (u->track[u->track_cur]);
	if ((t = ui_snap_shown_top(u, u->sel_row, u->sel_pos)) == NULL)
		return (-1);
	return (t->id);
}

int
ui_snap_rows(const struct ui_frame *u)
{
	return (u->snap != NULL ? u->snap->nrows : 0);
}

const struct lens_cell *
ui_snap_cell(const struct ui_frame *u, int row, int pos)
{
	const struct ui_snap	*s = u->snap;

	if (s == NULL || row < 0 || row >= s->nrows || pos < 0 || pos >= s->T)
		return (NULL);
	return (&s->cells[(size_t)row * s->T + pos]);
}

const struct lens_top *
ui_snap_top(const struct ui_frame *u, int row, int pos)
{
	const struct ui_snap	*s = u->snap;

	if (ui_snap_cell(u, row, pos) == NULL)
		return (NULL);
	return (&s->tops[((size_t)row * s->T + pos) * s->top_k]);
}

const struct lens_top *
ui_snap_shown_top(const struct ui_frame *u, int row, int pos)
{
	const struct lens_top	*t = ui_snap_top(u, row, pos);
	int			 i;

	if (t == NULL || !u->mask)
		return (t);
	i = ui_view_mask(t, u->snap->top_k, u->snap->ids, pos + 1);
	return (i == -1 ? NULL : &t[i]);
}

int
ui_snap_track_value(const struct ui_frame *u, int id, int row, int pos,
    float *prob, float *logit, int *rank)
{
	const struct ui_snap	*s = u->snap;
	size_t			 at;
	int			 i;

	if (ui_snap_cell(u, row, pos) == NULL)
		return (0);
	for (i = 0; i < s->ntrack; i++) {
		if (s->track[i] != id)
			continue;
		at = ((size_t)i * s->nrows + row) * s->T + pos;
		*prob = s->track_prob[at];
		*logit = s->track_logit[at];
		*rank = s->track_rank[at];
		return (1);
	}
	return (0);
}

int
ui_snap_metric_tracked(int m)
{
	return (m == UI_METRIC_TRACK || m == UI_METRIC_TRACK_RANK);
}

int
ui_snap_value(const struct ui_frame *u, int row, int pos, float *v)
{
	const struct lens_cell		*c = ui_snap_cell(u, row, pos);
	const struct lens_top		*t;
	const struct compare_cell	*cc;
	float				 logit;
	int				 i;

	if (c == NULL)
		return (0);
	switch (u->metric) {
	case METRIC_DIFF:
		if (u->snap->diff == NULL)
			return (0);
		*v = u->snap->diff[(size_t)row * u->snap->T + pos];
		return (isfinite(*v));
	case METRIC_DIFF_CHANGE:
	case METRIC_CMP_KL:
	case METRIC_CMP_JS:
	case METRIC_CMP_TV:
		if ((cc = ui_snap_cmp(u, row, pos)) == NULL)
			return (0);
		*v = (float)(u->metric == METRIC_CMP_KL ? cc->kl :
		    u->metric == METRIC_CMP_JS ? cc->js :
		    u->metric == METRIC_CMP_TV ? cc->tv :
		    cc->diff_b - cc->diff_a);
		return (isfinite(*v));
	case UI_METRIC_TRACK:
		if (u->ntrack == 0)
			return (0);
		return (ui_snap_track_value(u, u->track[u->track_cur], row,
		    pos, v, &logit, &i));
	case UI_METRIC_TRACK_RANK:
		if (u->ntrack == 0 || !ui_snap_track_value(u,
		    u->track[u->track_cur], row, pos, v, &logit, &i) || i == 0)
			return (0);
		*v = (float)i;
		return (1);
	case UI_METRIC_TUNED_KL:
		*v = c->kl_other;
		return (u->snap->tuned && !isnan(*v));
	case UI_METRIC_PROB:
		if ((t = ui_snap_shown_top(u, row, pos)) == NULL)
			return (0);
		*v = t->prob;
		return (1);
	}
	return (ui_palette_value(u->metric, c, ui_snap_top(u, row, pos), v));
}

int
ui_snap_delta(const struct ui_frame *u, int row, int pos, float *d)
{
	float	a, b;

	if (row < 1 || !ui_snap_value(u, row, pos, &a) ||
	    !ui_snap_value(u, row - 1, pos, &b))
		return (0);
	*d = a - b;
	return (1);
}

char *
ui_snap_token_text(const struct ui_frame *u, int id)
{
	const char	*b;
	size_t		 len;

	if ((b = tok_bytes(u->tok, id, &len)) == NULL)
		return (xasprintf("<%d>", id));
	return (tok_display(b, len, u->ascii ? TOK_DISPLAY_ASCII : 0));
}

char *
ui_snap_token_fit(const struct ui_frame *u, int id, int width, char *out,
    size_t len)
{
	char	*s = ui_snap_token_text(u, id);

	ui_layout_fit(s, strlen(s), width, u->ascii, out, len);
	free(s);
	return (out);
}

/* Does the search pattern occur in a token's text (ignoring case)? */
int
ui_snap_token_match(const struct ui_frame *u, int id)
{
	const char	*b;
	size_t		 len, plen, i, j;

	if (u->pattern == NULL ||
	    (b = tok_bytes(u->tok, id, &len)) == NULL)
		return (0);
	plen = strlen(u->pattern);
	for (i = 0; i + plen <= len; i++) {
		for (j = 0; j < plen; j++) {
			if ((b[i + j] | 0x20) != (u->pattern[j] | 0x20) &&
			    b[i + j] != u->pattern[j])
				break;
		}
		if (j == plen)
			return (1);
	}
	return (0);
}

int
ui_snap_match(const struct ui_frame *u, int row, int pos)
{
	const struct lens_top	*t;
	int			 i;

	if (u->pattern == NULL || (t = ui_snap_top(u, row, pos)) == NULL)
		return (0);
	for (i = 0; i < u->snap->top_k; i++) {
		if (ui_snap_token_match(u, t[i].id))
			return (i + 1);
	}
	return (0);
}

int
ui_snap_input_match(const struct ui_frame *u, int pos)
{
	return (u->snap != NULL && pos >= 0 && pos < u->snap->T &&
	    ui_snap_token_match(u, u->snap->ids[pos]));
}

/* The largest change between a row and the row below, for the scale. */
float
ui_snap_delta_range(const struct ui_frame *u)
{
	const struct ui_snap	*s = u->snap;
	float			 d, m = 0.0f;
	int			 r, t;

	for (r = 1; r < s->nrows; r++) {
		for (t = 0; t < s->T; t++) {
			if (ui_snap_delta(u, r, t, &d) && fabsf(d) > m)
				m = fabsf(d);
		}
	}
	return (m);
}
