/*
 * ui-int.h: the explorer's state, shared by its main-thread files (ui.c,
 * ui-action.c, ui-status.c); not a public interface. The grid and the
 * panel never see it: they read struct ui_frame (ui-snap.h), which struct
 * ui holds; the worker's state is struct ui_worker (ui-worker.h).
 *
 * Threads: the worker owns the lens and the model state and touches them
 * only on its thread. After a complete run it copies every cell into a
 * struct ui_snap and posts it under lock; the main thread takes the posted
 * snapshot and draws only from its own snapshot, so results are never read
 * while they are written. Only the main thread calls curses.
 */
#ifndef UI_INT_H
#define UI_INT_H

#include <stddef.h>

#include "lens.h"
#include "ui-edit.h"
#include "ui-layout.h"
#include "ui-opts.h"
#include "ui-snap.h"
#include "ui-worker.h"

struct ui_keys;
struct ui_patch_state;

/* Debounce: seconds of quiet typing before a run. */
#define UI_DEBOUNCE	0.15

enum ui_ask { UI_ASK_SEARCH, UI_ASK_TRACK, UI_ASK_SAVE, UI_ASK_OPEN,
	UI_ASK_EXPORT, UI_ASK_PATCH, UI_ASK_PATCH_EXPORT,
	UI_ASK_PATCH_TARGET, UI_ASK_PATCH_ANTI };

/*
 * ui.c's views (its ui_screens table): the lens, patching, the comparison
 * with prompt B (while its line is open).
 */
enum ui_screen_id { UI_SCREEN_LENS, UI_SCREEN_PATCH, UI_SCREEN_COMPARE };

struct ui {
	const struct ui_opts	*opts;
	struct ui_frame		 f;		/* what the screen reads */
	struct ui_keys		*keys;
	int			 n_ctx;

	/* Settings, changed by keys. */
	int			 mouse;
	struct tuned		*tuned;		/* --tuned, or NULL */
	int			 use_tuned;	/* decode through it */
	struct jacobian		*jacobian;	/* --jacobian, or NULL */
	int			 use_jacobian;	/* decode through it (never
						   with use_tuned) */

	/* Screen state. */
	int			 screen;	/* ui.c's view: 0, the lens */
	int			 help;		/* help overlay shown */
	int			 help_off;
	int			 paste;		/* inside a bracketed paste */
	int			 redraw;	/* C-l: repaint everything */
	int			 ask;		/* enum ui_ask */
	int			 want_row;	/* residual row to select, or -1 */
	int			 want_pos;
	char			 lastkey[32];
	char			*msg;		/* a message for the status line */

	/* The prompt and its tokens. */
	struct ui_edit		 edit;
	int			 example;	/* the config's, unedited */
	const char		*hist_path;	/* NULL: history not written */
	int			 hist_dirty;	/* not saved since a change */
	struct ui_edit		 search;	/* the status line's input */
	size_t			 dropped;	/* tokens cut at the front */
	char			*tok_err;	/* why the prompt cannot run */
	double			 debounce_at;	/* 0: nothing pending */

	/*
	 * The comparison: prompt B's line (open: shown, run and compared
	 * with A), its tokens, why it cannot run; the logit difference's
	 * tokens X, Y (-1: the first two tracked tokens, if any).
	 */
	struct ui_edit		 edit_b;
	int			 cmp_open;
	int			 grid_b;	/* the grid shows B (o) */
	int			*ids_b;
	size_t			 nids_b;
	char			*tok_err_b;
	int			 diff_x, diff_y;

	unsigned		 submitted;	/* gen of the last request */

	struct ui_worker	 w;		/* runs the lens */
	struct ui_attrib	 attrib_asked;	/* the last asked for */
	struct ui_patch_state	*patch;		/* ui-patch.c's, or NULL */
};

#endif
