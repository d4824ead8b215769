/*
 * ui.c: the explorer's main loop, its worker thread, keys and signals.
 *
 * Owns the terminal while ui_run runs: curses setup and teardown, the
 * poll() loop over stdin and a self-pipe, the worker that runs the lens,
 * the prompt line, the status line and the help screen. The grid and the
 * panel are drawn by ui-grid.c and ui-panel.c. Refuses to know how the lens
 * computes: it only reads struct lens_cell and struct lens_top.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "attrib.h"
#include "cfg.h"
#include "lens.h"
#include "model.h"
#include "report.h"
#include "session.h"
#include "tok.h"
#include "tuned.h"
#include "ui-grid.h"
#include "ui-int.h"
#include "ui-keys.h"
#include "ui-palette.h"
#include "ui-panel.h"
#include "ui-snap.h"
#include "ui-term.h"
#include "ui-view.h"
#include "ui-worker.h"
#include "ui.h"
#include "util.h"

#define UI_DEBOUNCE	0.15	/* seconds of quiet typing before a run */
#define UI_KEY_PASTE_ON	(KEY_MAX + 1)
#define UI_KEY_PASTE_OFF (KEY_MAX + 2)

static volatile sig_atomic_t	ui_sigfd = -1;

/* The worker thread. */

/* Tokenizes the prompt; 0, or -1 with u->tok_err set. */
static int
ui_tokenize(struct ui *u)
{
	char	*cause = NULL;
	size_t	 n;

	free(u->f.ids);
	u->f.ids = NULL;
	u->f.nids = 0;
	free(u->tok_err);
	u->tok_err = NULL;
	if (tok_encode(u->f.tok, u->edit.buf, u->edit.len, &u->f.ids, &n,
	    &cause) != 0) {
		u->tok_err = cause;
		return (-1);
	}
	/* As --truncate: the last n_ctx tokens, and the status says so. */
	u->dropped = n > (size_t)u->n_ctx ? n - (size_t)u->n_ctx : 0;
	if (u->dropped > 0)
		memmove(u->f.ids, u->f.ids + u->dropped, (size_t)u->n_ctx *
		    sizeof *u->f.ids);
	u->f.nids = n - u->dropped;
	return (0);
}

/* Hands the current prompt to the worker, cancelling its run. */
/* Hands the current prompt to the worker, cancelling its run. */
static void
ui_submit(struct ui *u)
{
	struct ui_worker_req	r;

	u->debounce_at = 0;
	if (ui_tokenize(u) != 0 || u->f.nids == 0)
		return;
	r.ids = u->f.ids;
	r.T = (int)u->f.nids;
	r.sub = u->f.sublayers;
	r.track = u->f.track;
	r.ntrack = u->f.ntrack;
	r.tuned = u->use_tuned;
	r.from = u->f.col_off;
	r.to = u->f.col_off + u->f.layout.vis_cols;
	u->submitted = ui_worker_submit(&u->w, &r);
}

/* Selects the cell a session named, once a snapshot has its row. */
static void
ui_take_want(struct ui *u)
{
	const struct ui_snap	*s = u->f.snap;
	int			 i;

	if (u->want_row == -1 || s->sublayers != u->f.sublayers ||
	    s->gen != u->submitted)
		return;
	for (i = 0; i < s->nrows; i++) {
		if (s->rows[i] == u->want_row)
			u->f.sel_row = i;
	}
	if (u->want_pos >= 0 && u->want_pos < s->T)
		u->f.sel_pos = u->want_pos;
	u->want_row = -1;
}

/* Takes a posted snapshot, keeping the selection where it was. */
static int
ui_take(struct ui *u)
{
	struct ui_snap	*s;
	char		*msg;
	int		 was_last;

	s = ui_worker_take(&u->w, &u->f.attrib, &msg);
	if (msg != NULL) {
		free(u->msg);
		u->msg = msg;
	}
	if (s == NULL)
		return (0);
	was_last = u->f.snap == NULL || u->f.sel_pos == u->f.snap->T - 1;
	if (u->f.snap == NULL)
		u->f.sel_row = s->nrows - 1;	/* start on the final layer */
	if (u->f.snap != NULL && u->f.snap->sublayers != s->sublayers)
		u->f.sel_row = s->sublayers ? 2 * u->f.sel_row :
		    u->f.sel_row / 2;
	ui_snap_free(u->f.snap);
	u->f.snap = s;
	if (was_last || u->f.sel_pos >= s->T)
		u->f.sel_pos = s->T - 1;
	if (u->f.sel_row >= s->nrows)
		u->f.sel_row = s->nrows - 1;
	ui_take_want(u);
	return (1);
}

/*
 * Asks the worker for the attribution the panel shows, once per cell and
 * token, when the panel shows it and the snapshot is current.
 */
static void
ui_attrib_want(struct ui *u)
{
	struct ui_attrib	 w, *a = u->f.attrib, *q = &u->attrib_asked;

	if (u->f.view != UI_VIEW_ATTRIB || u->f.snap == NULL ||
	    u->f.snap->gen != u->submitted)
		return;
	memset(&w, 0, sizeof w);
	w.gen = u->f.snap->gen;
	w.row = u->f.snap->rows[u->f.sel_row];
	w.pos = u->f.sel_pos;
	if ((w.id = ui_snap_attrib_id(&u->f)) == -1)
		return;
	if (a != NULL && a->gen == w.gen && a->row == w.row &&
	    a->pos == w.pos && a->id == w.id)
		return;
	if (q->gen == w.gen && q->row == w.row && q->pos == w.pos &&
	    q->id == w.id)
		return;
	*q = w;
	ui_worker_attrib(&u->w, &w);
}

static int
ui_busy(struct ui *u)
{
	return (ui_worker_busy(&u->w));
}

/* Drawing: the prompt, the status line and the help screen. */

