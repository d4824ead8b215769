/*
 * test-st.c: the safetensors reader on files built here in memory.
 *
 * Good files (every dtype, 0-dim and empty tensors, __metadata__, padded
 * headers) must bind each tensor to the right bytes; each malformed file
 * must be refused with exactly the expected message, never accepted and
 * never read out of bounds (run under ASan too). Then st_open on real files.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "harness.h"
#include "st.h"
#include "util.h"

#define LABEL	"t.safetensors"

/* 8-byte little-endian hlen, then the header, then dlen bytes of data. */
static unsigned char *
make_raw(uint64_t hlen, const char *header, const void *data, size_t dlen,
    size_t *len)
{
	size_t		 n = strlen(header), i;
	unsigned char	*buf;

	*len = 8 + n + dlen;
	buf = xmalloc(*len);
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)(hlen >> (8 * i));
	memcpy(buf + 8, header, n);
	if (dlen != 0)
		memcpy(buf + 8 + n, data, dlen);
	return buf;
}

static unsigned char *
make(const char *header, const void *data, size_t dlen, size_t *len)
{
	return make_raw(strlen(header), header, data, dlen, len);
}

/* Parses buf; returns the message, or NULL if it was accepted. */
static char *
parse_cause(const unsigned char *buf, size_t len)
{
	struct st_file	*sf;
	char		*cause = NULL;

	sf = st_parse(buf, len, LABEL, &cause);
	if (sf != NULL) {
		st_close(sf);
		free(cause);
		return NULL;
	}
	if (cause == NULL)
		return xstrdup("(refused without a message)");
	return cause;
}

static void
expect(const char *name, const unsigned char *buf, size_t len,
    const char *want, const char *alt)
{
	char	*cause = parse_cause(buf, len);

	CHECK(cause != NULL && (strcmp(cause, want) == 0 || (alt != NULL &&
	    strcmp(cause, alt) == 0)), "%s: got '%s', expected '%s'", name,
	    cause ? cause : "(accepted)", want);
	free(cause);
}

/* A header with one tensor entry "a" around the given JSON value. */
static void
expect_entry(const char *name, const char *entry, size_t dlen,
    const char *want)
{
	unsigned char	 data[64] = { 0 }, *buf;
	char		*header, *full;
	size_t		 len;

	header = xasprintf("{\"a\": %s}", entry);
	buf = make(header, data, dlen, &len);
	full = xasprintf(LABEL ": %s", want);
	expect(name, buf, len, full, NULL);
	free(full);
	free(buf);
	free(header);
}

