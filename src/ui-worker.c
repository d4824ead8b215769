/*
 * ui-worker.c: the explorer's worker thread (see ui-worker.h).
 *
 * Owns the lens, the model state and the requests between the threads.
 * Refuses to know the screen: what it hands over is a struct ui_snap, an
 * attribution or a message, and a byte on the self-pipe.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib.h"
#include "compare.h"
#include "lens.h"
#include "model.h"
#include "report.h"
#include "ui-palette.h"
#include "ui-snap.h"
#include "ui-worker.h"
#include "util.h"

static void
ui_worker_wake(int fd, char c)
{
	ssize_t	r;

	r = write(fd, &c, 1);	/* a full pipe already wakes the loop */
	(void)r;
}

static void
ui_worker_progress_cb(void *arg, int done, int total)
{
	struct ui_worker	*u = arg;
	int		 pct = total > 0 ? 100 * done / total : 0;

	if (atomic_exchange(&u->progress, pct) != pct)
		ui_worker_wake(u->pipe[1], UI_WAKE_WORKER);
}

/*
 * Logits, probabilities and ranks of the tracked tokens in every cell.
 * Worker.
 */
static void
ui_worker_track(const struct lens *ln, const struct gpt2_state *st,
    struct ui_snap *s, const int *track, int ntrack)
{
	const struct lens_cell	*c;
	size_t			 at, n = (size_t)ntrack * s->nrows * s->T;
	int			 i, r, t;
	float			 l;

	s->ntrack = ntrack;
	s->track = xreallocarray(NULL, ntrack + 1, sizeof *s->track);
	memcpy(s->track, track, ntrack * sizeof *track);
	s->track_logit = xreallocarray(NULL, n + 1, sizeof *s->track_logit);
	s->track_prob = xreallocarray(NULL, n + 1, sizeof *s->track_prob);
	s->track_rank = xreallocarray(NULL, n + 1, sizeof *s->track_rank);
	for (i = 0; i < ntrack; i++) {
		for (r = 0; r < s->nrows; r++) {
			for (t = 0; t < s->T; t++) {
				at = ((size_t)i * s->nrows + r) * s->T + t;
				c = &s->cells[(size_t)r * s->T + t];
				l = lens_token_logit(ln, st, s->rows[r], t,
				    track[i]);
				s->track_logit[at] = l;
				s->track_prob[at] = expf(l - c->lse);
				s->track_rank[at] = lens_token_rank(ln,
				    s->rows[r], t, track[i]);
			}
		}
	}
}

/* Copies every shown cell of the lens ln. Worker thread. */
static struct ui_snap *
ui_worker_copy(const struct lens *ln, const int *ids, int T, int sub)
{
	struct ui_snap		*s = xcalloc(1, sizeof *s);
	const struct lens_cell	*c;
	size_t			 k, n;
	int			 i, t;

	s->T = T;
	s->sublayers = sub;
	s->top_k = lens_top_k(ln);
	s->nrows = lens_nrows(ln, sub);
	s->ids = xreallocarray(NULL, T, sizeof *s->ids);
	memcpy(s->ids, ids, T * sizeof *ids);
	s->rows = xreallocarray(NULL, s->nrows, sizeof *s->rows);
	n = (size_t)s->nrows * T;
	k = s->top_k;
	s->cells = xreallocarray(NULL, n, sizeof *s->cells);
	s->tops = xreallocarray(NULL, n * k, sizeof *s->tops);
	for (i = 0; i < s->nrows; i++) {
		s->rows[i] = lens_row(ln, i, sub);
		for (t = 0; t < T; t++) {
			c = lens_cell(ln, s->rows[i], t);
			s->cells[(size_t)i * T + t] = *c;
			memcpy(&s->tops[((size_t)i * T + t) * k],
			    lens_top(ln, s->rows[i], t), k *
			    sizeof *s->tops);
			if (i == 0 && t == 0)
				s->logit_lo = s->logit_hi = c->final_top1_logit;
			if (c->final_top1_logit < s->logit_lo)
				s->logit_lo = c->final_top1_logit;
			if (c->final_top1_logit > s->logit_hi)
				s->logit_hi = c->final_top1_logit;
		}
	}
	return (s);
}

