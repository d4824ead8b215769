/*
 * ui-panel.c: the panel of the selected cell.
 *
 * Owns the exact numbers behind a cell's colour: its top-k with
 * probability, logit and rank, KL to the final layer, entropy, where the
 * final layer's top-1 and the actual next token stand here. Refuses to know
 * about scrolling or keys.
 *
 * Views, cycled by a key: the cell's top-k; the candidates across layers
 * (each token of some row's top-k at this position, by its highest
 * probability over the rows); the attribution of a logit; the tracked
 * tokens' trajectories over the rows as sparklines; with a prompt B, the
 * comparison (KL, JS, TV, the largest change, A's and B's top-k side by
 * side with each token's change in probability): a table of views
 * (ui_panel_views), each drawn from a const struct ui_frame (ui-snap.h).
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "attrib.h"
#include "compare.h"
#include "lens.h"
#include "ui-palette.h"
#include "ui-panel.h"
#include "ui-snap.h"
#include "ui-view.h"
#include "util.h"

#define UI_PANEL_FIXED	11	/* lines besides the top-k */
#define UI_MARK_MASKED	"\xc3\x97"	/* ×: an input token, masked */

/* The candidates at the selected position; allocated, *n of them. */
static struct ui_cand *
ui_panel_cands(const struct ui_frame *u, int *n)
{
	const struct ui_snap	*s = u->snap;
	struct ui_cand		*c;

	*n = 0;
	if (s == NULL)
		return (NULL);
	c = xreallocarray(NULL, s->top_k, sizeof *c);
	*n = ui_view_cands(s->tops, s->nrows, s->T, s->top_k, u->sel_pos, c,
	    s->top_k);
	return (c);
}

/* Entries of each view's list: count, and the token id of entry i. */

static int
ui_panel_top_count(const struct ui_frame *u)
{
	return (u->snap->top_k);
}

static int
ui_panel_top_entry(const struct ui_frame *u, int i)
{
	const struct lens_top	*t = ui_snap_top(u, u->sel_row, u->sel_pos);

	return (t != NULL ? t[i].id : -1);
}

static int
ui_panel_cands_count(const struct ui_frame *u)
{
	int	n;

	free(ui_panel_cands(u, &n));
	return (n);
}

static int
ui_panel_cands_entry(const struct ui_frame *u, int i)
{
	struct ui_cand	*c;
	int		 n, id;

	c = ui_panel_cands(u, &n);
	id = c[i].id;
	free(c);
	return (id);
}

static int
ui_panel_track_count(const struct ui_frame *u)
{
	return (u->ntrack);
}

static int
ui_panel_track_entry(const struct ui_frame *u, int i)
{
	return (u->track[i]);
}

int
ui_panel_lines(const struct ui_frame *u)
{
	return (UI_PANEL_FIXED + (u->snap ? u->snap->top_k : 10));
}

