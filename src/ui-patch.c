/*
 * ui-patch.c: the explorer's patching view (see ui-patch.h).
 *
 * The clean prompt is the prompt line (the lens's), the corrupted one is
 * asked for in the status line (B). Connecting the comparison view: when
 * it holds a second prompt, ui_patch_corrupted returns it and the question
 * is not needed (its prompt A is the prompt line already).
 *
 * Worker side: ui_patch_work runs both prompts, patches every row and
 * position and every head (patch.h), the rows on screen first, posting a
 * copy after each row (the view draws the rows not yet computed as
 * pending), and keeps the patched run's attention weights for the panel.
 * Main thread: the grid (rows x positions, coloured by the normalised
 * effect on the diverging ramp of the delta view), the panel (the cell's
 * raw metric and effect, the two prompts' tokens at its position, the
 * heads of its layer with their patching effect and their attention from
 * its position, strongest head first) and the legend; H switches to the
 * head grid (layers by heads, its own selection in struct ui_patch_sel),
 * X and Y set the metric's target and anti-target (tok_track, empty for
 * the runs' top-1), E switches logit_diff / prob.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>

#include "lens.h"
#include "model.h"
#include "patch.h"
#include "report.h"
#include "session.h"
#include "tok.h"
#include "ui-edit.h"
#include "ui-grid.h"
#include "ui-int.h"
#include "ui-keys.h"
#include "ui-palette.h"
#include "ui-patch.h"
#include "ui-snap.h"
#include "ui-view.h"
#include "ui-worker.h"
#include "util.h"

/* Attention kept for the panel up to this many floats (64 MiB). */
#define UI_PATCH_ATTN_MAX	((size_t)16 << 20)

static int	ui_patch_layer(int);

/* What the main thread asks the worker for. */
struct ui_patch_req {
	int	*clean, *corr;
	int	 T, Tc;
	int	 sublayers, noise;
	int	 metric;	/* enum patch_metric */
	int	 target, anti;	/* token ids, or -1: the runs' top-1 */
	int	*order;		/* the rows on screen, computed first */
	int	 norder;
};

/* The main thread's side of the view. */
struct ui_patch_state {
	char			*corr;		/* the corrupted prompt, or NULL */
	size_t			 corr_len;
	int			 noise;
	int			 metric;	/* enum patch_metric */
	char			*tok_text[2];	/* target, anti-target, or NULL */
	int			 tok_id[2];	/* their ids, -1 for the top-1 */
	struct ui_patch_sel	 sel;		/* the head grid */
	int			 asked;		/* a request is out */
	struct ui_patch_req	 last;		/* what was asked for last */
	char			*cause;		/* the corrupted prompt's error */
};

void
ui_patch_free(struct ui_patch *p)
{
	if (p == NULL)
		return;
	free(p->clean_ids);
	free(p->corr_ids);
	free(p->err);
	patch_result_free(p->res);
	free(p->attn);
	free(p);
}

static void
ui_patch_free_v(void *p)
{
	ui_patch_free(p);
}

static void
ui_patch_req_free(void *arg)
{
	struct ui_patch_req	*r = arg;

	if (r == NULL)
		return;
	free(r->clean);
	free(r->corr);
	free(r->order);
	free(r);
}

/* Worker. */

/* The callbacks' argument: the worker and the run being computed. */
struct ui_patch_job {
	struct ui_worker	*w;
	const struct ui_patch	*p;
};

static void
ui_patch_progress(void *arg, int done, int total)
{
	struct ui_worker	*w = ((struct ui_patch_job *)arg)->w;
	int			 pct = total > 0 ? 100 * done / total : 0;
	char			 c = UI_WAKE_WORKER;
	ssize_t			 r;

	if (atomic_exchange(&w->progress, pct) != pct) {
		r = write(w->pipe[1], &c, 1);
		(void)r;
	}
}

/* A part: a copy of the run so far, posted. Worker thread. */
static void
ui_patch_part(void *arg, const struct patch_result *res)
{
	struct ui_patch_job	*j = arg;
	struct ui_patch		*c = xcalloc(1, sizeof *c);

	if (res->heads_done)
		return;		/* the whole run is posted next */
	*c = *j->p;
	c->partial = 1;
	c->err = NULL;
	c->attn = NULL;
	c->clean_ids = xreallocarray(NULL, c->T, sizeof *c->clean_ids);
	memcpy(c->clean_ids, j->p->clean_ids, c->T * sizeof *c->clean_ids);
	c->corr_ids = xreallocarray(NULL, c->T, sizeof *c->corr_ids);
	memcpy(c->corr_ids, j->p->corr_ids, c->T * sizeof *c->corr_ids);
	c->res = patch_result_dup(res);
	c->n_layer = res->n_layer;
	c->n_head = res->n_head;
	ui_worker_post(j->w, c, ui_patch_free_v);
}

