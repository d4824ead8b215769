/*
 * fuzz-tok.c: tok_encode on arbitrary bytes with GPT-2's own vocabulary
 * ($LOGITLENS_FIXTURES/gpt2-tokenizer, default ../shared/fixtures). The
 * tokens' bytes must join back to the input; anything else aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tok	*tok;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*fix = getenv("LOGITLENS_FIXTURES");
	char		*dir, *vocab, *merges, *cause;

	dir = xasprintf("%s/gpt2-tokenizer", fix != NULL ? fix :
	    "../shared/fixtures");
	vocab = util_path(dir, "vocab.json");
	merges = util_path(dir, "merges.txt");
	if ((tok = tok_load(vocab, merges, &cause)) == NULL) {
		fprintf(stderr, "fuzz-tok: %s\n", cause);
		exit(1);
	}
	free(merges);
	free(vocab);
	free(dir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*b;
	char		*cause, *text;
	int		*ids;
	size_t		 n, i, len, off = 0;

	if (tok_encode(tok, (const char *)data, size, &ids, &n, &cause) != 0)
		abort();	/* any bytes are text */
	for (i = 0; i < n; i++) {
		if ((b = tok_bytes(tok, ids[i], &len)) == NULL)
			abort();
		if (len == 0 || off + len > size || memcmp(data + off, b,
		    len) != 0)
			abort();
		off += len;
	}
	if (off != size)
		abort();
	text = tok_decode_text(tok, ids, n);
	free(text);
	free(ids);
	return 0;
}