static void
test_dtypes(void)
{
	static const struct {
		const char	*name;
		enum st_dtype	 dtype;
		size_t		 size;
	} dt[] = {
		{ "F64", ST_F64, 8 }, { "F32", ST_F32, 4 },
		{ "F16", ST_F16, 2 }, { "BF16", ST_BF16, 2 },
		{ "I64", ST_I64, 8 },
		{ "I32", ST_I32, 4 }, { "I16", ST_I16, 2 }, { "I8", ST_I8, 1 },
		{ "U8", ST_U8, 1 }, { "BOOL", ST_BOOL, 1 },
		{ "U16", ST_U16, 2 }, { "U32", ST_U32, 4 },
		{ "U64", ST_U64, 8 }, { "F8_E4M3", ST_F8_E4M3, 1 },
		{ "F8_E5M2", ST_F8_E5M2, 1 },
	};
	const struct st_tensor	*t;
	struct st_file		*sf;
	unsigned char		 data[32], *buf;
	char			*header, *cause;
	size_t			 i, len;

	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + 1);
	for (i = 0; i < nitems(dt); i++) {
		CHECK(strcmp(st_dtype_name(dt[i].dtype), dt[i].name) == 0,
		    "st_dtype_name(%d): '%s', expected '%s'", (int)dt[i].dtype,
		    st_dtype_name(dt[i].dtype), dt[i].name);
		CHECK(st_dtype_size(dt[i].dtype) == dt[i].size,
		    "st_dtype_size(%s): %zu, expected %zu", dt[i].name,
		    st_dtype_size(dt[i].dtype), dt[i].size);
		/* Three elements, after one byte of something else. */
		header = xasprintf("{\"pad\": {\"dtype\": \"U8\", \"shape\": "
		    "[1], \"data_offsets\": [0, 1]}, \"x\": {\"dtype\": "
		    "\"%s\", \"shape\": [3], \"data_offsets\": [1, %zu]}}",
		    dt[i].name, 1 + 3 * dt[i].size);
		buf = make(header, data, 1 + 3 * dt[i].size, &len);
		cause = NULL;
		sf = st_parse(buf, len, LABEL, &cause);
		CHECK(sf != NULL, "dtype %s refused: %s", dt[i].name,
		    cause ? cause : "");
		if (sf != NULL) {
			t = st_find(sf, "x");
			CHECK(t != NULL && t->dtype == dt[i].dtype &&
			    t->nelem == 3 && t->nbytes == 3 * dt[i].size &&
			    t->data == buf + 8 + strlen(header) + 1,
			    "dtype %s: wrong binding", dt[i].name);
		}
		st_close(sf);
		free(cause);
		free(buf);
		free(header);
	}
	CHECK(strcmp(st_dtype_name((enum st_dtype)99), "?") == 0,
	    "st_dtype_name(99) is not '?'");
}

static void
check_tensor(const struct st_file *sf, const unsigned char *base,
    const char *name, enum st_dtype dtype, int ndim, const int64_t *shape,
    int64_t nelem, size_t begin, size_t nbytes)
{
	const struct st_tensor	*t = st_find(sf, name);
	int			 i, same = 1;

	CHECK(t != NULL, "tensor '%s' not found", name);
	if (t == NULL)
		return;
	for (i = 0; i < ndim && i < ST_MAX_DIMS; i++)
		same = same && t->shape[i] == shape[i];
	CHECK(strcmp(t->name, name) == 0, "'%s': name '%s'", name, t->name);
	CHECK(t->dtype == dtype, "'%s': dtype %s", name,
	    st_dtype_name(t->dtype));
	CHECK(t->ndim == ndim && same, "'%s': ndim %d, wrong shape", name,
	    t->ndim);
	CHECK(t->nelem == nelem, "'%s': nelem %lld, expected %lld", name,
	    (long long)t->nelem, (long long)nelem);
	CHECK(t->nbytes == nbytes, "'%s': nbytes %zu, expected %zu", name,
	    t->nbytes, nbytes);
	if (nbytes != 0)
		CHECK(t->data == base + begin, "'%s': data at offset %td, "
		    "expected %zu", name, (const unsigned char *)t->data - base,
		    begin);
}

