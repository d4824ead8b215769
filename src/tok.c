/*
 * tok.c: GPT-2's byte-level BPE: vocab.json and merges.txt loading, the
 * pre-tokenization regex (PCRE2), rank-ordered merging, decoding and a
 * terminal-safe display of token bytes.
 *
 * Everything works on ids: the 256 bytes each have a token and every merge
 * is a pair of ids that yields an id, so encoding never builds strings. The
 * struct owns all tables and caches nothing between calls, so a const
 * tokenizer may be shared. Knows nothing of models or terminals beyond
 * tok_display's escaping.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>

#include "tok.h"
#include "util.h"

#define TOK_MAX_FILE	(256 * 1024 * 1024)
#define TOK_EOT		"<|endoftext|>"

/*
 * GPT-2's pattern. \s is spelt out as Unicode White_Space, the set Hugging
 * Face's engines use: PCRE2's UCP \s would also take U+180E.
 */
#define TOK_WS	"\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}" \
		"\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
#define TOK_PATTERN \
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+" \
	"| ?[^" TOK_WS "\\p{L}\\p{N}]+|[" TOK_WS "]+(?![^" TOK_WS "])" \
	"|[" TOK_WS "]+"

/* String -> id, open addressing; the keys are the tokenizer's arrays. */
struct tok_strmap {
	int		*slot;		/* id or -1 */
	size_t		 mask;
};

/* Pair of ids -> (rank, merged id). */
struct tok_merge {
	uint64_t	 key;		/* left << 32 | right, plus one; 0 free */
	int		 rank;
	int		 id;
};

struct tok {
	int		   n_vocab;
	int		   eot;
	char		 **str;		/* vocab.json strings, by id */
	size_t		  *str_len;
	char		 **bytes;	/* raw bytes, by id, NUL-terminated */
	size_t		  *len;
	int		   byte_id[256];
	struct tok_strmap  by_str;
	struct tok_strmap  by_bytes;
	struct tok_merge  *merges;
	size_t		   merges_mask;
	pcre2_code	  *re;
};

/* One symbol of a word being merged: a linked list over the word's bytes. */
struct tok_sym {
	int	id;
	int	prev, next;	/* -1 at the ends */
	int	alive;
};

/* A candidate merge; the heap orders by rank, then position, as HF's BPE. */
struct tok_cand {
	int	rank;
	int	pos;
	int	id;
};

/* Scratch and output of one tok_encode call. */
struct tok_enc {
	const struct tok	*t;
	pcre2_match_data	*md;
	int			*ids;
	size_t			 n, cap;
	struct tok_sym		*sym;
	size_t			 cap_sym;
	struct tok_cand		*heap;
	size_t			 nheap, cap_heap;
};

/* Bytes that GPT-2's bytes_to_unicode() maps to themselves. */
static int
tok_byte_printable(int b)
{
	return (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) ||
	    (b >= 0xae && b <= 0xff);
}

/* cp[b] is byte b's code point in vocab strings; byte[cp] the inverse. */
static void
tok_bytemap(int cp[256], int byte[512])
{
	int	b, n = 0;

	for (b = 0; b < 512; b++)
		byte[b] = -1;
	for (b = 0; b < 256; b++) {
		cp[b] = tok_byte_printable(b) ? b : 256 + n++;
		byte[cp[b]] = b;
	}
}

static void
tok_utf8_put(char *out, size_t *o, uint32_t cp)
{
	unsigned char	*p = (unsigned char *)out + *o;

	if (cp < 0x80) {
		p[0] = cp;
		*o += 1;
	} else if (cp < 0x800) {
		p[0] = 0xc0 | (cp >> 6);
		p[1] = 0x80 | (cp & 0x3f);
		*o += 2;
	} else if (cp < 0x10000) {
		p[0] = 0xe0 | (cp >> 12);
		p[1] = 0x80 | ((cp >> 6) & 0x3f);
		p[2] = 0x80 | (cp & 0x3f);
		*o += 3;
	} else {
		p[0] = 0xf0 | (cp >> 18);
		p[1] = 0x80 | ((cp >> 12) & 0x3f);
		p[2] = 0x80 | ((cp >> 6) & 0x3f);
		p[3] = 0x80 | (cp & 0x3f);
		*o += 4;
	}
}