/* "a|b|c": a prompt's tokens, for the message of unequal lengths. */
static char *
ui_patch_tokens(const struct tok *tok, const int *ids, int n)
{
	char	*s = xstrdup(""), *t, *d;
	size_t	 len;
	int	 i;

	for (i = 0; i < n && i < 24; i++) {
		d = tok_decode(tok, &ids[i], 1, &len);
		t = xasprintf("%s%s%.*s", s, i ? "|" : "", (int)len, d);
		free(d);
		free(s);
		s = t;
	}
	if (n > 24) {
		t = xasprintf("%s|...", s);
		free(s);
		s = t;
	}
	return (s);
}

static void
ui_patch_compute(struct ui_worker *w, const struct ui_patch_req *q,
    struct ui_patch *p)
{
	struct patch_run	*clean, *corr;
	struct patch_spec	 sp;
	struct ui_patch_job	 j = { w, p };
	const struct gpt2_config *gc = gpt2_config(w->model);
	char			*a, *b;
	size_t			 n, len;
	int			 l;

	if (q->Tc != q->T) {
		a = ui_patch_tokens(w->tok, q->clean, q->T);
		b = ui_patch_tokens(w->tok, q->corr, q->Tc);
		p->err = xasprintf("the clean prompt has %d tokens (%s), the "
		    "corrupted one %d (%s): patching needs the same number",
		    q->T, a, q->Tc, b);
		free(a);
		free(b);
		return;
	}
	clean = patch_run_new(w->model, q->clean, q->T);
	corr = patch_run_new(w->model, q->corr, q->T);
	memset(&sp, 0, sizeof sp);
	sp.metric = p->metric = q->metric;
	sp.dir = q->noise ? PATCH_NOISE : PATCH_DENOISE;
	sp.target = p->target = q->target >= 0 ? q->target :
	    patch_run_top1(clean);
	sp.anti = p->anti = q->anti >= 0 ? q->anti : patch_run_top1(corr);
	sp.sublayers = q->sublayers;
	if (sp.metric == PATCH_LOGIT_DIFF && sp.target == sp.anti) {
		a = tok_decode(w->tok, &sp.target, 1, &len);
		p->err = xasprintf("the target and the anti-target are both "
		    "'%.*s' (%d): their logit difference is 0 whatever is "
		    "patched", (int)len, a, sp.target);
		free(a);
	} else if ((p->res = patch_compute_parts(w->model, clean, corr, &sp,
	    q->order, q->norder, &w->cancel, ui_patch_progress,
	    ui_patch_part, &j)) == NULL)
		p->cancelled = 1;
	else {
		p->n_layer = gc->n_layer;
		p->n_head = gc->n_head;
		n = (size_t)gc->n_layer * gc->n_head * q->T * q->T;
		if (n <= UI_PATCH_ATTN_MAX) {
			p->attn = xreallocarray(NULL, n, sizeof *p->attn);
			for (l = 0; l < gc->n_layer; l++)
				patch_run_attn(q->noise ? clean : corr, l,
				    p->attn + (size_t)l * gc->n_head * q->T *
				    q->T);
		}
	}
	patch_run_free(clean);
	patch_run_free(corr);
}

/* The worker's job: both grids of a request. Worker thread. */
static void
ui_patch_run(struct ui_worker *w, void *arg)
{
	struct ui_patch_req	*q = arg;
	struct ui_patch		*p = xcalloc(1, sizeof *p);

	p->T = q->T;
	p->sublayers = q->sublayers;
	p->noise = q->noise;
	p->clean_ids = xreallocarray(NULL, q->T, sizeof *p->clean_ids);
	memcpy(p->clean_ids, q->clean, q->T * sizeof *q->clean);
	p->corr_ids = xreallocarray(NULL, q->Tc + 1, sizeof *p->corr_ids);
	memcpy(p->corr_ids, q->corr, q->Tc * sizeof *q->corr);
	ui_patch_compute(w, q, p);
	ui_patch_req_free(q);
	ui_worker_post(w, p, ui_patch_free_v);
}

/* Main thread: requests. */

