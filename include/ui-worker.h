/*
 * ui-worker.h: the explorer's worker thread, which runs the model and the
 * lens while the main thread draws and reads keys.
 *
 * The worker owns the lens and the model state and touches them only on
 * its thread. The main thread hands it requests (a run, an SVG export, an
 * attribution) under its lock; a newer run cancels the one in flight (an
 * atomic flag the lens checks between layers). After a complete run the
 * worker copies every cell into a struct ui_snap (ui-snap.h), posts it and
 * wakes the main loop through a self-pipe; the main thread takes it with
 * ui_worker_take. Knows nothing of curses, keys or the screen.
 */
#ifndef UI_WORKER_H
#define UI_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

#include "ui-snap.h"

struct compare;
struct gpt2;
struct gpt2_state;
struct lens;
struct tok;
struct tuned;
struct jacobian;
struct ui_worker;

#define UI_WAKE_WORKER	'w'	/* pipe byte; signals write their number */

/* A run of the lens, as the main thread asks for it. */
struct ui_worker_req {
	const int	*ids;		/* (T) */
	int		 T;
	int		 sub;		/* sub-layer rows */
	int		 from, to;	/* positions shown first */
	const int	*track;		/* (ntrack) */
	int		 ntrack;
	int		 tuned;		/* through the tuned lens */
	const int	*ids_b;		/* (T_b) prompt B; NULL: none */
	int		 T_b;
	int		 diff_x, diff_y; /* logit(X) - logit(Y); -1: none */
	int		 jacobian;	/* through the Jacobian lens */
};

/*
 * Another view's computation (the patching grids, ui-patch.c), run on the
 * worker's thread after any pending lens run and never beside it: run(w,
 * arg) is called without the lock and hands its result over with
 * ui_worker_post; drop frees an arg that was replaced before it ran.
 */
struct ui_worker_job {
	void	(*run)(struct ui_worker *, void *arg);
	void	(*drop)(void *arg);
	void	 *arg;
};

/* An SVG of the last complete run, as the grid shows it. */
struct ui_worker_svg {
	const char	*path;
	int		 row_from, row_to;
	int		 pos_from, pos_to;
	int		 metric;	/* enum ui_metric */
	int		 track;		/* its tracked token, or -1 */
	int		 delta, mask;
};

struct ui_worker {
	/* Borrowed, for the worker's life. */
	struct gpt2		*model;
	const struct tok	*tok;
	const struct tuned	*tuned;		/* --tuned, or NULL */
	const struct jacobian	*jacobian;	/* --jacobian, or NULL */
	const char		*note;		/* for the SVG */

	int			 pipe[2];	/* wakes the main loop */
	pthread_t		 thread;
	int			 started;
	atomic_int		 cancel;
	atomic_int		 progress;	/* percent of the run */
	struct lens		*lens;		/* worker thread only */
	struct gpt2_state	*state;		/* worker thread only */
	/* Prompt B's lens and state, and the comparison: worker only. */
	struct lens		*lens_b;
	struct gpt2_state	*state_b;
	struct compare		*cmp;
	int			 cmp_on;	/* the last run compared */
	int			 cmp_x, cmp_y;	/* the cmp's pair */
	int			 run_x, run_y;	/* the last run's pair */
	int			 run_sub;	/* worker: the last run's */
	unsigned		 run_gen;	/* worker: the state's run, 0 */

	/* Guarded by lock. */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	unsigned		 req_gen;
	unsigned		 taken_gen;
	int			 quit;
	int			 busy;
	int			*req_ids;
	struct ui_worker_req	 req;		/* req.ids is req_ids */
	int			 req_track[UI_TRACK_MAX];
	int			*req_ids_b;
	char			*svg_path;	/* an SVG to write, or NULL */
	struct ui_worker_svg	 svg;
	struct ui_attrib	 req_attrib;	/* wanted: gen 0 for none */
	struct ui_snap		*posted;
	struct ui_attrib	*attrib_posted;
	char			*done_msg;	/* what the export did */
	struct ui_worker_job	 job;		/* run NULL: none */
	void			*job_posted;	/* a job's result, or NULL */
	void			(*job_free)(void *);
};

/*
 * Starts the thread (signals blocked in it, so that they reach the main
 * thread's poll). 0, or -1 and *cause; ui_worker_stop cleans up either way.
 */
int	ui_worker_start(struct ui_worker *, struct gpt2 *, const struct tok *,
	    const struct tuned *, const char *note, int top_k, char **cause);
void	ui_worker_stop(struct ui_worker *);
/* The Jacobian lens requests may ask for (borrowed), before the first. */
void	ui_worker_set_jacobian(struct ui_worker *, const struct jacobian *);
/* The end of the self-pipe the main loop polls, and the one to write. */
int	ui_worker_fd(const struct ui_worker *);
int	ui_worker_wake_fd(const struct ui_worker *);
/* Asks for a run, cancelling the one in flight; returns its generation. */
unsigned ui_worker_submit(struct ui_worker *, const struct ui_worker_req *);
/* Cancels the run in flight (a new edit is coming). */
void	ui_worker_cancel(struct ui_worker *);
void	ui_worker_export(struct ui_worker *, const struct ui_worker_svg *);
void	ui_worker_attrib(struct ui_worker *, const struct ui_attrib *want);
/*
 * Takes what was posted: a snapshot (NULL if none), an attribution (kept
 * in *attrib, the old one freed, when there is one), a message of the
 * export (NULL if none; the caller frees it).
 */
struct ui_snap *ui_worker_take(struct ui_worker *, struct ui_attrib **attrib,
	    char **msg);
/* Asks for a job (replacing one not yet run); from a job, its result. */
void	ui_worker_job(struct ui_worker *, const struct ui_worker_job *);
void	ui_worker_post(struct ui_worker *, void *result,
	    void (*free_result)(void *));
/* Takes a job's posted result, if free_result frees it (else NULL). */
void	*ui_worker_take_job(struct ui_worker *, void (*free_result)(void *));
/* Whether a request is pending, running or posted. */
int	ui_worker_busy(struct ui_worker *);
/* The percent of the run in flight. */
int	ui_worker_progress(struct ui_worker *);

#endif
