/*
 * ui-grid.c: the grid of layers x positions, its headers and the legend.
 *
 * Owns how a cell looks: glyph, token, mark, colour by the chosen metric.
 * Refuses to know how the cells were computed or which key moved the
 * selection: it draws a const struct ui_frame (ui-snap.h) as it finds it,
 * from the main thread.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "compare.h"
#include "lens.h"
#include "model.h"
#include "ui-grid.h"
#include "ui-layout.h"
#include "ui-palette.h"
#include "ui-snap.h"
#include "ui-view.h"

#define UI_MARK_MATCH	"\xe2\x97\x86"	/* ◆: a search match */
#define UI_MARK_MATCH_K	"\xe2\x97\x87"	/* ◇: a match in the top-k */

int
ui_grid_label_w(const struct ui_frame *u)
{
	const struct gpt2_config *gc = gpt2_config(u->model);
	char			 buf[32];
	int			 w;

	snprintf(buf, sizeof buf, u->sublayers ? "h.%d.attn" : "h.%d",
	    gc->n_layer - 1);
	w = (int)strlen(buf);
	return (w < 5 ? 5 : w);
}

int
ui_grid_attr(const struct ui_frame *u, float norm, int *pair)
{
	int	b = ui_palette_bucket(norm), n;

	*pair = 0;
	switch (u->tier) {
	case UI_TIER_256:
		n = ui_palette_ramp_len(u->palette);
		*pair = UI_PAIR_RAMP(u->palette, (int)(norm * (float)(n - 1) +
		    0.5f));
		return (COLOR_PAIR(*pair));
	case UI_TIER_8:
		*pair = UI_PAIR_BUCKET(b);
		return (COLOR_PAIR(*pair) | (b == UI_NBUCKETS - 1 ? A_BOLD : 0));
	default:
		return (b <= 1 ? A_DIM : b >= 3 ? A_BOLD : A_NORMAL);
	}
}

int
ui_grid_div_attr(const struct ui_frame *u, float norm)
{
	int	b = ui_palette_bucket(norm);

	switch (u->tier) {
	case UI_TIER_256:
		return (COLOR_PAIR(UI_PAIR_DIV((int)(norm *
		    (float)(UI_DIV_LEN - 1) + 0.5f))));
	case UI_TIER_8:
		return (COLOR_PAIR(UI_PAIR_DIV_BUCKET(b)));
	default:
		return (b <= 1 ? A_DIM : b >= 3 ? A_BOLD : A_NORMAL);
	}
}

/*
 * Attributes and glyph of a cell by the current metric (or its delta);
 * *has says whether it has a value, *v is it.
 */
static int
ui_grid_look(const struct ui_frame *u, int row, int pos, const char **glyph,
    float *v, int *has)
{
	float	norm;
	int	pair;

	*glyph = " ";
	if (u->delta) {
		if (!(*has = ui_snap_delta(u, row, pos, v)))
			return (A_NORMAL);
		norm = ui_view_diverge(*v, u->delta_range);
		*glyph = ui_palette_glyph(norm, u->ascii);
		return (ui_grid_div_attr(u, norm));
	}
	if (!(*has = ui_snap_value(u, row, pos, v)))
		return (A_NORMAL);
	/* A logit difference and its change: the diverging ramp. */
	if (metric_get(u->metric)->scale == METRIC_SCALE_DIVERGING) {
		norm = ui_view_diverge(*v, u->delta_range);
		*glyph = ui_palette_glyph(norm, u->ascii);
		return (ui_grid_div_attr(u, norm));
	}
	norm = ui_palette_norm(u->metric, *v, u->snap->logit_lo,
	    u->snap->logit_hi, u->n_vocab);
	*glyph = ui_palette_glyph(norm, u->ascii);
	return (ui_grid_attr(u, norm, &pair));
}

/*
 * Whether cells show numbers (a delta, a tracked token, a logit
 * difference) or tokens.
 */
static int
ui_grid_numbers(const struct ui_frame *u)
{
	return (u->delta || ui_snap_metric_tracked(u->metric) ||
	    u->metric == METRIC_DIFF);
}

/*
 * A comparison metric labels a compared cell with the token whose
 * probability changed most, + rose or - fell from A to B (as tuned-lens).
 */
static int
ui_grid_cmp_label(const struct ui_frame *u, int row, int pos, char *text,
    size_t len)
{
	const struct compare_cell	*c;
	char				 tok[128], buf[160];

	if (u->delta || !(metric_get(u->metric)->needs &
	    METRIC_NEEDS_COMPARE) || (c = ui_snap_cmp(u, row, pos)) == NULL)
		return (0);
	if (c->max_delta == 0.0) {	/* the same distribution */
		ui_layout_fit("=", 1, u->cell_w - 2, u->ascii, text, len);
		return (1);
	}
	ui_snap_token_fit(u, c->max_id, u->cell_w - 3, tok, sizeof tok);
	snprintf(buf, sizeof buf, "%c%s", c->max_delta < 0 ? '-' : '+', tok);
	ui_layout_fit(buf, strlen(buf), u->cell_w - 2, u->ascii, text, len);
	return (1);
}