/* logit(X) - logit(Y) in every cell of s (ln's run in st). Worker. */
static void
ui_worker_diff(const struct lens *ln, const struct gpt2_state *st,
    struct ui_snap *s, int x, int y)
{
	size_t	at;
	float	v;
	int	r, t;

	if (x < 0 || y < 0)
		return;
	s->diff = xreallocarray(NULL, (size_t)s->nrows * s->T + 1,
	    sizeof *s->diff);
	s->diff_max = 0.0f;
	for (r = 0; r < s->nrows; r++) {
		for (t = 0; t < s->T; t++) {
			at = (size_t)r * s->T + t;
			v = (float)compare_logit_diff(ln, st, s->rows[r], t, x,
			    y);
			s->diff[at] = v;
			if (fabsf(v) > s->diff_max)
				s->diff_max = fabsf(v);
		}
	}
}

/*
 * The snapshot of one prompt's run (ln on st): its cells, the tracked
 * tokens, the logit difference of x and y. Worker.
 */
static struct ui_snap *
ui_worker_snap(const struct lens *ln, const struct gpt2_state *st,
    const int *ids, int T, int sub, const int *track, int ntrack, int x,
    int y)
{
	struct ui_snap	*s = ui_worker_copy(ln, ids, T, sub);

	ui_worker_track(ln, st, s, track, ntrack);
	ui_worker_diff(ln, st, s, x, y);
	s->tuned = lens_tuned(ln) != NULL;
	s->jacobian = lens_jacobian(ln) != NULL;
	return (s);
}

/*
 * The probability of token id in a cell whose decoded input (lens_cell_input)
 * is x and whose log-sum-exp is lse: as lens_token_prob, with x reused.
 */
static float
ui_worker_prob(const struct gpt2 *m, const float *x, int n, int id,
    float lse)
{
	const float	*w = gpt2_wte(m) + (size_t)id * n;
	double		 dot = 0;
	int		 i;

	for (i = 0; i < n; i++)
		dot += (double)x[i] * (double)w[i];
	return ((float)exp((double)(float)dot - (double)lse));
}

/*
 * The comparison of A's snapshot a with B's b (u->cmp's last run), and
 * for the panel each top-k token's probability in the other prompt's
 * cell (each cell decoded once, then a dot product a token). Worker.
 */
static struct ui_cmp *
ui_worker_cmp(struct ui_worker *u, const struct ui_snap *a,
    const struct ui_snap *b)
{
	struct ui_cmp		*c = xcalloc(1, sizeof *c);
	const struct lens_top	*ta, *tb;
	const struct lens_cell	*ca, *cb;
	size_t			 n, at;
	float			*xa, *xb;
	int			 r, t, i, k = a->top_k, row;
	int			 d = gpt2_config(u->model)->n_embd;

	c->Tc = compare_len(u->cmp);
	c->nrows = a->nrows;
	c->top_k = k;
	n = (size_t)c->nrows * c->Tc;
	c->cells = xreallocarray(NULL, n + 1, sizeof *c->cells);
	c->pb_of_a = xreallocarray(NULL, n * k + 1, sizeof *c->pb_of_a);
	c->pa_of_b = xreallocarray(NULL, n * k + 1, sizeof *c->pa_of_b);
	xa = xreallocarray(NULL, d, sizeof *xa);
	xb = xreallocarray(NULL, d, sizeof *xb);
	for (r = 0; r < c->nrows; r++) {
		row = a->rows[r];
		for (t = 0; t < c->Tc; t++) {
			c->cells[(size_t)r * c->Tc + t] = *compare_cell(u->cmp,
			    row, t);
			ta = &a->tops[((size_t)r * a->T + t) * k];
			tb = &b->tops[((size_t)r * b->T + t) * k];
			ca = &a->cells[(size_t)r * a->T + t];
			cb = &b->cells[(size_t)r * b->T + t];
			lens_cell_input(u->lens, u->state, row, t, xa);
			lens_cell_input(u->lens_b, u->state_b, row, t, xb);
			for (i = 0; i < k; i++) {
				at = ((size_t)r * c->Tc + t) * k + i;
				c->pb_of_a[at] = ui_worker_prob(u->model, xb, d,
				    ta[i].id, cb->lse);
				c->pa_of_b[at] = ui_worker_prob(u->model, xa, d,
				    tb[i].id, ca->lse);
			}
		}
	}
	free(xa);
	free(xb);
	return (c);
}