/* One character of the prompt as shown, and its width. */
static const char *
ui_prompt_char(const struct ui *u, const char *s, size_t avail, size_t *n,
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

static void
ui_draw_prompt(struct ui *u)
{
	const char	*shown;
	char		 buf[8];
	size_t		 off, n, start = 0;
	int		 w, col = 0, cur_col = 0, avail, x;

	/* Scroll so that the cursor is on screen. */
	avail = u->f.layout.cols - 3;
	for (off = 0; off < u->edit.cur; off += n) {
		ui_prompt_char(u, u->edit.buf + off, u->edit.len - off, &n,
		    buf, &w);
		cur_col += w;
	}
	for (off = 0, col = cur_col; col >= avail; off += n) {
		ui_prompt_char(u, u->edit.buf + off, u->edit.len - off, &n,
		    buf, &w);
		col -= w;
		start = off + n;
	}
	attron(A_BOLD);
	mvaddstr(u->f.layout.prompt_y, 0, u->f.focus == UI_FOCUS_PROMPT ? "> " :
	    ": ");
	attroff(A_BOLD);
	x = 2;
	for (off = start; off < u->edit.len; off += n) {
		shown = ui_prompt_char(u, u->edit.buf + off, u->edit.len - off,
		    &n, buf, &w);
		if (x + w > u->f.layout.cols - 1)
			break;
		if ((unsigned char)u->edit.buf[off] < 0x20 ||
		    shown[0] == '\\')
			attron(A_DIM);
		mvaddstr(u->f.layout.prompt_y, x, shown);
		attroff(A_DIM);
		x += w;
	}
	if (u->edit.len == 0 && u->f.focus != UI_FOCUS_PROMPT) {
		attron(A_DIM);
		mvaddstr(u->f.layout.prompt_y, 2, "(press e to type a prompt)");
		attroff(A_DIM);
	} else if (u->example && u->f.focus != UI_FOCUS_PROMPT &&
	    x + 4 < u->f.layout.cols) {
		attron(A_DIM);
		mvaddnstr(u->f.layout.prompt_y, x + 2, "(an example: e or Tab "
		    "types your own prompt)", u->f.layout.cols - x - 3);
		attroff(A_DIM);
	}
	if (u->f.focus == UI_FOCUS_PROMPT)
		move(0, 2 + col);
}

static const char *
ui_ask_label(int ask)
{
	static const char *const labels[] = {
	    "search input, top-1 and top-k tokens: /", "track token: ",
	    "save session: ", "open session: ", "export SVG: " };

	return (labels[ask]);
}

static void
ui_draw_status(struct ui *u)
{
	char		 left[256], right[256], name[32], pctbuf[32];
	char		 trunc[96];
	const char	*state;
	int		 y = u->f.layout.status_y, pct, busy = ui_busy(u);

	if (u->f.focus == UI_FOCUS_ASK) {
		mvprintw(y, 0, "%s%.*s", ui_ask_label(u->ask),
		    (int)u->search.len, u->search.buf);
		clrtoeol();
		return;
	}
	pct = ui_worker_progress(&u->w);
	if (u->tok_err != NULL)
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
	snprintf(left, sizeof left, " %s L%d/%d P%d/%d %s%s| %s ",
	    name, u->f.sel_row, u->f.snap ? u->f.snap->nrows - 1 : 0,
	    u->f.snap ? u->f.sel_pos + 1 : 0, u->f.snap ? u->f.snap->T : 0, state,
	    (busy || u->debounce_at != 0) && u->f.snap != NULL ? " (stale) " :
	    " ", u->msg ? u->msg : u->tok_err ? u->tok_err :
	    trunc[0] ? trunc : u->opts->model_note ? u->opts->model_note : "");
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
ui_draw_help_entry(struct ui *u, int a, int y, int x, int w)
{
	char	keys[64], buf[256];

	ui_keys_keys(u->keys, a, keys, sizeof keys);
	snprintf(buf, sizeof buf, "%-9.9s %-18.18s %s", keys[0] ? keys : "-",
	    ui_keys_name(a), ui_keys_help(a));
	mvaddnstr(y, x, buf, w - 1);
}

/* The help screen, generated from the key table, in as many columns fit. */
static void
ui_draw_help(struct ui *u)
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
		ui_draw_help_entry(u, a, 2 + k % per, (k / per) * w, w);
	}
	mvaddnstr(lines - 2, 0, "Prompt: readline keys (C-a C-e C-k C-u C-w, "
	    "Up/Down history), Enter runs, Esc leaves.", u->f.layout.cols);
	mvaddnstr(lines - 1, 0, u->mouse ? "Mouse: click selects a cell, the "
	    "wheel scrolls; Shift+drag selects text." : "Mouse: off.",
	    u->f.layout.cols);
}

static void
ui_draw_small(struct ui *u)
{
	char	buf[64];

	erase();
	mvaddnstr(0, 0, "terminal too small", u->f.layout.cols);
	snprintf(buf, sizeof buf, "need %dx%d", UI_MIN_COLS, UI_MIN_LINES);
	if (u->f.layout.lines > 1)
		mvaddnstr(1, 0, buf, u->f.layout.cols);
}

static void
ui_relayout(struct ui *u)
{
	ui_layout_compute(&u->f.layout, COLS, LINES, u->f.cell_w,
	    ui_grid_label_w(&u->f), ui_panel_lines(&u->f));
}

static void
ui_draw(struct ui *u)
{
	ui_relayout(u);
	curs_set(0);
	if (u->f.layout.too_small) {
		ui_draw_small(u);
		refresh();
		return;
	}
	if (u->help) {
		ui_draw_help(u);
		refresh();
		return;
	}
	erase();
	u->f.delta_range = u->f.delta && u->f.snap != NULL ?
	    ui_snap_delta_range(&u->f) : 0.0f;
	ui_grid_draw(&u->f);
	ui_panel_draw(&u->f);
	ui_grid_legend(&u->f);
	ui_draw_status(u);
	ui_draw_prompt(u);
	if (u->f.focus == UI_FOCUS_PROMPT)
		curs_set(1);
	else if (u->f.focus == UI_FOCUS_ASK) {
		move(u->f.layout.status_y, (int)strlen(ui_ask_label(u->ask)) +
		    ui_layout_width(u->search.buf, u->search.cur));
		curs_set(1);
	}
	refresh();
}

/* Keys. */

static void
ui_clamp(struct ui *u)
{
	int	nrows = ui_snap_rows(&u->f), T = u->f.snap ? u->f.snap->T : 0, line;

	if (u->f.sel_row >= nrows)
		u->f.sel_row = nrows - 1;
	if (u->f.sel_row < 0)
		u->f.sel_row = 0;
	if (u->f.sel_pos >= T)
		u->f.sel_pos = T - 1;
	if (u->f.sel_pos < 0)
		u->f.sel_pos = 0;
	line = ui_layout_row(u->f.sel_row, nrows, u->f.final_on_top);
	u->f.row_off = ui_layout_scroll(line, u->f.row_off, u->f.layout.vis_rows,
	    nrows);
	u->f.col_off = ui_layout_scroll(u->f.sel_pos, u->f.col_off,
	    u->f.layout.vis_cols, T);
}

/* Moves the selection by display lines (down is positive). */
static void
ui_move_lines(struct ui *u, int d)
{
	u->f.sel_row += u->f.final_on_top ? -d : d;
}

