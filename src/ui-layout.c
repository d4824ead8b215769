/*
 * ui-layout.c: screen geometry and text fitting, pure functions.
 *
 * Owns the arithmetic of where the prompt, the grid, the panel and the
 * status line go, of scrolling and of display widths. Refuses to know about
 * curses or the lens: callers pass sizes and strings.
 */
#include "config.h"

#include <string.h>

#include "ui-layout.h"
#include "width.h"

void
ui_layout_compute(struct ui_layout *l, int cols, int lines, int cell_w,
    int label_w, int panel_lines)
{
	int	grid_w, grid_h;

	memset(l, 0, sizeof *l);
	l->cols = cols;
	l->lines = lines;
	l->cell_w = cell_w;
	l->label_w = label_w;
	if (cols < UI_MIN_COLS || lines < UI_MIN_LINES) {
		l->too_small = 1;
		return;
	}
	l->prompt_y = 0;
	l->prompt_b_y = -1;
	l->head_y = 1;
	l->grid_y = l->head_y + UI_HEAD_LINES;
	l->status_y = lines - 1;
	l->legend_y = lines - 2;
	l->grid_x = label_w + 1;
	grid_w = cols - l->grid_x;
	grid_h = l->legend_y - l->grid_y;

	/* The panel goes right when the grid keeps 3 cells, else below. */
	if (grid_w - UI_PANEL_W >= 3 * (cell_w + 1)) {
		l->panel_w = UI_PANEL_W;
		l->panel_x = cols - UI_PANEL_W;
		l->panel_y = l->head_y;
		l->panel_h = l->legend_y - l->head_y;
		grid_w -= UI_PANEL_W;
	} else if (grid_h - panel_lines >= 3) {
		l->panel_w = cols;
		l->panel_h = panel_lines;
		l->panel_y = l->legend_y - panel_lines;
		grid_h -= panel_lines;
	} else if (grid_h >= 9) {
		l->panel_w = cols;
		l->panel_h = grid_h - 3;
		l->panel_y = l->legend_y - l->panel_h;
		grid_h = 3;
	}
	l->vis_cols = grid_w / (cell_w + 1);
	if (l->vis_cols < 1)
		l->vis_cols = 1;
	l->vis_rows = grid_h < 1 ? 1 : grid_h;
}

void
ui_layout_second_prompt(struct ui_layout *l)
{
	if (l->too_small)
		return;
	l->prompt_b_y = l->prompt_y + 1;
	l->head_y++;
	l->grid_y++;
	if (l->panel_w > 0 && l->panel_x > 0) {	/* on the right */
		l->panel_y++;
		l->panel_h--;
	}
	if (l->vis_rows > 1)
		l->vis_rows--;
}

int
ui_layout_scroll(int sel, int off, int vis, int n)
{
	if (vis < 1)
		vis = 1;
	if (sel < off)
		off = sel;
	if (sel >= off + vis)
		off = sel - vis + 1;
	if (off > n - vis)
		off = n - vis;
	if (off < 0)
		off = 0;
	return (off);
}

int
ui_layout_row(int i, int nrows, int final_on_top)
{
	return (final_on_top ? nrows - 1 - i : i);
}

int
ui_layout_hit(const struct ui_layout *l, int x, int y, int *line, int *col)
{
	if (l->too_small || y < l->grid_y || y >= l->grid_y + l->vis_rows ||
	    x < l->grid_x || x >= l->grid_x + l->vis_cols * (l->cell_w + 1))
		return (-1);
	*line = y - l->grid_y;
	*col = (x - l->grid_x) / (l->cell_w + 1);
	return (0);
}

int
ui_layout_width(const char *s, size_t len)
{
	return (width_str(s, len));
}

char *
ui_layout_fit(const char *s, size_t len, int width, int ascii, char *out,
    size_t outsz)
{
	const char	*ell = ascii ? "~" : "\xe2\x80\xa6";
	size_t		 off = 0, o = 0, n;
	int		 w = 0, cw, full;

	full = ui_layout_width(s, len) <= width;
	while (off < len) {
		cw = width_char(s + off, len - off, &n);
		if (w + cw > width - (full ? 0 : 1))
			break;
		if (o + n + 4 >= outsz)
			break;
		memcpy(out + o, s + off, n);
		o += n;
		off += n;
		w += cw;
	}
	if (!full && width > 0 && o + strlen(ell) + 1 < outsz) {
		memcpy(out + o, ell, strlen(ell));
		o += strlen(ell);
		w++;
	}
	while (w < width && o + 1 < outsz) {
		out[o++] = ' ';
		w++;
	}
	out[o] = '\0';
	return (out);
}
