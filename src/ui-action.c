/*
 * ui-action.c: what the explorer's actions do to its state.
 *
 * Owns the meaning of an action (enum in ui-keys.h): moving the selection,
 * metrics, search, tracked tokens, the greedy step, sessions, the history,
 * the SVG export, the status line's questions; and the request of a run
 * when the prompt or the view changes. Refuses to know keys, curses or the
 * screen: ui.c maps keys to actions, and the next frame shows the result.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"
#include "session.h"
#include "tok.h"
#include "ui-action.h"
#include "ui-int.h"
#include "ui-keys.h"
#include "ui-layout.h"
#include "ui-palette.h"
#include "ui-panel.h"
#include "ui-patch.h"
#include "ui-snap.h"
#include "ui-worker.h"
#include "util.h"

/* Tokenizes the prompt; 0, or -1 with u->tok_err set. */
static int
ui_action_tokenize(struct ui *u)
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
/*
 * Tokenizes prompt B when its line is open: 0 with its tokens (none when
 * it is empty), or -1 with u->tok_err_b set (too long, not tokenizable).
 */
static int
ui_action_tokenize_b(struct ui *u)
{
	char	*cause = NULL;

	free(u->ids_b);
	u->ids_b = NULL;
	u->nids_b = 0;
	free(u->tok_err_b);
	u->tok_err_b = NULL;
	if (!u->cmp_open || u->edit_b.len == 0)
		return (0);
	if (tok_encode(u->f.tok, u->edit_b.buf, u->edit_b.len, &u->ids_b,
	    &u->nids_b, &cause) != 0) {
		u->tok_err_b = xasprintf("prompt B: %s", cause);
		free(cause);
		return (-1);
	}
	if (u->nids_b > (size_t)u->n_ctx) {
		u->tok_err_b = xasprintf("prompt B: %zu tokens, more than the "
		    "model's %d", u->nids_b, u->n_ctx);
		free(u->ids_b);
		u->ids_b = NULL;
		u->nids_b = 0;
		return (-1);
	}
	return (0);
}

/* The logit difference's tokens: set, else the first two tracked. */
static void
ui_action_diff_pair(const struct ui *u, int *x, int *y)
{
	*x = *y = -1;
	if (u->diff_x >= 0 && u->diff_y >= 0) {
		*x = u->diff_x;
		*y = u->diff_y;
	} else if (u->f.ntrack >= 2 && u->f.track[0] != u->f.track[1]) {
		*x = u->f.track[0];
		*y = u->f.track[1];
	}
}

/* Hands the current prompt to the worker, cancelling its run. */
void
ui_action_submit(struct ui *u)
{
	struct ui_worker_req	r;

	u->debounce_at = 0;
	ui_action_tokenize_b(u);
	if (ui_action_tokenize(u) != 0 || u->f.nids == 0)
		return;
	r.ids_b = u->ids_b;
	r.T_b = (int)u->nids_b;
	ui_action_diff_pair(u, &r.diff_x, &r.diff_y);
	r.ids = u->f.ids;
	r.T = (int)u->f.nids;
	r.sub = u->f.sublayers;
	r.track = u->f.track;
	r.ntrack = u->f.ntrack;
	r.tuned = u->use_tuned;
	r.jacobian = u->use_jacobian;
	r.from = u->f.col_off;
	r.to = u->f.col_off + u->f.layout.vis_cols;
	u->submitted = ui_worker_submit(&u->w, &r);
}

/* Moves the selection by display lines (down is positive). */
void
ui_action_move_lines(struct ui *u, int d)
{
	u->f.sel_row += u->f.final_on_top ? -d : d;
}

/*
 * Is there a match at index j of the search order: the input row (line 0),
 * then the grid's display lines, T positions each? Says where it is.
 */
static int
ui_action_search_at(struct ui *u, int j, int nrows)
{
	char	name[32];
	int	T = u->f.snap->T, row, pos = j % T, k;

	if (j < T) {
		if (!ui_snap_input_match(&u->f, pos))
			return (0);
		u->f.sel_pos = pos;
		ui_action_say(u, "/%s: the input token at P%d", u->f.pattern,
		    pos + 1);
		return (1);
	}
	row = ui_layout_row(j / T - 1, nrows, u->f.final_on_top);
	if ((k = ui_snap_match(&u->f, row, pos)) == 0)
		return (0);
	u->f.sel_row = row;
	u->f.sel_pos = pos;
	lens_row_name(u->f.snap->rows[row], name, sizeof name);
	if (k == 1)
		ui_action_say(u, "/%s: the top-1 of %s @ P%d", u->f.pattern,
		    name, pos + 1);
	else
		ui_action_say(u, "/%s: #%d of the top-k of %s @ P%d",
		    u->f.pattern, k, name, pos + 1);
	return (1);
}

