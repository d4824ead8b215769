/*
 * tok.h: GPT-2's byte-level BPE tokenizer.
 *
 * vocab.json maps token strings (bytes through GPT-2's byte -> unicode map)
 * to ids, merges.txt lists merges by rank. Text is split by GPT-2's
 * pre-tokenization regex (PCRE2, Unicode properties), each piece's bytes are
 * mapped and merged by rank. "<|endoftext|>" in the text is the special
 * token, as Hugging Face's tokenizer treats it. Knows nothing of models or
 * terminals.
 */
#ifndef TOK_H
#define TOK_H

#include <stddef.h>

struct tok;

/* NULL and *cause ("file: problem") on error. */
struct tok	*tok_load(const char *vocab_path, const char *merges_path,
		    char **cause);
void		 tok_free(struct tok *);
int		 tok_vocab_size(const struct tok *);
/* Id of "<|endoftext|>", or -1. */
int		 tok_eot(const struct tok *);

/*
 * Encodes len bytes of text (any bytes; invalid UTF-8 is encoded byte by
 * byte as Hugging Face does). *ids is allocated; returns 0, or -1 and *cause.
 */
int		 tok_encode(const struct tok *, const char *text, size_t len,
		    int **ids, size_t *n, char **cause);
/* The raw bytes of one token (owned by the tokenizer); NULL if out of range. */
const char	*tok_bytes(const struct tok *, int id, size_t *len);
/* Id of a token given as its vocab.json string ("Ġthe"), or -1. */
int		 tok_lookup(const struct tok *, const char *vocab_str);
/* Id of the token whose bytes are exactly these, or -1. */
int		 tok_find_bytes(const struct tok *, const char *bytes, size_t len);

/*
 * Decoded text of ids, as Hugging Face's decode: bytes joined, invalid
 * UTF-8 replaced by U+FFFD. Allocated.
 */
char		*tok_decode_text(const struct tok *, const int *ids, size_t n);

/*
 * A token's bytes made safe and visible for display, allocated UTF-8:
 * leading/inner spaces as '·' (ASCII: '_'), newline as '↵' ("\n"), tab as
 * '→' ("\t"), other control bytes and bytes of invalid or incomplete UTF-8
 * as "\xNN"; never raw escape sequences.
 */
#define TOK_DISPLAY_ASCII 0x1	/* ASCII only: non-ASCII as \u{...}/\xNN */
char		*tok_display(const char *bytes, size_t len, int flags);

#endif
