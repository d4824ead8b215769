/*
 * ui-panel.h: the selected cell's panel, drawn from a struct ui_frame
 * (ui-snap.h) with curses, in one of its views (top-k, candidates,
 * attribution, tracked tokens).
 */
#ifndef UI_PANEL_H
#define UI_PANEL_H

struct ui_frame;

int	ui_panel_lines(const struct ui_frame *);
void	ui_panel_draw(const struct ui_frame *);
const char *ui_panel_view_name(int view);
int	ui_panel_view_find(const char *name);	/* -1 if unknown */
/* Token id of entry i of the panel's list (top-k, candidates...), or -1. */
int	ui_panel_entry(const struct ui_frame *, int i);
int	ui_panel_count(const struct ui_frame *);

#endif
