/*
 * test-width.c: the display-width rule (width.h) on text whose width
 * Unicode fixes: ASCII, Latin, CJK (wide), a combining accent (zero), an
 * emoji (wide), the ellipsis, invalid bytes (one column each).
 */
#include "config.h"

#include <string.h>

#include "harness.h"
#include "width.h"

static void
same(const char *s, int want)
{
	int	got = width_str(s, strlen(s));

	CHECK(got == want, "'%s': %d columns, expected %d", s, got, want);
}

int
main(void)
{
	size_t	n;

	same("", 0);
	same("abc", 3);
	same("caf\xc3\xa9", 4);			/* café */
	same("\xe6\x97\xa5\xe6\x9c\xac", 4);	/* 日本 */
	same("e\xcc\x81", 1);			/* e + combining acute */
	same("\xf0\x9f\x98\x80", 2);		/* 😀 */
	same("\xe2\x80\xa6", 1);		/* … */
	same("\xff\xfe", 2);			/* invalid: a column each */
	same("\xe6\x97", 2);			/* a cut character */
	CHECK(width_char("\xe6\x97\xa5x", 4, &n) == 2 && n == 3, "日: %zu", n);
	CHECK(width_char("\xe6\x97", 2, &n) == 1 && n == 1, "cut: %zu", n);
	return (harness_done());
}