/* Whether the lens's last complete run was of ids[0..T) with sub. Worker. */
static int
ui_worker_same(const struct ui_worker *u, const int *ids, int T, int sub)
{
	return (lens_len(u->lens) == T && gpt2_state_len(u->state) == T &&
	    memcmp(gpt2_state_ids(u->state), ids, T * sizeof *ids) == 0 &&
	    u->run_sub == sub);
}

/* Runs one request (lock held on entry and exit). */
static void
ui_worker_do_run(struct ui_worker *u)
{
	struct ui_snap	*s = NULL;
	unsigned	 gen = u->req_gen;
	int		*ids, T = u->req.T, sub = u->req.sub, r;
	int		*ids_b = NULL, T_b = u->req.T_b;
	int		 x = u->req.diff_x, y = u->req.diff_y;
	int		 from = u->req.from, to = u->req.to;
	int		 track[UI_TRACK_MAX], ntrack = u->req.ntrack;
	const struct tuned *tuned = u->req.tuned ? u->tuned : NULL;
	const struct jacobian *jl = u->req.jacobian && tuned == NULL ?
	    u->jacobian : NULL;

	ids = xreallocarray(NULL, T, sizeof *ids);
	memcpy(ids, u->req_ids, T * sizeof *ids);
	memcpy(track, u->req_track, sizeof track);
	if (T_b > 0) {
		ids_b = xreallocarray(NULL, T_b, sizeof *ids_b);
		memcpy(ids_b, u->req_ids_b, T_b * sizeof *ids_b);
	}
	u->taken_gen = gen;
	u->busy = 1;
	atomic_store(&u->cancel, 0);
	atomic_store(&u->progress, 0);
	u->run_gen = 0;		/* the state is being rewritten */
	pthread_mutex_unlock(&u->lock);

	if (lens_tuned(u->lens) != tuned || lens_jacobian(u->lens) != jl) {
		if (jl != NULL) {
			lens_set_jacobian(u->lens, jl);
			lens_set_jacobian(u->lens_b, jl);
		} else {
			lens_set_tuned(u->lens, tuned);
			lens_set_tuned(u->lens_b, tuned);
		}
		compare_reset(u->cmp);
	}
	/*
	 * A token tracked anew: every cell again, for its ranks. Its
	 * probabilities come first, from the cells there are.
	 */
	if (!lens_tracks(u->lens, track, ntrack) && T_b == 0 &&
	    ui_worker_same(u, ids, T, sub)) {
		s = ui_worker_snap(u->lens, u->state, ids, T, sub, track,
		    ntrack, x, y);
		s->gen = gen;
		pthread_mutex_lock(&u->lock);
		ui_snap_free(u->posted);
		u->posted = s;
		pthread_mutex_unlock(&u->lock);
		ui_worker_wake(u->pipe[1], UI_WAKE_WORKER);
		s = NULL;
	}
	lens_set_track(u->lens, track, ntrack);

	r = lens_run(u->lens, u->state, ids, T, sub, from, to, &u->cancel,
	    ui_worker_progress_cb, u);
	/* Prompt B on its own lens, then the comparison (compare.h). */
	if (r >= 0 && T_b > 0) {
		lens_set_track(u->lens_b, track, ntrack);
		r = lens_run(u->lens_b, u->state_b, ids_b, T_b, sub, 0, 0,
		    &u->cancel, NULL, NULL);
	}
	if (r >= 0 && T_b > 0) {
		if (x != u->cmp_x || y != u->cmp_y) {
			compare_set_diff(u->cmp, x, y);
			u->cmp_x = x;
			u->cmp_y = y;
		}
		r = compare_run(u->cmp, u->lens, u->state, ids, T, u->state_b,
		    ids_b, T_b, sub, &u->cancel);
	}
	if (r >= 0) {
		s = ui_worker_snap(u->lens, u->state, ids, T, sub, track,
		    ntrack, x, y);
		if (T_b > 0) {
			s->other = ui_worker_snap(u->lens_b, u->state_b, ids_b,
			    T_b, sub, track, ntrack, x, y);
			s->cmp = ui_worker_cmp(u, s, s->other);
		}
		s->gen = gen;
		u->run_sub = sub;
		u->cmp_on = T_b > 0;
		u->run_x = x;
		u->run_y = y;
	}
	free(ids);
	free(ids_b);

	pthread_mutex_lock(&u->lock);
	u->busy = 0;
	if (s != NULL) {
		ui_snap_free(u->posted);
		u->posted = s;
		u->run_gen = gen;
	}
	ui_worker_wake(u->pipe[1], UI_WAKE_WORKER);
}

