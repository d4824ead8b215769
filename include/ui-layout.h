/*
 * ui-layout.h: where things go on the screen, without curses.
 *
 * Splits a terminal of cols x lines into the prompt line, the token header,
 * the grid (layer labels pinned left), the cell panel, the legend and the
 * status line; keeps a selection visible when scrolling; fits UTF-8 text
 * into a number of terminal columns (width.h's rule).
 */
#ifndef UI_LAYOUT_H
#define UI_LAYOUT_H

#include <stddef.h>

#define UI_MIN_COLS	40
#define UI_MIN_LINES	10
#define UI_PANEL_W	38	/* panel width when it sits on the right */
#define UI_HEAD_LINES	2	/* input tokens, then the next tokens */

struct ui_layout {
	int	cols, lines;
	int	too_small;	/* below UI_MIN_COLS x UI_MIN_LINES */

	int	prompt_y;
	int	prompt_b_y;	/* prompt B's line; -1: none */
	int	head_y;		/* first header line */
	int	grid_x, grid_y;	/* first cell */
	int	label_w;	/* layer label column, before grid_x */
	int	cell_w;		/* cell width without the separator */
	int	vis_cols;	/* cell columns that fit */
	int	vis_rows;	/* layer rows that fit */

	int	panel_x, panel_y, panel_w, panel_h;	/* panel_w 0: none */
	int	legend_y;
	int	status_y;
};

/* Computes the layout; panel_lines is what the panel would like. */
void	ui_layout_compute(struct ui_layout *, int cols, int lines,
	    int cell_w, int label_w, int panel_lines);
/*
 * Makes room for prompt B's line under the prompt: the header, the grid
 * and a panel on the right move down a line (nothing if too small).
 */
void	ui_layout_second_prompt(struct ui_layout *);
/* New scroll offset so that sel stays among vis items of n. */
int	ui_layout_scroll(int sel, int off, int vis, int n);
/* Shown row index (0 = embed) of display line i. */
int	ui_layout_row(int i, int nrows, int final_on_top);
/* Cell under screen position (x, y): 0 and *line, *col; or -1. */
int	ui_layout_hit(const struct ui_layout *, int x, int y, int *line,
	    int *col);

/* Display width of UTF-8 text (invalid bytes count one each). */
int	ui_layout_width(const char *s, size_t len);
/*
 * Fits s into exactly width columns in out: truncated with an ellipsis
 * ("…", or "~" when ascii), padded with spaces. Returns out.
 */
char	*ui_layout_fit(const char *s, size_t len, int width, int ascii,
	    char *out, size_t outsz);

#endif
