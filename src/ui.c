/*
 * ui.c: the explorer's main loop, its keys and signals.
 *
 * Owns the terminal while ui_run runs: curses set-up and teardown, the
 * poll() loop over stdin and the worker's self-pipe, taking what the
 * worker posted, mapping keys to actions, the table of views and the
 * order of drawing. What an action does is ui-action.c's; the worker is
 * ui-worker.c; the grid, the panel and the status line are drawn by
 * ui-grid.c, ui-panel.c and ui-status.c. HACKING.md has the map.
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

#include "cfg.h"
#include "jacobian.h"
#include "model.h"
#include "tuned.h"
#include "ui-action.h"
#include "ui-grid.h"
#include "ui-int.h"
#include "ui-keys.h"
#include "ui-layout.h"
#include "ui-palette.h"
#include "ui-panel.h"
#include "ui-patch.h"
#include "ui-snap.h"
#include "ui-status.h"
#include "ui-term.h"
#include "ui-worker.h"
#include "ui.h"
#include "util.h"

#define UI_KEY_PASTE_ON	(KEY_MAX + 1)
#define UI_KEY_PASTE_OFF (KEY_MAX + 2)

static volatile sig_atomic_t	ui_sigfd = -1;

/* The worker thread. */

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
	/* The grid keeps showing prompt B, if it did. */
	if (u->grid_b && s->other != NULL)
		ui_snap_swap(s);
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
	    u->f.snap->gen != u->submitted || u->f.snap->swapped)
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

/* Drawing: the grid, the panel, the legend, then ui-status.c's lines. */

static void
ui_relayout(struct ui *u)
{
	ui_layout_compute(&u->f.layout, COLS, LINES, u->f.cell_w,
	    ui_grid_label_w(&u->f), ui_panel_lines(&u->f));
	if (u->cmp_open)
		ui_layout_second_prompt(&u->f.layout);
}

/* The lens grid: the grid, the selected cell's panel, the legend. */
static void
ui_draw_lens(const struct ui_frame *f)
{
	ui_grid_draw(f);
	ui_panel_draw(f);
	ui_grid_legend(f);
}

/*
 * The explorer's views: what fills the screen above the status line, and
 * the actions a view handles before the common ones (NULL: none; 1 if it
 * took the action). The lens grid is the first; a comparison or a
 * patching view is one more row, drawn from struct ui_frame.
 */
static const struct ui_screen {
	const char	*name;
	void		(*draw)(const struct ui_frame *);
	int		(*action)(struct ui *, int a);
} ui_screens[] = {
	[UI_SCREEN_LENS] = { "lens", ui_draw_lens, NULL },
	/* Prompt B's line open: the grid colours by A, B or a comparison. */
	[UI_SCREEN_COMPARE] = { "compare", ui_draw_lens, ui_action_compare },
	[UI_SCREEN_PATCH] = { "patch", ui_patch_draw, ui_patch_action },
};

static void
ui_draw(struct ui *u)
{
	ui_relayout(u);
	curs_set(0);
	if (u->redraw) {
		clearok(curscr, TRUE);
		u->redraw = 0;
	}
	if (u->f.layout.too_small) {
		ui_status_small(u);
		refresh();
		return;
	}
	if (u->help) {
		ui_status_help(u);
		refresh();
		return;
	}
	erase();
	u->f.delta_range = u->f.delta && u->f.snap != NULL ?
	    ui_snap_delta_range(&u->f) : 0.0f;
	/* A logit difference and its change: diverging too. */
	if (!u->f.delta && metric_get(u->f.metric)->scale ==
	    METRIC_SCALE_DIVERGING)
		u->f.delta_range = ui_snap_signed_range(&u->f);
	ui_screens[u->screen].draw(&u->f);
	ui_status_draw(u);
	ui_status_prompt(u);
	if (u->f.focus == UI_FOCUS_PROMPT || u->f.focus == UI_FOCUS_PROMPT_B)
		curs_set(1);
	else if (u->f.focus == UI_FOCUS_ASK) {
		move(u->f.layout.status_y,
		    (int)strlen(ui_status_ask_label(u->ask)) +
		    ui_layout_width(u->search.buf, u->search.cur));
		curs_set(1);
	}
	refresh();
}