static void
test_good(void)
{
	/* Padded with spaces as Hugging Face pads to 8 bytes. */
	static const char header[] = "{\"__metadata__\": {\"format\": \"pt\", "
	    "\"note\": \"x\"},"
	    "\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], "
	    "\"data_offsets\": [0, 24]},"
	    "\"h\": {\"dtype\": \"F16\", \"shape\": [3], "
	    "\"data_offsets\": [24, 30]},"
	    "\"b\": {\"dtype\": \"BF16\", \"shape\": [1, 1, 2], "
	    "\"data_offsets\": [30, 34]},"
	    "\"flag\": {\"dtype\": \"BOOL\", \"shape\": [], "
	    "\"data_offsets\": [34, 35]},"
	    "\"scalar\": {\"dtype\": \"F64\", \"shape\": [], "
	    "\"data_offsets\": [35, 43]},"
	    "\"empty\": {\"dtype\": \"F32\", \"shape\": [0, 5], "
	    "\"data_offsets\": [43, 43]},"
	    "\"empty0\": {\"dtype\": \"F16\", \"shape\": [3, 0], "
	    "\"data_offsets\": [0, 0]},"
	    "\"d8\": {\"dtype\": \"U8\", \"shape\": [1, 1, 1, 1, 1, 1, 1, 2], "
	    "\"data_offsets\": [43, 45]}}     ";
	static const int64_t	s23[] = { 2, 3 }, s3[] = { 3 };
	static const int64_t	s112[] = { 1, 1, 2 }, s05[] = { 0, 5 };
	static const int64_t	s30[] = { 3, 0 };
	static const int64_t	s8[] = { 1, 1, 1, 1, 1, 1, 1, 2 };
	const char		*names[] = { "b", "d8", "empty", "empty0",
	    "flag", "h", "scalar", "w" };
	const struct st_tensor	*t;
	struct st_file		*sf;
	unsigned char		 data[45], *buf;
	const unsigned char	*base;
	char			*cause = NULL, shape[64];
	size_t			 i, len;

	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)i;
	buf = make(header, data, sizeof data, &len);
	base = buf + 8 + strlen(header);
	sf = st_parse(buf, len, LABEL, &cause);
	CHECK(sf != NULL, "good file refused: %s", cause ? cause : "");
	free(cause);
	if (sf == NULL) {
		free(buf);
		return;
	}
	CHECK(strcmp(st_path(sf), LABEL) == 0, "st_path: '%s'", st_path(sf));
	CHECK(st_count(sf) == nitems(names), "st_count: %zu, expected %zu",
	    st_count(sf), nitems(names));
	check_tensor(sf, base, "w", ST_F32, 2, s23, 6, 0, 24);
	check_tensor(sf, base, "h", ST_F16, 1, s3, 3, 24, 6);
	check_tensor(sf, base, "b", ST_BF16, 3, s112, 2, 30, 4);
	check_tensor(sf, base, "flag", ST_BOOL, 0, NULL, 1, 34, 1);
	check_tensor(sf, base, "scalar", ST_F64, 0, NULL, 1, 35, 8);
	check_tensor(sf, base, "empty", ST_F32, 2, s05, 0, 43, 0);
	check_tensor(sf, base, "empty0", ST_F16, 2, s30, 0, 0, 0);
	check_tensor(sf, base, "d8", ST_U8, 8, s8, 2, 43, 2);
	CHECK(st_find(sf, "__metadata__") == NULL, "__metadata__ is a tensor");
	CHECK(st_find(sf, "absent") == NULL, "st_find(absent) found");
	CHECK(st_find(sf, "") == NULL, "st_find(\"\") found");
	CHECK(st_find(sf, "w.") == NULL, "st_find(w.) found");
	/* st_tensor walks all of them, in name order, then NULL. */
	for (i = 0; i < nitems(names) && i < st_count(sf); i++) {
		t = st_tensor(sf, i);
		CHECK(t != NULL && strcmp(t->name, names[i]) == 0,
		    "st_tensor(%zu): '%s', expected '%s'", i,
		    t ? t->name : "(null)", names[i]);
	}
	CHECK(st_tensor(sf, st_count(sf)) == NULL, "st_tensor past the end");
	CHECK(strcmp(st_shape_str(st_find(sf, "w"), shape, sizeof shape),
	    "[2, 3]") == 0, "shape_str: '%s'", shape);
	CHECK(strcmp(st_shape_str(st_find(sf, "scalar"), shape, sizeof shape),
	    "[]") == 0, "shape_str 0-dim: '%s'", shape);
	st_close(sf);
	free(buf);
}