static void
ui_grid_cell(const struct ui_frame *u, int row, int pos, int y, int x)
{
	const struct lens_cell	*c = ui_snap_cell(u, row, pos);
	const struct lens_top	*t = ui_snap_shown_top(u, row, pos);
	const char		*glyph, *mark = " ";
	char			 text[256], num[32];
	float			 v;
	int			 attr, match, has;

	if (c == NULL)
		return;
	attr = ui_grid_look(u, row, pos, &glyph, &v, &has);
	match = ui_snap_match(u, row, pos);
	if (ui_grid_cmp_label(u, row, pos, text, sizeof text))
		;
	else if (ui_grid_numbers(u) && u->metric == UI_METRIC_TRACK_RANK &&
	    !u->delta) {
		snprintf(num, sizeof num, "%d", (int)v);
		ui_layout_fit(has ? num : "", has ? strlen(num) : 0,
		    u->cell_w - 2, u->ascii, text, sizeof text);
	} else if (ui_grid_numbers(u)) {
		ui_view_num(v, u->delta, u->cell_w - 2, num, sizeof num);
		ui_layout_fit(has ? num : "", has ? strlen(num) : 0,
		    u->cell_w - 2, u->ascii, text, sizeof text);
	} else if (t == NULL)
		ui_layout_fit("-", 1, u->cell_w - 2, u->ascii, text,
		    sizeof text);	/* the whole top-k copies the input */
	else
		ui_snap_token_fit(u, t->id, u->cell_w - 2, text, sizeof text);
	if (t != NULL && t->id == c->next_id && !ui_grid_numbers(u))
		mark = u->ascii ? UI_MARK_NEXT_ASCII : UI_MARK_NEXT;
	else if (match == 1)
		mark = u->ascii ? "/" : UI_MARK_MATCH;
	else if (match > 1)
		mark = u->ascii ? ";" : UI_MARK_MATCH_K;
	if (match)
		attr |= A_UNDERLINE;
	if (row == u->sel_row && pos == u->sel_pos)
		attr |= A_REVERSE | A_BOLD;
	attron(attr);
	mvaddstr(y, x, glyph);
	addstr(text);
	addstr(mark);
	attroff(attr);
}

/* The two header lines: input tokens and next tokens. */
static void
ui_grid_header(const struct ui_frame *u, const int *ids, int T)
{
	const struct ui_layout	*l = &u->layout;
	char			 text[256];
	int			 c, t, x, attr;

	mvaddstr(l->head_y, 0, "input");
	mvaddstr(l->head_y + 1, 0, "next");
	for (c = 0; c < l->vis_cols && (t = u->col_off + c) < T; c++) {
		x = l->grid_x + c * (l->cell_w + 1);
		attr = t == u->sel_pos ? A_BOLD | A_UNDERLINE : A_BOLD;
		if (ids == (u->snap ? u->snap->ids : NULL) &&
		    ui_snap_input_match(u, t))
			attr |= A_REVERSE;
		/* Where prompt B's input token differs from A's, or is none. */
		if (ids == (u->snap ? u->snap->ids : NULL) && u->snap->other &&
		    (t >= u->snap->other->T || u->snap->other->ids[t] !=
		    ids[t])) {
			attr |= A_STANDOUT;
			mvaddstr(l->head_y, x - 1, u->ascii ? "*" :
			    "\xe2\x80\xa2");
		}
		attron(attr);
		mvaddstr(l->head_y, x, ui_snap_token_fit(u, ids[t], l->cell_w,
		    text, sizeof text));
		attroff(attr);
		if (t + 1 < T)
			mvaddstr(l->head_y + 1, x, ui_snap_token_fit(u,
			    ids[t + 1], l->cell_w, text, sizeof text));
		else {
			attron(A_DIM);
			mvaddstr(l->head_y + 1, x, "(end)");
			attroff(A_DIM);
		}
	}
	if (u->col_off > 0)
		mvaddstr(l->head_y, l->grid_x - 1, "<");
	if (u->col_off + l->vis_cols < T)
		mvaddstr(l->head_y, l->grid_x + l->vis_cols * (l->cell_w + 1) -
		    1, ">");
}

