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

#include <stddef.h>

struct gpt2;
struct tok;
struct cfg;

enum ui_color { UI_COLOR_AUTO, UI_COLOR_ALWAYS, UI_COLOR_NEVER };

/* Every pointer is borrowed for the duration of ui_run. */
struct ui_opts {
	struct gpt2		*model;
	struct tok		*tok;
	const struct cfg	*cfg;		/* top-k, metric, palette... */
	const char		*prompt;	/* initial prompt, may be NULL */
	size_t			 prompt_len;
	int			 mouse;		/* 0: --no-mouse */
	int			 ascii;		/* --ascii (or cfg's ascii) */
	/*
	 * After --color and the config. UI_COLOR_AUTO also honours NO_COLOR
	 * (set and non-empty: no colour) and the terminal's capabilities.
	 */
	enum ui_color		 color;
	const char		*history_path;	/* NULL: no history file */
	const char		*model_note;	/* shown in the status line */
	const char		*session_path;	/* --session: opened at start */
	const char		*tuned_path;	/* --tuned: a tuned lens */
};

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