static void
test_small(void)
{
	struct st_file	*sf;
	struct st_tensor t;
	unsigned char	*p;
	char		*cause = NULL, *small;
	size_t		 len, n;

	/* Nothing but an empty header; and only metadata. */
	p = make("{}", NULL, 0, &len);
	sf = st_parse(p, len, LABEL, &cause);
	CHECK(sf != NULL && st_count(sf) == 0, "empty header: %s",
	    cause ? cause : "wrong count");
	if (sf != NULL)
		CHECK(st_find(sf, "a") == NULL, "found 'a' in an empty file");
	st_close(sf);
	free(cause);
	free(p);
	cause = NULL;
	p = make("{\"__metadata__\": {}}", NULL, 0, &len);
	sf = st_parse(p, len, LABEL, &cause);
	CHECK(sf != NULL && st_count(sf) == 0, "metadata only: %s",
	    cause ? cause : "wrong count");
	st_close(sf);
	free(cause);
	free(p);

	/* st_shape_str never writes past len. */
	memset(&t, 0, sizeof t);
	t.ndim = 2;
	t.shape[0] = 768;
	t.shape[1] = 2304;
	for (n = 1; n <= 13; n++) {
		small = xmalloc(n);
		st_shape_str(&t, small, n);
		CHECK(strlen(small) < n && strncmp(small, "[768, 2304]",
		    strlen(small)) == 0, "shape_str in %zu bytes: '%s'", n,
		    small);
		free(small);
	}
}

static void
test_header_length(void)
{
	unsigned char	 data[16] = { 0 }, *buf, *big;
	size_t		 len, n, biglen;
	char		*want;

	/* Shorter than the 8-byte length. */
	for (n = 0; n < 8; n++) {
		want = xasprintf(LABEL ": too short for a safetensors file "
		    "(%zu bytes)", n);
		expect("short", data, n, want, NULL);
		free(want);
	}
	/* Header length past the end of the file. */
	buf = make_raw(100, "{}", data, 16, &len);
	expect("hlen > file", buf, len, LABEL ": header length 100 is larger "
	    "than the file (26 bytes) allows", NULL);
	free(buf);
	buf = make_raw(19, "{}", data, 10, &len);
	expect("hlen = file + 1", buf, len, LABEL ": header length 19 is "
	    "larger than the file (20 bytes) allows", NULL);
	free(buf);
	/* A length with high bytes set: all 64 bits count. */
	buf = make_raw(((uint64_t)1 << 56) | 2, "{}", data, 0, &len);
	expect("hlen high bits", buf, len, LABEL ": header length "
	    "72057594037927938 is larger than the file (10 bytes) allows",
	    NULL);
	free(buf);
	/* A header that fits the file but is absurdly long. */
	biglen = 100 * 1024 * 1024 + 64;
	big = mmap(NULL, biglen, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED)
		HARD("mmap: %s", strerror(errno));
	n = 100 * 1024 * 1024 + 1;
	for (len = 0; len < 8; len++)
		big[len] = (unsigned char)(n >> (8 * len));
	want = xasprintf(LABEL ": header length %zu is larger than the file "
	    "(%zu bytes) allows", n, biglen);
	expect("absurd hlen", big, biglen, want, NULL);
	free(want);
	munmap(big, biglen);
	/* Length zero: an empty header is not JSON. */
	buf = make_raw(0, "", data, 4, &len);
	expect("hlen 0", buf, len, LABEL ": header is not valid JSON: '[' or "
	    "'{' expected near end of file", NULL);
	free(buf);
	/* The header ends where its length says, not at the JSON's end. */
	buf = make_raw(1, "{}", data, 0, &len);
	expect("hlen cuts header", buf, len, LABEL ": header is not valid "
	    "JSON: string or '}' expected near end of file", NULL);
	free(buf);
}