static uint64_t
tok_hash(const char *s, size_t len)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static size_t
tok_pow2(size_t n)
{
	size_t	p = 16;

	while (p < 2 * n)
		p *= 2;
	return p;
}

static void
tok_strmap_init(struct tok_strmap *m, size_t n)
{
	size_t	i, size = tok_pow2(n);

	m->slot = xreallocarray(NULL, size, sizeof *m->slot);
	for (i = 0; i < size; i++)
		m->slot[i] = -1;
	m->mask = size - 1;
}

/* Slot of key s, or of the empty slot where it belongs. */
static size_t
tok_strmap_find(const struct tok_strmap *m, char **keys, const size_t *lens,
    const char *s, size_t len)
{
	size_t	i = tok_hash(s, len) & m->mask;
	int	id;

	while ((id = m->slot[i]) != -1) {
		if (lens[id] == len && memcmp(keys[id], s, len) == 0)
			break;
		i = (i + 1) & m->mask;
	}
	return i;
}

static int
tok_strmap_get(const struct tok_strmap *m, char **keys, const size_t *lens,
    const char *s, size_t len)
{
	return m->slot[tok_strmap_find(m, keys, lens, s, len)];
}

static uint64_t
tok_pair_key(int a, int b)
{
	return ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
}

static size_t
tok_merge_slot(const struct tok *t, uint64_t key)
{
	size_t	i = (key * 0x9e3779b97f4a7c15ULL >> 20) & t->merges_mask;

	while (t->merges[i].key != 0 && t->merges[i].key != key)
		i = (i + 1) & t->merges_mask;
	return i;
}

static const struct tok_merge *
tok_merge_get(const struct tok *t, int a, int b)
{
	const struct tok_merge	*m;

	m = &t->merges[tok_merge_slot(t, tok_pair_key(a, b))];
	return m->key == 0 ? NULL : m;
}

/* Names a vocab string in a message: quoted, cut short if long. */
static char *
tok_quote(const char *s, size_t len)
{
	return xasprintf("'%.*s%s'", (int)(len > 40 ? 40 : len), s,
	    len > 40 ? "..." : "");
}

/* Maps a vocab.json string to raw bytes; -1 if outside the alphabet. */
static int
tok_str_bytes(const char *s, size_t slen, const int byte[512], char **out,
    size_t *olen)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*b;
	size_t			 i = 0, n = 0, k;
	uint32_t		 cp;

	b = xmalloc(slen + 1);
	while (i < slen) {
		k = util_utf8_decode(u + i, slen - i, &cp);
		if (cp >= 512 || byte[cp] == -1) {
			free(b);
			return -1;
		}
		b[n++] = (char)byte[cp];
		i += k;
	}
	b[n] = '\0';
	*out = b;
	*olen = n;
	return 0;
}

/* Takes one vocab.json entry into slot id, after checking it. */
static int
tok_vocab_entry(struct tok *t, const char *path, const char *key,
    size_t klen, json_t *value, const int byte[512], char **cause)
{
	json_int_t	 id;
	char		*q;
	int		 r;

	if (!json_is_integer(value)) {
		q = tok_quote(key, klen);
		r = util_fail(cause, "%s: id of %s is not an integer", path, q);
		free(q);
		return r;
	}
	id = json_integer_value(value);
	if (id < 0 || id >= t->n_vocab) {
		q = tok_quote(key, klen);
		r = util_fail(cause, "%s: id %lld of %s is out of range "
		    "(%d tokens need ids 0..%d, without holes)", path,
		    (long long)id, q, t->n_vocab, t->n_vocab - 1);
		free(q);
		return r;
	}
	if (t->str[id] != NULL)
		return util_fail(cause, "%s: id %lld appears twice", path,
		    (long long)id);
	if (tok_str_bytes(key, klen, byte, &t->bytes[id], &t->len[id]) != 0) {
		q = tok_quote(key, klen);
		r = util_fail(cause, "%s: token %s has a character outside "
		    "GPT-2's byte alphabet", path, q);
		free(q);
		return r;
	}
	t->str[id] = xstrndup(key, klen);
	t->str_len[id] = klen;
	return 0;
}

