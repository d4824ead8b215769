/*
 * ui-int.h: the explorer's state, shared by ui.c, ui-grid.c and
 * ui-panel.c; not a public interface.
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

struct ui_opts;
struct ui_keys;

/* UI_FOCUS_ASK: the status line reads a search, a token, a path... */
enum ui_focus { UI_FOCUS_GRID, UI_FOCUS_PANEL, UI_FOCUS_PROMPT, UI_FOCUS_ASK };
enum ui_ask { UI_ASK_SEARCH, UI_ASK_TRACK, UI_ASK_SAVE, UI_ASK_OPEN,
	UI_ASK_EXPORT };
/* The panel's views, cycled by a key. */
enum ui_view { UI_VIEW_TOP, UI_VIEW_CANDS, UI_VIEW_ATTRIB, UI_VIEW_TRACK,
	UI_VIEW_COUNT };
enum ui_tier { UI_TIER_MONO, UI_TIER_8, UI_TIER_256 };

/* Colour pairs: 1 + palette * 8 + ramp index, then the 8-colour buckets. */
#define UI_PAIR_RAMP(p, i)	(1 + (p) * 8 + (i))
#define UI_PAIR_BUCKET(b)	(40 + (b))
#define UI_PAIR_DIV(i)		(48 + (i))	/* the delta view's ramp */
#define UI_PAIR_DIV_BUCKET(b)	(56 + (b))

#define UI_TRACK_MAX	8	/* tracked tokens at once */

/* The mark of a top-1 that is the next token (not a glyph of the scale). */
#define UI_MARK_NEXT		"\xe2\x9c\x93"	/* ✓ */
#define UI_MARK_NEXT_ASCII	"!"

/* A complete lens run, copied out of the lens for drawing. */
struct ui_snap {
	unsigned	 gen;		/* the request it answers */
	int		 T;
	int		 nrows;		/* shown rows, 0 = embed */
	int		 top_k;
	int		 sublayers;
	int		*ids;		/* (T) */
	int		*rows;		/* (nrows) residual row of each */
	struct lens_cell *cells;	/* (nrows, T) */
	struct lens_top	*tops;		/* (nrows, T, top_k) */
	float		 logit_lo;	/* range of the final top-1's logit */
	float		 logit_hi;
	int		 tuned;		/* decoded through the tuned lens */
	int		 ntrack;
	int		*track;		/* (ntrack) tracked token ids */
	float		*track_logit;	/* (ntrack, nrows, T) */
	float		*track_prob;	/* (ntrack, nrows, T) */
	int		*track_rank;	/* (ntrack, nrows, T) */
};

/* Where the logit of a token in a cell comes from (attrib.h). */
struct ui_attrib {
	unsigned	 gen;		/* the snapshot it belongs to */
	int		 row;		/* residual row */
	int		 pos;
	int		 id;
	int		 nparts;
	double		*parts;		/* (nparts): embed, h.0.attn, h.0.mlp... */
	double		 bias;		/* ln_f's bias term */
	double		 logit;		/* what they add up to */
};

struct ui {
	const struct ui_opts	*opts;
	struct ui_keys		*keys;
	int			 n_vocab;
	int			 n_ctx;

	/* Settings, changed by keys. */
	int			 metric;
	int			 palette;
	int			 final_on_top;
	int			 sublayers;
	int			 ascii;
	int			 tier;
	int			 cell_w;
	int			 mouse;
	int			 delta;		/* metric minus the row below */
	int			 mask;		/* hide copies of input tokens */
	int			 view;		/* enum ui_view */
	struct tuned		*tuned;		/* --tuned, or NULL */
	int			 use_tuned;	/* decode through it */

	/* Tracked tokens (the snapshot has their values). */
	int			 track[UI_TRACK_MAX];
	int			 ntrack;
	int			 track_cur;	/* the one the grid shows */

	/* Screen state. */
	struct ui_layout	 layout;
	int			 focus;
	int			 help;		/* help overlay shown */
	int			 help_off;
	int			 sel_row;	/* shown row index, 0 = embed */
	int			 sel_pos;
	int			 row_off;	/* first display line shown */
	int			 col_off;	/* first position shown */
	int			 paste;		/* inside a bracketed paste */
	int			 panel_sel;	/* entry of the panel's list */
	float			 delta_range;	/* max |delta| of the grid */
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
	char			*pattern;	/* the active search, or NULL */
	int			 search_input;	/* its last hit: the input row */
	int			*ids;
	size_t			 nids;
	size_t			 dropped;	/* tokens truncated at the front */
	char			*tok_err;	/* why the prompt cannot run */
	double			 debounce_at;	/* 0: nothing pending */
	unsigned		 submitted;	/* gen of the last request */

	struct ui_snap		*snap;		/* main thread only */

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
	struct ui_attrib	*attrib;	/* main thread only */
	struct ui_attrib	 attrib_asked;	/* the last asked for */
};

/* ui.c */
void	ui_snap_free(struct ui_snap *);
/* The token whose logit the attribution view explains, or -1. */
int	ui_attrib_id(const struct ui *);
/*
 * The value the grid shows for a cell (the metric, of a tracked token, of
 * the masked top-k entry; not the delta): 0 if there is none.
 */
int	ui_value(const struct ui *, int row, int pos, float *);
/* Whether metric m is of the grid's tracked token. */
int	ui_metric_tracked(int m);
/* The value of the delta view: the cell's minus the row below's. */
int	ui_delta(const struct ui *, int row, int pos, float *);
/* The top-k entry the grid shows (masking), or NULL. */
const struct lens_top *ui_shown_top(const struct ui *, int row, int pos);
/*
 * A tracked token's probability, logit and rank (1: the top; 0 while it is
 * being computed) in a cell; 0 if unknown.
 */
int	ui_track_value(const struct ui *, int id, int row, int pos,
	    float *prob, float *logit, int *rank);
const struct lens_cell *ui_cell(const struct ui *, int row, int pos);
const struct lens_top *ui_top(const struct ui *, int row, int pos);
/* The display text of a token (escaped, visible spaces), allocated. */
char	*ui_token_text(const struct ui *, int id);
/* Fitted into width columns, in out. */
char	*ui_token_fit(const struct ui *, int id, int width, char *out,
	    size_t len);
/* Does the search pattern occur in the token (ASCII case ignored)? */
int	ui_token_match(const struct ui *, int id);
/* 1 + the first top-k entry of the cell that matches, or 0. */
int	ui_is_match(const struct ui *, int row, int pos);
/* Does the input token at pos match? */
int	ui_input_match(const struct ui *, int pos);
int	ui_rows(const struct ui *);

/* ui-grid.c */
int	ui_grid_label_w(const struct ui *);
void	ui_grid_draw(struct ui *);
void	ui_grid_legend(struct ui *);
/* Colour attributes of a cell given its position on the scale. */
int	ui_grid_attr(const struct ui *, float norm, int *pair);

/* ui-panel.c */
int	ui_panel_lines(const struct ui *);
void	ui_panel_draw(struct ui *);
const char *ui_panel_view_name(int view);
int	ui_panel_view_find(const char *name);	/* -1 if unknown */
/* Token id of entry i of the panel's list (top-k, candidates...), or -1. */
int	ui_panel_entry(const struct ui *, int i);
int	ui_panel_count(const struct ui *);

#endif
