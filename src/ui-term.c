/*
 * ui-term.c: what the explorer asks of terminfo directly.
 *
 * Owns the check that the terminal can be driven at all (before initscr,
 * which would exit on an unknown TERM) and bracketed paste mode. Kept apart
 * because term.h defines macros (lines, columns...) that clash with
 * ordinary names.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "ui-term.h"
#include "util.h"

/* Refuses terminals curses cannot drive, before initscr can exit. */
int
ui_term_check(char **cause)
{
	const char	*term = getenv("TERM");
	char		*cup;
	int		 err = 0;

	if (term == NULL || *term == '\0')
		return (util_fail(cause, "TERM is not set: use --print for "
		    "plain output"));
	if (setupterm(term, STDOUT_FILENO, &err) != OK)
		return (util_fail(cause, "unknown terminal type '%s': use "
		    "--print for plain output", term));
	cup = tigetstr("cup");
	del_curterm(cur_term);
	if (cup == NULL || cup == (char *)-1)
		return (util_fail(cause, "terminal '%s' cannot move the "
		    "cursor: use --print for plain output", term));
	return (0);
}

/* Bracketed paste: terminfo's BE/BD, else xterm's sequence. */
void
ui_term_paste(int on)
{
	const char	*term = getenv("TERM");
	char		*cap = tigetstr(on ? "BE" : "BD");

	if (cap != NULL && cap != (char *)-1) {
		putp(cap);
		fflush(stdout);
		return;
	}
	if (term != NULL && (strncmp(term, "xterm", 5) == 0 ||
	    strncmp(term, "screen", 6) == 0 || strncmp(term, "tmux", 4) == 0 ||
	    strncmp(term, "rxvt", 4) == 0 || strncmp(term, "foot", 4) == 0 ||
	    strncmp(term, "alacritty", 9) == 0 ||
	    strncmp(term, "xterm-kitty", 11) == 0)) {
		fputs(on ? "\033[?2004h" : "\033[?2004l", stdout);
		fflush(stdout);
	}
}

