/*
 * ui-view.h: the pure computations behind the explorer's views.
 *
 * Candidates across layers (the union of every row's top-k at a position,
 * ranked by each token's highest probability over the rows), masking the
 * prompt's tokens out of a top-k list, the diverging scale of the delta
 * view, numbers that fit a cell, and sparklines. Knows nothing of curses
 * nor of the worker: it reads arrays the snapshot holds.
 */
#ifndef UI_VIEW_H
#define UI_VIEW_H

#include <stddef.h>

struct lens_top;

struct ui_cand {
	int	id;
	float	prob;	/* the highest probability over the rows */
	int	row;	/* the shown row (0 = embed) where it is reached */
};

/*
 * Candidates at position pos of tops (nrows, T, k): every token of some
 * row's top-k, once, by falling highest probability (ties: the lower row,
 * then the lower id). Writes at most max into out; returns how many.
 */
int	 ui_view_cands(const struct lens_top *tops, int nrows, int T, int k,
	    int pos, struct ui_cand *out, int max);

/*
 * The first of top[0..k) whose id is none of ids[0..n) (the input tokens
 * up to and including the cell's position): its index, or -1 if the whole
 * top-k copies the input.
 */
int	 ui_view_mask(const struct lens_top *top, int k, const int *ids,
	    int n);
/* Whether id is one of ids[0..n). */
int	 ui_view_in(int id, const int *ids, int n);

/*
 * The delta view's diverging scale: d in [-range, range] to 0..1, 0.5 for
 * no change; clipped; 0.5 when range is not positive.
 */
float	 ui_view_diverge(float d, float range);

/*
 * v in at most width columns (width >= 6), with a sign if sign: as many
 * decimals as fit, an exponent when the fixed form would read 0. Returns
 * buf.
 */
char	*ui_view_num(float v, int sign, int width, char *buf, size_t len);

/*
 * A sparkline of v[0..n) (each 0..1, NaN as a gap) into buf: one bar
 * "▁".."█" (ASCII ".:-=+*#%@") a value, as ui_palette_glyph draws them.
 */
char	*ui_view_spark(const float *v, int n, int ascii, char *buf,
	    size_t len);

#endif
