/*
 * ui-palette.c: metrics, scales, palettes and glyphs, pure functions.
 *
 * Owns the mapping from a cell's statistics to what the grid paints. Refuses
 * to know about curses: colours are xterm-256 indices and ANSI numbers.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metric.h"
#include "ui-palette.h"
#include "util.h"

/* Ramps with strictly rising lightness, low -> high. */
static const struct {
	const char	*name;
	int		 n;
	int		 idx[8];
} ui_palette_ramps[UI_PAL_COUNT] = {
	{ "viridis", 6, { 53, 61, 31, 36, 113, 220 } },
	{ "cividis", 6, { 24, 60, 243, 101, 143, 220 } },
	{ "magma", 6, { 16, 17, 89, 204, 216, 229 } },
	{ "grey", 8, { 232, 235, 238, 241, 244, 247, 250, 253 } },
};

int
ui_palette_metric(const char *name)
{
	return (metric_find(name));
}

const char *
ui_palette_metric_name(int m)
{
	return (metric_get(m)->name);
}

/* The title in ASCII: U+2212 (minus, in the SVG's titles) as '-'. */
const char *
ui_palette_metric_title(int m)
{
	static char	 titles[METRIC_COUNT][64];
	const char	*s = metric_get(m)->title;
	size_t		 n = 0;

	if (titles[m][0] != '\0')
		return (titles[m]);
	while (*s != '\0' && n < sizeof titles[m] - 1) {
		if (strncmp(s, "\xe2\x88\x92", 3) == 0) {
			titles[m][n++] = '-';
			s += 3;
		} else
			titles[m][n++] = *s++;
	}
	titles[m][n] = '\0';
	return (titles[m]);
}

int
ui_palette_find(const char *name)
{
	int	i;

	for (i = 0; i < UI_PAL_COUNT; i++) {
		if (strcmp(name, ui_palette_ramps[i].name) == 0)
			return (i);
	}
	return (-1);
}

const char *
ui_palette_name(int p)
{
	return (ui_palette_ramps[p].name);
}

int
ui_palette_value(int metric, const struct lens_cell *c,
    const struct lens_top *top1, float *value)
{
	double	v;

	/* Tracked tokens and the tuned lens's KL are read from the snapshot. */
	if (!metric_value(metric, c, top1, &v))
		return (0);
	*value = (float)v;
	return (1);
}

int
ui_palette_rank_bucket(int rank)
{
	return (metric_rank_bucket(rank));
}

static float
ui_palette_clip(float v)
{
	if (!(v > 0.0f))	/* NaN too */
		return (0.0f);
	return (v > 1.0f ? 1.0f : v);
}

/* metric_norm's scale; in a terminal, ranks in buckets (1, 2-5, ...). */
float
ui_palette_norm(int metric, float v, float lo, float hi, int n_vocab)
{
	if (metric_is_rank(metric))
		return ((4 - metric_rank_bucket((int)v)) / 4.0f);
	return ((float)metric_norm(metric, (double)v, (double)lo, (double)hi,
	    n_vocab));
}

int
ui_palette_ramp_len(int p)
{
	return (ui_palette_ramps[p].n);
}

int
ui_palette_ramp(int p, int i)
{
	return (ui_palette_ramps[p].idx[i]);
}

int
ui_palette_xterm(int p, float norm)
{
	int	n = ui_palette_ramps[p].n;

	return (ui_palette_ramps[p].idx[(int)lrintf(ui_palette_clip(norm) *
	    (float)(n - 1))]);
}

/* Relative luminance (0..1000) of an xterm-256 colour from 16 up. */
static int
ui_palette_luma(int x)
{
	static const int	 level[6] = { 0, 95, 135, 175, 215, 255 };
	int			 r, g, b;

	if (x >= 232) {
		r = g = b = 8 + 10 * (x - 232);
	} else {
		x -= 16;
		r = level[x / 36];
		g = level[(x / 6) % 6];
		b = level[x % 6];
	}
	return ((2126 * r + 7152 * g + 722 * b) / 2550);
}

int
ui_palette_dark(int x)
{
	if (x < 16)
		return (x == 0 || x == 1 || x == 4 || x == 5 || x == 8);
	return (ui_palette_luma(x) < 450);
}

int
ui_palette_bucket(float norm)
{
	int	b = (int)(ui_palette_clip(norm) * UI_NBUCKETS);

	return (b >= UI_NBUCKETS ? UI_NBUCKETS - 1 : b);
}

void
ui_palette_ansi(int bucket, int *fg, int *bg)
{
	/* Black, blue, magenta, cyan, yellow: dark to light on most themes. */
	static const int	bgs[UI_NBUCKETS] = { 0, 4, 5, 6, 3 };
	static const int	fgs[UI_NBUCKETS] = { 7, 7, 7, 0, 0 };

	*bg = bgs[bucket];
	*fg = fgs[bucket];
}

int
ui_palette_div(int i)
{
	/* Light at the middle, darker towards both ends, like RdBu. */
	static const int	idx[UI_DIV_LEN] = { 25, 68, 153, 254, 217,
	    167, 124 };

	return (idx[i]);
}

void
ui_palette_div_ansi(int bucket, int *fg, int *bg)
{
	/* Blue, cyan, white, yellow, red. */
	static const int	bgs[UI_NBUCKETS] = { 4, 6, 7, 3, 1 };
	static const int	fgs[UI_NBUCKETS] = { 7, 0, 0, 0, 7 };

	*bg = bgs[bucket];
	*fg = fgs[bucket];
}

int
ui_palette_nglyphs(int ascii)
{
	return (ascii ? 9 : 8);
}

const char *
ui_palette_glyph(float norm, int ascii)
{
	static const char *const bars[8] = { "\xe2\x96\x81", "\xe2\x96\x82",
	    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	    "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char *const chars[9] = { ".", ":", "-", "=", "+", "*",
	    "#", "%", "@" };
	float	n = ui_palette_clip(norm);

	if (ascii)
		return (chars[lrintf(n * 8.0f)]);
	return (bars[lrintf(n * 7.0f)]);
}

void
ui_palette_ends(int metric, float lo, float hi, char *low, char *high,
    size_t len)
{
	switch (metric_get(metric)->scale) {
	case METRIC_SCALE_LOGIT:
		snprintf(low, len, "%.1f", (double)lo);
		snprintf(high, len, "%.1f", (double)hi);
		break;
	case METRIC_SCALE_RANK:
		snprintf(low, len, ">100");
		snprintf(high, len, "1");
		break;
	case METRIC_SCALE_KL:	/* a comparison's: bright where they part */
		snprintf(low, len, metric_get(metric)->higher ? "<=%g" :
		    ">=%g", metric_get(metric)->higher ? METRIC_KL_LO :
		    METRIC_KL_HI);
		snprintf(high, len, metric_get(metric)->higher ? ">=%g" :
		    "<=%g", metric_get(metric)->higher ? METRIC_KL_HI :
		    METRIC_KL_LO);
		break;
	case METRIC_SCALE_JS:
		snprintf(low, len, "<=%g", METRIC_JS_LO);
		snprintf(high, len, "ln 2");
		break;
	case METRIC_SCALE_ENTROPY:
		snprintf(low, len, "%.1f", (double)lo);	/* ln V */
		snprintf(high, len, "0");
		break;
	default:
		snprintf(low, len, "0");
		snprintf(high, len, "1");
		break;
	}
}