static void
test_header_json(void)
{
	static const struct {
		const char	*header, *want;
	} cases[] = {
		{ "not json", "header is not valid JSON: '[' or '{' expected "
		    "near 'not'" },
		{ "{\"a\": ", "header is not valid JSON: unexpected token near "
		    "end of file" },
		{ "[1, 2]", "header is not a JSON object" },
		{ "[]", "header is not a JSON object" },
		{ "{\"a\": {\"dtype\": \"U8\", \"shape\": [1], "
		    "\"data_offsets\": [0, 1]}, \"a\": {\"dtype\": \"U8\", "
		    "\"shape\": [1], \"data_offsets\": [1, 2]}}",
		    "header is not valid JSON: duplicate object key near "
		    "'\"a\"'" },
	};
	unsigned char	 data[4] = { 0 }, *buf;
	char		*want;
	size_t		 i, len;

	for (i = 0; i < nitems(cases); i++) {
		buf = make(cases[i].header, data, sizeof data, &len);
		want = xasprintf(LABEL ": %s", cases[i].want);
		expect(cases[i].header, buf, len, want, NULL);
		free(want);
		free(buf);
	}
}

static void
test_entries(void)
{
	static const char *const bad_shape = "shape is not a list of at most "
	    "8 non-negative integers";
	static const char *const bad_offs = "data_offsets is not two "
	    "non-negative integers";
	static const struct {
		const char	*entry;
		size_t		 dlen;
		const char	*want;
	} cases[] = {
		{ "5", 4, "entry is not an object" },
		{ "[]", 4, "entry is not an object" },
		{ "\"F32\"", 4, "entry is not an object" },
		{ "{\"shape\": [1], \"data_offsets\": [0, 4]}", 4, "no dtype" },
		{ "{\"dtype\": 4, \"shape\": [1], \"data_offsets\": [0, 4]}", 4,
		    "no dtype" },
		{ "{\"dtype\": \"F31\", \"shape\": [1], \"data_offsets\": "
		    "[0, 4]}", 4, "unknown dtype 'F31'" },
		{ "{\"dtype\": \"f32\", \"shape\": [1], \"data_offsets\": "
		    "[0, 4]}", 4, "unknown dtype 'f32'" },
		{ "{\"dtype\": \"\", \"shape\": [1], \"data_offsets\": [0, 4]}",
		    4, "unknown dtype ''" },
		/* Shapes. */
		{ "{\"dtype\": \"F32\", \"data_offsets\": [0, 4]}", 4,
		    bad_shape },
		{ "{\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": "
		    "[0, 4]}", 4, bad_shape },
		{ "{\"dtype\": \"F32\", \"shape\": {}, \"data_offsets\": "
		    "[0, 4]}", 4, bad_shape },
		{ "{\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": "
		    "[0, 4]}", 4, bad_shape },
		{ "{\"dtype\": \"F32\", \"shape\": [2, -2], \"data_offsets\": "
		    "[0, 4]}", 4, bad_shape },
		{ "{\"dtype\": \"F32\", \"shape\": [1.0], \"data_offsets\": "
		    "[0, 4]}", 4, bad_shape },
		{ "{\"dtype\": \"F32\", \"shape\": [\"1\"], \"data_offsets\": "
		    "[0, 4]}", 4, bad_shape },
		{ "{\"dtype\": \"F32\", \"shape\": [1, 1, 1, 1, 1, 1, 1, 1, "
		    "1], \"data_offsets\": [0, 4]}", 4, bad_shape },
		{ "{\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], "
		    "\"data_offsets\": [0, 4]}", 4, "shape too large" },
		{ "{\"dtype\": \"U8\", \"shape\": [65536, 65536, 65536, "
		    "65536], \"data_offsets\": [0, 4]}", 4, "shape too large" },
		/* Offsets. */
		{ "{\"dtype\": \"F32\", \"shape\": [1]}", 4, bad_offs },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
		    "0}", 4, bad_offs },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4]}",
		    4, bad_offs },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
		    "[0, 4, 8]}", 8, bad_offs },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
		    "[-4, 0]}", 4, bad_offs },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
		    "[0.0, 4]}", 4, bad_offs },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
		    "[0, \"4\"]}", 4, bad_offs },
		{ "{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": "
		    "[0, 8]}", 4, "data_offsets [0, 8] outside the data "
		    "(4 bytes)" },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
		    "[4, 8]}", 4, "data_offsets [4, 8] outside the data "
		    "(4 bytes)" },
		{ "{\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": "
		    "[8, 8]}", 4, "data_offsets [8, 8] outside the data "
		    "(4 bytes)" },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
		    "[4, 0]}", 4, "data_offsets [4, 0] outside the data "
		    "(4 bytes)" },
		{ "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
		    "[0, 9223372036854775807]}", 4, "data_offsets [0, "
		    "9223372036854775807] outside the data (4 bytes)" },
		{ "{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": "
		    "[0, 4]}", 8, "data_offsets span 4 bytes, expected 8 for "
		    "F32 [2]" },
		{ "{\"dtype\": \"F16\", \"shape\": [2, 3], \"data_offsets\": "
		    "[0, 16]}", 16, "data_offsets span 16 bytes, expected 12 "
		    "for F16 [2, 3]" },
		{ "{\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": "
		    "[0, 4]}", 8, "data_offsets span 4 bytes, expected 8 for "
		    "F64 []" },
		{ "{\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": "
		    "[0, 4]}", 8, "data_offsets span 4 bytes, expected 0 for "
		    "F32 [0]" },
	};
	char	*want;
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		want = xasprintf("tensor 'a': %s", cases[i].want);
		expect_entry(cases[i].entry, cases[i].entry, cases[i].dlen,
		    want);
		free(want);
	}
}