/*
 * n or N: the next match of the search in the input tokens, the cells'
 * top-1 and their top-k (the panel's list), in reading order.
 */
static void
ui_action_search(struct ui *u, int dir)
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

		if (ui_action_search_at(u, j, nrows)) {
			u->f.search_input = j < T;
			return;
		}
	}
	ui_action_say(u, "no match for '%s' in the input, top-1 or top-k "
	    "tokens", u->f.pattern);
}

void
ui_action_say(struct ui *u, const char *fmt, ...)
{
	va_list	ap;

	free(u->msg);
	va_start(ap, fmt);
	u->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

/*
 * Whether metric m can be shown now: NULL, or why not (tracked tokens, a
 * tuned lens, prompt B, the two tokens of a logit difference).
 */
static const char *
ui_action_metric_why(const struct ui *u, int m)
{
	int	need = metric_get(m)->needs, x, y;

	if (ui_snap_metric_tracked(m) && u->f.ntrack == 0)
		return ("no tracked tokens (T types one, Enter tracks the "
		    "selected)");
	if (m == UI_METRIC_TUNED_KL && !u->use_tuned)
		return ("no tuned lens loaded");
	if ((need & METRIC_NEEDS_COMPARE) && !u->cmp_open)
		return ("no prompt B (b opens its line)");
	ui_action_diff_pair(u, &x, &y);
	if ((need & METRIC_NEEDS_DIFF) && x < 0)
		return ("no tokens X, Y (--logit-diff=X,Y, or track two: the "
		    "first minus the second)");
	return (NULL);
}

/*
 * The next lens of logit -> tuned -> Jacobian -> logit, skipping those not
 * loaded.
 */
static void
ui_action_next_lens(struct ui *u)
{
	if (u->tuned == NULL && u->jacobian == NULL) {
		ui_action_say(u, "no tuned or Jacobian lens loaded (--tuned "
		    "FILE, --jacobian FILE)");
		return;
	}
	if (u->use_tuned) {
		u->use_tuned = 0;
		u->use_jacobian = u->jacobian != NULL;
	} else if (u->use_jacobian)
		u->use_jacobian = 0;
	else if (u->tuned != NULL)
		u->use_tuned = 1;
	else
		u->use_jacobian = 1;
	if (!u->use_tuned && u->f.metric == UI_METRIC_TUNED_KL)
		u->f.metric = UI_METRIC_KL;
	ui_action_say(u, "%s lens", u->use_tuned ? "tuned" : u->use_jacobian ?
	    "Jacobian" : "logit");
	ui_action_submit(u);
}

/* Whether metric m can be shown now (tracked tokens, a tuned lens). */
static int
ui_action_metric_ok(const struct ui *u, int m)
{
	return (ui_action_metric_why(u, m) == NULL);
}

static void
ui_action_set_metric(struct ui *u, int m)
{
	if (!ui_action_metric_ok(u, m)) {
		ui_action_say(u, "%s: %s", ui_palette_metric_name(m),
		    ui_action_metric_why(u, m));
		return;
	}
	u->f.metric = m;
	ui_action_say(u, "metric %s", ui_palette_metric_name(u->f.metric));
}

/* m or M: the next (dir 1) or previous metric that can be shown. */
static void
ui_action_cycle_metric(struct ui *u, int dir)
{
	int	m = u->f.metric;

	do
		m = (m + dir + UI_METRIC_ALL) % UI_METRIC_ALL;
	while (!ui_action_metric_ok(u, m));
	ui_action_set_metric(u, m);
}

/* Tracked tokens. */

static void
ui_action_track_id(struct ui *u, int id)
{
	char	*text;
	int	 i;

	if (id < 0 || id >= u->f.n_vocab) {
		ui_action_say(u, "no token %d", id);
		return;
	}
	for (i = 0; i < u->f.ntrack && u->f.track[i] != id; i++)
		;
	if (i == UI_TRACK_MAX) {
		ui_action_say(u, "%d tokens tracked already (u untracks)",
		    UI_TRACK_MAX);
		return;
	}
	if (i == u->f.ntrack)
		u->f.track[u->f.ntrack++] = id;
	u->f.track_cur = i;
	if (!ui_snap_metric_tracked(u->f.metric))
		u->f.metric = UI_METRIC_TRACK;
	text = ui_snap_token_text(&u->f, id);
	ui_action_say(u, "tracking %s (%d)", text, id);
	free(text);
	ui_action_submit(u);
}

/* Tracks typed text: "#id", or a text of one token (tok_track's rule). */
static void
ui_action_track_text(struct ui *u, const char *s, size_t len)
{
	char	*cause = NULL;
	int	 id;

	if (tok_track(u->f.tok, s, len, u->f.n_vocab, &id, &cause) != 0) {
		ui_action_say(u, "track: %s", cause);
		free(cause);
		return;
	}
	ui_action_track_id(u, id);
}

static void
ui_action_untrack(struct ui *u)
{
	if (u->f.ntrack == 0) {
		ui_action_say(u, "no tracked tokens");
		return;
	}
	memmove(&u->f.track[u->f.track_cur], &u->f.track[u->f.track_cur + 1],
	    (u->f.ntrack - u->f.track_cur - 1) * sizeof *u->f.track);
	u->f.ntrack--;
	if (u->f.track_cur >= u->f.ntrack)
		u->f.track_cur = 0;
	if (u->f.ntrack == 0 && ui_snap_metric_tracked(u->f.metric))
		u->f.metric = UI_METRIC_PROB;
	ui_action_say(u, "%d tracked", u->f.ntrack);
}

/* Whether the snapshot answers the prompt as it is now. */
static int
ui_action_ready(struct ui *u)
{
	return (u->f.snap != NULL && u->f.snap->gen == u->submitted &&
	    u->debounce_at == 0 && !ui_worker_busy(&u->w) &&
	    u->tok_err == NULL);
}

/* Appends the final layer's top-1 at the last position (greedy). */
static void
ui_action_step(struct ui *u)
{
	const struct lens_top	*t;
	const char		*b;
	char			*text;
	size_t			 len;

	if (!ui_action_ready(u)) {
		ui_action_say(u, "step: wait until ready");
		return;
	}
	if (u->f.snap->swapped) {
		ui_action_say(u, "step: the grid shows prompt B (o shows A)");
		return;
	}
	t = ui_snap_top(&u->f, u->f.snap->nrows - 1, u->f.snap->T - 1);
	if ((b = tok_bytes(u->f.tok, t->id, &len)) == NULL)
		return;
	ui_edit_end(&u->edit);
	ui_edit_insert(&u->edit, b, len);
	u->example = 0;
	text = ui_snap_token_text(&u->f, t->id);
	ui_action_say(u, "step: appended %s", text);
	free(text);
	ui_action_submit(u);
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
void
ui_action_hist_open(struct ui *u, const char *path)
{
	char	*why = NULL, *err = NULL, *aside = NULL;

	u->hist_path = path;
	if (path == NULL || ui_edit_hist_load(&u->edit, path, &why) == 0)
		return;
	if (ui_edit_hist_aside(path, &aside, &err) == 0)
		ui_action_say(u, "history set aside as %s: %s", aside, why);
	else {
		ui_action_say(u, "history not saved this time: %s (%s)", why,
		    err);
		u->hist_path = NULL;
	}
	free(aside);
	free(err);
	free(why);
}

/* Writes the history if it changed; say: a failure in the status line. */
void
ui_action_hist_save(struct ui *u, int say)
{
	char	*why = NULL;

	if (u->hist_path == NULL)
		return;
	u->hist_dirty = 1;
	if (ui_edit_hist_save(&u->edit, u->hist_path, &why) == 0)
		u->hist_dirty = 0;
	else if (say)
		ui_action_say(u, "history: %s", why);
	free(why);
}

/* Sessions and export. */

static const char *
ui_action_session_default(const struct ui *u)
{
	return (u->opts->session_path != NULL ? u->opts->session_path :
	    "logitlens-session.yaml");
}

/* "embed", "h.3", "h.3.attn" to a residual row; -1 if none. */
static int
ui_action_row_parse(const struct ui *u, const char *name)
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
ui_action_session_fill(const struct ui *u, struct session *s)
{
	char	name[32];

	session_init(s);
	s->prompt = xmalloc(u->edit.len + 1);
	memcpy(s->prompt, u->edit.buf, u->edit.len);
	s->prompt[u->edit.len] = '\0';
	s->prompt_len = u->edit.len;
	if (u->f.snap != NULL) {
		s->row = xstrdup(lens_row_name(u->f.snap->rows[u->f.sel_row],
		    name, sizeof name));
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
	if (u->cmp_open) {
		s->compare = xmalloc(u->edit_b.len + 1);
		memcpy(s->compare, u->edit_b.buf, u->edit_b.len);
		s->compare[u->edit_b.len] = '\0';
		s->compare_len = u->edit_b.len;
	}
	s->diff[0] = u->diff_x;
	s->diff[1] = u->diff_y;
	if (u->cmp_open)
		s->grid_b = u->grid_b;
	ui_patch_session_fill(u, s);
}

/*
 * Applies a session (the caller submits the prompt). Checks every name
 * first: 0, or -1 and *cause naming the first bad one, nothing changed.
 */
static int
ui_action_session_apply(struct ui *u, const struct session *s, const char *path,
    char **cause)
{
	int	m = u->f.metric, p = u->f.palette, v = u->f.view, row = -1;
	size_t	i;

	if (ui_patch_session_check(s, path, cause) != 0)
		return (-1);
	if (s->metric != NULL && (m = ui_palette_metric(s->metric)) == -1)
		return (util_fail(cause, "%s: unknown metric '%s'", path,
		    s->metric));
	if (s->palette != NULL && (p = ui_palette_find(s->palette)) == -1)
		return (util_fail(cause, "%s: unknown palette '%s'", path,
		    s->palette));
	if (s->panel != NULL && (v = ui_panel_view_find(s->panel)) == -1)
		return (util_fail(cause, "%s: unknown panel view '%s'", path,
		    s->panel));
	if (s->row != NULL && (row = ui_action_row_parse(u, s->row)) == -1)
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
	for (i = 0; i < 2; i++) {
		if (s->diff[i] >= u->f.n_vocab)
			return (util_fail(cause, "%s: logit_diff: no token %d "
			    "in this vocabulary", path, s->diff[i]));
	}
	if (s->diff[0] >= 0 && s->diff[0] == s->diff[1])
		return (util_fail(cause, "%s: logit_diff: X and Y are the "
		    "same token", path));
	/* B's line opens with the session's prompt B, closes without. */
	u->cmp_open = s->compare != NULL;
	ui_edit_set(&u->edit_b, s->compare != NULL ? s->compare : "",
	    s->compare_len);
	u->screen = u->cmp_open ? UI_SCREEN_COMPARE : UI_SCREEN_LENS;
	u->grid_b = u->cmp_open && s->grid_b == 1;
	if (u->f.snap != NULL && u->f.snap->other != NULL &&
	    u->f.snap->swapped != u->grid_b)
		ui_snap_swap(u->f.snap);
	u->diff_x = s->diff[0];
	u->diff_y = s->diff[1];
	if (s->prompt != NULL) {
		ui_edit_set(&u->edit, s->prompt, s->prompt_len);
		u->example = 0;
	}
	u->f.ntrack = (int)s->ntracked;
	memcpy(u->f.track, s->tracked, s->ntracked * sizeof *u->f.track);
	u->f.track_cur = 0;
	if (s->tuned == 1 && u->tuned != NULL)
		u->use_tuned = 1;
	if (u->use_tuned)
		u->use_jacobian = 0;
	if (!ui_action_metric_ok(u, m))
		m = UI_METRIC_PROB;
	u->f.metric = m;
	u->f.palette = p;
	u->f.view = v;
	if (!u->cmp_open && u->f.view == UI_VIEW_CMP)
		u->f.view = UI_VIEW_TOP;
	if (!u->cmp_open && u->f.focus == UI_FOCUS_PROMPT_B)
		u->f.focus = UI_FOCUS_GRID;
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
	if (u->use_tuned)
		u->use_jacobian = 0;
	ui_patch_session_apply(u, s);
	u->want_row = row;
	u->want_pos = s->pos;
	if (row == -1 && s->pos >= 0)
		u->want_row = u->f.snap != NULL ?
		    u->f.snap->rows[u->f.sel_row] : -1;
	return (0);
}

int
ui_action_session_open(struct ui *u, const char *path, char **cause)
{
	struct session	s;
	int		r;

	session_init(&s);
	if ((r = session_load(&s, path, cause)) == 0)
		r = ui_action_session_apply(u, &s, path, cause);
	session_clear(&s);
	return (r);
}

static void
ui_action_session_save(struct ui *u, const char *path)
{
	struct session	 s;
	char		*cause = NULL;

	ui_action_session_fill(u, &s);
	if (session_save(&s, path, &cause) != 0) {
		ui_action_say(u, "%s", cause);
		free(cause);
	} else
		ui_action_say(u, "saved %s", path);
	session_clear(&s);
}

/* Asks the worker to write the view as SVG (rows and positions shown). */
static void
ui_action_export(struct ui *u, const char *path)
{
	struct ui_worker_svg	svg;
	int			nrows = ui_snap_rows(&u->f), a, b;

	if (nrows == 0) {
		ui_action_say(u, "export: nothing computed yet");
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
	ui_action_say(u, "exporting %s", path);
}

static void
ui_action_ask_start(struct ui *u, int kind, const char *text)
{
	u->f.focus = UI_FOCUS_ASK;
	u->ask = kind;
	ui_edit_set(&u->search, text, strlen(text));
}

/* Enter on the status line's input. */
void
ui_action_ask_done(struct ui *u)
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
		ui_action_search(u, 1);
		break;
	case UI_ASK_TRACK:
		ui_action_track_text(u, s, len);
		break;
	case UI_ASK_SAVE:
		if (len != 0)
			ui_action_session_save(u, s);
		break;
	case UI_ASK_OPEN:
		if (len == 0)
			break;
		if (ui_action_session_open(u, s, &cause) != 0) {
			ui_action_say(u, "%s", cause);
			free(cause);
		} else {
			ui_action_say(u, "opened %s", s);
			ui_action_submit(u);
		}
		break;
	case UI_ASK_EXPORT:
		if (len != 0)
			ui_action_export(u, s);
		break;
	case UI_ASK_PATCH:
		ui_patch_ask_done(u, s, len);
		break;
	case UI_ASK_PATCH_EXPORT:
		if (len != 0)
			ui_patch_export(u, s);
		break;
	case UI_ASK_PATCH_TARGET:
	case UI_ASK_PATCH_ANTI:
		ui_patch_token_done(u, u->ask == UI_ASK_PATCH_ANTI, s, len);
		break;
	}
}

/* Enter or t: tracks the panel's entry, or the selected cell's token. */
static void
ui_action_track_selected(struct ui *u)
{
	const struct lens_top	*t;
	int			 id;

	if (u->f.focus == UI_FOCUS_PANEL) {
		if ((id = ui_panel_entry(&u->f, u->f.panel_sel)) >= 0)
			ui_action_track_id(u, id);
		return;
	}
	if ((t = ui_snap_shown_top(&u->f, u->f.sel_row, u->f.sel_pos)) != NULL)
		ui_action_track_id(u, t->id);
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
		ui_action_move_lines(u, -1);
		break;
	case UI_A_DOWN:
		ui_action_move_lines(u, 1);
		break;
	case UI_A_PAGE_UP:
		ui_action_move_lines(u, -page);
		break;
	case UI_A_PAGE_DOWN:
		ui_action_move_lines(u, page);
		break;
	case UI_A_HALF_UP:
		ui_action_move_lines(u, -(page + 1) / 2);
		break;
	case UI_A_HALF_DOWN:
		ui_action_move_lines(u, (page + 1) / 2);
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
		ui_action_search(u, a == UI_A_SEARCH_NEXT ? 1 : -1);
		break;
	default:
		return (0);
	}
	return (1);
}

/*
 * b: opens prompt B's line (the comparison screen, its panel view and
 * compare-js), or closes it (back to the lens of A alone).
 */
static void
ui_action_compare_toggle(struct ui *u)
{
	if (!u->cmp_open) {
		u->cmp_open = 1;
		if (u->screen == UI_SCREEN_LENS)	/* patching stays */
			u->screen = UI_SCREEN_COMPARE;
		u->f.focus = UI_FOCUS_PROMPT_B;
		u->f.view = UI_VIEW_CMP;
		u->f.panel_sel = 0;
		if (metric_get(u->f.metric)->needs == 0)
			u->f.metric = METRIC_CMP_JS;
		ui_action_say(u, "compare: type prompt B (Enter runs it, b "
		    "closes)");
	} else {
		u->cmp_open = 0;
		if (u->screen == UI_SCREEN_COMPARE)
			u->screen = UI_SCREEN_LENS;
		if (u->f.focus == UI_FOCUS_PROMPT_B)
			u->f.focus = UI_FOCUS_GRID;
		if (u->f.view == UI_VIEW_CMP)
			u->f.view = UI_VIEW_TOP;
		u->grid_b = 0;
		if (u->f.snap != NULL && u->f.snap->swapped)
			ui_snap_swap(u->f.snap);
		if (!ui_action_metric_ok(u, u->f.metric))
			u->f.metric = UI_METRIC_PROB;
		ui_action_say(u, "compare: closed");
	}
	ui_action_submit(u);
}

int
ui_action_compare(struct ui *u, int a)
{
	if (a != UI_A_COMPARE_SIDE)
		return (0);
	if (u->f.snap == NULL || u->f.snap->other == NULL) {
		ui_action_say(u, "compare: nothing compared yet");
		return (1);
	}
	ui_snap_swap(u->f.snap);
	u->grid_b = u->f.snap->swapped;
	ui_action_say(u, "grid: prompt %s", u->grid_b ? "B" : "A");
	return (1);
}

/* The views and tools of the explorer; returns 0. */
static int
ui_action_tool(struct ui *u, int a)
{
	switch (a) {
	case UI_A_DELTA:
		u->f.delta = !u->f.delta;
		ui_action_say(u, "delta %s", u->f.delta ? "on: the row minus "
		    "the row below" : "off");
		break;
	case UI_A_MASK:
		u->f.mask = !u->f.mask;
		ui_action_say(u, "mask %s", u->f.mask ?
		    "on: input tokens hidden" : "off");
		break;
	case UI_A_VIEW:
		u->f.view = (u->f.view + 1) % UI_VIEW_COUNT;
		if (u->f.view == UI_VIEW_CMP && !u->cmp_open)
			u->f.view = (u->f.view + 1) % UI_VIEW_COUNT;
		u->f.panel_sel = 0;
		ui_action_say(u, "panel: %s", ui_panel_view_name(u->f.view));
		break;
	case UI_A_TRACK:
		ui_action_track_selected(u);
		break;
	case UI_A_TRACK_TYPE:
		ui_action_ask_start(u, UI_ASK_TRACK, "");
		break;
	case UI_A_UNTRACK:
		ui_action_untrack(u);
		break;
	case UI_A_TRACK_NEXT:
		if (u->f.ntrack > 0) {
			u->f.track_cur = (u->f.track_cur + 1) % u->f.ntrack;
			if (!ui_snap_metric_tracked(u->f.metric))
				ui_action_set_metric(u, UI_METRIC_TRACK);
		} else
			ui_action_say(u, "no tracked tokens");
		break;
	case UI_A_STEP:
		ui_action_step(u);
		break;
	case UI_A_TUNED:
		ui_action_next_lens(u);
		break;
	case UI_A_SAVE:
		ui_action_ask_start(u, UI_ASK_SAVE,
		    ui_action_session_default(u));
		break;
	case UI_A_OPEN:
		ui_action_ask_start(u, UI_ASK_OPEN,
		    ui_action_session_default(u));
		break;
	case UI_A_EXPORT:
		ui_action_ask_start(u, UI_ASK_EXPORT, "logitlens.svg");
		break;
	case UI_A_COMPARE:
		ui_action_compare_toggle(u);
		break;
	case UI_A_COMPARE_SIDE:	/* the comparison screen's, elsewhere */
		if (u->cmp_open)
			ui_action_compare(u, a);
		else
			ui_action_say(u, "compare: no prompt B (b opens its "
			    "line)");
		break;
	case UI_A_PATCH:
		ui_patch_toggle(u);
		break;
	case UI_A_PATCH_PROMPT:
		ui_patch_ask(u);
		break;
	}
	return (0);
}

/* Returns 1 to quit. */
int
ui_action(struct ui *u, int a, int key)
{
	if (ui_action_move(u, a))
		return (0);
	if (a >= UI_A_METRIC_0 && a <= UI_A_METRIC_LAST) {
		ui_action_set_metric(u, a - UI_A_METRIC_0);
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
		ui_action_ask_start(u, UI_ASK_SEARCH, "");
		break;
	case UI_A_METRIC_NEXT:
		ui_action_cycle_metric(u, 1);
		break;
	case UI_A_METRIC_PREV:
		ui_action_cycle_metric(u, -1);
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
		ui_action_submit(u);
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
		u->redraw = 1;
		break;
	default:
		return (ui_action_tool(u, a));
	}
	return (0);
}