/* Fills the maps and byte ids once every entry is in place. */
static int
tok_vocab_index(struct tok *t, const char *path, const int cp[256],
    char **cause)
{
	size_t	i;
	int	id, b;
	char	c;

	tok_strmap_init(&t->by_str, t->n_vocab);
	tok_strmap_init(&t->by_bytes, t->n_vocab);
	for (id = 0; id < t->n_vocab; id++) {
		i = tok_strmap_find(&t->by_str, t->str, t->str_len,
		    t->str[id], t->str_len[id]);
		t->by_str.slot[i] = id;
		/* The byte map is a bijection, so the bytes are unique too. */
		i = tok_strmap_find(&t->by_bytes, t->bytes, t->len,
		    t->bytes[id], t->len[id]);
		t->by_bytes.slot[i] = id;
	}
	for (b = 0; b < 256; b++) {
		c = (char)b;
		t->byte_id[b] = tok_find_bytes(t, &c, 1);
		if (t->byte_id[b] == -1)
			return util_fail(cause, "%s: no token for byte 0x%02x "
			    "(U+%04X)", path, b, cp[b]);
	}
	t->eot = tok_find_bytes(t, TOK_EOT, strlen(TOK_EOT));
	return 0;
}

static int
tok_load_vocab(struct tok *t, const char *path, char **cause)
{
	json_t		*root, *value;
	json_error_t	 err;
	const char	*key;
	size_t		 klen;
	char		*buf;
	size_t		 len;
	int		 cp[256], byte[512], r = 0;

	if (util_read_file(path, TOK_MAX_FILE, &buf, &len, cause) != 0)
		return -1;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	free(buf);
	if (root == NULL)
		return util_fail(cause, "%s:%d:%d: %s", path, err.line,
		    err.column, err.text);
	if (!json_is_object(root) || json_object_size(root) == 0 ||
	    json_object_size(root) > INT32_MAX / 2) {
		json_decref(root);
		return util_fail(cause, "%s: not a JSON object of token ids",
		    path);
	}
	t->n_vocab = (int)json_object_size(root);
	t->str = xcalloc(t->n_vocab, sizeof *t->str);
	t->str_len = xcalloc(t->n_vocab, sizeof *t->str_len);
	t->bytes = xcalloc(t->n_vocab, sizeof *t->bytes);
	t->len = xcalloc(t->n_vocab, sizeof *t->len);
	tok_bytemap(cp, byte);
	json_object_keylen_foreach(root, key, klen, value) {
		r = tok_vocab_entry(t, path, key, klen, value, byte, cause);
		if (r != 0)
			break;
	}
	json_decref(root);
	/* n distinct ids in 0..n-1 leave no holes. */
	if (r == 0)
		r = tok_vocab_index(t, path, cp, cause);
	return r;
}

/* Parses "left right" into ids; -1 and *cause if that is not a merge. */
static int
tok_merge_line(struct tok *t, const char *path, size_t lineno,
    const char *line, size_t n, char **cause)
{
	const char		*sp;
	struct tok_merge	*m;
	char			*cat;
	int			 a, b, id;
	size_t			 la;

	sp = memchr(line, ' ', n);
	if (sp == NULL || sp == line || sp == line + n - 1 ||
	    memchr(sp + 1, ' ', n - (sp + 1 - line)) != NULL)
		return util_fail(cause, "%s:%zu: expected two tokens "
		    "separated by one space", path, lineno);
	la = sp - line;
	a = tok_strmap_get(&t->by_str, t->str, t->str_len, line, la);
	b = tok_strmap_get(&t->by_str, t->str, t->str_len, sp + 1,
	    n - la - 1);
	if (a == -1 || b == -1)
		return util_fail(cause, "%s:%zu: '%.*s' is not in the vocab",
		    path, lineno, a == -1 ? (int)la : (int)(n - la - 1),
		    a == -1 ? line : sp + 1);
	cat = xasprintf("%.*s%.*s", (int)la, line, (int)(n - la - 1), sp + 1);
	id = tok_lookup(t, cat);
	if (id == -1) {
		util_fail(cause, "%s:%zu: the merge's result '%s' is not in "
		    "the vocab", path, lineno, cat);
		free(cat);
		return -1;
	}
	free(cat);
	/* A repeated pair takes its later rank, as HF's dict/HashMap do. */
	m = &t->merges[tok_merge_slot(t, tok_pair_key(a, b))];
	m->key = tok_pair_key(a, b);
	m->rank = (int)lineno;
	m->id = id;
	return 0;
}

