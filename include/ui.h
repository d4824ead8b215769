/*
 * ui.h: the interactive explorer (ncurses, wide characters).
 *
 * ui_run takes the terminal, runs the model and the lens on a worker thread
 * while the user edits the prompt and moves over the grid of layers x
 * positions, and gives the terminal back restored. Only ui*.c include
 * curses; the model and the lens never see the terminal.
 */
#ifndef UI_H
#define UI_H

#include "ui-opts.h"

struct cfg;

/*
 * Checks the config's key bindings (unknown action or key names): 0, or -1
 * and *cause naming the first bad one. ui_run skips bad bindings and names
 * the first in its status line.
 */
int	ui_check_bindings(const struct cfg *, char **cause);

/*
 * Runs the explorer on the terminal (stdin/stdout). Returns 0 when the user
 * quits; -1 and *cause for a terminal that cannot address the cursor
 * (TERM=dumb, unknown TERM) or another error; or the number of the
 * terminating signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE) and *cause, once the
 * terminal is restored and the history saved. Never prints: the caller
 * prints *cause (curses is already ended then).
 */
int	ui_run(const struct ui_opts *, char **cause);

#endif