static void	ui_say(struct ui *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Is there a match at index j of the search order: the input row (line 0),
 * then the grid's display lines, T positions each? Says where it is.
 */
static int
ui_search_at(struct ui *u, int j, int nrows)
{
	char	name[32];
	int	T = u->f.snap->T, row, pos = j % T, k;

	if (j < T) {
		if (!ui_snap_input_match(&u->f, pos))
			return (0);
		u->f.sel_pos = pos;
		ui_say(u, "/%s: the input token at P%d", u->f.pattern, pos + 1);
		return (1);
	}
	row = ui_layout_row(j / T - 1, nrows, u->f.final_on_top);
	if ((k = ui_snap_match(&u->f, row, pos)) == 0)
		return (0);
	u->f.sel_row = row;
	u->f.sel_pos = pos;
	lens_row_name(u->f.snap->rows[row], name, sizeof name);
	if (k == 1)
		ui_say(u, "/%s: the top-1 of %s @ P%d", u->f.pattern, name,
		    pos + 1);
	else
		ui_say(u, "/%s: #%d of the top-k of %s @ P%d", u->f.pattern, k,
		    name, pos + 1);
	return (1);
}

/*
 * n or N: the next match of the search in the input tokens, the cells'
 * top-1 and their top-k (the panel's list), in reading order.
 */
static void
ui_search_step(struct ui *u, int dir)
{
	int	nrows = ui_snap_rows(&u->f), T, n, i, idx, line;

	if (u->f.pattern == NULL || nrows == 0)
		return;
	T = u->f.snap->T;
	n = (nrows + 1) * T;
	line = ui_layout_row(u->f.sel_row, nrows, u->f.final_on_top);
	idx = u->f.search_input ? u->f.sel_pos : (line + 1) * T + u->f.sel_pos;
	for (i = 1; i <= n; i++) {
		int	j = ((idx + dir * i) % n + n) % n;

		if (ui_search_at(u, j, nrows)) {
			u->f.search_input = j < T;
			return;
		}
	}
	ui_say(u, "no match for '%s' in the input, top-1 or top-k tokens",
	    u->f.pattern);
}

static void
ui_say(struct ui *u, const char *fmt, ...)
{
	va_list	ap;

	free(u->msg);
	va_start(ap, fmt);
	u->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Whether metric m can be shown now (tracked tokens, a tuned lens). */
static int
ui_metric_ok(const struct ui *u, int m)
{
	if (ui_snap_metric_tracked(m))
		return (u->f.ntrack > 0);
	if (m == UI_METRIC_TUNED_KL)
		return (u->use_tuned);
	return (1);
}

static void
ui_set_metric(struct ui *u, int m)
{
	if (!ui_metric_ok(u, m)) {
		ui_say(u, "%s: %s", ui_palette_metric_name(m),
		    ui_snap_metric_tracked(m) ? "no tracked tokens (T types one, "
		    "Enter tracks the selected)" : "no tuned lens loaded");
		return;
	}
	u->f.metric = m;
	ui_say(u, "metric %s", ui_palette_metric_name(u->f.metric));
}

/* m or M: the next (dir 1) or previous metric that can be shown. */
static void
ui_cycle_metric(struct ui *u, int dir)
{
	int	m = u->f.metric;

	do
		m = (m + dir + UI_METRIC_ALL) % UI_METRIC_ALL;
	while (!ui_metric_ok(u, m));
	ui_set_metric(u, m);
}

/* Tracked tokens. */

static void
ui_track_id(struct ui *u, int id)
{
	char	*text;
	int	 i;

	if (id < 0 || id >= u->f.n_vocab) {
		ui_say(u, "no token %d", id);
		return;
	}
	for (i = 0; i < u->f.ntrack && u->f.track[i] != id; i++)
		;
	if (i == UI_TRACK_MAX) {
		ui_say(u, "%d tokens tracked already (u untracks)",
		    UI_TRACK_MAX);
		return;
	}
	if (i == u->f.ntrack)
		u->f.track[u->f.ntrack++] = id;
	u->f.track_cur = i;
	if (!ui_snap_metric_tracked(u->f.metric))
		u->f.metric = UI_METRIC_TRACK;
	text = ui_snap_token_text(&u->f, id);
	ui_say(u, "tracking %s (%d)", text, id);
	free(text);
	ui_submit(u);
}

/* Tracks typed text: "#id", or a text of one token (tok_track's rule). */
static void
ui_track_text(struct ui *u, const char *s, size_t len)
{
	char	*cause = NULL;
	int	 id;

	if (tok_track(u->f.tok, s, len, u->f.n_vocab, &id, &cause) != 0) {
		ui_say(u, "track: %s", cause);
		free(cause);
		return;
	}
	ui_track_id(u, id);
}

static void
ui_untrack(struct ui *u)
{
	if (u->f.ntrack == 0) {
		ui_say(u, "no tracked tokens");
		return;
	}
	memmove(&u->f.track[u->f.track_cur], &u->f.track[u->f.track_cur + 1],
	    (u->f.ntrack - u->f.track_cur - 1) * sizeof *u->f.track);
	u->f.ntrack--;
	if (u->f.track_cur >= u->f.ntrack)
		u->f.track_cur = 0;
	if (u->f.ntrack == 0 && ui_snap_metric_tracked(u->f.metric))
		u->f.metric = UI_METRIC_PROB;
	ui_say(u, "%d tracked", u->f.ntrack);
}

/* Whether the snapshot answers the prompt as it is now. */
static int
ui_ready(struct ui *u)
{
	return (u->f.snap != NULL && u->f.snap->gen == u->submitted &&
	    u->debounce_at == 0 && !ui_busy(u) && u->tok_err == NULL);
}

/* Appends the final layer's top-1 at the last position (greedy). */
static void
ui_step(struct ui *u)
{
	const struct lens_top	*t;
	const char		*b;
	char			*text;
	size_t			 len;

	if (!ui_ready(u)) {
		ui_say(u, "step: wait until ready");
		return;
	}
	t = ui_snap_top(&u->f, u->f.snap->nrows - 1, u->f.snap->T - 1);
	if ((b = tok_bytes(u->f.tok, t->id, &len)) == NULL)
		return;
	ui_edit_end(&u->edit);
	ui_edit_insert(&u->edit, b, len);
	u->example = 0;
	text = ui_snap_token_text(&u->f, t->id);
	ui_say(u, "step: appended %s", text);
	free(text);
	ui_submit(u);
	/* The selection follows to the new column once it is computed. */
	u->want_row = u->f.snap->rows[u->f.sel_row];
	u->want_pos = (int)u->f.nids - 1;
}

/* History. */

/*
 * Loads the history. A file that cannot be read or does not parse is set
 * aside (renamed) and named in the status line; when even that fails, this
 * run does not write the history, so that nothing is lost.
 */
static void
ui_hist_open(struct ui *u, const char *path)
{
	char	*why = NULL, *err = NULL, *aside = NULL;

	u->hist_path = path;
	if (path == NULL || ui_edit_hist_load(&u->edit, path, &why) == 0)
		return;
	if (ui_edit_hist_aside(path, &aside, &err) == 0)
		ui_say(u, "history set aside as %s: %s", aside, why);
	else {
		ui_say(u, "history not saved this time: %s (%s)", why, err);
		u->hist_path = NULL;
	}
	free(aside);
	free(err);
	free(why);
}

/* Writes the history if it changed; say: a failure in the status line. */
static void
ui_hist_save(struct ui *u, int say)
{
	char	*why = NULL;

	if (u->hist_path == NULL)
		return;
	u->hist_dirty = 1;
	if (ui_edit_hist_save(&u->edit, u->hist_path, &why) == 0)
		u->hist_dirty = 0;
	else if (say)
		ui_say(u, "history: %s", why);
	free(why);
}

/* Sessions and export. */

static const char *
ui_session_default(const struct ui *u)
{
	return (u->opts->session_path != NULL ? u->opts->session_path :
	    "logitlens-session.yaml");
}

/* "embed", "h.3", "h.3.attn" to a residual row; -1 if none. */
static int
ui_row_parse(const struct ui *u, const char *name)
{
	char	buf[32];
	int	r;

	for (r = 0; r <= 2 * gpt2_config(u->opts->model)->n_layer; r++) {
		if (strcmp(lens_row_name(r, buf, sizeof buf), name) == 0)
			return (r);
	}
	return (-1);
}

static void
ui_session_fill(const struct ui *u, struct session *s)
{
	char	name[32];

	session_init(s);
	s->prompt = xmalloc(u->edit.len + 1);
	memcpy(s->prompt, u->edit.buf, u->edit.len);
	s->prompt[u->edit.len] = '\0';
	s->prompt_len = u->edit.len;
	if (u->f.snap != NULL) {
		s->row = xstrdup(lens_row_name(u->f.snap->rows[u->f.sel_row], name,
		    sizeof name));
		s->pos = u->f.sel_pos;
	}
	s->tracked = xreallocarray(NULL, u->f.ntrack + 1, sizeof *s->tracked);
	memcpy(s->tracked, u->f.track, u->f.ntrack * sizeof *u->f.track);
	s->ntracked = u->f.ntrack;
	s->metric = xstrdup(ui_palette_metric_name(u->f.metric));
	s->palette = xstrdup(ui_palette_name(u->f.palette));
	s->panel = xstrdup(ui_panel_view_name(u->f.view));
	s->final_on_top = u->f.final_on_top;
	s->sublayers = u->f.sublayers;
	s->delta = u->f.delta;
	s->mask = u->f.mask;
	s->tuned = u->use_tuned;
}

/*
 * Applies a session (the caller submits the prompt). Checks every name
 * first: 0, or -1 and *cause naming the first bad one, nothing changed.
 */
static int
ui_session_apply(struct ui *u, const struct session *s, const char *path,
    char **cause)
{
	int	m = u->f.metric, p = u->f.palette, v = u->f.view, row = -1;
	size_t	i;

	if (s->metric != NULL && (m = ui_palette_metric(s->metric)) == -1)
		return (util_fail(cause, "%s: unknown metric '%s'", path,
		    s->metric));
	if (s->palette != NULL && (p = ui_palette_find(s->palette)) == -1)
		return (util_fail(cause, "%s: unknown palette '%s'", path,
		    s->palette));
	if (s->panel != NULL && (v = ui_panel_view_find(s->panel)) == -1)
		return (util_fail(cause, "%s: unknown panel view '%s'", path,
		    s->panel));
	if (s->row != NULL && (row = ui_row_parse(u, s->row)) == -1)
		return (util_fail(cause, "%s: no row '%s' in this model", path,
		    s->row));
	for (i = 0; i < s->ntracked; i++) {
		if (s->tracked[i] < 0 || s->tracked[i] >= u->f.n_vocab)
			return (util_fail(cause, "%s: no token %d in this "
			    "vocabulary", path, s->tracked[i]));
	}
	if (s->ntracked > UI_TRACK_MAX)
		return (util_fail(cause, "%s: %zu tracked tokens, at most %d",
		    path, s->ntracked, UI_TRACK_MAX));
	if (s->prompt != NULL) {
		ui_edit_set(&u->edit, s->prompt, s->prompt_len);
		u->example = 0;
	}
	u->f.ntrack = (int)s->ntracked;
	memcpy(u->f.track, s->tracked, s->ntracked * sizeof *u->f.track);
	u->f.track_cur = 0;
	if (s->tuned == 1 && u->tuned != NULL)
		u->use_tuned = 1;
	if (!ui_metric_ok(u, m))
		m = UI_METRIC_PROB;
	u->f.metric = m;
	u->f.palette = p;
	u->f.view = v;
	if (s->final_on_top != -1)
		u->f.final_on_top = s->final_on_top;
	if (s->sublayers != -1)
		u->f.sublayers = s->sublayers;
	if (s->delta != -1)
		u->f.delta = s->delta;
	if (s->mask != -1)
		u->f.mask = s->mask;
	if (s->tuned != -1)
		u->use_tuned = s->tuned && u->tuned != NULL;
	u->want_row = row;
	u->want_pos = s->pos;
	if (row == -1 && s->pos >= 0)
		u->want_row = u->f.snap != NULL ? u->f.snap->rows[u->f.sel_row] : -1;
	return (0);
}

static int
ui_session_open(struct ui *u, const char *path, char **cause)
{
	struct session	s;
	int		r;

	session_init(&s);
	if ((r = session_load(&s, path, cause)) == 0)
		r = ui_session_apply(u, &s, path, cause);
	session_clear(&s);
	return (r);
}

static void
ui_session_save(struct ui *u, const char *path)
{
	struct session	 s;
	char		*cause = NULL;

	ui_session_fill(u, &s);
	if (session_save(&s, path, &cause) != 0) {
		ui_say(u, "%s", cause);
		free(cause);
	} else
		ui_say(u, "saved %s", path);
	session_clear(&s);
}

/* Asks the worker to write the view as SVG (rows and positions shown). */
static void
ui_export(struct ui *u, const char *path)
{
	struct ui_worker_svg	svg;
	int			nrows = ui_snap_rows(&u->f), a, b;

	if (nrows == 0) {
		ui_say(u, "export: nothing computed yet");
		return;
	}
	a = u->f.row_off;
	b = u->f.row_off + u->f.layout.vis_rows;
	if (b > nrows)
		b = nrows;
	svg.path = path;
	svg.row_from = u->f.final_on_top ? nrows - b : a;
	svg.row_to = u->f.final_on_top ? nrows - a : b;
	svg.pos_from = u->f.col_off;
	svg.pos_to = u->f.col_off + u->f.layout.vis_cols;
	if (svg.pos_to > u->f.snap->T)
		svg.pos_to = u->f.snap->T;
	svg.metric = u->f.metric;
	svg.track = u->f.ntrack > 0 ? u->f.track[u->f.track_cur] : -1;
	svg.delta = u->f.delta;
	svg.mask = u->f.mask;
	ui_worker_export(&u->w, &svg);
	ui_say(u, "exporting %s", path);
}

static void
ui_ask_start(struct ui *u, int kind, const char *text)
{
	u->f.focus = UI_FOCUS_ASK;
	u->ask = kind;
	ui_edit_set(&u->search, text, strlen(text));
}

/* Enter on the status line's input. */
static void
ui_ask_done(struct ui *u)
{
	const char	*s = u->search.buf;
	char		*cause = NULL;
	size_t		 len = u->search.len;

	u->f.focus = UI_FOCUS_GRID;
	switch (u->ask) {
	case UI_ASK_SEARCH:
		free(u->f.pattern);
		u->f.pattern = len ? xstrdup(s) : NULL;
		u->f.search_input = 0;
		ui_search_step(u, 1);
		break;
	case UI_ASK_TRACK:
		ui_track_text(u, s, len);
		break;
	case UI_ASK_SAVE:
		if (len != 0)
			ui_session_save(u, s);
		break;
	case UI_ASK_OPEN:
		if (len == 0)
			break;
		if (ui_session_open(u, s, &cause) != 0) {
			ui_say(u, "%s", cause);
			free(cause);
		} else {
			ui_say(u, "opened %s", s);
			ui_submit(u);
		}
		break;
	case UI_ASK_EXPORT:
		if (len != 0)
			ui_export(u, s);
		break;
	}
}

/* Enter or t: tracks the panel's entry, or the selected cell's token. */
static void
ui_track_selected(struct ui *u)
{
	const struct lens_top	*t;
	int			 id;

	if (u->f.focus == UI_FOCUS_PANEL) {
		if ((id = ui_panel_entry(&u->f, u->f.panel_sel)) >= 0)
			ui_track_id(u, id);
		return;
	}
	if ((t = ui_snap_shown_top(&u->f, u->f.sel_row, u->f.sel_pos)) != NULL)
		ui_track_id(u, t->id);
}

/* Actions that move around the grid; 1 if handled. */
static int
ui_action_move(struct ui *u, int a)
{
	int	page = u->f.layout.vis_rows > 1 ? u->f.layout.vis_rows - 1 : 1;

	if (a != UI_A_SEARCH_NEXT && a != UI_A_SEARCH_PREV)
		u->f.search_input = 0;
	switch (a) {
	case UI_A_LEFT:
		u->f.sel_pos--;
		break;
	case UI_A_RIGHT:
		u->f.sel_pos++;
		break;
	case UI_A_UP:
		ui_move_lines(u, -1);
		break;
	case UI_A_DOWN:
		ui_move_lines(u, 1);
		break;
	case UI_A_PAGE_UP:
		ui_move_lines(u, -page);
		break;
	case UI_A_PAGE_DOWN:
		ui_move_lines(u, page);
		break;
	case UI_A_HALF_UP:
		ui_move_lines(u, -(page + 1) / 2);
		break;
	case UI_A_HALF_DOWN:
		ui_move_lines(u, (page + 1) / 2);
		break;
	case UI_A_FIRST_LAYER:
		u->f.sel_row = 0;
		break;
	case UI_A_LAST_LAYER:
		u->f.sel_row = ui_snap_rows(&u->f) - 1;
		break;
	case UI_A_FIRST_POS:
		u->f.sel_pos = 0;
		break;
	case UI_A_LAST_POS:
		u->f.sel_pos = u->f.snap ? u->f.snap->T - 1 : 0;
		break;
	case UI_A_SEARCH_NEXT:
	case UI_A_SEARCH_PREV:
		ui_search_step(u, a == UI_A_SEARCH_NEXT ? 1 : -1);
		break;
	default:
		return (0);
	}
	return (1);
}

/* The views and tools of the explorer; returns 0. */
static int
ui_action_tool(struct ui *u, int a)
{
	switch (a) {
	case UI_A_DELTA:
		u->f.delta = !u->f.delta;
		ui_say(u, "delta %s", u->f.delta ? "on: the row minus the row "
		    "below" : "off");
		break;
	case UI_A_MASK:
		u->f.mask = !u->f.mask;
		ui_say(u, "mask %s", u->f.mask ? "on: input tokens hidden" :
		    "off");
		break;
	case UI_A_VIEW:
		u->f.view = (u->f.view + 1) % UI_VIEW_COUNT;
		u->f.panel_sel = 0;
		ui_say(u, "panel: %s", ui_panel_view_name(u->f.view));
		break;
	case UI_A_TRACK:
		ui_track_selected(u);
		break;
	case UI_A_TRACK_TYPE:
		ui_ask_start(u, UI_ASK_TRACK, "");
		break;
	case UI_A_UNTRACK:
		ui_untrack(u);
		break;
	case UI_A_TRACK_NEXT:
		if (u->f.ntrack > 0) {
			u->f.track_cur = (u->f.track_cur + 1) % u->f.ntrack;
			if (!ui_snap_metric_tracked(u->f.metric))
				ui_set_metric(u, UI_METRIC_TRACK);
		} else
			ui_say(u, "no tracked tokens");
		break;
	case UI_A_STEP:
		ui_step(u);
		break;
	case UI_A_TUNED:
		if (u->tuned == NULL) {
			ui_say(u, "no tuned lens loaded (--tuned FILE)");
			break;
		}
		u->use_tuned = !u->use_tuned;
		if (!u->use_tuned && u->f.metric == UI_METRIC_TUNED_KL)
			u->f.metric = UI_METRIC_KL;
		ui_say(u, "%s lens", u->use_tuned ? "tuned" : "logit");
		ui_submit(u);
		break;
	case UI_A_SAVE:
		ui_ask_start(u, UI_ASK_SAVE, ui_session_default(u));
		break;
	case UI_A_OPEN:
		ui_ask_start(u, UI_ASK_OPEN, ui_session_default(u));
		break;
	case UI_A_EXPORT:
		ui_ask_start(u, UI_ASK_EXPORT, "logitlens.svg");
		break;
	}
	return (0);
}

/* Returns 1 to quit. */
static int
ui_action(struct ui *u, int a, int key)
{
	if (ui_action_move(u, a))
		return (0);
	if (a >= UI_A_METRIC_0 && a <= UI_A_METRIC_LAST) {
		ui_set_metric(u, a - UI_A_METRIC_0);
		return (0);
	}
	switch (a) {
	case UI_A_QUIT:
		return (1);
	case UI_A_HELP:
		u->help = 1;
		u->help_off = 0;
		break;
	case UI_A_CANCEL:
		if (u->f.focus == UI_FOCUS_PANEL)
			u->f.focus = UI_FOCUS_GRID;
		else if (u->f.pattern != NULL) {
			free(u->f.pattern);
			u->f.pattern = NULL;
		} else if (key == UI_KEY_CTRL('c'))
			return (1);	/* C-c with nothing to cancel quits */
		break;
	case UI_A_SEARCH:
		ui_ask_start(u, UI_ASK_SEARCH, "");
		break;
	case UI_A_METRIC_NEXT:
		ui_cycle_metric(u, 1);
		break;
	case UI_A_METRIC_PREV:
		ui_cycle_metric(u, -1);
		break;
	case UI_A_PALETTE:
		u->f.palette = (u->f.palette + 1) % UI_PAL_COUNT;
		free(u->msg);
		u->msg = xasprintf("palette %s", ui_palette_name(u->f.palette));
		break;
	case UI_A_FLIP:
		u->f.final_on_top = !u->f.final_on_top;
		break;
	case UI_A_SUBLAYERS:
		u->f.sublayers = !u->f.sublayers;
		ui_submit(u);
		break;
	case UI_A_ASCII:
		u->f.ascii = !u->f.ascii;
		break;
	case UI_A_FOCUS:
		u->f.focus = u->f.focus == UI_FOCUS_GRID ? UI_FOCUS_PANEL :
		    UI_FOCUS_PROMPT;
		break;
	case UI_A_EDIT:
		u->f.focus = UI_FOCUS_PROMPT;
		break;
	case UI_A_REDRAW:
		clearok(curscr, TRUE);
		break;
	default:
		return (ui_action_tool(u, a));
	}
	return (0);
}

/* Keys of the help screen; 1 if it stays open. */
static void
ui_key_help(struct ui *u, int key, int a)
{
	if (a == UI_A_DOWN || key == ' ')
		u->help_off++;
	else if (a == UI_A_UP && u->help_off > 0)
		u->help_off--;
	else if (a == UI_A_QUIT || a == UI_A_HELP || a == UI_A_CANCEL)
		u->help = 0;
}

/* Text input of the prompt and the search line. */
static int
ui_key_edit(struct ui_edit *e, int key)
{
	switch (key) {
	case KEY_LEFT | UI_KEY_FN:
	case UI_KEY_CTRL('b'):
		ui_edit_left(e);
		break;
	case KEY_RIGHT | UI_KEY_FN:
	case UI_KEY_CTRL('f'):
		ui_edit_right(e);
		break;
	case KEY_HOME | UI_KEY_FN:
	case UI_KEY_CTRL('a'):
		ui_edit_home(e);
		break;
	case KEY_END | UI_KEY_FN:
	case UI_KEY_CTRL('e'):
		ui_edit_end(e);
		break;
	case KEY_BACKSPACE | UI_KEY_FN:
		ui_edit_backspace(e);
		break;
	case KEY_DC | UI_KEY_FN:
	case UI_KEY_CTRL('d'):
		ui_edit_delete(e);
		break;
	case UI_KEY_CTRL('k'):
		ui_edit_kill_end(e);
		break;
	case UI_KEY_CTRL('u'):
		ui_edit_kill_start(e);
		break;
	case UI_KEY_CTRL('w'):
		ui_edit_kill_word(e);
		break;
	case UI_KEY_META | 'b':
		ui_edit_word_left(e);
		break;
	case UI_KEY_META | 'f':
		ui_edit_word_right(e);
		break;
	default:
		return (0);
	}
	return (1);
}

static void
ui_insert_key(struct ui_edit *e, int key)
{
	char		buf[MB_LEN_MAX];
	mbstate_t	ps;
	size_t		n;

	if (key < 0x80) {
		buf[0] = key;
		n = 1;
	} else {
		memset(&ps, 0, sizeof ps);
		if ((n = wcrtomb(buf, (wchar_t)key, &ps)) == (size_t)-1) {
			buf[0] = key & 0xff;
			n = 1;
		}
	}
	ui_edit_insert(e, buf, n);
}

static void
ui_key_prompt(struct ui *u, int key)
{
	size_t	 len = u->edit.len;
	char	*old;

	if (key == '\r' || key == '\n') {
		ui_edit_hist_add(&u->edit, u->edit.buf, u->edit.len);
		ui_hist_save(u, 1);
		ui_submit(u);
		u->f.focus = UI_FOCUS_GRID;
		return;
	}
	if (key == 27 || key == UI_KEY_CTRL('c') || key == '\t') {
		u->f.focus = UI_FOCUS_GRID;
		return;
	}
	old = xmalloc(len + 1);
	memcpy(old, u->edit.buf, len + 1);
	if (key == (KEY_UP | UI_KEY_FN) || key == UI_KEY_CTRL('p'))
		ui_edit_hist_prev(&u->edit);
	else if (key == (KEY_DOWN | UI_KEY_FN) || key == UI_KEY_CTRL('n'))
		ui_edit_hist_next(&u->edit);
	else if (ui_key_edit(&u->edit, key))
		;
	else if (key >= ' ' && !(key & (UI_KEY_FN | UI_KEY_META)))
		ui_insert_key(&u->edit, key);
	if (u->edit.len != len || memcmp(u->edit.buf, old, len) != 0) {
		u->example = 0;
		/* A new edit cancels the run in flight. */
		ui_worker_cancel(&u->w);
		u->debounce_at = util_now() + UI_DEBOUNCE;
	}
	free(old);
}

static void
ui_key_ask(struct ui *u, int key)
{
	if (key == '\r' || key == '\n') {
		ui_ask_done(u);
		return;
	}
	if (key == 27 || key == UI_KEY_CTRL('c')) {
		u->f.focus = UI_FOCUS_GRID;
		return;
	}
	if (!ui_key_edit(&u->search, key) && key >= ' ' &&
	    !(key & (UI_KEY_FN | UI_KEY_META)))
		ui_insert_key(&u->search, key);
}

static void
ui_key_mouse(struct ui *u)
{
	MEVENT	ev;
	int	line, col, nrows = ui_snap_rows(&u->f);

	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON4_PRESSED)
		ui_move_lines(u, -1);
#ifdef BUTTON5_PRESSED
	else if (ev.bstate & BUTTON5_PRESSED)
		ui_move_lines(u, 1);
#endif
	else if ((ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) &&
	    ui_layout_hit(&u->f.layout, ev.x, ev.y, &line, &col) == 0 &&
	    u->f.row_off + line < nrows) {
		u->f.sel_row = ui_layout_row(u->f.row_off + line, nrows,
		    u->f.final_on_top);
		u->f.sel_pos = u->f.col_off + col;
		u->f.focus = UI_FOCUS_GRID;
	}
}

/* Returns 1 to quit. */
static int
ui_key(struct ui *u, int key)
{
	int	a;

	if (key == (KEY_RESIZE | UI_KEY_FN))
		return (0);
	if (key == (UI_KEY_PASTE_ON | UI_KEY_FN)) {
		u->paste = 1;
		u->f.focus = UI_FOCUS_PROMPT;
		return (0);
	}
	if (key == (UI_KEY_PASTE_OFF | UI_KEY_FN)) {
		u->paste = 0;
		return (0);
	}
	if (u->paste) {
		u->example = 0;
		ui_insert_key(&u->edit, key == '\r' ? '\n' : key);
		u->debounce_at = util_now() + UI_DEBOUNCE;
		ui_worker_cancel(&u->w);
		return (0);
	}
	if (key == (KEY_MOUSE | UI_KEY_FN)) {
		ui_key_mouse(u);
		return (0);
	}
	/* Esc then a key nothing binds as M-x: a quick Esc, then that key. */
	if ((key & UI_KEY_META) && u->f.focus != UI_FOCUS_PROMPT &&
	    ui_keys_action(u->keys, key) == UI_A_NONE) {
		if (ui_key(u, 27))
			return (1);
		key &= ~UI_KEY_META;
	}
	ui_keys_key_name(key, u->lastkey, sizeof u->lastkey);
	if (u->f.focus == UI_FOCUS_PROMPT) {
		ui_key_prompt(u, key);
		return (0);
	}
	if (u->f.focus == UI_FOCUS_ASK) {
		ui_key_ask(u, key);
		return (0);
	}
	a = ui_keys_action(u->keys, key);
	if (u->help) {
		ui_key_help(u, key, a);
		return (0);
	}
	if (u->f.focus == UI_FOCUS_PANEL && (a == UI_A_UP || a == UI_A_DOWN)) {
		u->f.panel_sel += a == UI_A_UP ? -1 : 1;
		if (u->f.panel_sel >= ui_panel_count(&u->f))
			u->f.panel_sel = ui_panel_count(&u->f) - 1;
		if (u->f.panel_sel < 0)
			u->f.panel_sel = 0;
		return (0);
	}
	free(u->msg);
	u->msg = NULL;
	return (ui_action(u, a, key));
}

/* Reads one key as an int (see ui-keys.h); ERR when none is waiting. */
static int
ui_read_key(void)
{
	wint_t	wc, wc2;
	int	r;

	if ((r = wget_wch(stdscr, &wc)) == ERR)
		return (ERR);
	if (r == KEY_CODE_YES) {
		if (wc == KEY_ENTER)
			return ('\r');
		return ((int)wc | UI_KEY_FN);
	}
	if (wc == 127 || wc == 8)
		return (KEY_BACKSPACE | UI_KEY_FN);
	if (wc == '\n')
		return ('\r');
	if (wc == 27) {
		/* Esc then a character at once: Alt (meta). */
		r = wget_wch(stdscr, &wc2);
		if (r == OK && wc2 > ' ' && wc2 < 0x7f)
			return (UI_KEY_META | (int)wc2);
		if (r != ERR)
			unget_wch(wc2);
	}
	return ((int)wc);
}

/* Setup and teardown. */

static void
ui_signal(int sig)
{
	char	c = (char)sig;
	ssize_t	r;
	int	saved = errno;

	if (ui_sigfd != -1)
		r = write(ui_sigfd, &c, 1);
	(void)r;
	errno = saved;
}

static void
ui_signals(int on)
{
	struct sigaction	sa;
	static const int	sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	size_t			i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? ui_signal : SIG_DFL;
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int
ui_color_tier(const struct ui_opts *o)
{
	const char	*nc = getenv("NO_COLOR");

	if (o->color == UI_COLOR_NEVER)
		return (UI_TIER_MONO);
	if (o->color == UI_COLOR_AUTO && nc != NULL && *nc != '\0')
		return (UI_TIER_MONO);
	if (!has_colors() || start_color() != OK)
		return (UI_TIER_MONO);
	use_default_colors();
	if (COLORS >= 256 && COLOR_PAIRS >= 64)
		return (UI_TIER_256);
	if (COLORS >= 8 && COLOR_PAIRS >= 48)
		return (UI_TIER_8);
	return (UI_TIER_MONO);
}

static void
ui_init_pairs(struct ui *u)
{
	int	p, i, c, fg, bg;

	if (u->f.tier == UI_TIER_256) {
		for (p = 0; p < UI_PAL_COUNT; p++) {
			for (i = 0; i < ui_palette_ramp_len(p); i++) {
				c = ui_palette_ramp(p, i);
				init_pair(UI_PAIR_RAMP(p, i),
				    ui_palette_dark(c) ? 231 : 16, c);
			}
		}
	}
	if (u->f.tier == UI_TIER_256) {
		for (i = 0; i < UI_DIV_LEN; i++) {
			c = ui_palette_div(i);
			init_pair(UI_PAIR_DIV(i), ui_palette_dark(c) ? 231 : 16,
			    c);
		}
	}
	if (u->f.tier != UI_TIER_MONO) {
		for (i = 0; i < UI_NBUCKETS; i++) {
			ui_palette_ansi(i, &fg, &bg);
			init_pair(UI_PAIR_BUCKET(i), fg, bg);
			ui_palette_div_ansi(i, &fg, &bg);
			init_pair(UI_PAIR_DIV_BUCKET(i), fg, bg);
		}
	}
}

static int
ui_utf8_locale(void)
{
	const char	*cs = nl_langinfo(CODESET);

	return (cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0));
}

/* Home and End as terminals other than the one terminfo describes send them. */
static void
ui_define_keys(void)
{
	static const struct {
		const char	*seq;
		int		 key;
	} seqs[] = {
		{ "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME },
		{ "\033[H", KEY_HOME }, { "\033OH", KEY_HOME },
		{ "\033[4~", KEY_END }, { "\033[8~", KEY_END },
		{ "\033[F", KEY_END }, { "\033OF", KEY_END },
	};
	size_t	i;

	for (i = 0; i < nitems(seqs); i++) {
		if (key_defined(seqs[i].seq) <= 0)
			define_key(seqs[i].seq, seqs[i].key);
	}
}

static void
ui_curses_start(struct ui *u)
{
	initscr();
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	u->f.tier = ui_color_tier(u->opts);
	ui_init_pairs(u);
	ui_define_keys();
	define_key("\033[200~", UI_KEY_PASTE_ON);
	define_key("\033[201~", UI_KEY_PASTE_OFF);
	ui_term_paste(1);
	if (u->mouse) {
		mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		    | BUTTON5_PRESSED
#endif
		    , NULL);
		mouseinterval(0);
	}
}

static void
ui_curses_end(struct ui *u)
{
	if (u->mouse)
		mousemask(0, NULL);
	ui_term_paste(0);
	curs_set(1);
	endwin();
}

/*
 * Applies the config's bindings: the keys listed for an action replace its
 * defaults. Bad ones are skipped; the first is reported (-1 and *cause).
 */
static int
ui_apply_bindings(struct ui_keys *k, const struct cfg *cfg, char **cause)
{
	char	 seen[UI_A_COUNT];
	char	*why = NULL;
	size_t	 i;
	int	 a, r = 0;

	memset(seen, 0, sizeof seen);
	for (i = 0; cfg != NULL && i < cfg->nbindings; i++) {
		a = ui_keys_find(cfg->bindings[i].action);
		if (a != -1 && !seen[a]) {
			ui_keys_clear(k, a);
			seen[a] = 1;
		}
		if (ui_keys_bind(k, cfg->bindings[i].action,
		    cfg->bindings[i].key, &why) != 0) {
			if (r == 0)
				util_fail(cause, "config: %s", why);
			free(why);
			why = NULL;
			r = -1;
		}
	}
	return (r);
}

int
ui_check_bindings(const struct cfg *cfg, char **cause)
{
	struct ui_keys	*k = ui_keys_new();
	int		 r;

	r = ui_apply_bindings(k, cfg, cause);
	ui_keys_free(k);
	return (r);
}

static int
ui_init(struct ui *u, const struct ui_opts *o, char **cause)
{
	const struct cfg	*cfg = o->cfg;
	const struct gpt2_config *gc = gpt2_config(o->model);
	const char		*ex;
	int			 m;

	memset(u, 0, sizeof *u);
	(void)cause;
	u->opts = o;
	u->keys = ui_keys_new();
	/* Bad bindings are skipped and named in the status line. */
	(void)ui_apply_bindings(u->keys, cfg, &u->msg);
	u->f.tok = o->tok;
	u->f.model = o->model;
	u->f.n_vocab = gc->n_vocab;
	u->n_ctx = gc->n_ctx;
	u->f.cell_w = cfg ? cfg->cell_width : 8;
	if (u->f.cell_w < 3)
		u->f.cell_w = 3;
	u->f.metric = cfg && (m = ui_palette_metric(cfg->metric)) != -1 ? m : 0;
	u->f.palette = cfg && (m = ui_palette_find(cfg->palette)) != -1 ? m : 0;
	u->f.final_on_top = cfg ? cfg->final_on_top : 1;
	u->f.sublayers = cfg ? cfg->sublayers : 0;
	u->mouse = o->mouse && (cfg == NULL || cfg->mouse);
	u->f.ascii = o->ascii || (cfg && cfg->ascii) || !ui_utf8_locale();
	ui_edit_init(&u->edit, cfg ? (size_t)cfg->history_size : 500);
	ui_edit_init(&u->search, 0);
	u->want_row = -1;
	if (o->prompt != NULL)
		ui_edit_set(&u->edit, o->prompt, o->prompt_len);
	else if ((ex = cfg ? cfg->prompt : CFG_PROMPT) != NULL) {
		/* A first screen that shows the lens, and keys that work. */
		ui_edit_set(&u->edit, ex, strlen(ex));
		u->example = 1;
	}
	u->f.focus = UI_FOCUS_GRID;
	return (0);
}

static int
ui_start_worker(struct ui *u, char **cause)
{
	return (ui_worker_start(&u->w, u->opts->model, u->opts->tok, u->tuned,
	    u->opts->model_note, u->opts->cfg ? u->opts->cfg->top_k : 10,
	    cause));
}

static void
ui_stop_worker(struct ui *u)
{
	ui_worker_stop(&u->w);
}

static void
ui_done(struct ui *u)
{
	ui_snap_free(u->f.snap);
	free(u->f.ids);
	free(u->tok_err);
	free(u->f.pattern);
	free(u->msg);
	ui_snap_attrib_free(u->f.attrib);
	tuned_free(u->tuned);
	ui_edit_free(&u->edit);
	ui_edit_free(&u->search);
	ui_keys_free(u->keys);
}

/* Drains the self-pipe; returns a signal number or 0. */
static int
ui_drain(struct ui *u)
{
	char	buf[64];
	ssize_t	n, i;
	int	sig = 0;

	while ((n = read(ui_worker_fd(&u->w), buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != UI_WAKE_WORKER)
				sig = buf[i];
		}
	}
	return (sig);
}

static int
ui_loop(struct ui *u)
{
	struct pollfd	pfd[2];
	double		now;
	int		key, timeout, sig;

	for (;;) {
		/* Layout first: a resize may have changed what fits. */
		ui_relayout(u);
		ui_clamp(u);
		ui_attrib_want(u);
		ui_draw(u);
		timeout = -1;
		if (u->debounce_at != 0) {
			now = util_now();
			timeout = u->debounce_at > now ?
			    (int)((u->debounce_at - now) * 1000) + 1 : 0;
		}
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = ui_worker_fd(&u->w);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) == -1 && errno != EINTR)
			return (-1);
		if ((sig = ui_drain(u)) != 0)
			return (sig);
		ui_take(u);
		while ((key = ui_read_key()) != ERR) {
			if (ui_key(u, key))
				return (0);
		}
		if (u->debounce_at != 0 && util_now() >= u->debounce_at)
			ui_submit(u);
	}
}

