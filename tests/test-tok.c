/*
 * test-tok.c: the tokenizer against reference tokenizations (Hugging Face's
 * and gpt-3-encoder's, in tests/data/tok-vectors.tsv, and the fixtures'
 * lens_ref.json), round trips, broken files, and tok_display.
 *
 * Parts that need GPT-2's vocabulary (the shared fixtures) are skipped when
 * it is absent; the program then exits 77 if nothing else failed.
 */
#include "config.h"

#include <stdint.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "tok.h"
#include "util.h"

#define MAX_SHOWN	10

static int	shown;

/* Bytes as a C string literal, for messages. */
static char *
esc(const char *s, size_t n)
{
	char	*out = xmalloc(4 * n + 1);
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char	c = s[i];

		if (c == '\\' || c == '"')
			o += sprintf(out + o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += sprintf(out + o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

static char *
ids_str(const int *ids, size_t n)
{
	char	*out = xmalloc(12 * n + 1);
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		o += sprintf(out + o, "%s%d", i ? " " : "", ids[i]);
	return out;
}

/* Encodes and compares; prints the first mismatches in full. */
static void
check_ids(const struct tok *t, const char *what, const char *s, size_t len,
    const int *want, size_t nwant)
{
	char	*cause = NULL, *e, *a, *b;
	int	*ids;
	size_t	 n;
	int	 ok;

	if (tok_encode(t, s, len, &ids, &n, &cause) != 0) {
		CHECK(0, "%s: encode failed: %s", what, cause);
		free(cause);
		return;
	}
	ok = n == nwant && memcmp(ids, want, n * sizeof *ids) == 0;
	CHECK(ok || shown >= MAX_SHOWN, "%s: ids differ", what);
	if (!ok && shown++ < MAX_SHOWN) {
		e = esc(s, len);
		a = ids_str(ids, n);
		b = ids_str(want, nwant);
		fprintf(stderr, "  text \"%s\"\n  got  [%s]\n  want [%s]\n",
		    e, a, b);
		free(e);
		free(a);
		free(b);
	}
	free(ids);
}

/* decode(encode(x)) == x as bytes, and as text for valid UTF-8. */
static void
check_round_trip(const struct tok *t, const char *s, size_t len)
{
	char	*cause = NULL, *joined, *text, *e;
	int	*ids;
	size_t	 n, i, o = 0, bl, k;
	int	 valid = 1;

	if (tok_encode(t, s, len, &ids, &n, &cause) != 0) {
		CHECK(0, "encode failed: %s", cause);
		free(cause);
		return;
	}
	joined = xmalloc(len + 1);
	for (i = 0; i < n; i++) {
		const char	*b = tok_bytes(t, ids[i], &bl);

		if (b == NULL || o + bl > len)
			break;
		memcpy(joined + o, b, bl);
		o += bl;
	}
	e = esc(s, len < 60 ? len : 60);
	CHECK(i == n && o == len && memcmp(joined, s, len) == 0,
	    "round trip of \"%s\"", e);
	for (i = 0; i < len; i += k) {
		if ((k = util_utf8_len((const unsigned char *)s + i,
		    len - i)) == 0) {
			valid = 0;
			break;
		}
	}
	if (valid && memchr(s, '\0', len) == NULL) {
		text = tok_decode_text(t, ids, n);
		CHECK(strlen(text) == len && memcmp(text, s, len) == 0,
		    "decode_text of \"%s\"", e);
		free(text);
	}
	free(e);
	free(joined);
	free(ids);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t
put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | (cp >> 6);
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = 0xe0 | (cp >> 12);
		out[1] = 0x80 | ((cp >> 6) & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | (cp >> 18);
	out[1] = 0x80 | ((cp >> 12) & 0x3f);
	out[2] = 0x80 | ((cp >> 6) & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* The vectors' escapes: \\ \t \n \r \xNN \u{X}. In place; returns length. */
static size_t
unescape(char *s)
{
	char		*r = s, *w = s;
	uint32_t	 cp;

	while (*r != '\0') {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r++) {
		case 't': *w++ = '\t'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case '\\': *w++ = '\\'; break;
		case 'x':
			*w++ = (char)(hexval(r[0]) << 4 | hexval(r[1]));
			r += 2;
			break;
		case 'u':
			for (cp = 0, r++; *r != '}'; r++)
				cp = cp << 4 | hexval(*r);
			r++;
			w += put_utf8(w, cp);
			break;
		default:
			HARD("bad escape in vectors");
		}
	}
	*w = '\0';
	return w - s;
}

/* Parses "1 2 3" into ids. */
static size_t
parse_ids(const char *s, int **ids)
{
	size_t	 n = 0, cap = 16;
	char	*end;

	*ids = xmalloc(cap * sizeof **ids);
	while (*s != '\0' && *s != '\n') {
		if (n == cap)
			*ids = xreallocarray(*ids, cap *= 2, sizeof **ids);
		(*ids)[n++] = (int)strtol(s, &end, 10);
		if (end == s)
			HARD("bad ids in vectors");
		s = end;
		while (*s == ' ')
			s++;
	}
	return n;
}

/* All of tests/data/tok-vectors.tsv; also gathers the texts for timing. */
static void
test_vectors(const struct tok *t, char **corpus, size_t *corpus_len)
{
	char	*path = harness_srcpath("tests/data/tok-vectors.tsv");
	char	*line = NULL, *text, *ids_at, what[64];
	size_t	 cap = 0, len, n, count = 0;
	ssize_t	 got;
	FILE	*f;
	int	*ids;

	if ((f = fopen(path, "r")) == NULL)
		HARD("%s: cannot open", path);
	*corpus = NULL;
	*corpus_len = 0;
	while ((got = getline(&line, &cap, f)) != -1) {
		if (line[0] == '#' || got < 2)
			continue;
		if ((text = strchr(line, '\t')) == NULL ||
		    (ids_at = strchr(text + 1, '\t')) == NULL)
			HARD("%s: bad line", path);
		*text++ = '\0';
		*ids_at++ = '\0';
		len = unescape(text);
		n = parse_ids(ids_at, &ids);
		snprintf(what, sizeof what, "vector %zu (%s)", ++count, line);
		check_ids(t, what, text, len, ids, n);
		check_round_trip(t, text, len);
		*corpus = xreallocarray(*corpus, *corpus_len + len + 1, 1);
		memcpy(*corpus + *corpus_len, text, len);
		*corpus_len += len;
		(*corpus)[(*corpus_len)++] = '\n';
		free(ids);
	}
	CHECK(count >= 500, "only %zu vectors in %s", count, path);
	printf("%zu vectors\n", count);
	free(line);
	fclose(f);
	free(path);
}

/* Known Hugging Face ids, written by hand from GPT-2's vocab.json. */
static void
test_known(const struct tok *t)
{
	static const struct {
		const char	*text;
		size_t		 len;
		int		 ids[8];
		size_t		 n;
	} v[] = {
		{ "Happy birthday to You, happy", 28,
		    { 25082, 10955, 284, 921, 11, 3772 }, 6 },
		{ "Hello<|endoftext|>world", 23, { 15496, 50256, 6894 }, 3 },
		{ "<|endoftext|>", 13, { 50256 }, 1 },
		{ "a\0b", 3, { 64, 188, 65 }, 3 },
		{ "", 0, { 0 }, 0 },
		/* Invalid UTF-8: each bad run is a piece of its own. */
		{ "a\xff" "b", 3, { 64, 187, 65 }, 3 },
		{ "Hello\xff world", 12, { 15496, 187, 995 }, 3 },
		{ "\xe2\x80", 2, { 447 }, 1 },
		{ "x\xe2\x80 y", 5, { 87, 447, 331 }, 3 },
	};
	char	what[32];
	size_t	i;

	CHECK(tok_vocab_size(t) == 50257, "n_vocab %d", tok_vocab_size(t));
	CHECK(tok_eot(t) == 50256, "eot %d", tok_eot(t));
	CHECK(tok_lookup(t, "\xc4\xa0the") == 262, "lookup Ġthe");
	CHECK(tok_lookup(t, " the") == -1, "lookup of raw bytes");
	CHECK(tok_find_bytes(t, " the", 4) == 262, "find_bytes ' the'");
	CHECK(tok_find_bytes(t, "<|endoftext|>", 13) == 50256, "find eot");
	CHECK(tok_bytes(t, -1, &i) == NULL && tok_bytes(t, 50257, &i) == NULL,
	    "tok_bytes out of range");
	for (i = 0; i < nitems(v); i++) {
		snprintf(what, sizeof what, "known %zu", i);
		check_ids(t, what, v[i].text, v[i].len, v[i].ids, v[i].n);
	}
}

/* Python's bytes.decode("utf-8", "replace") on ill-formed input. */
static void
test_decode_replace(const struct tok *t)
{
	static const struct {
		const char	*in, *want;
	} v[] = {
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },
		{ "\xe2\x82" "a", "\xef\xbf\xbd" "a" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf0\x9f\x98", "\xef\xbf\xbd" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },
		{ "\xe0\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!" },
	};
	char	*cause = NULL, *out;
	int	*ids;
	size_t	 i, n;

	for (i = 0; i < nitems(v); i++) {
		if (tok_encode(t, v[i].in, strlen(v[i].in), &ids, &n,
		    &cause) != 0)
			HARD("encode: %s", cause);
		check_round_trip(t, v[i].in, strlen(v[i].in));
		out = tok_decode_text(t, ids, n);
		CHECK(strcmp(out, v[i].want) == 0, "decode_text %zu", i);
		free(out);
		free(ids);
	}
}

static uint32_t
rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* Random bytes, mostly invalid UTF-8: always encodes, always round trips. */
static void
test_random_bytes(const struct tok *t)
{
	static const char	 pieces[] = " \t\n'sa1\xc3\xa9\xe2\x80\x99\xf0"
	    "\x9f\x98\x80<|endoftext|>";
	uint64_t		 seed = 42;
	char			 buf[256];
	size_t			 i, j, len;

	for (i = 0; i < 3000; i++) {
		len = rnd(&seed) % sizeof buf;
		for (j = 0; j < len; j++) {
			if (rnd(&seed) % 2)
				buf[j] = (char)rnd(&seed);
			else
				buf[j] = pieces[rnd(&seed) %
				    (sizeof pieces - 1)];
		}
		check_round_trip(t, buf, len);
	}
}

/* 100 KB of varied text, one long word, random bytes: each well under 1 s. */
static void
test_speed(const struct tok *t, const char *corpus, size_t corpus_len)
{
	const size_t	 size = 100 * 1024;
	char		*buf = xmalloc(size), *cause = NULL;
	const char	*what[] = { "text", "one word", "random bytes" };
	uint64_t	 seed = 7;
	double		 t0, dt;
	int		*ids;
	size_t		 i, k, n;

	for (k = 0; k < nitems(what); k++) {
		for (i = 0; i < size; i++) {
			if (k == 0)
				buf[i] = corpus[i % corpus_len];
			else
				buf[i] = k == 1 ? "ab"[i % 2 ? 0 : 1] :
				    (char)rnd(&seed);
		}
		t0 = util_now();
		if (tok_encode(t, buf, size, &ids, &n, &cause) != 0)
			HARD("encode: %s", cause);
		dt = util_now() - t0;
		printf("encode 100 KB (%s): %zu tokens in %.3f s\n", what[k],
		    n, dt);
		CHECK(dt < 1.0, "100 KB of %s took %.3f s", what[k], dt);
		free(ids);
	}
	free(buf);
}

/* The fixtures' references came from Hugging Face itself. */
static void
test_lens_ref(const char *dir)
{
	json_t		*root, *p, *id;
	json_error_t	 err;
	char		*ref, *voc, *mer, *cause = NULL, what[64];
	struct tok	*t;
	size_t		 i, j;
	int		 want[256];

	ref = util_path(dir, "lens_ref.json");
	voc = util_path(dir, "vocab.json");
	mer = util_path(dir, "merges.txt");
	if ((t = tok_load(voc, mer, &cause)) == NULL)
		HARD("%s", cause);
	if ((root = json_load_file(ref, 0, &err)) == NULL)
		HARD("%s: %s", ref, err.text);
	json_array_foreach(json_object_get(root, "prompts"), i, p) {
		json_array_foreach(json_object_get(p, "ids"), j, id) {
			if (j < nitems(want))
				want[j] = (int)json_integer_value(id);
		}
		snprintf(what, sizeof what, "lens_ref prompt %zu", i);
		check_ids(t, what, json_string_value(json_object_get(p,
		    "text")), json_string_length(json_object_get(p, "text")),
		    want, json_array_size(json_object_get(p, "ids")));
	}
	CHECK(i > 0, "%s: no prompts", ref);
	json_decref(root);
	tok_free(t);
	free(ref);
	free(voc);
	free(mer);
}

/* GPT-2's bytes_to_unicode(), written again: byte -> code point. */
static uint32_t
byte_cp(int b)
{
	int	i, n = 0;

	for (i = 0; i < 256; i++) {
		int	p = (i >= '!' && i <= '~') || (i >= 0xa1 && i <= 0xac)
		    || (i >= 0xae);

		if (i == b)
			return p ? (uint32_t)i : (uint32_t)(256 + n);
		if (!p)
			n++;
	}
	return 0;
}

/* The 256 byte tokens as JSON members, ids in code point order as GPT-2. */
static char *
byte_vocab(void)
{
	char	*out = xmalloc(256 * 32), u[8];
	size_t	 o = 0, l;
	int	 id = 0, b;
	uint32_t cp;

	for (cp = 0; cp < 512; cp++) {
		for (b = 0; b < 256 && byte_cp(b) != cp; b++)
			;
		if (b == 256)
			continue;
		l = put_utf8(u, cp);
		u[l] = '\0';
		if (cp == '"' || cp == '\\')
			o += sprintf(out + o, "\"\\%s\": %d, ", u, id++);
		else
			o += sprintf(out + o, "\"%s\": %d, ", u, id++);
	}
	out[o] = '\0';
	return out;
}

static void
write_file(const char *path, const char *s, size_t n)
{
	FILE	*f;

	if ((f = fopen(path, "wb")) == NULL || fwrite(s, 1, n, f) != n ||
	    fclose(f) != 0)
		HARD("%s: cannot write", path);
}

/* Loads vocab + merges text; NULL cause means success is expected. */
static void
check_load(const char *dir, const char *vocab, const char *merges,
    const char *want)
{
	char		*vp = util_path(dir, "vocab.json");
	char		*mp = util_path(dir, "merges.txt");
	char		*cause = NULL, *full = NULL;
	struct tok	*t;

	if (vocab != NULL)
		write_file(vp, vocab, strlen(vocab));
	else
		unlink(vp);
	if (merges != NULL)
		write_file(mp, merges, strlen(merges));
	else
		unlink(mp);
	t = tok_load(vp, mp, &cause);
	if (want == NULL)
		CHECK(t != NULL, "load failed: %s", cause);
	else {
		full = xasprintf("%s/%s", dir, want);
		CHECK(t == NULL && cause != NULL &&
		    strncmp(cause, full, strlen(full)) == 0,
		    "got \"%s\", want \"%s...\"", cause ? cause : "(none)",
		    full);
	}
	free(full);
	free(cause);
	tok_free(t);
	free(vp);
	free(mp);
}

/*
 * A small vocab: the bytes, he (256), Ġt (257), Ġthe (258), and the
 * special token with an id of its own (259).
 */
static void
test_small(const char *dir)
{
	char		*bytes = byte_vocab(), *vocab, *vp, *mp, *cause = NULL;
	struct tok	*t;
	int		*ids;
	size_t		 n;

	vocab = xasprintf("{%s\"he\": 256, \"\xc4\xa0t\": 257, "
	    "\"\xc4\xa0the\": 258, \"<|endoftext|>\": 259}", bytes);
	check_load(dir, vocab, "h e\n\xc4\xa0 t\n\xc4\xa0t he\n", NULL);
	vp = util_path(dir, "vocab.json");
	mp = util_path(dir, "merges.txt");
	if ((t = tok_load(vp, mp, &cause)) == NULL)
		HARD("%s", cause);
	CHECK(tok_vocab_size(t) == 260 && tok_eot(t) == 259, "small sizes");
	if (tok_encode(t, " the he<|endoftext|>x", 21, &ids, &n, &cause) != 0)
		HARD("%s", cause);
	CHECK(n == 5 && ids[0] == 258 && ids[1] == 220 && ids[2] == 256 &&
	    ids[3] == 259 && ids[4] == 87, "small encode");
	free(ids);
	tok_free(t);
	free(vp);
	free(mp);
	free(vocab);
	free(bytes);
}

static void
test_bad_files(const char *dir)
{
	char	*bytes = byte_vocab(), *good, *v;

	good = xasprintf("{%s\"he\": 256}", bytes);
	/* Optional header, CRLF, empty merges, no final newline: all fine. */
	check_load(dir, good, "#version: 0.2\nh e\n", NULL);
	check_load(dir, good, "h e", NULL);
	check_load(dir, good, "#version: 0.2\r\nh e\r\n", NULL);
	check_load(dir, good, "", NULL);

	check_load(dir, NULL, "h e\n", "vocab.json: No such file");
	check_load(dir, good, NULL, "merges.txt: No such file");
	check_load(dir, "hello", "", "vocab.json:1:");
	check_load(dir, "", "", "vocab.json:");
	check_load(dir, "{\"a\": 0, \"b\"", "", "vocab.json:1:");
	check_load(dir, "[1, 2]", "", "vocab.json: not a JSON object");
	check_load(dir, "{}", "", "vocab.json: not a JSON object");
	check_load(dir, "{\"a\": 0, \"a\": 1}", "", "vocab.json:1:");
	check_load(dir, "{\"a\": \"0\"}", "",
	    "vocab.json: id of 'a' is not an integer");
	check_load(dir, "{\"a\": 0.5}", "",
	    "vocab.json: id of 'a' is not an integer");
	check_load(dir, "{\"a\": 0, \"b\": 0}", "",
	    "vocab.json: id 0 appears twice");
	check_load(dir, "{\"a\": 0, \"b\": 2}", "",
	    "vocab.json: id 2 of 'b' is out of range");
	check_load(dir, "{\"a\": -1}", "",
	    "vocab.json: id -1 of 'a' is out of range");
	check_load(dir, "{\"a\": 99999999999999}", "",
	    "vocab.json: id 99999999999999 of 'a' is out of range");
	check_load(dir, "{\"a\": 0}", "",
	    "vocab.json: no token for byte 0x00");
	check_load(dir, "{\"\xe4\xb8\xad\": 0}", "",
	    "vocab.json: token '\xe4\xb8\xad' has a character outside");
	check_load(dir, "{\"a b\": 0}", "",
	    "vocab.json: token 'a b' has a character outside");
	v = xasprintf("{%s\"he\": 17}", bytes);
	check_load(dir, v, "", "vocab.json: id 17 appears twice");
	free(v);

	check_load(dir, good, "#version: 0.2\nh\n",
	    "merges.txt:2: expected two tokens");
	check_load(dir, good, "h e\n\nh e\n",
	    "merges.txt:2: expected two tokens");
	check_load(dir, good, "h e x\n", "merges.txt:1: expected two");
	check_load(dir, good, "h  e\n", "merges.txt:1: expected two");
	check_load(dir, good, "h e \n", "merges.txt:1: expected two");
	check_load(dir, good, "h e\nzz e\n",
	    "merges.txt:2: 'zz' is not in the vocab");
	check_load(dir, good, "h e\nt h\n",
	    "merges.txt:2: the merge's result 'th' is not in the vocab");
	free(good);
	free(bytes);
}

/* Undoes tok_display, to check that it loses nothing. */
static size_t
undisplay(const char *s, char *out, int ascii)
{
	size_t		o = 0;
	uint32_t	cp;

	while (*s != '\0') {
		if (ascii && *s == '_') {
			out[o++] = ' ';
			s++;
		} else if (!ascii && strncmp(s, "\xc2\xb7", 2) == 0) {
			out[o++] = ' ';
			s += 2;
		} else if (strncmp(s, "\xe2\x86\xb5", 3) == 0) {
			out[o++] = '\n';
			s += 3;
		} else if (strncmp(s, "\xe2\x86\x92", 3) == 0) {
			out[o++] = '\t';
			s += 3;
		} else if (*s != '\\')
			out[o++] = *s++;
		else if (s[1] == 'x') {
			out[o++] = (char)(hexval(s[2]) << 4 | hexval(s[3]));
			s += 4;
		} else if (s[1] == 'u') {
			for (cp = 0, s += 3; *s != '}'; s++)
				cp = cp << 4 | hexval(*s);
			s++;
			o += put_utf8(out + o, cp);
		} else {
			out[o++] = s[1] == 'n' ? '\n' : s[1] == 't' ? '\t' :
			    s[1];
			s += 2;
		}
	}
	return o;
}

static void
check_display(const char *in, size_t n, int flags, const char *want)
{
	char	*got = tok_display(in, n, flags), *e = esc(in, n);

	CHECK(strcmp(got, want) == 0, "display(\"%s\", %d) = \"%s\", want "
	    "\"%s\"", e, flags, got, want);
	free(got);
	free(e);
}

/* Reversible, and nothing a terminal would act on. */
static void
check_display_safe(const char *in, size_t n)
{
	char		*d, *back = xmalloc(n + 1), *e;
	int		 flags, ok;
	size_t		 i, bn;

	for (flags = 0; flags <= TOK_DISPLAY_ASCII; flags++) {
		d = tok_display(in, n, flags);
		ok = 1;
		for (i = 0; d[i] != '\0'; i++) {
			unsigned char	c = d[i];

			if (c < 0x20 || c == 0x7f || (flags && c >= 0x80) ||
			    (c == 0xc2 && (unsigned char)d[i + 1] < 0xa0))
				ok = 0;
		}
		bn = undisplay(d, back, flags);
		e = esc(in, n);
		CHECK(ok && bn == n && memcmp(back, in, n) == 0,
		    "display of \"%s\" (%d) is \"%s\"", e, flags, d);
		free(e);
		free(d);
	}
	free(back);
}

static void
test_display(const struct tok *t)
{
	const char	*b;
	size_t		 len;
	int		 id;

	check_display("Hello", 5, 0, "Hello");
	check_display(" the", 4, 0, "\xc2\xb7the");
	check_display(" the", 4, TOK_DISPLAY_ASCII, "_the");
	check_display("a_b", 3, 0, "a_b");
	check_display("a_b", 3, TOK_DISPLAY_ASCII, "a\\_b");
	check_display("\n\n", 2, 0, "\xe2\x86\xb5\xe2\x86\xb5");
	check_display("\n", 1, TOK_DISPLAY_ASCII, "\\n");
	check_display("\t", 1, 0, "\xe2\x86\x92");
	check_display("\t", 1, TOK_DISPLAY_ASCII, "\\t");
	check_display("a\\b", 3, 0, "a\\\\b");
	check_display("\x1b[31m", 5, 0, "\\x1B[31m");
	check_display("\r\x7f", 2, 0, "\\x0D\\x7F");
	check_display("\0", 1, 0, "\\x00");
	check_display("\xc2\x85", 2, 0, "\\u{0085}");
	check_display("\xe2\x80\xae", 3, 0, "\\u{202E}");
	check_display("\xe2\x80", 2, 0, "\\xE2\\x80");
	check_display("\xff", 1, TOK_DISPLAY_ASCII, "\\xFF");
	check_display("\xc3\xa9", 2, 0, "\xc3\xa9");
	check_display("\xc3\xa9", 2, TOK_DISPLAY_ASCII, "\\u{00E9}");
	check_display("\xf0\x9f\x98\x80", 4, TOK_DISPLAY_ASCII, "\\u{1F600}");
	check_display("\xc2\xb7", 2, 0, "\\u{00B7}");
	check_display("\xe2\x86\xb5", 3, 0, "\\u{21B5}");
	check_display("", 0, 0, "");
	check_display_safe("\\x41\\u{41}\\_ _\xc2\xb7\xe2\x86\x92", 16);
	if (t == NULL)
		return;
	for (id = 0; id < tok_vocab_size(t); id++) {
		b = tok_bytes(t, id, &len);
		check_display_safe(b, len);
	}
}

int
main(void)
{
	char		*fx, *voc, *mer, *cause = NULL, *corpus;
	char		 dir[] = "/tmp/test-tok.XXXXXX";
	const char	*sub[] = { "tiny-gpt2", "tiny-gpt2-f16" };
	struct tok	*t = NULL;
	size_t		 corpus_len, i;
	int		 skipped = 0;

	if (mkdtemp(dir) == NULL)
		HARD("mkdtemp failed");
	test_small(dir);
	test_bad_files(dir);
	if ((fx = harness_fixture("gpt2-tokenizer")) != NULL) {
		voc = util_path(fx, "vocab.json");
		mer = util_path(fx, "merges.txt");
		if ((t = tok_load(voc, mer, &cause)) == NULL)
			HARD("%s", cause);
		free(voc);
		free(mer);
		free(fx);
		test_known(t);
		test_vectors(t, &corpus, &corpus_len);
		test_decode_replace(t);
		test_random_bytes(t);
		test_speed(t, corpus, corpus_len);
		free(corpus);
	} else {
		printf("SKIP: no gpt2-tokenizer fixture: vectors not run\n");
		skipped = 1;
	}
	test_display(t);
	for (i = 0; i < nitems(sub); i++) {
		if ((fx = harness_fixture(sub[i])) == NULL) {
			printf("SKIP: no %s fixture\n", sub[i]);
			skipped = 1;
			continue;
		}
		test_lens_ref(fx);
		free(fx);
	}
	tok_free(t);
	check_load(dir, NULL, NULL, "vocab.json: No such file");
	rmdir(dir);
	if (skipped && harness_failed == 0) {
		harness_done();
		return 77;
	}
	return harness_done();
}
