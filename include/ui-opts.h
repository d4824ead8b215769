/*
 * ui-opts.h: what the explorer is started with (ui.h's ui_run), a type
 * alone, so that the explorer's own files read it without ui.h.
 */
#ifndef UI_OPTS_H
#define UI_OPTS_H

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
	const char		*compare;	/* --compare: prompt B, or */
	size_t			 compare_len;	/* NULL */
	int			 diff_x, diff_y; /* --logit-diff; -1: none */
	const char		*jacobian_path;	/* --jacobian: a Jacobian
						   lens */
};

#endif
