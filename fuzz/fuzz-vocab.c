/*
 * fuzz-vocab.c: tok_load on fuzzed files. The input is vocab.json, a NUL,
 * then merges.txt; a missing part is replaced by a small valid one (GPT-2's
 * 256 byte tokens and three merges), so that each file is fuzzed against a
 * good other. A tokenizer that loads must encode text and join it back.
 */
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tok.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	*dir, *vocab_path, *merges_path, *small_vocab;
static const char small_merges[] = "#version: 0.2\n\xc4\xa0 t\nh e\n"
    "\xc4\xa0t he\n";

/* GPT-2's byte -> code point map, as \uXXXX keys with ids 0..255. */
static char *
make_small_vocab(void)
{
	char	*s, *p;
	int	 b, n = 0, cp;

	s = p = xmalloc(256 * 16 + 64);
	*p++ = '{';
	for (b = 0; b < 256; b++) {
		if ((b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) ||
		    (b >= 0xae && b <= 0xff))
			cp = b;
		else
			cp = 256 + n++;
		p += sprintf(p, "\"\\u%04x\": %d, ", cp, b);
	}
	sprintf(p, "\"\\u0120t\": 256, \"he\": 257, \"\\u0120the\": 258, "
	    "\"<|endoftext|>\": 259}");
	return s;
}

static void
put(const char *path, const void *buf, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*t = getenv("TMPDIR");

	dir = xasprintf("%s/fuzz-vocab.XXXXXX", t != NULL ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	vocab_path = util_path(dir, "vocab.json");
	merges_path = util_path(dir, "merges.txt");
	small_vocab = make_small_vocab();
	return 0;
}

static void
roundtrip(const struct tok *tok, const char *text, size_t size)
{
	const char	*b;
	char		*cause;
	int		*ids;
	size_t		 n, i, len, off = 0;

	if (tok_encode(tok, text, size, &ids, &n, &cause) != 0)
		abort();
	for (i = 0; i < n; i++) {
		if ((b = tok_bytes(tok, ids[i], &len)) == NULL ||
		    off + len > size || memcmp(text + off, b, len) != 0)
			abort();
		off += len;
	}
	if (off != size)
		abort();
	free(ids);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nul = memchr(data, '\0', size);
	struct tok	*tok;
	char		*cause = NULL;
	static const char text[] = "Hello, the world!\n\ttheir <|endoftext|> "
	    "caf\xc3\xa9 \xff";

	if (nul == NULL) {
		put(vocab_path, data, size);
		put(merges_path, small_merges, strlen(small_merges));
	} else {
		if (nul == data)
			put(vocab_path, small_vocab, strlen(small_vocab));
		else
			put(vocab_path, data, (size_t)(nul - data));
		put(merges_path, nul + 1, size - (size_t)(nul + 1 - data));
	}
	if ((tok = tok_load(vocab_path, merges_path, &cause)) == NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	roundtrip(tok, text, sizeof text - 1);
	roundtrip(tok, (const char *)data, size);
	tok_free(tok);
	return 0;
}