#define U8(name, b, e, n) "\"" name "\": {\"dtype\": \"U8\", \"shape\": [" \
	#n "], \"data_offsets\": [" #b ", " #e "]}"

static void
test_overlap(void)
{
	static const struct {
		const char	*header, *want, *alt;
	} cases[] = {
		{ "{" U8("a", 0, 8, 8) "," U8("b", 4, 12, 8) "}",
		    "tensors 'a' and 'b' overlap", NULL },
		{ "{" U8("b", 4, 12, 8) "," U8("a", 0, 8, 8) "}",
		    "tensors 'a' and 'b' overlap", NULL },
		{ "{" U8("a", 0, 8, 8) "," U8("b", 0, 8, 8) "}",
		    "tensors 'a' and 'b' overlap",
		    "tensors 'b' and 'a' overlap" },
		{ "{" U8("a", 0, 8, 8) "," U8("b", 7, 8, 1) "}",
		    "tensors 'a' and 'b' overlap", NULL },
		/* Inside a larger one, past a smaller one in between. */
		{ "{" U8("big", 0, 16, 16) "," U8("b", 2, 4, 2) ","
		    U8("c", 8, 12, 4) "}",
		    "tensors 'big' and 'b' overlap", NULL },
		/* An empty tensor in between must not hide the overlap. */
		{ "{" U8("big", 0, 16, 16) "," U8("e", 4, 4, 0) ","
		    U8("c", 8, 12, 4) "}",
		    "tensors 'big' and 'c' overlap", NULL },
		{ "{" U8("big", 0, 16, 16) "," U8("e", 0, 0, 0) ","
		    U8("e2", 9, 9, 0) "," U8("c", 12, 16, 4) "}",
		    "tensors 'big' and 'c' overlap", NULL },
	};
	static const char *const good[] = {
		/* Adjacent; empty tensors anywhere, even inside others. */
		"{" U8("a", 0, 8, 8) "," U8("b", 8, 16, 8) "}",
		"{" U8("a", 0, 16, 16) "," U8("e", 4, 4, 0) ","
		    U8("f", 4, 4, 0) "," U8("g", 16, 16, 0) "}",
		"{" U8("b", 8, 16, 8) "," U8("a", 0, 8, 8) "}",
	};
	unsigned char	 data[16] = { 0 }, *buf;
	char		*want, *alt, *cause;
	size_t		 i, len;

	for (i = 0; i < nitems(cases); i++) {
		buf = make(cases[i].header, data, sizeof data, &len);
		want = xasprintf(LABEL ": %s", cases[i].want);
		alt = cases[i].alt ? xasprintf(LABEL ": %s", cases[i].alt) :
		    NULL;
		expect(cases[i].header, buf, len, want, alt);
		free(alt);
		free(want);
		free(buf);
	}
	for (i = 0; i < nitems(good); i++) {
		buf = make(good[i], data, sizeof data, &len);
		cause = parse_cause(buf, len);
		CHECK(cause == NULL, "%s refused: %s", good[i], cause);
		free(cause);
		free(buf);
	}
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "wb")) == NULL || (len != 0 &&
	    fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		HARD("%s: cannot write", path);
}