static int
tok_load_merges(struct tok *t, const char *path, char **cause)
{
	char	*buf, *line, *nl;
	size_t	 len, n, lineno = 0, lines = 1, i;
	int	 r = 0;

	if (util_read_file(path, TOK_MAX_FILE, &buf, &len, cause) != 0)
		return -1;
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	t->merges_mask = tok_pow2(lines) - 1;
	t->merges = xcalloc(t->merges_mask + 1, sizeof *t->merges);
	for (line = buf; r == 0 && line < buf + len; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', buf + len - line)) == NULL)
			nl = buf + len;
		n = nl - line;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		/* The "#version" header is optional. */
		if (lineno == 1 && n >= 8 && memcmp(line, "#version", 8) == 0)
			continue;
		r = tok_merge_line(t, path, lineno, line, n, cause);
	}
	free(buf);
	return r;
}

static int
tok_compile(struct tok *t, char **cause)
{
	PCRE2_UCHAR	msg[256];
	PCRE2_SIZE	off;
	int		err;

	t->re = pcre2_compile((PCRE2_SPTR)TOK_PATTERN, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &off, NULL);
	if (t->re == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		return util_fail(cause, "pre-tokenizer regex: %s at %zu",
		    (char *)msg, (size_t)off);
	}
	/* JIT is only a speed-up; without it the interpreter does the job. */
	(void)pcre2_jit_compile(t->re, PCRE2_JIT_COMPLETE);
	return 0;
}

struct tok *
tok_load(const char *vocab_path, const char *merges_path, char **cause)
{
	struct tok	*t;

	t = xcalloc(1, sizeof *t);
	t->eot = -1;
	if (tok_load_vocab(t, vocab_path, cause) != 0 ||
	    tok_load_merges(t, merges_path, cause) != 0 ||
	    tok_compile(t, cause) != 0) {
		tok_free(t);
		return NULL;
	}
	return t;
}

void
tok_free(struct tok *t)
{
	int	id;

	if (t == NULL)
		return;
	for (id = 0; id < t->n_vocab; id++) {
		if (t->str != NULL)
			free(t->str[id]);
		if (t->bytes != NULL)
			free(t->bytes[id]);
	}
	free(t->str);
	free(t->str_len);
	free(t->bytes);
	free(t->len);
	free(t->by_str.slot);
	free(t->by_bytes.slot);
	free(t->merges);
	pcre2_code_free(t->re);
	free(t);
}

int
tok_vocab_size(const struct tok *t)
{
	return t->n_vocab;
}

int
tok_eot(const struct tok *t)
{
	return t->eot;
}

const char *
tok_bytes(const struct tok *t, int id, size_t *len)
{
	if (id < 0 || id >= t->n_vocab)
		return NULL;
	*len = t->len[id];
	return t->bytes[id];
}

int
tok_lookup(const struct tok *t, const char *vocab_str)
{
	return tok_strmap_get(&t->by_str, t->str, t->str_len, vocab_str,
	    strlen(vocab_str));
}

