/*
 * ui-int.h: the explorer's state, shared by its main-thread files (ui.c);
 * not a public interface. The draw functions never see it: they read
 * struct ui_frame (ui-snap.h), which struct ui holds.
 *
 * Threads: the worker owns the lens and the model state and touches them
 * only on its thread. After a complete run it copies every cell into a
 * struct ui_snap and posts it under lock; the main thread takes the posted
 * snapshot and draws only from its own snapshot, so results are never read
 * while they are written. Only the main thread calls curses.
 */
#ifndef UI_INT_H
#define UI_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "lens.h"
#include "ui-edit.h"
#include "ui-layout.h"
#include "ui-snap.h"

struct ui_opts;
struct ui_keys;

enum ui_ask { UI_ASK_SEARCH, UI_ASK_TRACK, UI_ASK_SAVE, UI_ASK_OPEN,
	UI_ASK_EXPORT };

struct ui {
	const struct ui_opts	*opts;
	struct ui_frame		 f;		/* what the screen reads */
	struct ui_keys		*keys;
	int			 n_ctx;

	/* Settings, changed by keys. */
	int			 mouse;
	struct tuned		*tuned;		/* --tuned, or NULL */
	int			 use_tuned;	/* decode through it */

	/* Screen state. */
	int			 help;		/* help overlay shown */
	int			 help_off;
	int			 paste;		/* inside a bracketed paste */
	int			 ask;		/* enum ui_ask */
	int			 want_row;	/* residual row to select, or -1 */
	int			 want_pos;
	char			 lastkey[32];
	char			*msg;		/* a message for the status line */

	/* The prompt and its tokens. */
	struct ui_edit		 edit;
	int			 example;	/* the config's example, unedited */
	const char		*hist_path;	/* NULL: history not written */
	int			 hist_dirty;	/* not saved since a change */
	struct ui_edit		 search;	/* the status line's input */
	size_t			 dropped;	/* tokens truncated at the front */
	char			*tok_err;	/* why the prompt cannot run */
	double			 debounce_at;	/* 0: nothing pending */
	unsigned		 submitted;	/* gen of the last request */

	/* Worker; the fields below lock are guarded by it. */
	pthread_t		 thread;
	int			 thread_started;
	atomic_int		 cancel;
	atomic_int		 progress;	/* percent of the run */
	int			 pipe[2];	/* wakes the main loop */
	struct lens		*lens;		/* worker thread only */
	struct gpt2_state	*state;		/* worker thread only */
	int			 run_sub;	/* worker: the last run's */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	unsigned		 req_gen;
	unsigned		 taken_gen;
	int			 quit;
	int			 busy;
	int			*req_ids;
	int			 req_T;
	int			 req_sub;
	int			 req_from;
	int			 req_to;
	struct ui_snap		*posted;
	char			*req_export;	/* an SVG to write, or NULL */
	int			 req_row_from, req_row_to;
	int			 req_pos_from, req_pos_to;
	int			 req_metric;
	int			 req_export_track; /* its tracked token */
	int			 req_delta, req_mask;	/* the view's */
	int			 req_track[UI_TRACK_MAX];
	int			 req_ntrack;
	int			 req_tuned;
	char			*done_msg;	/* what the export did */
	unsigned		 run_gen;	/* worker: the state's run, 0 */
	struct ui_attrib	 req_attrib;	/* wanted: gen 0 for none */
	struct ui_attrib	*attrib_posted;
	struct ui_attrib	 attrib_asked;	/* the last asked for */
};

#endif
