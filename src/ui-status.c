/*
 * ui-status.c: the prompt line, the status line, the help screen and the
 * "terminal too small" message, drawn with curses.
 *
 * Reads struct ui as the loop left it; changes nothing. The grid, the panel
 * and the legend are ui-grid.c's and ui-panel.c's.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "lens.h"
#include "ui-int.h"
#include "ui-keys.h"
#include "ui-layout.h"
#include "ui-status.h"
#include "ui-worker.h"
#include "util.h"

/* One character of the prompt as shown, and its width. */
static const char *
ui_status_char(const struct ui *u, const char *s, size_t avail, size_t *n,
    char *buf, int *w)
{
	const unsigned char	*p = (const unsigned char *)s;
	int			 l;

	*n = 1;
	*w = 1;
	if (*p == '\n') {
		*w = u->f.ascii ? 2 : 1;
		return (u->f.ascii ? "\\n" : "\xe2\x86\xb5");
	}
	if (*p == '\t') {
		*w = u->f.ascii ? 2 : 1;
		return (u->f.ascii ? "\\t" : "\xe2\x86\x92");
	}
	if (*p < 0x20 || *p == 0x7f) {
		snprintf(buf, 8, "^%c", *p ^ 0x40);
		*w = 2;
		return (buf);
	}
	if (*p < 0x80)
		return (memcpy(buf, s, 1), buf[1] = '\0', buf);
	l = util_utf8_len(p, avail);
	if (l < 2 || u->f.ascii) {
		snprintf(buf, 8, "\\x%02x", *p);
		*w = 4;
		return (buf);
	}
	memcpy(buf, s, l);
	buf[l] = '\0';
	*n = l;
	*w = ui_layout_width(buf, l);
	return (buf);
}

/*
 * One prompt line at y: mark ("> " while focused) and the text of e,
 * scrolled so that the cursor shows; returns the cursor's column.
 */
static int
ui_status_line(struct ui *u, const struct ui_edit *e, int y,
    const char *mark, int *end)
{
	const char	*shown;
	char		 buf[8];
	size_t		 off, n, start = 0;
	int		 w, col = 0, cur_col = 0, avail, x, mw;

	mw = (int)strlen(mark);
	/* Scroll so that the cursor is on screen. */
	avail = u->f.layout.cols - mw - 1;
	for (off = 0; off < e->cur; off += n) {
		ui_status_char(u, e->buf + off, e->len - off, &n, buf, &w);
		cur_col += w;
	}
	for (off = 0, col = cur_col; col >= avail; off += n) {
		ui_status_char(u, e->buf + off, e->len - off, &n, buf, &w);
		col -= w;
		start = off + n;
	}
	attron(A_BOLD);
	mvaddstr(y, 0, mark);
	attroff(A_BOLD);
	x = mw;
	for (off = start; off < e->len; off += n) {
		shown = ui_status_char(u, e->buf + off, e->len - off, &n, buf,
		    &w);
		if (x + w > u->f.layout.cols - 1)
			break;
		if ((unsigned char)e->buf[off] < 0x20 || shown[0] == '\\')
			attron(A_DIM);
		mvaddstr(y, x, shown);
		attroff(A_DIM);
		x += w;
	}
	*end = x;
	return (mw + col);
}

void
ui_status_prompt(struct ui *u)
{
	int	focus = u->f.focus, col, col_b = 0, x, y_b;

	col = ui_status_line(u, &u->edit, u->f.layout.prompt_y,
	    focus == UI_FOCUS_PROMPT ? "> " : ": ", &x);
	if (u->edit.len == 0 && focus != UI_FOCUS_PROMPT) {
		attron(A_DIM);
		mvaddstr(u->f.layout.prompt_y, 2, "(press e to type a prompt)");
		attroff(A_DIM);
	} else if (u->example && focus != UI_FOCUS_PROMPT &&
	    x + 4 < u->f.layout.cols) {
		attron(A_DIM);
		mvaddnstr(u->f.layout.prompt_y, x + 2, "(an example: e or Tab "
		    "types your own prompt)", u->f.layout.cols - x - 3);
		attroff(A_DIM);
	}
	/* Prompt B, compared with A cell by cell. */
	if ((y_b = u->f.layout.prompt_b_y) > 0 && u->cmp_open) {
		col_b = ui_status_line(u, &u->edit_b, y_b,
		    focus == UI_FOCUS_PROMPT_B ? "B> " : "B: ", &x);
		if (u->edit_b.len == 0 && focus != UI_FOCUS_PROMPT_B) {
			attron(A_DIM);
			mvaddnstr(y_b, 3, "(prompt B is empty: Tab from the "
			    "prompt types it, b closes)", u->f.layout.cols - 4);
			attroff(A_DIM);
		}
	}
	if (focus == UI_FOCUS_PROMPT)
		move(u->f.layout.prompt_y, col);
	else if (focus == UI_FOCUS_PROMPT_B && y_b > 0)
		move(y_b, col_b);
}

const char *
ui_status_ask_label(int ask)
{
	static const char *const labels[] = {
	    "search input, top-1 and top-k tokens: /", "track token: ",
	    "save session: ", "open session: ", "export SVG: ",
	    "corrupted prompt: ", "export patching SVG: ",
	    "patching target (empty: clean top-1): ",
	    "patching anti-target (empty: corrupted top-1): " };

	return (labels[ask]);
}