/* Keys. */

static void
ui_clamp(struct ui *u)
{
	int	nrows = ui_snap_rows(&u->f), line;
	int	T = u->f.snap ? u->f.snap->T : 0;

	if (u->f.sel_row >= nrows)
		u->f.sel_row = nrows - 1;
	if (u->f.sel_row < 0)
		u->f.sel_row = 0;
	if (u->f.sel_pos >= T)
		u->f.sel_pos = T - 1;
	if (u->f.sel_pos < 0)
		u->f.sel_pos = 0;
	line = ui_layout_row(u->f.sel_row, nrows, u->f.final_on_top);
	u->f.row_off = ui_layout_scroll(line, u->f.row_off,
	    u->f.layout.vis_rows, nrows);
	u->f.col_off = ui_layout_scroll(u->f.sel_pos, u->f.col_off,
	    u->f.layout.vis_cols, T);
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

/*
 * Keys on a prompt line: A's (with its history) or, with b, B's; both are
 * run again, incrementally, after a pause in typing.
 */
static void
ui_key_prompt(struct ui *u, int key, int b)
{
	struct ui_edit	*e = b ? &u->edit_b : &u->edit;
	size_t		 len = e->len;
	char		*old;

	if (key == '\r' || key == '\n') {
		if (!b) {
			ui_edit_hist_add(&u->edit, u->edit.buf, u->edit.len);
			ui_action_hist_save(u, 1);
		}
		ui_action_submit(u);
		u->f.focus = UI_FOCUS_GRID;
		return;
	}
	/* Tab: from A's line on to B's, when it is open. */
	if (key == '\t' && !b && u->cmp_open) {
		u->f.focus = UI_FOCUS_PROMPT_B;
		return;
	}
	if (key == 27 || key == UI_KEY_CTRL('c') || key == '\t') {
		u->f.focus = UI_FOCUS_GRID;
		return;
	}
	old = xmalloc(len + 1);
	memcpy(old, e->buf, len + 1);
	if (!b && (key == (KEY_UP | UI_KEY_FN) || key == UI_KEY_CTRL('p')))
		ui_edit_hist_prev(e);
	else if (!b && (key == (KEY_DOWN | UI_KEY_FN) ||
	    key == UI_KEY_CTRL('n')))
		ui_edit_hist_next(e);
	else if (ui_key_edit(e, key))
		;
	else if (key >= ' ' && !(key & (UI_KEY_FN | UI_KEY_META)))
		ui_insert_key(e, key);
	if (e->len != len || memcmp(e->buf, old, len) != 0) {
		if (!b)
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
		ui_action_ask_done(u);
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
		ui_action_move_lines(u, -1);
#ifdef BUTTON5_PRESSED
	else if (ev.bstate & BUTTON5_PRESSED)
		ui_action_move_lines(u, 1);
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
		if (u->f.focus != UI_FOCUS_PROMPT_B)
			u->f.focus = UI_FOCUS_PROMPT;
		return (0);
	}
	if (key == (UI_KEY_PASTE_OFF | UI_KEY_FN)) {
		u->paste = 0;
		return (0);
	}
	if (u->paste) {
		if (u->f.focus == UI_FOCUS_PROMPT_B)
			ui_insert_key(&u->edit_b, key == '\r' ? '\n' : key);
		else {
			u->example = 0;
			ui_insert_key(&u->edit, key == '\r' ? '\n' : key);
		}
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
	    u->f.focus != UI_FOCUS_PROMPT_B &&
	    ui_keys_action(u->keys, key) == UI_A_NONE) {
		if (ui_key(u, 27))
			return (1);
		key &= ~UI_KEY_META;
	}
	ui_keys_key_name(key, u->lastkey, sizeof u->lastkey);
	if (u->f.focus == UI_FOCUS_PROMPT ||
	    u->f.focus == UI_FOCUS_PROMPT_B) {
		ui_key_prompt(u, key, u->f.focus == UI_FOCUS_PROMPT_B);
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
	if (ui_screens[u->screen].action != NULL &&
	    ui_screens[u->screen].action(u, a))
		return (0);
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
	ui_edit_init(&u->edit_b, 0);
	u->want_row = -1;
	/* --compare opens prompt B's line; --logit-diff sets X and Y. */
	u->diff_x = o->diff_x;
	u->diff_y = o->diff_y;
	if (o->compare != NULL) {
		ui_edit_set(&u->edit_b, o->compare, o->compare_len);
		u->cmp_open = 1;
		u->screen = UI_SCREEN_COMPARE;
	}
	if (o->prompt != NULL)
		ui_edit_set(&u->edit, o->prompt, o->prompt_len);
	else if ((ex = cfg ? cfg->prompt : CFG_PROMPT) != NULL) {
		/* A first screen that shows the lens, and keys that work. */
		ui_edit_set(&u->edit, ex, strlen(ex));
		u->example = 1;
	}
	u->f.focus = UI_FOCUS_GRID;
	if (u->cmp_open) {
		u->f.view = UI_VIEW_CMP;
		if (metric_get(u->f.metric)->needs == 0)
			u->f.metric = METRIC_CMP_JS;
	}
	return (0);
}

static int
ui_start_worker(struct ui *u, char **cause)
{
	int	r;

	r = ui_worker_start(&u->w, u->opts->model, u->opts->tok, u->tuned,
	    u->opts->model_note, u->opts->cfg ? u->opts->cfg->top_k : 10,
	    cause);
	ui_worker_set_jacobian(&u->w, u->jacobian);
	return (r);
}

static void
ui_stop_worker(struct ui *u)
{
	ui_worker_stop(&u->w);
}

static void
ui_done(struct ui *u)
{
	ui_patch_done(u);
	ui_snap_free(u->f.snap);
	free(u->f.ids);
	free(u->tok_err);
	free(u->tok_err_b);
	free(u->ids_b);
	ui_edit_free(&u->edit_b);
	free(u->f.pattern);
	free(u->msg);
	ui_snap_attrib_free(u->f.attrib);
	tuned_free(u->tuned);
	jacobian_free(u->jacobian);
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
		ui_patch_tick(u);
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
			ui_action_submit(u);
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
	if (o->jacobian_path != NULL) {
		if ((u.jacobian = jacobian_load(o->jacobian_path, o->model,
		    cause)) == NULL) {
			ui_done(&u);
			return (-1);
		}
		u.use_jacobian = u.tuned == NULL;
	}
	if (o->session_path != NULL &&
	    ui_action_session_open(&u, o->session_path, cause) != 0) {
		ui_done(&u);
		return (-1);
	}
	ui_action_hist_open(&u, o->history_path);
	if (ui_start_worker(&u, cause) != 0) {
		ui_stop_worker(&u);
		ui_done(&u);
		return (-1);
	}
	ui_sigfd = ui_worker_wake_fd(&u.w);
	ui_signals(1);
	ui_curses_start(&u);
	ui_relayout(&u);
	ui_action_submit(&u);
	r = ui_loop(&u);
	ui_curses_end(&u);
	ui_signals(0);
	ui_sigfd = -1;
	ui_stop_worker(&u);
	if (u.hist_dirty)
		ui_action_hist_save(&u, 0);
	ui_done(&u);
	if (r > 0) {
		util_fail(cause, "terminated by %s", strsignal(r));
		return (r);
	}
	if (r < 0)
		return (util_fail(cause, "poll: %s", strerror(errno)));
	return (0);
}
