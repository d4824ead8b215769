/*
 * ui-action.h: what the explorer's actions do to struct ui (ui-int.h).
 */
#ifndef UI_ACTION_H
#define UI_ACTION_H

#include <stddef.h>

struct ui;

/* Does action a (enum in ui-keys.h), from key; 1 to quit. */
int	ui_action(struct ui *, int a, int key);
/* Tokenizes the prompt and asks the worker for its lens. */
void	ui_action_submit(struct ui *);
/* Moves the selection by display lines (down is positive). */
void	ui_action_move_lines(struct ui *, int d);
/* Enter on the status line's question (a search, a token, a path). */
void	ui_action_ask_done(struct ui *);
void	ui_action_say(struct ui *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The history: loaded (a bad file set aside and named), saved. */
void	ui_action_hist_open(struct ui *, const char *path);
void	ui_action_hist_save(struct ui *, int say);
/*
 * The comparison screen's own actions (B: the grid shows prompt A or B);
 * 1 if it took action a.
 */
int	ui_action_compare(struct ui *, int a);
/* A saved session: 0, or -1 and *cause. */
int	ui_action_session_open(struct ui *, const char *path, char **cause);

#endif
