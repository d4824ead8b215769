/*
 * fuzz-st.c: st_parse on arbitrary bytes. Every tensor it accepts must lie
 * inside the buffer: its bytes are read to let ASan check that.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "st.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct st_tensor	*t;
	struct st_file		*sf;
	volatile unsigned char	 sink = 0;
	char			*cause = NULL, buf[128];
	size_t			 i, j;

	if ((sf = st_parse(data, size, "fuzz", &cause)) == NULL) {
		if (cause == NULL)
			abort();	/* an error always says why */
		free(cause);
		return 0;
	}
	for (i = 0; i < st_count(sf); i++) {
		t = st_tensor(sf, i);
		if (st_find(sf, t->name) != t)
			abort();
		st_shape_str(t, buf, sizeof buf);
		for (j = 0; j < t->nbytes; j++)
			sink ^= ((const unsigned char *)t->data)[j];
	}
	st_close(sf);
	return 0;
}