static void
expect_open(const char *path, const char *want)
{
	struct st_file	*sf;
	char		*cause = NULL;

	sf = st_open(path, &cause);
	CHECK(sf == NULL && cause != NULL && strcmp(cause, want) == 0,
	    "st_open: '%s', expected '%s'", sf ? "(accepted)" : cause ? cause :
	    "(no message)", want);
	st_close(sf);
	free(cause);
}

static void
test_open(void)
{
	static const char header[] = "{\"x\": {\"dtype\": \"F32\", \"shape\": "
	    "[2], \"data_offsets\": [0, 8]}}";
	const float		 vals[2] = { 1.5f, -2.25f };
	const struct st_tensor	*t;
	struct st_file		*sf;
	char			 tmpl[] = "/tmp/test-st.XXXXXX";
	char			*dir, *path;
	char			*want, *cause = NULL;
	unsigned char		*buf;
	size_t			 len;

	if ((dir = mkdtemp(tmpl)) == NULL)
		HARD("mkdtemp: %s", strerror(errno));
	path = util_path(dir, "model.safetensors");

	want = xasprintf("%s: %s", path, strerror(ENOENT));
	expect_open(path, want);
	free(want);
	want = xasprintf("%s: not a regular file (a directory)", dir);
	expect_open(dir, want);
	free(want);
	write_file(path, "", 0);
	want = xasprintf("%s: too short for a safetensors file (0 bytes)",
	    path);
	expect_open(path, want);
	free(want);
	write_file(path, "\2\0\0\0\0\0\0", 7);
	want = xasprintf("%s: too short for a safetensors file (7 bytes)",
	    path);
	expect_open(path, want);
	free(want);
	/* A malformed file names the path, and its mapping is released. */
	buf = make(header, vals, 4, &len);
	write_file(path, buf, len);
	free(buf);
	want = xasprintf("%s: tensor 'x': data_offsets [0, 8] outside the "
	    "data (4 bytes)", path);
	expect_open(path, want);
	free(want);

	buf = make(header, vals, sizeof vals, &len);
	write_file(path, buf, len);
	free(buf);
	sf = st_open(path, &cause);
	CHECK(sf != NULL, "st_open of a good file: %s", cause ? cause : "");
	if (sf != NULL) {
		CHECK(strcmp(st_path(sf), path) == 0, "st_path: '%s'",
		    st_path(sf));
		t = st_find(sf, "x");
		CHECK(t != NULL && t->dtype == ST_F32 && t->nelem == 2 &&
		    memcmp(t->data, vals, sizeof vals) == 0,
		    "st_open: 'x' not bound to its values");
		CHECK(st_find(sf, "y") == NULL, "st_open: found 'y'");
	}
	st_close(sf);
	st_close(NULL);
	free(cause);
	unlink(path);
	free(path);
	if (rmdir(dir) != 0)
		HARD("rmdir %s: %s", dir, strerror(errno));
}

int
main(void)
{
	test_dtypes();
	test_good();
	test_small();
	test_header_length();
	test_header_json();
	test_entries();
	test_overlap();
	test_open();
	return harness_done();
}
