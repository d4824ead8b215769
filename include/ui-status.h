/*
 * ui-status.h: the explorer's prompt line, status line and help screen
 * (curses), drawn from struct ui (ui-int.h).
 */
#ifndef UI_STATUS_H
#define UI_STATUS_H

struct ui;

void		 ui_status_prompt(struct ui *);
void		 ui_status_draw(struct ui *);
/* The help screen, generated from the key table. */
void		 ui_status_help(struct ui *);
void		 ui_status_small(struct ui *);	/* "terminal too small" */
/* The label of the status line's question (enum ui_ask). */
const char	*ui_status_ask_label(int ask);

#endif
