/*
 * ui-edit.h: the prompt line as a pure data structure.
 *
 * A byte buffer (UTF-8, but any bytes are kept) with a cursor on a byte
 * offset, edited like readline, and a history of earlier prompts. The
 * cursor only stops on character boundaries. Knows nothing of curses: key
 * handling maps curses keys to these calls in ui.c.
 */
#ifndef UI_EDIT_H
#define UI_EDIT_H

#include <stddef.h>

struct ui_edit {
	char	 *buf;
	size_t	  len;
	size_t	  size;
	size_t	  cur;		/* byte offset of the cursor */

	char	**hist;		/* oldest first */
	size_t	 *hist_len;
	size_t	  nhist;
	size_t	  hist_max;
	size_t	  hist_pos;	/* nhist: not browsing */
	char	 *saved;	/* the line being edited before browsing */
	size_t	  saved_len;
};

void	ui_edit_init(struct ui_edit *, size_t hist_max);
void	ui_edit_free(struct ui_edit *);
void	ui_edit_set(struct ui_edit *, const char *, size_t);
void	ui_edit_insert(struct ui_edit *, const char *, size_t);
void	ui_edit_left(struct ui_edit *);
void	ui_edit_right(struct ui_edit *);
void	ui_edit_home(struct ui_edit *);
void	ui_edit_end(struct ui_edit *);
void	ui_edit_backspace(struct ui_edit *);
void	ui_edit_delete(struct ui_edit *);
void	ui_edit_kill_end(struct ui_edit *);	/* C-k */
void	ui_edit_kill_start(struct ui_edit *);	/* C-u */
void	ui_edit_kill_word(struct ui_edit *);	/* C-w */
void	ui_edit_word_left(struct ui_edit *);	/* M-b */
void	ui_edit_word_right(struct ui_edit *);	/* M-f */

/* History: add (skipping empty lines and repeats), browse older/newer. */
void	ui_edit_hist_add(struct ui_edit *, const char *, size_t);
int	ui_edit_hist_prev(struct ui_edit *);
int	ui_edit_hist_next(struct ui_edit *);

/*
 * History files hold one prompt per line, UTF-8, with '\n', '\\' and any
 * other control byte or byte that is not UTF-8 escaped (\xNN). Load ignores
 * a missing file and adds nothing from a file that cannot be read or does
 * not parse (-1 and *cause naming the line); save writes a temporary file,
 * fsyncs it and renames it over path, creating the directory. aside
 * renames a bad history to path.bad-TIME (*aside: the new name) so that
 * nothing is lost. -1 and *cause on error.
 */
#define UI_EDIT_HIST_MAX	(64 << 20)	/* bytes of a history file */

int	ui_edit_hist_load(struct ui_edit *, const char *path, char **cause);
int	ui_edit_hist_save(const struct ui_edit *, const char *path,
	    char **cause);
int	ui_edit_hist_aside(const char *path, char **aside, char **cause);

#endif
