/*
 * width.c: display width of UTF-8 text, by libc (see width.h).
 *
 * Owns the choice of locale for wcwidth: a UTF-8 one of its own, made
 * once, used per call with uselocale so that nothing else changes. Without
 * any UTF-8 locale (a libc without C.UTF-8), every character is one column.
 */
#include "config.h"

#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wchar.h>

#include "width.h"

static pthread_once_t	width_once = PTHREAD_ONCE_INIT;
static locale_t		width_locale = (locale_t)0;

static void
width_init(void)
{
	static const char *const names[] = { "C.UTF-8", "C.utf8", "en_US.UTF-8",
	    "en_US.utf8" };
	size_t	i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		width_locale = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
		if (width_locale != (locale_t)0)
			return;
	}
}

int
width_char(const char *s, size_t len, size_t *n)
{
	mbstate_t	ps;
	locale_t	old;
	wchar_t		wc;
	size_t		r;
	int		w;

	pthread_once(&width_once, width_init);
	*n = 1;
	if ((unsigned char)*s < 0x80)
		return (1);
	if (width_locale == (locale_t)0) {
		/* One column a character: skip its continuation bytes. */
		while (*n < len && ((unsigned char)s[*n] & 0xc0) == 0x80)
			(*n)++;
		return (1);
	}
	old = uselocale(width_locale);
	memset(&ps, 0, sizeof ps);
	r = mbrtowc(&wc, s, len, &ps);
	w = r == (size_t)-1 || r == (size_t)-2 || r == 0 ? -1 : wcwidth(wc);
	uselocale(old);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0)
		return (1);
	*n = r;
	return (w < 0 ? 1 : w);
}

int
width_str(const char *s, size_t len)
{
	size_t	off = 0, n;
	int	w = 0;

	while (off < len) {
		w += width_char(s + off, len - off, &n);
		off += n;
	}
	return (w);
}