int
tok_track(const struct tok *t, const char *s, size_t len, int n_vocab,
    int *id, char **cause)
{
	char	*err = NULL;
	int	*ids = NULL;
	size_t	 n, i;
	long	 v = 0;

	if (len == 0)
		return (util_fail(cause, "an empty token"));
	if (s[0] == '#' && len > 1) {
		for (i = 1; i < len && i < 11 && s[i] >= '0' && s[i] <= '9';
		    i++)
			v = v * 10 + (s[i] - '0');
		if (i < len || v >= n_vocab)
			return (util_fail(cause, "'%.*s': a token id must be "
			    "an integer from 0 to %d", (int)len, s,
			    n_vocab - 1));
		*id = (int)v;
		return (0);
	}
	if (tok_encode(t, s, len, &ids, &n, &err) != 0) {
		util_fail(cause, "%s", err);
		free(err);
		return (-1);
	}
	if (n != 1 || ids[0] >= n_vocab) {
		if (n != 1)
			util_fail(cause, "'%.*s' is %zu tokens, not one (a "
			    "leading space is part of a token; #ID names one "
			    "by id)", (int)len, s, n);
		else
			util_fail(cause, "'%.*s' is token %d, outside the "
			    "model's vocabulary (%d)", (int)len, s, ids[0],
			    n_vocab);
		free(ids);
		return (-1);
	}
	*id = ids[0];
	free(ids);
	return (0);
}

int
tok_find_bytes(const struct tok *t, const char *bytes, size_t len)
{
	return tok_strmap_get(&t->by_bytes, t->bytes, t->len, bytes, len);
}

/* Encoding. */

static void
tok_emit(struct tok_enc *e, int id)
{
	if (e->n == e->cap) {
		e->cap = e->cap == 0 ? 64 : e->cap * 2;
		e->ids = xreallocarray(e->ids, e->cap, sizeof *e->ids);
	}
	e->ids[e->n++] = id;
}