int
ui_run(const struct ui_opts *o, char **cause)
{
	struct ui	 u;
	int		 r;

	setlocale(LC_ALL, "");
	if (ui_term_check(cause) != 0)
		return (-1);
	if (ui_init(&u, o, cause) != 0)
		return (-1);
	if (o->tuned_path != NULL) {
		if ((u.tuned = tuned_load(o->tuned_path, o->model,
		    cause)) == NULL) {
			ui_done(&u);
			return (-1);
		}
		u.use_tuned = 1;
	}
	if (o->session_path != NULL &&
	    ui_session_open(&u, o->session_path, cause) != 0) {
		ui_done(&u);
		return (-1);
	}
	ui_hist_open(&u, o->history_path);
	if (ui_start_worker(&u, cause) != 0) {
		ui_stop_worker(&u);
		ui_done(&u);
		return (-1);
	}
	ui_sigfd = ui_worker_wake_fd(&u.w);
	ui_signals(1);
	ui_curses_start(&u);
	ui_relayout(&u);
	ui_submit(&u);
	r = ui_loop(&u);
	ui_curses_end(&u);
	ui_signals(0);
	ui_sigfd = -1;
	ui_stop_worker(&u);
	if (u.hist_dirty)
		ui_hist_save(&u, 0);
	ui_done(&u);
	if (r > 0) {
		util_fail(cause, "terminated by %s", strsignal(r));
		return (r);
	}
	if (r < 0)
		return (util_fail(cause, "poll: %s", strerror(errno)));
	return (0);
}