void
ui_status_draw(struct ui *u)
{
	char		 left[256], right[256], name[32], pctbuf[32];
	char		 trunc[96];
	const char	*state;
	int		 y = u->f.layout.status_y, pct;
	int		 busy = ui_worker_busy(&u->w);

	if (u->f.focus == UI_FOCUS_ASK) {
		mvprintw(y, 0, "%s%.*s", ui_status_ask_label(u->ask),
		    (int)u->search.len, u->search.buf);
		clrtoeol();
		return;
	}
	pct = ui_worker_progress(&u->w);
	if (u->tok_err != NULL || u->tok_err_b != NULL)
		state = "error";
	else if (busy || u->debounce_at != 0) {
		snprintf(pctbuf, sizeof pctbuf, "computing %d%%", pct);
		state = pctbuf;
	} else if (u->f.nids == 0)
		state = "empty";
	else
		state = "ready";
	trunc[0] = '\0';
	if (u->dropped > 0)
		snprintf(trunc, sizeof trunc, "truncated: the last %d tokens "
		    "(%zu dropped)", u->n_ctx, u->dropped);
	name[0] = '\0';
	if (u->f.snap != NULL)
		lens_row_name(u->f.snap->rows[u->f.sel_row], name, sizeof name);
	snprintf(left, sizeof left, " %s%s L%d/%d P%d/%d %s%s| %s ",
	    u->cmp_open ? (u->f.snap != NULL && u->f.snap->swapped ? "B " :
	    "A ") : "", name, u->f.sel_row, u->f.snap ? u->f.snap->nrows - 1 : 0,
	    u->f.snap ? u->f.sel_pos + 1 : 0, u->f.snap ? u->f.snap->T : 0,
	    state,
	    (busy || u->debounce_at != 0) && u->f.snap != NULL ? " (stale) " :
	    " ", u->msg ? u->msg : u->tok_err ? u->tok_err : u->tok_err_b ?
	    u->tok_err_b : trunc[0] ? trunc : u->opts->model_note ? u->opts->model_note : "");
	snprintf(right, sizeof right, " %s%s%s ? help  q quit ",
	    u->lastkey[0] ? "key " : "", u->lastkey,
	    u->lastkey[0] ? " |" : "");
	attron(A_REVERSE);
	move(y, 0);
	hline(' ', u->f.layout.cols);
	mvaddnstr(y, 0, left, u->f.layout.cols);
	if ((int)(strlen(left) + strlen(right)) < u->f.layout.cols)
		mvaddstr(y, u->f.layout.cols - (int)strlen(right), right);
	attroff(A_REVERSE);
}

/* One entry of the help screen: keys, what they do, the action's name. */
static void
ui_status_help_entry(struct ui *u, int a, int y, int x, int w)
{
	char	keys[64], buf[256];

	ui_keys_keys(u->keys, a, keys, sizeof keys);
	snprintf(buf, sizeof buf, "%-9.9s %-18.18s %s", keys[0] ? keys : "-",
	    ui_keys_name(a), ui_keys_help(a));
	mvaddnstr(y, x, buf, w - 1);
}

/* The help screen, generated from the key table, in as many columns fit. */
void
ui_status_help(struct ui *u)
{
	size_t	i;
	int	a, ncol, per, n = 0, w, lines = u->f.layout.lines;

	while (ui_keys_nth(n) != -1)
		n++;
	ncol = u->f.layout.cols / 50 > 0 ? u->f.layout.cols / 50 : 1;
	per = lines - 5 > 1 ? lines - 5 : 1;
	if (ncol > (n + per - 1) / per)
		ncol = (n + per - 1) / per;
	w = u->f.layout.cols / ncol;
	if (u->help_off > n - per * ncol)
		u->help_off = n - per * ncol > 0 ? n - per * ncol : 0;
	erase();
	attron(A_BOLD);
	mvaddnstr(0, 0, "logitlens keys (q, Esc or ? closes; j/k scroll)",
	    u->f.layout.cols);
	attroff(A_BOLD);
	for (i = u->help_off; (a = ui_keys_nth(i)) != -1; i++) {
		int	k = (int)i - u->help_off;

		if (k >= per * ncol)
			break;
		ui_status_help_entry(u, a, 2 + k % per, (k / per) * w, w);
	}
	mvaddnstr(lines - 2, 0, "Prompt: readline keys (C-a C-e C-k C-u C-w, "
	    "Up/Down history), Enter runs, Esc leaves.", u->f.layout.cols);
	mvaddnstr(lines - 1, 0, u->mouse ? "Mouse: click selects a cell, the "
	    "wheel scrolls; Shift+drag selects text." : "Mouse: off.",
	    u->f.layout.cols);
}

void
ui_status_small(struct ui *u)
{
	char	buf[64];

	erase();
	mvaddnstr(0, 0, "terminal too small", u->f.layout.cols);
	snprintf(buf, sizeof buf, "need %dx%d", UI_MIN_COLS, UI_MIN_LINES);
	if (u->f.layout.lines > 1)
		mvaddnstr(1, 0, buf, u->f.layout.cols);
}