/* Prints a line of the panel, clipped to its width. */
static void
ui_panel_line(const struct ui_frame *u, int *y, int attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
ui_panel_line(const struct ui_frame *u, int *y, int attr, const char *fmt, ...)
{
	const struct ui_layout	*l = &u->layout;
	va_list			 ap;
	char			 buf[512], fit[512];
	int			 x = l->panel_x + 2, w = l->panel_w - 2;

	if (*y >= l->panel_y + l->panel_h)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ui_layout_fit(buf, strlen(buf), w - 1, u->ascii, fit, sizeof fit);
	attron(attr);
	mvaddstr(*y, x, fit);
	attroff(attr);
	(*y)++;
}

/* A probability in 7 columns: fixed while it reads, else exponent. */
static char *
ui_panel_prob(char *buf, size_t len, float p)
{
	if (p >= 0.001f || p == 0.0f)
		snprintf(buf, len, "%7.4f", (double)p);
	else
		snprintf(buf, len, "%7.1e", (double)p);
	return (buf);
}

static void
ui_panel_top(const struct ui_frame *u, int *y, int k)
{
	const struct lens_cell	*c = ui_snap_cell(u, u->sel_row, u->sel_pos);
	const struct lens_top	*t = ui_snap_top(u, u->sel_row, u->sel_pos);
	char	tok[128], p[32];
	int	i;

	const char	*mark;
	int		 attr;

	ui_panel_line(u, y, A_DIM, "  # token           prob    logit%s",
	    u->mask ? (u->ascii ? " x=input" : " \xc3\x97=input") : "");
	for (i = 0; i < k; i++) {
		ui_snap_token_fit(u, t[i].id, 12, tok, sizeof tok);
		mark = "";
		if (t[i].id == c->next_id)
			mark = u->ascii ? " " UI_MARK_NEXT_ASCII :
			    " " UI_MARK_NEXT;
		else if (ui_snap_token_match(u, t[i].id))
			mark = u->ascii ? " ;" : " \xe2\x97\x87";
		if (u->mask && ui_view_in(t[i].id, u->snap->ids, u->sel_pos +
		    1))
			mark = u->ascii ? " x" : " " UI_MARK_MASKED;
		attr = i == 0 ? A_BOLD : A_NORMAL;
		if (u->focus == UI_FOCUS_PANEL && i == u->panel_sel)
			attr |= A_REVERSE;
		ui_panel_line(u, y, attr, "%3d %s %s %8.3f%s", i + 1, tok,
		    ui_panel_prob(p, sizeof p, t[i].prob), (double)t[i].logit,
		    mark);
	}
}

/* The candidates across layers at this position, k lines. */
static void
ui_panel_cands_draw(const struct ui_frame *u, int *y, int k)
{
	struct ui_cand	*c;
	char		 tok[128], p[32], name[32];
	int		 i, n, attr;

	ui_panel_line(u, y, A_DIM, "  # token        max prob row");
	c = ui_panel_cands(u, &n);
	for (i = 0; i < k; i++) {
		if (i >= n) {
			(*y)++;
			continue;
		}
		ui_snap_token_fit(u, c[i].id, 12, tok, sizeof tok);
		lens_row_name(u->snap->rows[c[i].row], name, sizeof name);
		attr = u->focus == UI_FOCUS_PANEL && i == u->panel_sel ?
		    A_REVERSE : A_NORMAL;
		ui_panel_line(u, y, attr, "%3d %s %s %s", i + 1, tok,
		    ui_panel_prob(p, sizeof p, c[i].prob), name);
	}
	free(c);
}

/* A signed bar of |v| / max of w columns: right of the axis if positive. */
static void
ui_panel_bar(const struct ui_frame *u, double v, double max, int w, char *buf,
    size_t len)
{
	const char	*full = u->ascii ? "#" : "\xe2\x96\x88";
	size_t		 o = 0, l = strlen(full);
	int		 n, i;

	n = max > 0 ? (int)(fabs(v) / max * (w / 2) + 0.5) : 0;
	for (i = 0; i < w / 2 && o + l + 1 < len; i++) {
		if (v < 0 && i >= w / 2 - n) {
			memcpy(buf + o, full, l);
			o += l;
		} else
			buf[o++] = ' ';
	}
	buf[o++] = '|';
	for (i = 0; i < n && v > 0 && o + l + 1 < len; i++) {
		memcpy(buf + o, full, l);
		o += l;
	}
	buf[o] = '\0';
}

/*
 * Where the logit of the attribution token comes from: a bar per part
 * (the largest when they do not all fit, the rest summed), ln_f's bias,
 * the sum and the logit.
 */
static void
ui_panel_attrib_draw(const struct ui_frame *u, int *y, int lines)
{
	const struct ui_attrib	*a = u->attrib;
	char			 tok[128], name[32], bar[128];
	double			 max = 0, rest = 0, sum, cut = 0;
	int			 i, k, fit = lines - 5, nrest = 0;

	ui_snap_token_fit(u, ui_snap_attrib_id(u), 12, tok, sizeof tok);
	ui_panel_line(u, y, A_DIM, "logit of %s by part:", tok);
	if (u->snap->swapped) {		/* the worker's state is A's */
		ui_panel_line(u, y, A_DIM, "of prompt A only (o shows A)");
		return;
	}
	if (a == NULL || a->gen != u->snap->gen || a->row !=
	    u->snap->rows[u->sel_row] || a->pos != u->sel_pos ||
	    a->id != ui_snap_attrib_id(u)) {
		ui_panel_line(u, y, A_DIM, "computing...");
		return;
	}
	sum = a->bias;
	for (i = 0; i < a->nparts; i++) {
		sum += a->parts[i];
		if (fabs(a->parts[i]) > max)
			max = fabs(a->parts[i]);
	}
	/* Too many to list: the fit largest, the others summed. */
	if (a->nparts > fit) {
		for (k = 0; k < fit; k++) {
			double	next = 0;

			for (i = 0; i < a->nparts; i++) {
				if (fabs(a->parts[i]) > next &&
				    (k == 0 || fabs(a->parts[i]) < cut))
					next = fabs(a->parts[i]);
			}
			cut = next;
		}
	}
	for (i = 0; i < a->nparts; i++) {
		if (a->nparts > fit && fabs(a->parts[i]) < cut) {
			rest += a->parts[i];
			nrest++;
			continue;
		}
		attrib_part_name(i, name, sizeof name);
		ui_panel_bar(u, a->parts[i], max, 14, bar, sizeof bar);
		ui_panel_line(u, y, 0, "%-9s %+9.4f %s", name, a->parts[i],
		    bar);
	}
	if (nrest > 0)
		ui_panel_line(u, y, 0, "%d others %+9.4f", nrest, rest);
	ui_panel_line(u, y, 0, "%-9s %+9.4f", "ln_f bias", a->bias);
	ui_panel_line(u, y, A_BOLD, "%-9s %+9.4f", "sum", sum);
	ui_panel_line(u, y, A_BOLD, "%-9s %+9.4f", "logit", a->logit);
}

/* Each tracked token: its numbers here, its trajectory over the rows. */
static void
ui_panel_track_draw(const struct ui_frame *u, int *y, int k)
{
	const struct ui_snap	*s = u->snap;
	char			 tok[128], p[32], spark[256], rk[16];
	float			 v[256], prob, logit;
	int			 i, r, n, attr, rank, lines = 0;

	ui_panel_line(u, y, A_DIM, "tracked: p logit rank; embed->final");
	for (i = 0; i < u->ntrack && lines + 2 <= k; i++, lines += 2) {
		ui_snap_token_fit(u, u->track[i], 12, tok, sizeof tok);
		attr = u->focus == UI_FOCUS_PANEL && i == u->panel_sel ?
		    A_REVERSE : A_NORMAL;
		if (!ui_snap_track_value(u, u->track[i], u->sel_row, u->sel_pos,
		    &prob, &logit, &rank)) {
			ui_panel_line(u, y, attr, "%c%s (computing)",
			    i == u->track_cur ? '*' : ' ', tok);
			(*y)++;
			continue;
		}
		if (rank > 0)
			snprintf(rk, sizeof rk, "%5d", rank);
		else	/* the lens is counting it */
			snprintf(rk, sizeof rk, "%5s", "...");
		ui_panel_line(u, y, attr, "%c%s %s %6.2f %s",
		    i == u->track_cur ? '*' : ' ', tok, ui_panel_prob(p,
		    sizeof p, prob), (double)logit, rk);
		n = s->nrows < (int)(sizeof v / sizeof v[0]) ? s->nrows : 256;
		for (r = 0; r < n; r++)
			ui_snap_track_value(u, u->track[i], r, u->sel_pos,
			    &v[r], &logit, &rank);
		ui_view_spark(v, n, u->ascii, spark, sizeof spark);
		ui_panel_line(u, y, A_NORMAL, "  %s", spark);
	}
	if (u->ntrack == 0)
		ui_panel_line(u, y, A_DIM, "none: Enter tracks, T types");
	for (; lines < k - (u->ntrack == 0); lines++)
		(*y)++;
}

static void
ui_panel_stats(const struct ui_frame *u, int *y, const struct lens_cell *c)
{
	char	tok[128];
	float	v, d, below;

	ui_panel_line(u, y, 0, "KL(final||layer) %.4f nats", (double)c->kl);
	ui_panel_line(u, y, 0, "entropy          %.4f nats",
	    (double)c->entropy);
	ui_snap_token_fit(u, c->final_top1, 16, tok, sizeof tok);
	ui_panel_line(u, y, 0, "final top-1 %s", tok);
	ui_panel_line(u, y, 0, "  rank %d  p %.4g  logit %.3f",
	    c->final_top1_rank, (double)c->final_top1_prob,
	    (double)c->final_top1_logit);
	if (c->next_id >= 0) {
		ui_snap_token_fit(u, c->next_id, 16, tok, sizeof tok);
		ui_panel_line(u, y, 0, "next token  %s", tok);
		ui_panel_line(u, y, 0, "  rank %d  p %.4g  logit %.3f",
		    c->next_rank, (double)c->next_prob,
		    (double)c->next_logit);
	} else {
		ui_panel_line(u, y, A_DIM, "next token  (end of prompt)");
		(*y)++;
	}
	if (ui_snap_value(u, u->sel_row, u->sel_pos, &v))
		ui_panel_line(u, y, A_BOLD, "%s = %.4g",
		    ui_palette_metric_title(u->metric), (double)v);
	else
		ui_panel_line(u, y, A_BOLD, "%s: none",
		    ui_palette_metric_title(u->metric));
	if (u->delta && ui_snap_delta(u, u->sel_row, u->sel_pos, &d) &&
	    ui_snap_value(u, u->sel_row - 1, u->sel_pos, &below))
		ui_panel_line(u, y, A_BOLD, "delta = %+.4g (below %.4g)",
		    (double)d, (double)below);
	else if (u->delta)
		ui_panel_line(u, y, A_BOLD, "delta: none");
}

/*
 * One prompt's top-k entry i at the selected cell for the comparison: its
 * token, probability there and change P_B - P_A, in w columns.
 */
static void
ui_panel_cmp_entry(const struct ui_frame *u, const struct ui_snap *s,
    const float *other, int b, int i, char *out, size_t len)
{
	const struct ui_cmp	*cm = u->snap->cmp;
	const struct lens_top	*t;
	size_t			 at;
	char			 tok[48], p[16];
	float			 d;

	t = &s->tops[((size_t)u->sel_row * s->T + u->sel_pos) * s->top_k];
	at = ((size_t)u->sel_row * cm->Tc + u->sel_pos) * cm->top_k + i;
	d = b ? t[i].prob - other[at] : other[at] - t[i].prob;
	ui_snap_token_fit(u, t[i].id, 10, tok, sizeof tok);
	snprintf(out, len, "%s %s %+8.4f", tok, ui_panel_prob(p, sizeof p,
	    t[i].prob), (double)d);
}

/*
 * The comparison of the selected cell: KL, JS, TV and the largest change,
 * the logit difference in both, and A's top-k beside B's (one above the
 * other in a narrow panel), each with P_B - P_A.
 */
static void
ui_panel_cmp_draw(const struct ui_frame *u, int *y, int lines)
{
	const struct compare_cell	*c = ui_snap_cmp(u, u->sel_row,
					    u->sel_pos);
	const struct ui_snap		*a = ui_snap_a(u), *b = ui_snap_b(u);
	char				 tok[128], ea[128], eb[128];
	float				 v;
	int				 i, k, side, end = *y + lines;

	if (c == NULL || a == NULL || b == NULL) {
		ui_panel_line(u, y, A_DIM, b == NULL ? "no prompt B yet (b "
		    "opens its line)" : "position %d: only prompt %s has it, "
		    "not compared", u->sel_pos + 1, a != NULL &&
		    u->sel_pos < a->T ? "A" : "B");
		return;
	}
	ui_panel_line(u, y, 0, "KL(A||B) %.4g  JS %.4g nats", c->kl, c->js);
	ui_snap_token_fit(u, c->max_id, 10, tok, sizeof tok);
	ui_panel_line(u, y, 0, "TV %.4g  max %s %+.4f", c->tv, tok,
	    c->max_delta);
	if (isfinite(c->diff_a))
		ui_panel_line(u, y, 0, "logit diff A %.4f B %.4f (%+.4f)",
		    c->diff_a, c->diff_b, c->diff_b - c->diff_a);
	if (ui_snap_value(u, u->sel_row, u->sel_pos, &v))
		ui_panel_line(u, y, A_BOLD, "%s = %.4g",
		    ui_palette_metric_title(u->metric), (double)v);
	k = a->top_k;
	side = u->layout.panel_w >= 2 * 26 + 5;
	if (side) {
		ui_panel_line(u, y, A_DIM, "%-10s %7s %8s | %-10s %7s %8s",
		    "A top-k", "P_A", "B-A", "B top-k", "P_B", "B-A");
		for (i = 0; i < k && *y < end; i++) {
			ui_panel_cmp_entry(u, a, u->snap->cmp->pb_of_a, 0, i,
			    ea, sizeof ea);
			ui_panel_cmp_entry(u, b, u->snap->cmp->pa_of_b, 1, i,
			    eb, sizeof eb);
			ui_panel_line(u, y, u->focus == UI_FOCUS_PANEL &&
			    i == u->panel_sel ? A_REVERSE : 0, "%s | %s", ea,
			    eb);
		}
		return;
	}
	/* A narrow panel: A's entries, then B's, as many as fit. */
	if (2 * (k + 1) > end - *y)
		k = (end - *y) / 2 - 1;
	ui_panel_line(u, y, A_DIM, "%-10s %7s %8s", "A top-k", "P_A", "B-A");
	for (i = 0; i < k; i++) {
		ui_panel_cmp_entry(u, a, u->snap->cmp->pb_of_a, 0, i, ea,
		    sizeof ea);
		ui_panel_line(u, y, u->focus == UI_FOCUS_PANEL &&
		    i == u->panel_sel ? A_REVERSE : 0, "%s", ea);
	}
	ui_panel_line(u, y, A_DIM, "%-10s %7s %8s", "B top-k", "P_B", "B-A");
	for (i = 0; i < k; i++) {
		ui_panel_cmp_entry(u, b, u->snap->cmp->pa_of_b, 1, i, eb,
		    sizeof eb);
		ui_panel_line(u, y, 0, "%s", eb);
	}
}

/* Prompt A's top-k at the selected cell, which Enter tracks. */
static int
ui_panel_cmp_count(const struct ui_frame *u)
{
	return (ui_snap_cmp(u, u->sel_row, u->sel_pos) != NULL ?
	    u->snap->top_k : 0);
}

static int
ui_panel_cmp_entry_id(const struct ui_frame *u, int i)
{
	const struct ui_snap	*a = ui_snap_a(u);

	return (a->tops[((size_t)u->sel_row * a->T + u->sel_pos) *
	    a->top_k + i].id);
}

/* The panel's border: a line of box-drawing characters, or ASCII. */
static void
ui_panel_rule(const struct ui_frame *u)
{
	const struct ui_layout	*l = &u->layout;
	int			 i;

	for (i = 0; l->panel_x > 0 && i < l->panel_h; i++)
		mvaddstr(l->panel_y + i, l->panel_x, u->ascii ? "|" :
		    "\xe2\x94\x82");
	for (i = 0; l->panel_x == 0 && i < l->panel_w; i++)
		mvaddstr(l->panel_y, i, u->ascii ? "-" : "\xe2\x94\x80");
}

/*
 * The panel's views, cycled by a key: each a name (sessions keep it), how
 * it draws in k lines (or the whole panel), and its list's entries, which
 * Enter tracks. A new view is a row here and a value of enum ui_view.
 */
static const struct ui_panel_view {
	const char	*name;
	void		(*draw)(const struct ui_frame *, int *y, int k);
	int		(*count)(const struct ui_frame *);	/* NULL: none */
	int		(*entry)(const struct ui_frame *, int i);
	int		 whole;	/* takes the whole panel, no statistics */
} ui_panel_views[UI_VIEW_COUNT] = {
	[UI_VIEW_TOP] = { "top-k", ui_panel_top, ui_panel_top_count,
	    ui_panel_top_entry, 0 },
	[UI_VIEW_CANDS] = { "candidates", ui_panel_cands_draw,
	    ui_panel_cands_count, ui_panel_cands_entry, 0 },
	[UI_VIEW_ATTRIB] = { "attribution", ui_panel_attrib_draw, NULL, NULL,
	    1 },
	[UI_VIEW_TRACK] = { "tracked", ui_panel_track_draw,
	    ui_panel_track_count, ui_panel_track_entry, 0 },
	[UI_VIEW_CMP] = { "compare", ui_panel_cmp_draw, ui_panel_cmp_count,
	    ui_panel_cmp_entry_id, 1 },
};

const char *
ui_panel_view_name(int v)
{
	return (ui_panel_views[v].name);
}

int
ui_panel_view_find(const char *name)
{
	int	i;

	for (i = 0; i < UI_VIEW_COUNT; i++) {
		if (strcmp(name, ui_panel_views[i].name) == 0)
			return (i);
	}
	return (-1);
}

int
ui_panel_count(const struct ui_frame *u)
{
	const struct ui_panel_view	*v = &ui_panel_views[u->view];

	return (u->snap != NULL && v->count != NULL ? v->count(u) : 0);
}

int
ui_panel_entry(const struct ui_frame *u, int i)
{
	if (i < 0 || i >= ui_panel_count(u))
		return (-1);
	return (ui_panel_views[u->view].entry(u, i));
}

void
ui_panel_draw(const struct ui_frame *u)
{
	const struct ui_panel_view	*v = &ui_panel_views[u->view];
	const struct ui_layout		*l = &u->layout;
	const struct lens_cell		*c;
	char				 name[32], tok[128];
	int				 y = l->panel_y, k;

	if (l->panel_w == 0)
		return;
	ui_panel_rule(u);
	y += l->panel_x > 0 ? 0 : 1;
	if ((c = ui_snap_cell(u, u->sel_row, u->sel_pos)) == NULL)
		return;
	lens_row_name(u->snap->rows[u->sel_row], name, sizeof name);
	ui_snap_token_fit(u, u->snap->ids[u->sel_pos], 14, tok, sizeof tok);
	ui_panel_line(u, &y, A_BOLD, "%s @ %d %s", name, u->sel_pos + 1, tok);
	if (v->whole) {
		v->draw(u, &y, l->panel_y + l->panel_h - y);
		return;
	}
	k = u->snap->top_k;
	if (k > l->panel_h - UI_PANEL_FIXED + (l->panel_x > 0 ? 0 : -1))
		k = l->panel_h - UI_PANEL_FIXED + (l->panel_x > 0 ? 0 : -1);
	if (k < 1)
		k = 1;
	v->draw(u, &y, k);
	ui_panel_stats(u, &y, c);
}