static int
tok_cand_less(const struct tok_cand *a, const struct tok_cand *b)
{
	return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

static void
tok_heap_push(struct tok_enc *e, int rank, int pos, int id)
{
	struct tok_cand	c = { rank, pos, id }, *h;
	size_t		i, up;

	if (e->nheap == e->cap_heap) {
		e->cap_heap = e->cap_heap == 0 ? 64 : e->cap_heap * 2;
		e->heap = xreallocarray(e->heap, e->cap_heap, sizeof *e->heap);
	}
	h = e->heap;
	for (i = e->nheap++; i > 0; i = up) {
		up = (i - 1) / 2;
		if (!tok_cand_less(&c, &h[up]))
			break;
		h[i] = h[up];
	}
	h[i] = c;
}

static struct tok_cand
tok_heap_pop(struct tok_enc *e)
{
	struct tok_cand	top = e->heap[0], last = e->heap[--e->nheap];
	struct tok_cand	*h = e->heap;
	size_t		i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= e->nheap)
			break;
		if (c + 1 < e->nheap && tok_cand_less(&h[c + 1], &h[c]))
			c++;
		if (!tok_cand_less(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (e->nheap > 0)
		h[i] = last;
	return top;
}

/* Queues the merge of the symbol at pos with its right neighbour, if any. */
static void
tok_queue(struct tok_enc *e, int pos)
{
	const struct tok_merge	*m;
	int			 next;

	if (pos < 0 || (next = e->sym[pos].next) < 0)
		return;
	m = tok_merge_get(e->t, e->sym[pos].id, e->sym[next].id);
	if (m != NULL)
		tok_heap_push(e, m->rank, pos, m->id);
}

/*
 * BPE over one pre-token: lowest rank first, leftmost first among equals,
 * which is what HF's BPE (and GPT-2's loop, for a consistent merges.txt)
 * does. A popped candidate is stale if its pair has changed since.
 */
static void
tok_bpe(struct tok_enc *e, const unsigned char *s, size_t n)
{
	const struct tok_merge	*m;
	struct tok_sym		*y;
	struct tok_cand		 c;
	int			 i, next;

	if (n > e->cap_sym) {
		e->cap_sym = n;
		e->sym = xreallocarray(e->sym, n, sizeof *e->sym);
	}
	y = e->sym;
	for (i = 0; i < (int)n; i++) {
		y[i].id = e->t->byte_id[s[i]];
		y[i].prev = i - 1;
		y[i].next = i + 1 < (int)n ? i + 1 : -1;
		y[i].alive = 1;
	}
	e->nheap = 0;
	for (i = 0; i + 1 < (int)n; i++)
		tok_queue(e, i);
	while (e->nheap > 0) {
		c = tok_heap_pop(e);
		if (!y[c.pos].alive || (next = y[c.pos].next) < 0)
			continue;
		m = tok_merge_get(e->t, y[c.pos].id, y[next].id);
		if (m == NULL || m->rank != c.rank || m->id != c.id)
			continue;
		y[c.pos].id = c.id;
		y[c.pos].next = y[next].next;
		y[next].alive = 0;
		if (y[next].next >= 0)
			y[y[next].next].prev = c.pos;
		tok_queue(e, y[c.pos].prev);
		tok_queue(e, c.pos);
	}
	for (i = 0; i >= 0; i = y[i].next)
		tok_emit(e, y[i].id);
}

/* Pre-tokenizes a stretch of valid UTF-8 and merges each piece. */
static int
tok_encode_valid(struct tok_enc *e, const char *s, size_t n, char **cause)
{
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	*ov;
	size_t		 at = 0, start, end;
	int		 rc;

	while (at < n) {
		rc = pcre2_match(e->t->re, (PCRE2_SPTR)s, n, at,
		    PCRE2_NO_UTF_CHECK, e->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH) {
			/* Cannot happen (\s+ takes what the rest leave). */
			tok_bpe(e, (const unsigned char *)s + at, n - at);
			break;
		}
		if (rc < 0) {
			pcre2_get_error_message(rc, msg, sizeof msg);
			return util_fail(cause, "pre-tokenizer: %s",
			    (char *)msg);
		}
		ov = pcre2_get_ovector_pointer(e->md);
		start = ov[0];
		end = ov[1];
		if (start > at)
			tok_bpe(e, (const unsigned char *)s + at, start - at);
		if (end == start)	/* no empty matches in the pattern */
			end = start + 1;
		tok_bpe(e, (const unsigned char *)s + start, end - start);
		at = end;
	}
	return 0;
}

/*
 * Text without "<|endoftext|>": valid stretches go through the regex, each
 * maximal run of invalid UTF-8 is one piece of its own.
 */
static int
tok_encode_plain(struct tok_enc *e, const char *s, size_t n, char **cause)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, start, k;
	uint32_t		 cp;

	while (i < n) {
		start = i;
		while (i < n && (k = util_utf8_decode(u + i, n - i, &cp),
		    cp != UTIL_UTF8_BAD))
			i += k;
		if (i > start && tok_encode_valid(e, s + start, i - start,
		    cause) != 0)
			return -1;
		start = i;
		while (i < n && (k = util_utf8_decode(u + i, n - i, &cp),
		    cp == UTIL_UTF8_BAD))
			i += k;
		if (i > start)
			tok_bpe(e, u + start, i - start);
	}
	return 0;
}

static const char *
tok_memmem(const char *h, size_t hn, const char *n, size_t nn)
{
	const char	*p, *end = h + hn;

	if (hn < nn)
		return NULL;
	for (p = h; (p = memchr(p, n[0], end - p)) != NULL; p++) {
		if ((size_t)(end - p) < nn)
			return NULL;
		if (memcmp(p, n, nn) == 0)
			return p;
	}
	return NULL;
}

int
tok_encode(const struct tok *t, const char *text, size_t len, int **ids,
    size_t *n, char **cause)
{
	struct tok_enc	 e;
	const char	*p, *end = text + len, *hit;
	size_t		 eotlen = strlen(TOK_EOT);
	int		 r = 0;

	memset(&e, 0, sizeof e);
	e.t = t;
	e.md = pcre2_match_data_create_from_pattern(t->re, NULL);
	if (e.md == NULL)
		return util_fail(cause, "pre-tokenizer: out of memory");
	/* The special token splits the text first, as HF's added tokens. */
	for (p = text; r == 0 && p < end; p = hit + eotlen) {
		hit = t->eot == -1 ? NULL : tok_memmem(p, end - p, TOK_EOT,
		    eotlen);
		if (hit == NULL)
			hit = end;
		r = tok_encode_plain(&e, p, hit - p, cause);
		if (hit == end)
			break;
		tok_emit(&e, t->eot);
	}
	pcre2_match_data_free(e.md);
	free(e.sym);
	free(e.heap);
	if (r != 0) {
		free(e.ids);
		return -1;
	}
	if (e.ids == NULL)
		e.ids = xmalloc(sizeof *e.ids);
	*ids = e.ids;
	*n = e.n;
	return 0;
}

/* Decoding and display. */

char *
tok_decode_text(const struct tok *t, const int *ids, size_t n)
{
	size_t	len;

	return tok_decode(t, ids, n, &len);
}

char *
tok_decode(const struct tok *t, const int *ids, size_t n, size_t *outlen)
{
	const unsigned char	*u;
	char			*raw, *out;
	size_t			 len = 0, i, o = 0, k;
	uint32_t		 cp;

	for (i = 0; i < n; i++) {
		if (ids[i] >= 0 && ids[i] < t->n_vocab)
			len += t->len[ids[i]];
	}
	raw = xmalloc(len + 1);
	for (i = 0; i < n; i++) {
		if (ids[i] >= 0 && ids[i] < t->n_vocab) {
			memcpy(raw + o, t->bytes[ids[i]], t->len[ids[i]]);
			o += t->len[ids[i]];
		}
	}
	/* Each invalid subpart (at most 3 bytes) grows to U+FFFD's 3. */
	out = xmalloc(3 * len + 1);
	u = (const unsigned char *)raw;
	for (i = 0, o = 0; i < len; i += k) {
		k = util_utf8_decode(u + i, len - i, &cp);
		if (cp != UTIL_UTF8_BAD) {
			memcpy(out + o, raw + i, k);
			o += k;
		} else
			tok_utf8_put(out, &o, 0xfffd);
	}
	out[o] = '\0';
	*outlen = o;
	free(raw);
	return out;
}

/*
 * Code points that could reorder, hide or break the line in a terminal:
 * C1 controls, line and paragraph separators, bidi controls, BOM.
 */
static int
tok_cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

/* Appends the display of one ASCII byte. */
static void
tok_display_ascii(char *out, size_t *o, unsigned char c, int ascii)
{
	const char	*rep = NULL;

	if (c == ' ')
		rep = ascii ? "_" : "\xc2\xb7";		/* · */
	else if (c == '\n')
		rep = ascii ? "\\n" : "\xe2\x86\xb5";	/* ↵ */
	else if (c == '\t')
		rep = ascii ? "\\t" : "\xe2\x86\x92";	/* → */
	else if (c == '\\')
		rep = "\\\\";
	else if (c == '_' && ascii)
		rep = "\\_";
	if (rep != NULL) {
		memcpy(out + *o, rep, strlen(rep));
		*o += strlen(rep);
	} else if (c < 0x20 || c == 0x7f)
		*o += sprintf(out + *o, "\\x%02X", c);
	else
		out[(*o)++] = (char)c;
}

char *
tok_display(const char *bytes, size_t len, int flags)
{
	const unsigned char	*u = (const unsigned char *)bytes;
	int			 ascii = (flags & TOK_DISPLAY_ASCII) != 0;
	char			*out;
	size_t			 i, j, o = 0, k;
	uint32_t		 cp;

	/* Worst case per byte: "\xNN" (4), per code point "\u{10FFFF}". */
	out = xmalloc(4 * len + 1);
	for (i = 0; i < len; i += k) {
		k = util_utf8_decode(u + i, len - i, &cp);
		if (cp == UTIL_UTF8_BAD) {
			for (j = 0; j < k; j++)
				o += sprintf(out + o, "\\x%02X", u[i + j]);
			continue;
		}
		if (k == 1)
			tok_display_ascii(out, &o, u[i], ascii);
		else if (ascii || tok_cp_unsafe(cp) || cp == 0xb7 ||
		    cp == 0x21b5 || cp == 0x2192) {
			/* The glyphs that stand for ' ', '\n', '\t' too. */
			o += sprintf(out + o, "\\u{%04X}", cp);
		} else {
			memcpy(out + o, bytes + i, k);
			o += k;
		}
	}
	out[o] = '\0';
	return out;
}
