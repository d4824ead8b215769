/*
 * ui-palette.h: from a cell's statistics to a colour, a bucket and a glyph.
 *
 * A metric (metric.h: names, titles, values, scales) turns a lens cell
 * into a value (the number the panel shows) and a position on the scale,
 * 0..1, where 1 means "confident" or "agrees with the final layer". The
 * scale then picks a colour of a palette (xterm-256 indices 16-255), one of
 * the 8-colour buckets, a monochrome level and a glyph, so that colour is
 * never the only carrier. Knows nothing of curses.
 */
#ifndef UI_PALETTE_H
#define UI_PALETTE_H

#include <stddef.h>

#include "metric.h"

struct lens_cell;
struct lens_top;

/* The explorer's names of metric.h's metrics. */
enum ui_metric {
	UI_METRIC_PROB = METRIC_PROB,
	UI_METRIC_FINAL_PROB = METRIC_FINAL_PROB,
	UI_METRIC_FINAL_LOGIT = METRIC_FINAL_LOGIT,
	UI_METRIC_FINAL_RANK = METRIC_FINAL_RANK,
	UI_METRIC_NEXT_RANK = METRIC_NEXT_RANK,
	UI_METRIC_NEXT_PROB = METRIC_NEXT_PROB,
	UI_METRIC_KL = METRIC_KL,
	UI_METRIC_ENTROPY = METRIC_ENTROPY,
	UI_METRIC_COUNT = METRIC_CONFIG,	/* the config's end here */
	UI_METRIC_TRACK = METRIC_TRACK_PROB,
	UI_METRIC_TUNED_KL = METRIC_TUNED_KL,
	UI_METRIC_TRACK_RANK = METRIC_TRACK_RANK,
	UI_METRIC_ALL = METRIC_COUNT
};

enum ui_palette { UI_PAL_VIRIDIS, UI_PAL_CIVIDIS, UI_PAL_MAGMA, UI_PAL_GREY,
	UI_PAL_COUNT };

#define UI_NBUCKETS	5	/* 8-colour and rank buckets */
#define UI_DIV_LEN	7	/* the diverging ramp of the delta view */

int		 ui_palette_metric(const char *name);	/* -1 if unknown */
const char	*ui_palette_metric_name(int);
const char	*ui_palette_metric_title(int);
int		 ui_palette_find(const char *name);	/* -1 if unknown */
const char	*ui_palette_name(int);

/*
 * The metric's value for a cell whose top-1 entry is top1; 0 if the cell
 * has none (the next token at the last position).
 */
int		 ui_palette_value(int metric, const struct lens_cell *,
		    const struct lens_top *top1, float *value);
/* Position on the scale; lo and hi bound logits (the grid's range). */
float		 ui_palette_norm(int metric, float value, float lo, float hi,
		    int n_vocab);
/* Rank bucket, 0 (rank 1) .. 4 (> 100). */
int		 ui_palette_rank_bucket(int rank);

int		 ui_palette_ramp_len(int palette);
int		 ui_palette_ramp(int palette, int i);
int		 ui_palette_xterm(int palette, float norm);
/* Whether an xterm-256 colour is dark (white text reads best on it). */
int		 ui_palette_dark(int xterm);
/*
 * The delta view's diverging ramp, blue (fell) through grey (no change) to
 * red (rose), xterm-256 indices; and its 8-colour buckets' ANSI colours.
 */
int		 ui_palette_div(int i);
void		 ui_palette_div_ansi(int bucket, int *fg, int *bg);
/* 8-colour bucket 0..UI_NBUCKETS-1 and its ANSI colours (0-7). */
int		 ui_palette_bucket(float norm);
void		 ui_palette_ansi(int bucket, int *fg, int *bg);
/* Glyph for the scale: a bar "▁".."█", or ASCII ".:-=+*#%@". */
const char	*ui_palette_glyph(float norm, int ascii);
/* How many glyphs the scale has (the legend shows each once). */
int		 ui_palette_nglyphs(int ascii);
/*
 * Legend text for the low and high ends of a metric's scale: lo and hi
 * bound logits; for entropy lo is ln V.
 */
void		 ui_palette_ends(int metric, float lo, float hi,
		    char *low, char *high, size_t len);

#endif