/*
 * Writes the SVG the main thread asked for, from the lens of the last run
 * (lock held on entry and exit; the lens is the worker's own).
 */
static void
ui_worker_do_export(struct ui_worker *u)
{
	struct report	 r;
	const char	*metric = "prob";
	char		*path = u->svg_path, *cause = NULL, *why, *msg;
	char		*tmp;
	FILE		*f;
	int		 rv, track = u->svg.track;

	memset(&r, 0, sizeof r);
	r.row_from = u->svg.row_from;
	r.row_to = u->svg.row_to;
	r.pos_from = u->svg.pos_from;
	r.pos_to = u->svg.pos_to;
	/* The grid's metric; the tracked token's, if it shows one. */
	if (!ui_snap_metric_tracked(u->svg.metric) || track >= 0)
		metric = ui_palette_metric_name(u->svg.metric);
	if (ui_snap_metric_tracked(u->svg.metric) && track >= 0) {
		r.track = &track;
		r.ntrack = 1;
	}
	r.delta = u->svg.delta;
	r.mask = u->svg.mask;
	u->svg_path = NULL;
	u->busy = 1;
	pthread_mutex_unlock(&u->lock);

	r.model = u->model;
	r.tok = u->tok;
	r.lens = u->lens;
	r.state = u->state;
	r.ids = gpt2_state_ids(u->state);
	r.T = lens_len(u->lens);
	r.sublayers = u->run_sub;
	r.metric = metric;
	r.note = u->note;
	/* The comparison and the logit difference of the last run. */
	if (u->run_x >= 0) {
		r.logit_diff = 1;
		r.diff_x = u->run_x;
		r.diff_y = u->run_y;
	}
	if (u->cmp_on) {
		r.compare = u->cmp;
		r.cmp_state = u->state_b;
		r.cmp_ids = gpt2_state_ids(u->state_b);
		r.cmp_T = lens_len(u->lens_b);
	}
	if (r.T == 0)
		rv = util_fail(&cause, "nothing computed yet");
	else if ((f = util_atomic_open(path, 0666, &tmp, &cause)) == NULL)
		rv = -1;
	else {
		/* The report does not know the file's name. */
		if ((rv = report_write(f, &r, REPORT_SVG, &why)) != 0) {
			util_fail(&cause, "%s: %s", path, why);
			free(why);
		}
		rv = util_atomic_close(f, tmp, path, rv != 0, &cause);
	}
	if (rv == 0)
		msg = xasprintf("wrote %s (%s)", path, metric);
	else
		msg = xasprintf("export: %s", cause);
	free(cause);
	free(path);

	pthread_mutex_lock(&u->lock);
	u->busy = 0;
	free(u->done_msg);
	u->done_msg = msg;
	ui_worker_wake(u->pipe[1], UI_WAKE_WORKER);
}

/* The attribution the main thread asked for (lock held on entry, exit). */
static void
ui_worker_do_attrib(struct ui_worker *u)
{
	struct ui_attrib	*a = xcalloc(1, sizeof *a);
	int			*ids, T;

	*a = u->req_attrib;
	u->req_attrib.gen = 0;
	if (a->gen != u->run_gen) {
		free(a);	/* the state holds another run now */
		return;
	}
	pthread_mutex_unlock(&u->lock);
	/* The parts are the rows' differences: the first time, a recompute. */
	if (!gpt2_state_sublayers(u->state) &&
	    (T = gpt2_state_len(u->state)) > 0) {
		ids = xreallocarray(NULL, T, sizeof *ids);
		memcpy(ids, gpt2_state_ids(u->state), T * sizeof *ids);
		gpt2_state_keep_sublayers(u->state);
		gpt2_forward(u->state, ids, T, NULL, NULL, NULL);
		free(ids);
	}
	a->nparts = attrib_nparts(a->row);
	a->parts = xreallocarray(NULL, a->nparts, sizeof *a->parts);
	a->logit = attrib_logit_lens(u->model, u->state, u->lens, a->row,
	    a->pos, a->id, a->parts, &a->bias);
	pthread_mutex_lock(&u->lock);
	ui_snap_attrib_free(u->attrib_posted);
	u->attrib_posted = a;
	ui_worker_wake(u->pipe[1], UI_WAKE_WORKER);
}

