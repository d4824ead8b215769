/*
 * ui-grid.h: the grid of layers x positions, its headers and the legend,
 * drawn from a struct ui_frame (ui-snap.h) with curses.
 */
#ifndef UI_GRID_H
#define UI_GRID_H

struct ui_frame;

int	ui_grid_label_w(const struct ui_frame *);
void	ui_grid_draw(const struct ui_frame *);
void	ui_grid_legend(const struct ui_frame *);
/* Colour attributes of a cell given its position on the scale. */
int	ui_grid_attr(const struct ui_frame *, float norm, int *pair);
/*
 * The same on a diverging ramp (the delta view, patching's effects), 0.5
 * for no change; without colour, falls are dim and rises bold.
 */
int	ui_grid_div_attr(const struct ui_frame *, float norm);

#endif