void
ui_grid_draw(const struct ui_frame *u)
{
	const struct ui_layout	*l = &u->layout;
	const struct ui_snap	*s = u->snap;
	char			 name[32];
	int			 line, dl, row, c, t, nrows;

	if (s == NULL) {
		ui_grid_header(u, u->ids, (int)u->nids);
		attron(A_DIM);
		mvaddstr(l->grid_y, 0, u->nids ? "computing..." :
		    "type a prompt");
		attroff(A_DIM);
		return;
	}
	ui_grid_header(u, s->ids, s->T);
	nrows = s->nrows;
	for (line = 0; line < l->vis_rows; line++) {
		if ((dl = u->row_off + line) >= nrows)
			break;
		row = ui_layout_row(dl, nrows, u->final_on_top);
		lens_row_name(s->rows[row], name, sizeof name);
		if (row == u->sel_row)
			attron(A_BOLD);
		mvaddnstr(l->grid_y + line, 0, name, l->label_w);
		attroff(A_BOLD);
		for (c = 0; c < l->vis_cols && (t = u->col_off + c) < s->T; c++)
			ui_grid_cell(u, row, t, l->grid_y + line,
			    l->grid_x + c * (l->cell_w + 1));
	}
	if (u->row_off > 0)
		mvaddstr(l->grid_y, l->label_w, "^");
	if (u->row_off + l->vis_rows < nrows)
		mvaddstr(l->grid_y + l->vis_rows - 1, l->label_w, "v");
}

static void
ui_grid_swatch(const struct ui_frame *u, float norm, const char *label)
{
	int	pair, attr = ui_grid_attr(u, norm, &pair);

	attron(attr);
	addstr(ui_palette_glyph(norm, u->ascii));
	if (label != NULL)
		addstr(label);
	attroff(attr);
}

/* The delta view's legend: the signed range around 0. */
static void
ui_grid_legend_delta(const struct ui_frame *u)
{
	char	num[32];
	int	i, n = ui_palette_nglyphs(u->ascii);

	printw("%s%s: ", u->delta ? "delta " : "",
	    ui_palette_metric_title(u->metric));
	ui_view_num(-u->delta_range, 1, 7, num, sizeof num);
	printw("%s ", num);
	/* Each glyph a cell can carry, in the colour it comes with. */
	for (i = 0; i < n; i++) {
		float	norm = (float)i / (float)(n - 1);
		int	attr = ui_grid_div_attr(u, norm);

		attron(attr);
		addstr(ui_palette_glyph(norm, u->ascii));
		attroff(attr);
	}
	ui_view_num(u->delta_range, 1, 7, num, sizeof num);
	printw(" %s", num);
}

/* What changes what the grid shows: masking, the tracked token. */
static void
ui_grid_legend_flags(const struct ui_frame *u)
{
	char	*text;

	if (u->snap != NULL && u->snap->other != NULL)
		printw("  grid: prompt %s", u->snap->swapped ? "B" : "A");
	if (u->mask)
		printw("  mask");
	if (u->snap != NULL && u->snap->tuned)
		printw("  tuned");
	if (u->snap != NULL && u->snap->jacobian)
		printw("  jacobian");
	if (ui_snap_metric_tracked(u->metric) && u->ntrack > 0) {
		text = ui_snap_token_text(u, u->track[u->track_cur]);
		printw("  tracking %s", text);
		free(text);
	}
}

void
ui_grid_legend(const struct ui_frame *u)
{
	static const char *const ranks[] = { ">100", "21-100", "6-20", "2-5",
	    "1" };
	char	lo[16], hi[16], buf[16];
	int	i, n, m = u->metric;
	float	a = 0, b = 0;

	if (u->snap != NULL) {
		a = u->snap->logit_lo;
		b = u->snap->logit_hi;
	}
	if (metric_get(m)->scale == METRIC_SCALE_ENTROPY)
		a = logf((float)u->n_vocab);
	ui_palette_ends(m, a, b, lo, hi, sizeof lo);
	move(u->layout.legend_y, 0);
	if (u->delta || metric_get(m)->scale == METRIC_SCALE_DIVERGING) {
		ui_grid_legend_delta(u);
		ui_grid_legend_flags(u);
		return;
	}
	printw("%s: ", ui_palette_metric_title(m));
	if (m == UI_METRIC_FINAL_RANK || m == UI_METRIC_NEXT_RANK ||
	    m == UI_METRIC_TRACK_RANK) {
		for (i = 0; i < UI_NBUCKETS; i++) {
			snprintf(buf, sizeof buf, "%s", ranks[i]);
			ui_grid_swatch(u, i / 4.0f, buf);
			addstr(" ");
		}
	} else {
		printw("%s ", lo);
		/* Each glyph a cell can carry, in the colour it comes with. */
		n = ui_palette_nglyphs(u->ascii);
		for (i = 0; i < n; i++)
			ui_grid_swatch(u, (float)i / (float)(n - 1), NULL);
		printw(" %s", hi);
	}
	if (!ui_grid_numbers(u))
		printw("  %s next", u->ascii ? UI_MARK_NEXT_ASCII :
		    UI_MARK_NEXT);
	if (u->pattern != NULL)
		printw(" %s /%s (input, top-1; %s top-k)", u->ascii ? "/" :
		    UI_MARK_MATCH, u->pattern, u->ascii ? ";" :
		    UI_MARK_MATCH_K);
	ui_grid_legend_flags(u);
}