/* Another view's job, on this thread (lock held on entry and exit). */
static void
ui_worker_do_job(struct ui_worker *u)
{
	struct ui_worker_job	j = u->job;

	memset(&u->job, 0, sizeof u->job);
	u->busy = 1;
	atomic_store(&u->cancel, 0);
	atomic_store(&u->progress, 0);
	pthread_mutex_unlock(&u->lock);
	j.run(u, j.arg);
	pthread_mutex_lock(&u->lock);
	u->busy = 0;
	ui_worker_wake(u->pipe[1], UI_WAKE_WORKER);
}

static void *
ui_worker_main(void *arg)
{
	struct ui_worker	*u = arg;

	pthread_mutex_lock(&u->lock);
	for (;;) {
		while (!u->quit && u->req_gen == u->taken_gen &&
		    u->svg_path == NULL && u->req_attrib.gen == 0 &&
		    u->job.run == NULL)
			pthread_cond_wait(&u->cond, &u->lock);
		if (u->quit)
			break;
		/* A pending run first: the export shows the latest prompt. */
		if (u->req_gen != u->taken_gen)
			ui_worker_do_run(u);
		else if (u->job.run != NULL)
			ui_worker_do_job(u);
		else if (u->svg_path != NULL)
			ui_worker_do_export(u);
		else
			ui_worker_do_attrib(u);
	}
	pthread_mutex_unlock(&u->lock);
	return (NULL);
}

void
ui_worker_set_jacobian(struct ui_worker *u, const struct jacobian *jl)
{
	u->jacobian = jl;
}

