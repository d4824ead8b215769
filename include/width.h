/*
 * width.h: the one display-width rule of the program: how many terminal
 * (or monospace) columns UTF-8 text takes.
 *
 * libc's mbrtowc and wcwidth under a UTF-8 LC_CTYPE of their own (C.UTF-8,
 * set per call with uselocale), whatever the process's locale is, so that
 * the explorer, the text output and the SVG agree. Invalid bytes and
 * characters wcwidth calls non-printable count one column each (the
 * callers show them escaped). Thread-safe.
 */
#ifndef WIDTH_H
#define WIDTH_H

#include <stddef.h>

/*
 * Columns of the character at s (len > 0 bytes available), 0 to 2; *n is
 * its length in bytes (1 for an invalid byte).
 */
int	width_char(const char *s, size_t len, size_t *n);
/* Columns of len bytes of UTF-8 text. */
int	width_str(const char *s, size_t len);

#endif
