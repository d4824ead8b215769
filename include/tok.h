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

/*
 * NULL and *cause ("file: problem", "file:line: problem") on error. The
 * vocab may be smaller than GPT-2's, but its ids must be 0..n-1 without
 * holes, it must hold the 256 byte tokens, and every merge's two tokens and
 * result must be in it. The "#version" line of merges.txt is optional; a
 * pair listed twice takes its later rank, as in Hugging Face's loaders.
 */
struct tok	*tok_load(const char *vocab_path, const char *merges_path,
		    char **cause);
void		 tok_free(struct tok *);
int		 tok_vocab_size(const struct tok *);
/* Id of "<|endoftext|>", or -1. */
int		 tok_eot(const struct tok *);

/*
 * Encodes len bytes of text (any bytes, NULs included). *ids is allocated;
 * returns 0, or -1 and *cause. Valid UTF-8 gives Hugging Face's ids. Its
 * tokenizer takes only str, so for invalid UTF-8 this is the contract: the
 * text is cut at "<|endoftext|>" and then at each maximal run of invalid
 * bytes; the valid stretches are pre-tokenized on their own (as if the text
 * ended and began there), each invalid run is one piece, byte-level merged
 * like any other. The tokens' bytes always join back to the input.
 */
int		 tok_encode(const struct tok *, const char *text, size_t len,
		    int **ids, size_t *n, char **cause);
/* The raw bytes of one token (owned by the tokenizer); NULL if out of range. */
const char	*tok_bytes(const struct tok *, int id, size_t *len);
/* Id of a token given as its vocab.json string ("Ġthe"), or -1. */
int		 tok_lookup(const struct tok *, const char *vocab_str);
/*
 * The one rule for a tracked token, shared by --track and the explorer:
 * "#ID" (0 <= ID < n_vocab), or a text that encodes to exactly one token
 * (a leading space is part of it). 0 and *id, or -1 and *cause saying why
 * not (an empty text, a bad id, a text of several tokens).
 */
int		 tok_track(const struct tok *, const char *text, size_t len,
		    int n_vocab, int *id, char **cause);
/* Id of the token whose bytes are exactly these, or -1. */
int		 tok_find_bytes(const struct tok *, const char *bytes, size_t len);

/*
 * Decoded text of ids, as Hugging Face's decode: bytes joined, invalid
 * UTF-8 replaced by U+FFFD. Allocated.
 */
char		*tok_decode_text(const struct tok *, const int *ids, size_t n);
/* The same, with its length in bytes: the text may hold NUL bytes. */
char		*tok_decode(const struct tok *, const int *ids, size_t n,
		    size_t *len);

/*
 * A token's bytes made safe and visible for display, allocated UTF-8:
 * spaces as '·' (ASCII: '_'), newline as '↵' ("\n"), tab as '→' ("\t"),
 * other C0 controls, DEL and bytes of invalid or incomplete UTF-8 as "\xNN"
 * (upper-case hex); never raw escape sequences. The display is reversible:
 * '\' is "\\"; code points that would be read as one of the stand-ins
 * ('·' '↵' '→'; in ASCII mode '_' is "\_"), C1 controls (a C1 code point is
 * two bytes, so "\xNN" would read as one invalid byte), line/paragraph
 * separators, bidi controls and U+FEFF are "\u{XXXX}".
 */
#define TOK_DISPLAY_ASCII 0x1	/* ASCII only: non-ASCII as \u{XXXX}/\xNN */
char		*tok_display(const char *bytes, size_t len, int flags);

#endif
