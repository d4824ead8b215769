/*
 * ui-term.h: the few terminfo questions the explorer asks directly.
 *
 * Apart from ui-int.h because term.h's macros (lines, columns...) clash
 * with ordinary names: only ui-term.c includes term.h.
 */
#ifndef UI_TERM_H
#define UI_TERM_H

/* Can curses drive $TERM? 0, or -1 and *cause pointing to --print. */
int	ui_term_check(char **cause);
/* Bracketed paste on or off (curses started). */
void	ui_term_paste(int on);

#endif
