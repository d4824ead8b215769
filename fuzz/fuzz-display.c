/*
 * fuzz-display.c: tok_display on arbitrary bytes. The result is valid UTF-8
 * without C0, DEL or C1 controls (ESC included); in ASCII mode it is
 * printable ASCII only. Anything else aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tok.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const char *s, int ascii)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 len = strlen(s), i, k;
	uint32_t		 cp;

	for (i = 0; i < len; i += k) {
		if (u[i] < 0x20 || u[i] == 0x7f || (ascii && u[i] >= 0x80))
			abort();
		if ((k = (size_t)util_utf8_len(u + i, len - i)) == 0)
			abort();	/* not UTF-8 */
		if (k == 2) {
			cp = (uint32_t)(u[i] & 0x1f) << 6 | (u[i + 1] & 0x3f);
			if (cp >= 0x80 && cp <= 0x9f)
				abort();	/* C1 control */
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	s = tok_display((const char *)data, size, 0);
	check(s, 0);
	free(s);
	s = tok_display((const char *)data, size, TOK_DISPLAY_ASCII);
	check(s, 1);
	free(s);
	return 0;
}
