/*
 * ui-snap.h: what the explorer's screen reads, and nothing else.
 *
 * struct ui_snap is a complete lens run, copied out of the lens by the
 * worker (ui-worker.c) and read-only once posted; struct ui_frame is that
 * snapshot with how the user looks at it (metric, selection, mask, tracked
 * tokens, layout). The grid, the panel, the legend and the status line are
 * functions of a const struct ui_frame: they never see struct ui, the
 * worker or the keys. Only the main thread reads a frame.
 */
#ifndef UI_SNAP_H
#define UI_SNAP_H

#include <stddef.h>

#include "ui-layout.h"

struct compare_cell;
struct gpt2;
struct lens_cell;
struct lens_top;
struct tok;
struct ui_patch;
struct ui_patch_sel;

/* UI_FOCUS_ASK: the status line reads a search, a token, a path... */
/* UI_FOCUS_PROMPT_B: prompt B's line (the comparison). */
enum ui_focus { UI_FOCUS_GRID, UI_FOCUS_PANEL, UI_FOCUS_PROMPT, UI_FOCUS_ASK,
	UI_FOCUS_PROMPT_B };
/*
 * The panel's views, cycled by a key (ui-panel.c's table); the comparison
 * only with a prompt B.
 */
enum ui_view { UI_VIEW_TOP, UI_VIEW_CANDS, UI_VIEW_ATTRIB, UI_VIEW_TRACK,
	UI_VIEW_CMP, UI_VIEW_COUNT };
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

/*
 * A comparison of prompt A's run with prompt B's (compare.h), cell by cell
 * at positions 0 .. Tc - 1, shown rows as the snapshot's.
 */
struct ui_cmp {
	int			 Tc;		/* min(T_A, T_B) */
	int			 nrows;
	int			 top_k;
	struct compare_cell	*cells;		/* (nrows, Tc) */
	/* (nrows, Tc, top_k): P_B of A's top-k tokens, P_A of B's. */
	float			*pb_of_a;
	float			*pa_of_b;
};

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
	int		 jacobian;	/* decoded through the Jacobian lens */
	int		 ntrack;
	int		*track;		/* (ntrack) tracked token ids */
	float		*track_logit;	/* (ntrack, nrows, T) */
	float		*track_prob;	/* (ntrack, nrows, T) */
	int		*track_rank;	/* (ntrack, nrows, T) */
	float		*diff;		/* (nrows, T) logit(X) - logit(Y), */
	float		 diff_max;	/* or NULL; the largest |diff| */
	/*
	 * With a prompt B: the other prompt's run (B's, or A's while the
	 * grid shows B: ui_snap_swap), and the comparison, always of A with
	 * B. NULL without one.
	 */
	struct ui_snap	*other;
	struct ui_cmp	*cmp;
	int		 swapped;	/* this holds B's run, other A's */
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

/*
 * The snapshot and how it is looked at: what every draw function reads.
 * struct ui owns the pointers; the loop keeps the rest up to date.
 */
struct ui_frame {
	const struct tok	*tok;
	const struct gpt2	*model;
	int			 n_vocab;
	struct ui_snap		*snap;		/* NULL before the first run */
	struct ui_attrib	*attrib;	/* the panel's attribution */
	struct ui_patch		*patch;		/* the patching view's grid */
	const struct ui_patch_sel *patch_sel;	/* its head grid, or NULL */
	int			*ids;		/* the prompt's tokens now */
	size_t			 nids;
	struct ui_layout	 layout;

	/* Settings, changed by keys. */
	int			 metric;
	int			 palette;
	int			 final_on_top;
	int			 sublayers;
	int			 ascii;
	int			 tier;
	int			 cell_w;
	int			 delta;		/* metric minus the row below */
	float			 delta_range;	/* max |delta| of the grid */
	int			 mask;		/* hide input tokens */
	int			 view;		/* enum ui_view */

	/* Tracked tokens (the snapshot has their values). */
	int			 track[UI_TRACK_MAX];
	int			 ntrack;
	int			 track_cur;	/* the one the grid shows */

	/* Where the user is. */
	int			 focus;		/* enum ui_focus */
	int			 sel_row;	/* shown row index, 0 = embed */
	int			 sel_pos;
	int			 row_off;	/* first display line shown */
	int			 col_off;	/* first position shown */
	int			 panel_sel;	/* entry of the panel's list */
	char			*pattern;	/* the active search, or NULL */
	int			 search_input;	/* last hit in the input */
};

void	ui_snap_free(struct ui_snap *);			/* NULL is fine */
/* Exchanges the runs of A and B (the grid shows the other prompt). */
void	ui_snap_swap(struct ui_snap *);
/* Prompt A's and prompt B's runs, whichever the grid shows; NULL: none. */
const struct ui_snap *ui_snap_a(const struct ui_frame *);
const struct ui_snap *ui_snap_b(const struct ui_frame *);
/* The comparison of a compared cell (shown row, position), or NULL. */
const struct compare_cell *ui_snap_cmp(const struct ui_frame *, int row,
	    int pos);
/*
 * The largest |value| of a signed metric (a logit difference, its change)
 * over the grid, for its diverging scale.
 */
float	ui_snap_signed_range(const struct ui_frame *);
void	ui_snap_attrib_free(struct ui_attrib *);	/* NULL is fine */
/* The token whose logit the attribution view explains, or -1. */
int	ui_snap_attrib_id(const struct ui_frame *);
/*
 * The value the grid shows for a cell (the metric, of a tracked token, of
 * the masked top-k entry; not the delta): 0 if there is none.
 */
int	ui_snap_value(const struct ui_frame *, int row, int pos, float *);
/* Whether metric m is of the grid's tracked token. */
int	ui_snap_metric_tracked(int m);
/* The value of the delta view: the cell's minus the row below's. */
int	ui_snap_delta(const struct ui_frame *, int row, int pos, float *);
/* The largest |delta| of the grid, for its scale. */
float	ui_snap_delta_range(const struct ui_frame *);
/* The top-k entry the grid shows (masking), or NULL. */
const struct lens_top *ui_snap_shown_top(const struct ui_frame *, int row,
	    int pos);
/*
 * A tracked token's probability, logit and rank (1: the top; 0 while it is
 * being computed) in a cell; 0 if unknown.
 */
int	ui_snap_track_value(const struct ui_frame *, int id, int row, int pos,
	    float *prob, float *logit, int *rank);
const struct lens_cell *ui_snap_cell(const struct ui_frame *, int row,
	    int pos);
const struct lens_top *ui_snap_top(const struct ui_frame *, int row, int pos);
/* The display text of a token (escaped, visible spaces), allocated. */
char	*ui_snap_token_text(const struct ui_frame *, int id);
/* Fitted into width columns, in out. */
char	*ui_snap_token_fit(const struct ui_frame *, int id, int width,
	    char *out, size_t len);
/* Does the search pattern occur in the token (ASCII case ignored)? */
int	ui_snap_token_match(const struct ui_frame *, int id);
/* 1 + the first top-k entry of the cell that matches, or 0. */
int	ui_snap_match(const struct ui_frame *, int row, int pos);
/* Does the input token at pos match? */
int	ui_snap_input_match(const struct ui_frame *, int pos);
int	ui_snap_rows(const struct ui_frame *);

#endif
