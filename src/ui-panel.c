/*
 * ui-panel.c: the panel of the selected cell.
 *
 * Owns the exact numbers behind a cell's colour: its top-k with
 * probability, logit and rank, KL to the final layer, entropy, where the
 * final layer's top-1 and the actual next token stand here. Refuses to know
 * about scrolling or keys.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "ui.h"
#include "ui-int.h"
#include "ui-palette.h"

#define UI_PANEL_FIXED	10	/* lines besides the top-k */

int
ui_panel_lines(const struct ui *u)
{
	return (UI_PANEL_FIXED + (u->snap ? u->snap->top_k : 10));
}

/* Prints a line of the panel, clipped to its width. */
static void
ui_panel_line(struct ui *u, int *y, int attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
ui_panel_line(struct ui *u, int *y, int attr, const char *fmt, ...)
{
	struct ui_layout	*l = &u->layout;
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
ui_panel_top(struct ui *u, int *y, const struct lens_cell *c,
    const struct lens_top *t, int k)
{
	char	tok[128], p[32];
	int	i;

	ui_panel_line(u, y, A_DIM, "  # token           prob    logit");
	for (i = 0; i < k; i++) {
		ui_token_fit(u, t[i].id, 12, tok, sizeof tok);
		ui_panel_line(u, y, i == 0 ? A_BOLD : A_NORMAL,
		    "%3d %s %s %8.3f%s", i + 1, tok, ui_panel_prob(p, sizeof p,
		    t[i].prob), (double)t[i].logit, t[i].id == c->next_id ?
		    (u->ascii ? " =" : " \xe2\x9c\x93") : "");
	}
}

static void
ui_panel_stats(struct ui *u, int *y, const struct lens_cell *c)
{
	char	tok[128];
	float	v;

	ui_panel_line(u, y, 0, "KL(final||here) %.4f nats", (double)c->kl);
	ui_panel_line(u, y, 0, "entropy         %.4f nats",
	    (double)c->entropy);
	ui_token_fit(u, c->final_top1, 16, tok, sizeof tok);
	ui_panel_line(u, y, 0, "final top-1 %s", tok);
	ui_panel_line(u, y, 0, "  rank %d  p %.4g  logit %.3f",
	    c->final_top1_rank, (double)c->final_top1_prob,
	    (double)c->final_top1_logit);
	if (c->next_id >= 0) {
		ui_token_fit(u, c->next_id, 16, tok, sizeof tok);
		ui_panel_line(u, y, 0, "next token  %s", tok);
		ui_panel_line(u, y, 0, "  rank %d  p %.4g  logit %.3f",
		    c->next_rank, (double)c->next_prob,
		    (double)c->next_logit);
	} else {
		ui_panel_line(u, y, A_DIM, "next token  (end of prompt)");
		(*y)++;
	}
	if (ui_palette_value(u->metric, c, ui_top(u, u->sel_row,
	    u->sel_pos), &v))
		ui_panel_line(u, y, A_BOLD, "%s = %.4g",
		    ui_palette_metric_title(u->metric), (double)v);
	else
		ui_panel_line(u, y, A_BOLD, "%s: none",
		    ui_palette_metric_title(u->metric));
}

/* The panel's border: a line of box-drawing characters, or ASCII. */
static void
ui_panel_rule(struct ui *u)
{
	struct ui_layout	*l = &u->layout;
	int			 i;

	for (i = 0; l->panel_x > 0 && i < l->panel_h; i++)
		mvaddstr(l->panel_y + i, l->panel_x, u->ascii ? "|" :
		    "\xe2\x94\x82");
	for (i = 0; l->panel_x == 0 && i < l->panel_w; i++)
		mvaddstr(l->panel_y, i, u->ascii ? "-" : "\xe2\x94\x80");
}

void
ui_panel_draw(struct ui *u)
{
	struct ui_layout	*l = &u->layout;
	const struct lens_cell	*c;
	const struct lens_top	*t;
	char			 name[32], tok[128];
	int			 y = l->panel_y, k;

	if (l->panel_w == 0)
		return;
	ui_panel_rule(u);
	y += l->panel_x > 0 ? 0 : 1;
	if ((c = ui_cell(u, u->sel_row, u->sel_pos)) == NULL)
		return;
	t = ui_top(u, u->sel_row, u->sel_pos);
	lens_row_name(u->snap->rows[u->sel_row], name, sizeof name);
	ui_token_fit(u, u->snap->ids[u->sel_pos], 14, tok, sizeof tok);
	ui_panel_line(u, &y, A_BOLD, "%s @ %d %s", name, u->sel_pos + 1, tok);
	k = u->snap->top_k;
	if (k > l->panel_h - UI_PANEL_FIXED + (l->panel_x > 0 ? 0 : -1))
		k = l->panel_h - UI_PANEL_FIXED + (l->panel_x > 0 ? 0 : -1);
	if (k < 1)
		k = 1;
	ui_panel_top(u, &y, c, t, k);
	ui_panel_stats(u, &y, c);
}