static void
ui_patch_say(struct ui *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A message for the status line (as ui_action_say). */
static void
ui_patch_say(struct ui *u, const char *fmt, ...)
{
	va_list	ap;
	char	buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(u->msg);
	u->msg = xstrdup(buf);
}

/* A question in the status line (as ui-action.c asks). */
static void
ui_patch_ask_start(struct ui *u, int kind, const char *text)
{
	u->f.focus = UI_FOCUS_ASK;
	u->ask = kind;
	ui_edit_set(&u->search, text, strlen(text));
}

static struct ui_patch_state *
ui_patch_state(struct ui *u)
{
	if (u->patch == NULL) {
		u->patch = xcalloc(1, sizeof *u->patch);
		u->patch->tok_id[0] = u->patch->tok_id[1] = -1;
		u->f.patch_sel = &u->patch->sel;
	}
	return (u->patch);
}

/*
 * The corrupted prompt. The comparison view's prompt B, when it has one,
 * goes here (clean = A, the prompt line; corrupted = B).
 */
static const char *
ui_patch_corrupted(const struct ui *u, size_t *len)
{
	if (u->cmp_open && u->edit_b.len > 0) {
		*len = u->edit_b.len;
		return (u->edit_b.buf);
	}
	if (u->patch == NULL || u->patch->corr == NULL)
		return (NULL);
	*len = u->patch->corr_len;
	return (u->patch->corr);
}

void
ui_patch_done(struct ui *u)
{
	if (u->patch != NULL) {
		free(u->patch->corr);
		free(u->patch->last.clean);
		free(u->patch->last.corr);
		free(u->patch->cause);
		free(u->patch->tok_text[0]);
		free(u->patch->tok_text[1]);
		free(u->patch);
		u->patch = NULL;
	}
	u->f.patch_sel = NULL;
	ui_patch_free(u->f.patch);
	u->f.patch = NULL;
}

static int
ui_patch_same(const struct ui_patch_req *a, const struct ui_patch_req *b)
{
	return (a->clean != NULL && a->T == b->T && a->Tc == b->Tc &&
	    a->sublayers == b->sublayers && a->noise == b->noise &&
	    a->metric == b->metric && a->target == b->target &&
	    a->anti == b->anti &&
	    memcmp(a->clean, b->clean, b->T * sizeof *b->clean) == 0 &&
	    memcmp(a->corr, b->corr, b->Tc * sizeof *b->corr) == 0);
}

/* Hands a request to the worker; a newer one replaces it. */
static void
ui_patch_submit(struct ui *u, const struct ui_patch_req *q)
{
	struct ui_patch_req	*c = xcalloc(1, sizeof *c);
	struct ui_worker_job	 j;

	*c = *q;
	c->clean = xreallocarray(NULL, q->T + 1, sizeof *c->clean);
	memcpy(c->clean, q->clean, q->T * sizeof *q->clean);
	c->corr = xreallocarray(NULL, q->Tc + 1, sizeof *c->corr);
	memcpy(c->corr, q->corr, q->Tc * sizeof *q->corr);
	c->order = NULL;
	if (q->norder > 0) {
		c->order = xreallocarray(NULL, q->norder, sizeof *c->order);
		memcpy(c->order, q->order, q->norder * sizeof *q->order);
	}
	j.run = ui_patch_run;
	j.drop = ui_patch_req_free;
	j.arg = c;
	ui_worker_job(&u->w, &j);
}

/* The rows on screen, top to bottom: computed first. */
static int *
ui_patch_order(const struct ui *u, int nrows, int *n)
{
	const struct ui_frame	*f = &u->f;
	int			*o, line, dl;

	o = xreallocarray(NULL, (size_t)nrows, sizeof *o);
	*n = 0;
	for (line = 0; line < f->layout.vis_rows; line++) {
		if ((dl = f->row_off + line) >= nrows)
			break;
		o[(*n)++] = ui_layout_row(dl, nrows, f->final_on_top);
	}
	return (o);
}

void
ui_patch_tick(struct ui *u)
{
	struct ui_patch_state	*st = u->patch;
	struct ui_patch		*p;
	struct ui_patch_req	 q;
	const struct ui_snap	*s = u->f.snap;
	const char		*text;
	char			*cause = NULL;
	size_t			 len, n;
	int			*ids = NULL;

	p = ui_worker_take_job(&u->w, ui_patch_free_v);
	if (p != NULL && st != NULL && p->partial) {
		/* A part: drawn, the rest still coming. */
		ui_patch_free(u->f.patch);
		u->f.patch = p;
	} else if (p != NULL && st != NULL) {
		st->asked = 0;
		if (p->cancelled) {
			/* Asked again below, if still wanted. */
			free(st->last.clean);
			free(st->last.corr);
			memset(&st->last, 0, sizeof st->last);
			ui_patch_free(p);
		} else {
			ui_patch_free(u->f.patch);
			u->f.patch = p;
		}
	} else
		ui_patch_free(p);
	if (u->screen != UI_SCREEN_PATCH || st == NULL ||
	    (text = ui_patch_corrupted(u, &len)) == NULL)
		return;
	/* The lens of the prompt line is current: its tokens are clean. */
	if (s == NULL || s->gen != u->submitted || u->debounce_at != 0)
		return;
	if (tok_encode(u->f.tok, text, len, &ids, &n, &cause) != 0) {
		if (st->cause == NULL || strcmp(st->cause, cause) != 0)
			ui_patch_say(u, "corrupted prompt: %s", cause);
		free(st->cause);
		st->cause = cause;
		return;
	}
	free(st->cause);
	st->cause = NULL;
	if (n > (size_t)u->n_ctx) {
		memmove(ids, ids + n - u->n_ctx, u->n_ctx * sizeof *ids);
		n = u->n_ctx;
	}
	q.clean = s->ids;
	q.T = s->T;
	q.corr = ids;
	q.Tc = (int)n;
	q.sublayers = s->sublayers;
	q.noise = st->noise;
	q.metric = st->metric;
	q.target = st->tok_id[0];
	q.anti = st->tok_id[1];
	q.order = NULL;
	q.norder = 0;
	if (!ui_patch_same(&st->last, &q)) {
		free(st->last.clean);
		free(st->last.corr);
		st->last = q;
		st->last.clean = xreallocarray(NULL, q.T + 1, sizeof *q.clean);
		memcpy(st->last.clean, q.clean, q.T * sizeof *q.clean);
		st->last.corr = ids;
		ids = NULL;
		st->asked = 1;
		q.order = ui_patch_order(u, s->nrows, &q.norder);
		st->last.order = q.order;
		st->last.norder = q.norder;
		ui_patch_submit(u, &st->last);
		st->last.order = NULL;
		st->last.norder = 0;
		free(q.order);
	}
	free(ids);
}

void
ui_patch_toggle(struct ui *u)
{
	size_t	len;

	if (u->screen == UI_SCREEN_PATCH) {
		u->screen = u->cmp_open ? UI_SCREEN_COMPARE : UI_SCREEN_LENS;
		return;
	}
	ui_patch_state(u);
	u->screen = UI_SCREEN_PATCH;
	if (ui_patch_corrupted(u, &len) == NULL)
		ui_patch_ask(u);
}

void
ui_patch_ask(struct ui *u)
{
	struct ui_patch_state	*st = ui_patch_state(u);

	ui_patch_ask_start(u, UI_ASK_PATCH, st->corr != NULL ? st->corr :
	    "");
}

void
ui_patch_ask_done(struct ui *u, const char *s, size_t len)
{
	struct ui_patch_state	*st = ui_patch_state(u);

	if (len == 0)
		return;
	free(st->corr);
	st->corr = xmalloc(len + 1);
	memcpy(st->corr, s, len);
	st->corr[len] = '\0';
	st->corr_len = len;
	u->screen = UI_SCREEN_PATCH;
	/* The grid in flight is of the old prompt. */
	ui_worker_cancel(&u->w);
}

/*
 * Sets the target or anti-target token (tok_track's rule, as --track and
 * --target); an empty text restores the default, the runs' top-1.
 */
static int
ui_patch_token_set(struct ui *u, int anti, const char *s, size_t len,
    char **cause)
{
	struct ui_patch_state	*st = ui_patch_state(u);
	int			 id = -1;

	if (len != 0 && tok_track(u->f.tok, s, len, u->f.n_vocab, &id,
	    cause) != 0)
		return (-1);
	free(st->tok_text[anti]);
	st->tok_text[anti] = NULL;
	if (len != 0) {
		st->tok_text[anti] = xmalloc(len + 1);
		memcpy(st->tok_text[anti], s, len);
		st->tok_text[anti][len] = '\0';
	}
	st->tok_id[anti] = id;
	return (0);
}

void
ui_patch_token_done(struct ui *u, int anti, const char *s, size_t len)
{
	const char	*what = anti ? "anti-target" : "target";
	char		*cause = NULL;

	if (ui_patch_token_set(u, anti, s, len, &cause) != 0) {
		ui_patch_say(u, "patching %s: %s", what, cause);
		free(cause);
		return;
	}
	/* The grid in flight is of the old metric. */
	ui_worker_cancel(&u->w);
	if (len == 0)
		ui_patch_say(u, "patching %s: the %s run's top-1", what,
		    anti ? "corrupted" : "clean");
	else
		ui_patch_say(u, "patching %s: '%.*s'", what, (int)len, s);
}

void
ui_patch_export(struct ui *u, const char *path)
{
	const struct ui_patch	*p = u->f.patch;
	struct report		 r;
	struct patch_spec	 sp;
	char			*cause = NULL, *tmp, *why;
	FILE			*f;
	int			 rv;

	if (p == NULL || p->res == NULL) {
		ui_patch_say(u, "export: no patching grid yet");
		return;
	}
	memset(&r, 0, sizeof r);
	memset(&sp, 0, sizeof sp);
	sp.metric = p->metric;
	sp.dir = p->noise ? PATCH_NOISE : PATCH_DENOISE;
	sp.target = p->target;
	sp.anti = p->anti;
	sp.sublayers = p->sublayers;
	r.model = u->f.model;
	r.tok = u->f.tok;
	r.ids = p->corr_ids;
	r.T = p->T;
	r.sublayers = p->sublayers;
	r.patching = p->res;
	r.patch_spec = &sp;
	r.clean_ids = p->clean_ids;
	r.note = u->opts->model_note;
	if ((f = util_atomic_open(path, 0666, &tmp, &cause)) == NULL)
		rv = -1;
	else {
		if ((rv = report_write(f, &r, REPORT_SVG, &why)) != 0) {
			util_fail(&cause, "%s: %s", path, why);
			free(why);
		}
		rv = util_atomic_close(f, tmp, path, rv != 0, &cause);
	}
	if (rv == 0)
		ui_patch_say(u, "wrote %s (patching)", path);
	else
		ui_patch_say(u, "export: %s", cause);
	free(cause);
}

/* Moves the head grid's selection; 1 if a was a move. */
static int
ui_patch_head_move(struct ui *u, int a)
{
	struct ui_patch_sel		*s = &ui_patch_state(u)->sel;
	const struct gpt2_config	*c = gpt2_config(u->f.model);
	int				 up = u->f.final_on_top ? 1 : -1;

	switch (a) {
	case UI_A_LEFT:
		s->head--;
		break;
	case UI_A_RIGHT:
		s->head++;
		break;
	case UI_A_UP:
		s->layer += up;
		break;
	case UI_A_DOWN:
		s->layer -= up;
		break;
	case UI_A_FIRST_LAYER:
		s->layer = 0;
		break;
	case UI_A_LAST_LAYER:
		s->layer = c->n_layer - 1;
		break;
	case UI_A_FIRST_POS:
		s->head = 0;
		break;
	case UI_A_LAST_POS:
		s->head = c->n_head - 1;
		break;
	default:
		return (0);
	}
	s->layer = s->layer < 0 ? 0 : s->layer >= c->n_layer ?
	    c->n_layer - 1 : s->layer;
	s->head = s->head < 0 ? 0 : s->head >= c->n_head ? c->n_head - 1 :
	    s->head;
	return (1);
}

int
ui_patch_action(struct ui *u, int a)
{
	const struct patch_result	*r;
	struct ui_patch_sel		*s;

	if (a == UI_A_PATCH_HEADS) {
		s = &ui_patch_state(u)->sel;
		/* Opened on the selected cell's layer. */
		if ((s->heads ^= 1) && u->f.patch != NULL &&
		    (r = u->f.patch->res) != NULL && u->f.sel_row >= 0 &&
		    u->f.sel_row < r->nrows)
			s->layer = ui_patch_layer(r->rows[u->f.sel_row]);
		return (1);
	}
	if (ui_patch_state(u)->sel.heads && ui_patch_head_move(u, a))
		return (1);
	if (a == UI_A_PATCH_TARGET || a == UI_A_PATCH_ANTI) {
		ui_patch_state(u);
		ui_patch_ask_start(u, a == UI_A_PATCH_ANTI ?
		    UI_ASK_PATCH_ANTI : UI_ASK_PATCH_TARGET,
		    u->patch->tok_text[a == UI_A_PATCH_ANTI] != NULL ?
		    u->patch->tok_text[a == UI_A_PATCH_ANTI] : "");
		return (1);
	}
	if (a == UI_A_PATCH_METRIC) {
		ui_patch_state(u)->metric = u->patch->metric == PATCH_PROB ?
		    PATCH_LOGIT_DIFF : PATCH_PROB;
		ui_worker_cancel(&u->w);
		ui_patch_say(u, "patching metric: %s",
		    patch_metric_name(u->patch->metric));
		return (1);
	}
	if (a == UI_A_EXPORT) {
		ui_patch_ask_start(u, UI_ASK_PATCH_EXPORT,
		    "logitlens-patch.svg");
		return (1);
	}
	if (a == UI_A_PATCH_DIR) {
		ui_patch_state(u)->noise ^= 1;
		ui_worker_cancel(&u->w);
		ui_patch_say(u, "patching: %s", u->patch->noise ?
		    "noise (corrupted into clean)" :
		    "denoise (clean into corrupted)");
		return (1);
	}
	return (0);
}

/* Sessions. */

void
ui_patch_session_fill(const struct ui *u, struct session *s)
{
	size_t		 len;
	const char	*c = ui_patch_corrupted(u, &len);

	s->view = xstrdup(u->screen == UI_SCREEN_PATCH ? "patch" : "lens");
	if (c != NULL)
		s->patch_corrupted = xstrdup(c);
	if (u->patch != NULL) {
		s->patch_direction = xstrdup(u->patch->noise ? "noise" :
		    "denoise");
		s->patch_metric = xstrdup(patch_metric_name(
		    u->patch->metric));
		if (u->patch->tok_text[0] != NULL)
			s->patch_target = xstrdup(u->patch->tok_text[0]);
		if (u->patch->tok_text[1] != NULL)
			s->patch_anti_target = xstrdup(u->patch->tok_text[1]);
	}
}

int
ui_patch_session_check(const struct session *s, const char *path,
    char **cause)
{
	if (s->view != NULL && strcmp(s->view, "lens") != 0 &&
	    strcmp(s->view, "patch") != 0)
		return (util_fail(cause, "%s: unknown view '%s' (lens, patch)",
		    path, s->view));
	if (s->patch_direction != NULL &&
	    strcmp(s->patch_direction, "denoise") != 0 &&
	    strcmp(s->patch_direction, "noise") != 0)
		return (util_fail(cause, "%s: unknown patch_direction '%s' "
		    "(denoise, noise)", path, s->patch_direction));
	if (s->patch_metric != NULL &&
	    strcmp(s->patch_metric, "logit_diff") != 0 &&
	    strcmp(s->patch_metric, "prob") != 0)
		return (util_fail(cause, "%s: unknown patch_metric '%s' "
		    "(logit_diff, prob)", path, s->patch_metric));
	return (0);
}

void
ui_patch_session_apply(struct ui *u, const struct session *s)
{
	struct ui_patch_state	*st = ui_patch_state(u);
	const char		*t;
	char			*cause = NULL;
	int			 k;

	if (s->patch_corrupted != NULL) {
		free(st->corr);
		st->corr = xstrdup(s->patch_corrupted);
		st->corr_len = strlen(st->corr);
	}
	if (s->patch_direction != NULL)
		st->noise = strcmp(s->patch_direction, "noise") == 0;
	if (s->patch_metric != NULL)
		st->metric = strcmp(s->patch_metric, "prob") == 0 ?
		    PATCH_PROB : PATCH_LOGIT_DIFF;
	/* A token that is not one any more is said, and left at the top-1. */
	for (k = 0; k < 2; k++) {
		t = k ? s->patch_anti_target : s->patch_target;
		if (t != NULL && ui_patch_token_set(u, k, t, strlen(t),
		    &cause) != 0) {
			ui_patch_say(u, "session: patch_%s: %s", k ?
			    "anti_target" : "target", cause);
			free(cause);
			cause = NULL;
		}
	}
	/* The patching view needs its corrupted prompt. */
	if (s->view != NULL)
		u->screen = strcmp(s->view, "patch") == 0 && st->corr != NULL ?
		    UI_SCREEN_PATCH : u->cmp_open ? UI_SCREEN_COMPARE :
		    UI_SCREEN_LENS;
}

/* Drawing: functions of the frame. */

/* The residual row's layer: its block, 0 for the embeddings. */
static int
ui_patch_layer(int row)
{
	return (row == 0 ? 0 : (row - 1) / 2);
}

static void
ui_patch_header(const struct ui_frame *f, const struct ui_patch *p)
{
	const struct ui_layout	*l = &f->layout;
	char			 fit[128];
	int			 c, t, k;

	mvaddnstr(l->head_y, 0, "clean", l->label_w);
	mvaddnstr(l->head_y + 1, 0, "corr", l->label_w);
	for (c = 0; c < l->vis_cols && (t = f->col_off + c) < p->T; c++) {
		for (k = 0; k < 2; k++) {
			ui_snap_token_fit(f, (k ? p->corr_ids : p->clean_ids)[t],
			    l->cell_w, fit, sizeof fit);
			if (t == f->sel_pos)
				attron(A_BOLD | A_UNDERLINE);
			mvaddstr(l->head_y + k, l->grid_x + c * (l->cell_w + 1),
			    fit);
			attroff(A_BOLD | A_UNDERLINE);
		}
	}
}

/* A cell of metric v, selected or not, done or pending. */
static void
ui_patch_cell(const struct ui_frame *f, const struct patch_result *res,
    float v, int done, int sel, int y, int x)
{
	float	e = (float)patch_effect(res, (double)v);
	float	norm = ui_view_diverge(e, 1.0f);
	char	num[32], buf[64];
	int	attr = ui_grid_div_attr(f, norm), w = f->layout.cell_w;

	if (!done) {
		/* Not computed yet. */
		attr = A_DIM;
		if (sel)
			attr |= A_REVERSE;
		attron(attr);
		mvaddstr(y, x, f->ascii ? "." : "\xc2\xb7");
		printw("%*s", w - 1, "");
		attroff(attr);
		return;
	}
	if (sel)
		attr |= A_REVERSE;
	/* Fixed decimals: a grid of effects reads as one scale. */
	if (isnan(e))
		snprintf(num, sizeof num, "nan");
	else if (fabsf(e) < 9.995f)
		snprintf(num, sizeof num, "%+.2f", (double)e);
	else
		snprintf(num, sizeof num, "%+.0f", (double)e);
	/* An ASCII glyph may be a sign: a space apart. */
	snprintf(buf, sizeof buf, "%s%s%s", ui_palette_glyph(norm, f->ascii),
	    f->ascii && w >= 7 ? " " : "", w >= 6 ? num : "");
	attron(attr);
	mvaddstr(y, x, "");
	ui_layout_fit(buf, strlen(buf), w, f->ascii, num, sizeof num);
	printw("%-*s", w, num);
	attroff(attr);
}

/* A line of the panel, clipped to its width; advances *y. */
static void
ui_patch_line(const struct ui_frame *f, int *y, int attr, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
ui_patch_line(const struct ui_frame *f, int *y, int attr, const char *fmt,
    ...)
{
	const struct ui_layout	*l = &f->layout;
	va_list			 ap;
	char			 buf[512], fit[1024];

	if (l->panel_w == 0 || *y >= l->panel_y + l->panel_h)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ui_layout_fit(buf, strlen(buf), l->panel_w - 3, f->ascii, fit,
	    sizeof fit);
	attron(attr);
	mvaddstr((*y)++, l->panel_x + 2, fit);
	attroff(attr);
}

struct ui_patch_head {
	int	h;
	float	eff;
};

static int
ui_patch_head_cmp(const void *a, const void *b)
{
	const struct ui_patch_head	*x = a, *y = b;
	float				 fx = fabsf(x->eff), fy = fabsf(y->eff);

	if (isnan(fx) || isnan(fy) || fx == fy)
		return (x->h - y->h);
	return (fx > fy ? -1 : 1);
}

/*
 * The heads of the selected row's layer: the metric after patching each,
 * and its attention from the selected position, strongest head first.
 */
static void
ui_patch_heads(const struct ui_frame *f, const struct ui_patch *p, int *y)
{
	const struct patch_result	*r = p->res;
	struct ui_patch_head		*hs;
	const float			*w;
	char				 spark[256], fit[64], name[32];
	int				 l, i, s, t = f->sel_pos, from, best, n;
	int				 room = f->layout.panel_w - 34;

	l = ui_patch_layer(r->rows[f->sel_row]);
	if (!r->heads_done) {
		ui_patch_line(f, y, A_BOLD, "layer %d heads: pending", l);
		return;
	}
	ui_patch_line(f, y, A_BOLD, "layer %d heads: effect, attn from "
	    "P%d", l, t);
	hs = xreallocarray(NULL, r->n_head, sizeof *hs);
	for (i = 0; i < r->n_head; i++) {
		hs[i].h = i;
		hs[i].eff = (float)patch_effect(r, (double)r->heads[(size_t)l *
		    r->n_head + i]);
	}
	qsort(hs, r->n_head, sizeof *hs, ui_patch_head_cmp);
	for (i = 0; i < r->n_head; i++) {
		snprintf(name, sizeof name, "h%d.%d", l, hs[i].h);
		if (p->attn == NULL) {
			ui_patch_line(f, y, 0, "%-6s eff %+.3f raw %.4g", name,
			    (double)hs[i].eff, (double)r->heads[(size_t)l *
			    r->n_head + hs[i].h]);
			continue;
		}
		w = p->attn + (((size_t)l * r->n_head + hs[i].h) * p->T + t) *
		    p->T;
		n = room < 4 ? 4 : room;
		from = t + 1 > n ? t + 1 - n : 0;
		ui_view_spark(w + from, t + 1 - from, f->ascii, spark,
		    sizeof spark);
		for (best = 0, s = 1; s <= t; s++)
			if (w[s] > w[best])
				best = s;
		ui_snap_token_fit(f, p->corr_ids[best], 8, fit, sizeof fit);
		ui_patch_line(f, y, 0, "%-6s %+.2f %s %s %.2f", name,
		    (double)hs[i].eff, spark, fit, (double)w[best]);
	}
	free(hs);
}

static void
ui_patch_panel(const struct ui_frame *f, const struct ui_patch *p)
{
	const struct patch_result	*r = p->res;
	char				 name[32], *ta, *tb;
	int				 y = f->layout.panel_y, row = f->sel_row;
	int				 t = f->sel_pos;
	float				 v;

	ui_patch_line(f, &y, A_BOLD, "patching (%s)", p->noise ?
	    "noise" : "denoise");
	ta = ui_snap_token_text(f, p->target);
	tb = ui_snap_token_text(f, p->anti);
	if (p->metric == PATCH_PROB)
		ui_patch_line(f, &y, 0, "p(%s)", ta);
	else
		ui_patch_line(f, &y, 0, "logit(%s) - logit(%s)", ta, tb);
	free(ta);
	free(tb);
	ui_patch_line(f, &y, 0, "clean %.4f  corrupted %.4f", r->clean,
	    r->corrupted);
	if (row < 0 || row >= r->nrows || t < 0 || t >= r->T)
		return;
	v = r->values[(size_t)row * r->T + t];
	ui_patch_line(f, &y, A_BOLD, "%s P%d", lens_row_name(r->rows[row],
	    name, sizeof name), t);
	if (r->done[row])
		ui_patch_line(f, &y, 0, "raw %.4f  effect %+.4f", (double)v,
		    patch_effect(r, (double)v));
	else
		ui_patch_line(f, &y, A_DIM, "raw, effect: pending");
	ta = ui_snap_token_text(f, p->clean_ids[t]);
	tb = ui_snap_token_text(f, p->corr_ids[t]);
	ui_patch_line(f, &y, 0, "tokens: clean %s, corrupted %s", ta, tb);
	free(ta);
	free(tb);
	ui_patch_heads(f, p, &y);
}

static void
ui_patch_legend(const struct ui_frame *f)
{
	int	i, n = ui_palette_nglyphs(f->ascii), attr;
	float	norm;

	move(f->layout.legend_y, 0);
	printw("effect (m-corrupted)/(clean-corrupted): -1 ");
	for (i = 0; i < n; i++) {
		norm = (float)i / (float)(n - 1);
		attr = ui_grid_div_attr(f, norm);
		attron(attr);
		addstr(ui_palette_glyph(norm, f->ascii));
		attroff(attr);
	}
	printw(" +1");
}

/*
 * The head grid: layers by heads, each cell the normalised effect of
 * patching the head's output at every position; the panel gives the
 * selected head's raw metric and effect.
 */
static void
ui_patch_head_grid(const struct ui_frame *f, const struct ui_patch *p,
    const struct ui_patch_sel *s)
{
	const struct ui_layout		*l = &f->layout;
	const struct patch_result	*r = p->res;
	char				 name[32];
	int				 line, dl, ly, c, h, hoff, loff, y;
	int				 sl = s->layer < r->n_layer ? s->layer :
					    r->n_layer - 1;
	int				 sh = s->head < r->n_head ? s->head :
					    r->n_head - 1;
	float				 v;

	/* Scrolled to keep the selection on screen. */
	hoff = sh >= l->vis_cols ? sh - l->vis_cols + 1 : 0;
	dl = f->final_on_top ? r->n_layer - 1 - sl : sl;
	loff = dl >= l->vis_rows ? dl - l->vis_rows + 1 : 0;
	mvaddnstr(l->head_y, 0, "head", l->label_w);
	for (c = 0; c < l->vis_cols && (h = hoff + c) < r->n_head; c++) {
		if (h == sh)
			attron(A_BOLD | A_UNDERLINE);
		mvprintw(l->head_y, l->grid_x + c * (l->cell_w + 1), "H%d", h);
		attroff(A_BOLD | A_UNDERLINE);
	}
	for (line = 0; line < l->vis_rows; line++) {
		if ((dl = loff + line) >= r->n_layer)
			break;
		ly = f->final_on_top ? r->n_layer - 1 - dl : dl;
		snprintf(name, sizeof name, "L%d", ly);
		if (ly == sl)
			attron(A_BOLD);
		mvaddnstr(l->grid_y + line, 0, name, l->label_w);
		attroff(A_BOLD);
		for (c = 0; c < l->vis_cols && (h = hoff + c) < r->n_head; c++)
			ui_patch_cell(f, r, r->heads[(size_t)ly * r->n_head +
			    h], r->heads_done, ly == sl && h == sh,
			    l->grid_y + line, l->grid_x + c * (l->cell_w + 1));
	}
	y = l->panel_y;
	ui_patch_line(f, &y, A_BOLD, "patching heads (%s)", p->noise ?
	    "noise" : "denoise");
	ui_patch_line(f, &y, 0, "clean %.4f  corrupted %.4f", r->clean,
	    r->corrupted);
	ui_patch_line(f, &y, A_BOLD, "h%d.%d at every position", sl, sh);
	if (!r->heads_done) {
		ui_patch_line(f, &y, A_DIM, "raw, effect: pending");
		return;
	}
	v = r->heads[(size_t)sl * r->n_head + sh];
	ui_patch_line(f, &y, 0, "raw %.4f  effect %+.4f", (double)v,
	    patch_effect(r, (double)v));
}

void
ui_patch_draw(const struct ui_frame *f)
{
	const struct ui_layout	*l = &f->layout;
	const struct ui_patch	*p = f->patch;
	const struct patch_result *r;
	char			 name[32];
	int			 line, dl, row, c, t;

	if (p == NULL || p->res == NULL) {
		attron(A_DIM);
		mvaddstr(l->grid_y, 0, p != NULL && p->err != NULL ?
		    "patching: " : "patching: computing...");
		attroff(A_DIM);
		if (p != NULL && p->err != NULL) {
			move(l->grid_y + 1, 0);
			addnstr(p->err, l->cols * 3);
		}
		ui_patch_legend(f);
		return;
	}
	r = p->res;
	if (f->patch_sel != NULL && f->patch_sel->heads) {
		ui_patch_head_grid(f, p, f->patch_sel);
		ui_patch_legend(f);
		return;
	}
	ui_patch_header(f, p);
	for (line = 0; line < l->vis_rows; line++) {
		if ((dl = f->row_off + line) >= r->nrows)
			break;
		row = ui_layout_row(dl, r->nrows, f->final_on_top);
		lens_row_name(r->rows[row], name, sizeof name);
		if (row == f->sel_row)
			attron(A_BOLD);
		mvaddnstr(l->grid_y + line, 0, name, l->label_w);
		attroff(A_BOLD);
		for (c = 0; c < l->vis_cols && (t = f->col_off + c) < r->T; c++)
			ui_patch_cell(f, r, r->values[(size_t)row * r->T + t],
			    r->done[row], row == f->sel_row &&
			    t == f->sel_pos, l->grid_y + line,
			    l->grid_x + c * (l->cell_w + 1));
	}
	ui_patch_panel(f, p);
	ui_patch_legend(f);
}