int
ui_worker_start(struct ui_worker *u, struct gpt2 *model, const struct tok *tok,
    const struct tuned *tuned, const char *note, int top_k, char **cause)
{
	sigset_t	all, old;
	int		i, r;

	memset(u, 0, sizeof *u);
	u->model = model;
	u->tok = tok;
	u->tuned = tuned;
	u->note = note;
	u->pipe[0] = u->pipe[1] = -1;
	if (pipe(u->pipe) != 0)
		return (util_fail(cause, "pipe: %s", strerror(errno)));
	for (i = 0; i < 2; i++) {
		fcntl(u->pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(u->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	u->lens = lens_new(model, top_k);
	u->state = gpt2_state_new(model);
	u->lens_b = lens_new(model, top_k);
	u->state_b = gpt2_state_new(model);
	u->cmp = compare_new(model);
	u->cmp_x = u->cmp_y = u->run_x = u->run_y = -1;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	/* Signals go to the main thread, whose poll() they interrupt. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&u->thread, NULL, ui_worker_main, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return (util_fail(cause, "pthread_create: %s", strerror(r)));
	u->started = 1;
	return (0);
}

void
ui_worker_stop(struct ui_worker *u)
{
	if (u->started) {
		pthread_mutex_lock(&u->lock);
		u->quit = 1;
		atomic_store(&u->cancel, 1);
		pthread_cond_signal(&u->cond);
		pthread_mutex_unlock(&u->lock);
		pthread_join(u->thread, NULL);
	}
	if (u->lens != NULL) {
		pthread_mutex_destroy(&u->lock);
		pthread_cond_destroy(&u->cond);
	}
	lens_free(u->lens);
	gpt2_state_free(u->state);
	lens_free(u->lens_b);
	gpt2_state_free(u->state_b);
	compare_free(u->cmp);
	if (u->pipe[0] >= 0) {
		close(u->pipe[0]);
		close(u->pipe[1]);
	}
	ui_snap_free(u->posted);
	ui_snap_attrib_free(u->attrib_posted);
	free(u->req_ids);
	free(u->req_ids_b);
	free(u->svg_path);
	free(u->done_msg);
	if (u->job.drop != NULL)
		u->job.drop(u->job.arg);
	if (u->job_posted != NULL)
		u->job_free(u->job_posted);
	memset(u, 0, sizeof *u);
	u->pipe[0] = u->pipe[1] = -1;
}

int
ui_worker_fd(const struct ui_worker *u)
{
	return (u->pipe[0]);
}

int
ui_worker_wake_fd(const struct ui_worker *u)
{
	return (u->pipe[1]);
}

unsigned
ui_worker_submit(struct ui_worker *u, const struct ui_worker_req *req)
{
	unsigned	gen;

	pthread_mutex_lock(&u->lock);
	free(u->req_ids);
	u->req_ids = xreallocarray(NULL, req->T, sizeof *u->req_ids);
	memcpy(u->req_ids, req->ids, req->T * sizeof *req->ids);
	u->req = *req;
	u->req.ids = u->req_ids;
	memcpy(u->req_track, req->track, req->ntrack * sizeof *req->track);
	u->req.track = u->req_track;
	free(u->req_ids_b);
	u->req_ids_b = NULL;
	if (req->T_b > 0) {
		u->req_ids_b = xreallocarray(NULL, req->T_b,
		    sizeof *u->req_ids_b);
		memcpy(u->req_ids_b, req->ids_b, req->T_b * sizeof *req->ids_b);
	}
	u->req.ids_b = u->req_ids_b;
	if (u->req.to > u->req.T)
		u->req.to = u->req.T;
	gen = ++u->req_gen;
	atomic_store(&u->cancel, 1);
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&u->lock);
	return (gen);
}

void
ui_worker_cancel(struct ui_worker *u)
{
	atomic_store(&u->cancel, 1);
}

void
ui_worker_export(struct ui_worker *u, const struct ui_worker_svg *svg)
{
	pthread_mutex_lock(&u->lock);
	free(u->svg_path);
	u->svg = *svg;
	u->svg_path = xstrdup(svg->path);
	u->svg.path = u->svg_path;
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

void
ui_worker_attrib(struct ui_worker *u, const struct ui_attrib *want)
{
	pthread_mutex_lock(&u->lock);
	u->req_attrib = *want;
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

struct ui_snap *
ui_worker_take(struct ui_worker *u, struct ui_attrib **attrib, char **msg)
{
	struct ui_snap	*s;

	pthread_mutex_lock(&u->lock);
	s = u->posted;
	u->posted = NULL;
	*msg = u->done_msg;
	u->done_msg = NULL;
	if (u->attrib_posted != NULL) {
		ui_snap_attrib_free(*attrib);
		*attrib = u->attrib_posted;
		u->attrib_posted = NULL;
	}
	pthread_mutex_unlock(&u->lock);
	return (s);
}

int
ui_worker_busy(struct ui_worker *u)
{
	int	busy;

	pthread_mutex_lock(&u->lock);
	busy = u->busy || u->req_gen != u->taken_gen || u->posted != NULL ||
	    u->svg_path != NULL || u->job.run != NULL ||
	    u->job_posted != NULL;
	pthread_mutex_unlock(&u->lock);
	return (busy);
}

int
ui_worker_progress(struct ui_worker *u)
{
	return (atomic_load(&u->progress));
}

void
ui_worker_job(struct ui_worker *u, const struct ui_worker_job *j)
{
	pthread_mutex_lock(&u->lock);
	if (u->job.drop != NULL)
		u->job.drop(u->job.arg);
	u->job = *j;
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

void
ui_worker_post(struct ui_worker *u, void *result, void (*free_result)(void *))
{
	pthread_mutex_lock(&u->lock);
	if (u->job_posted != NULL)
		u->job_free(u->job_posted);
	u->job_posted = result;
	u->job_free = free_result;
	pthread_mutex_unlock(&u->lock);
	ui_worker_wake(u->pipe[1], UI_WAKE_WORKER);
}

void *
ui_worker_take_job(struct ui_worker *u, void (*free_result)(void *))
{
	void	*r = NULL;

	pthread_mutex_lock(&u->lock);
	if (u->job_posted != NULL && u->job_free == free_result) {
		r = u->job_posted;
		u->job_posted = NULL;
	}
	pthread_mutex_unlock(&u->lock);
	return (r);
}
