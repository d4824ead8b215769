/*
 * test-util.c: util.c's conversions and helpers.
 *
 * F16 and BF16 are checked on named bit patterns (zeros, subnormals, the
 * smallest and largest normals, infinities, NaN) and then on all 65536
 * patterns each against a decoder written here from the IEEE definition.
 * util_utf8_len is checked on every code point's encoding, on overlong
 * forms, surrogates, values past U+10FFFF, stray and missing continuation
 * bytes and truncation; util_utf8_decode on every sequence of up to four
 * bytes against a reference set of valid prefixes; util_escape on named
 * cases. util_read_file's errors are compared word for word; special files
 * (FIFOs, a symlink, a device node) for util_open_file and the atomic
 * write.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

static uint32_t
bits_of(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof u);
	return u;
}

/* Same value and the same sign (so that -0 differs from +0). */
static int
same_float(float got, double want)
{
	if (isnan(want))
		return isnan(got);
	return (double)got == want && !signbit(got) == !signbit(want);
}

/* Half precision from its definition: 1 sign, 5 exponent, 10 mantissa. */
static double
ref_f16(uint16_t h)
{
	int	s = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
	double	v;

	if (e == 0x1f)
		v = m == 0 ? INFINITY : NAN;
	else if (e == 0)
		v = ldexp(m, -24);
	else
		v = ldexp(1024 + m, e - 25);
	return s ? -v : v;
}

/* bfloat16: 1 sign, 8 exponent, 7 mantissa. */
static double
ref_bf16(uint16_t h)
{
	int	s = h >> 15, e = (h >> 7) & 0xff, m = h & 0x7f;
	double	v;

	if (e == 0xff)
		v = m == 0 ? INFINITY : NAN;
	else if (e == 0)
		v = ldexp(m, -133);
	else
		v = ldexp(128 + m, e - 134);
	return s ? -v : v;
}

static void
test_f16(void)
{
	static const struct {
		uint16_t	h;
		double		v;
	} cases[] = {
		{ 0x0000, 0.0 }, { 0x3c00, 1.0 }, { 0xbc00, -1.0 },
		{ 0x4000, 2.0 }, { 0xc000, -2.0 }, { 0x3800, 0.5 },
		{ 0x3555, 0.333251953125 }, { 0x3bff, 0.99951171875 },
		{ 0x3c01, 1.0009765625 }, { 0x4248, 3.140625 },
		{ 0x7bff, 65504.0 }, { 0xfbff, -65504.0 },
		/* Smallest normal, largest and smallest subnormals. */
		{ 0x0400, 6.103515625e-05 },
		{ 0x03ff, 6.097555160522461e-05 },
		{ 0x0200, 3.0517578125e-05 },
		{ 0x0001, 5.9604644775390625e-08 },
		{ 0x8001, -5.9604644775390625e-08 },
		{ 0x0003, 1.7881393432617188e-07 },
	};
	float		f;
	size_t		i;
	unsigned	h;
	int		bad = 0;

	for (i = 0; i < nitems(cases); i++) {
		f = util_f16_to_f32(cases[i].h);
		CHECK(same_float(f, cases[i].v), "f16 0x%04x: %.17g, expected "
		    "%.17g", cases[i].h, (double)f, cases[i].v);
	}
	f = util_f16_to_f32(0x8000);
	CHECK(f == 0.0f && signbit(f), "f16 0x8000: %g (bits 0x%08x), "
	    "expected -0", (double)f, bits_of(f));
	CHECK(bits_of(util_f16_to_f32(0x0000)) == 0, "f16 0x0000: not +0");
	f = util_f16_to_f32(0x7c00);
	CHECK(isinf(f) && f > 0, "f16 0x7c00: %g, expected +inf", (double)f);
	f = util_f16_to_f32(0xfc00);
	CHECK(isinf(f) && f < 0, "f16 0xfc00: %g, expected -inf", (double)f);
	CHECK(isnan(util_f16_to_f32(0x7e00)), "f16 0x7e00: not NaN");
	CHECK(isnan(util_f16_to_f32(0x7c01)), "f16 0x7c01: not NaN");
	CHECK(isnan(util_f16_to_f32(0xffff)), "f16 0xffff: not NaN");

	/* Every pattern against the definition. */
	for (h = 0; h < 0x10000; h++) {
		f = util_f16_to_f32((uint16_t)h);
		if (!same_float(f, ref_f16((uint16_t)h)) && bad++ < 5)
			CHECK(0, "f16 0x%04x: %.17g, expected %.17g", h,
			    (double)f, ref_f16((uint16_t)h));
	}
	CHECK(bad == 0, "%d of 65536 f16 patterns wrong", bad);
}

static void
test_bf16(void)
{
	static const struct {
		uint16_t	h;
		double		v;
	} cases[] = {
		{ 0x0000, 0.0 }, { 0x3f80, 1.0 }, { 0xbf80, -1.0 },
		{ 0xc000, -2.0 }, { 0x4049, 3.140625 }, { 0x3f81, 1.0078125 },
		{ 0x7f7f, 3.3895313892515355e+38 },	/* largest */
		{ 0xff7f, -3.3895313892515355e+38 },
		/* Smallest normal, largest and smallest subnormals. */
		{ 0x0080, 1.1754943508222875e-38 },
		{ 0x007f, 1.1663108012064884e-38 },
		{ 0x0001, 9.183549615799121e-41 },
		{ 0x8001, -9.183549615799121e-41 },
	};
	float		f;
	size_t		i;
	unsigned	h;
	int		bad = 0;

	for (i = 0; i < nitems(cases); i++) {
		f = util_bf16_to_f32(cases[i].h);
		CHECK(same_float(f, cases[i].v), "bf16 0x%04x: %.17g, "
		    "expected %.17g", cases[i].h, (double)f, cases[i].v);
	}
	f = util_bf16_to_f32(0x8000);
	CHECK(f == 0.0f && signbit(f), "bf16 0x8000: %g, expected -0",
	    (double)f);
	f = util_bf16_to_f32(0x7f80);
	CHECK(isinf(f) && f > 0, "bf16 0x7f80: %g, expected +inf", (double)f);
	f = util_bf16_to_f32(0xff80);
	CHECK(isinf(f) && f < 0, "bf16 0xff80: %g, expected -inf", (double)f);
	CHECK(isnan(util_bf16_to_f32(0x7fc0)), "bf16 0x7fc0: not NaN");
	CHECK(isnan(util_bf16_to_f32(0x7f81)), "bf16 0x7f81: not NaN");
	CHECK(isnan(util_bf16_to_f32(0xffc0)), "bf16 0xffc0: not NaN");

	for (h = 0; h < 0x10000; h++) {
		f = util_bf16_to_f32((uint16_t)h);
		if (!same_float(f, ref_bf16((uint16_t)h)) && bad++ < 5)
			CHECK(0, "bf16 0x%04x: %.17g, expected %.17g", h,
			    (double)f, ref_bf16((uint16_t)h));
	}
	CHECK(bad == 0, "%d of 65536 bf16 patterns wrong", bad);
}

/* Encodes cp in exactly n bytes (overlong when n is more than needed). */
static void
encode(unsigned char *s, uint32_t cp, int n)
{
	static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	int	i;

	if (n == 1) {
		s[0] = (unsigned char)cp;
		return;
	}
	for (i = n - 1; i > 0; i--) {
		s[i] = 0x80 | (cp & 0x3f);
		cp >>= 6;
	}
	s[0] = lead[n] | (unsigned char)cp;
}

static int
needed(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static void
test_utf8_cases(void)
{
	static const struct {
		const char	*s;
		size_t		 avail;
		int		 len;
	} cases[] = {
		{ "A", 1, 1 }, { "", 1, 1 }, { "\x7f", 1, 1 },
		{ "\xc2\x80", 2, 2 }, { "\xdf\xbf", 2, 2 },
		{ "\xc3\xa9xyz", 5, 2 },
		{ "\xe0\xa0\x80", 3, 3 }, { "\xe2\x82\xac", 3, 3 },
		{ "\xed\x9f\xbf", 3, 3 }, { "\xee\x80\x80", 3, 3 },
		{ "\xef\xbf\xbf", 3, 3 },
		{ "\xf0\x90\x80\x80", 4, 4 }, { "\xf0\x9f\x98\x80", 4, 4 },
		{ "\xf4\x8f\xbf\xbf", 4, 4 },
		/* Nothing to read. */
		{ "A", 0, 0 },
		/* Stray continuation bytes and bytes never in UTF-8. */
		{ "\x80", 1, 0 }, { "\xbf", 1, 0 },
		{ "\xf8\x88\x80\x80\x80", 5, 0 }, { "\xfe", 1, 0 },
		{ "\xff", 1, 0 },
		/* Overlong forms. */
		{ "\xc0\x80", 2, 0 }, { "\xc1\xbf", 2, 0 },
		{ "\xe0\x80\x80", 3, 0 }, { "\xe0\x9f\xbf", 3, 0 },
		{ "\xf0\x80\x80\x80", 4, 0 }, { "\xf0\x8f\xbf\xbf", 4, 0 },
		/* UTF-16 surrogates. */
		{ "\xed\xa0\x80", 3, 0 }, { "\xed\xaf\xbf", 3, 0 },
		{ "\xed\xb0\x80", 3, 0 }, { "\xed\xbf\xbf", 3, 0 },
		/* Past U+10FFFF. */
		{ "\xf4\x90\x80\x80", 4, 0 }, { "\xf5\x80\x80\x80", 4, 0 },
		{ "\xf7\xbf\xbf\xbf", 4, 0 },
		/* Missing continuation bytes. */
		{ "\xc3\x41", 2, 0 }, { "\xe2\x28\xa1", 3, 0 },
		{ "\xe2\x82\x28", 3, 0 }, { "\xf0\x9f\x98\x41", 4, 0 },
		{ "\xf0\x9f\xc3\xa9", 4, 0 },
		/* Truncated by avail. */
		{ "\xc3\xa9", 1, 0 }, { "\xe2\x82\xac", 2, 0 },
		{ "\xe2\x82\xac", 1, 0 }, { "\xf0\x9f\x98\x80", 3, 0 },
	};
	size_t	i;
	int	n;

	for (i = 0; i < nitems(cases); i++) {
		n = util_utf8_len((const unsigned char *)cases[i].s,
		    cases[i].avail);
		CHECK(n == cases[i].len, "case %zu (avail %zu): %d, expected "
		    "%d", i, cases[i].avail, n, cases[i].len);
	}
}

/* Every code point, its overlong forms, and 4-byte forms past U+10FFFF. */
static void
test_utf8_all(void)
{
	unsigned char	s[8];
	uint32_t	cp;
	int		n, k, want, bad = 0, badlong = 0, badtrunc = 0;

	for (cp = 0; cp < 0x200000; cp++) {
		n = needed(cp);
		encode(s, cp, n);
		want = cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : n;
		if (util_utf8_len(s, (size_t)n) != want && bad++ < 5)
			CHECK(0, "U+%04X: %d, expected %d", (unsigned)cp,
			    util_utf8_len(s, (size_t)n), want);
		if (want != 0 && util_utf8_len(s, (size_t)n - 1) != 0 &&
		    n > 1 && badtrunc++ < 5)
			CHECK(0, "U+%04X truncated: accepted", (unsigned)cp);
		for (k = n + 1; k <= 4 && cp < 0x10000; k++) {
			if (k == 2 && cp >= 0x80)
				continue;
			encode(s, cp, k);
			if (util_utf8_len(s, (size_t)k) != 0 && badlong++ < 5)
				CHECK(0, "U+%04X overlong in %d bytes: "
				    "accepted", (unsigned)cp, k);
		}
	}
	CHECK(bad == 0, "%d code points wrong", bad);
	CHECK(badlong == 0, "%d overlong forms accepted", badlong);
	CHECK(badtrunc == 0, "%d truncated forms accepted", badtrunc);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0)
		HARD("%s: cannot write", path);
}

static void
expect_cause(char *cause, const char *want, const char *what)
{
	CHECK(cause != NULL && strcmp(cause, want) == 0, "%s: '%s', expected "
	    "'%s'", what, cause ? cause : "(null)", want);
	free(cause);
}

static void
test_read_file(void)
{
	char	 tmpl[] = "/tmp/test-util.XXXXXX", *dir, *path, *want;
	char	*buf, *cause;
	size_t	 len;
	int	 rc;

	if ((dir = mkdtemp(tmpl)) == NULL)
		HARD("mkdtemp: %s", strerror(errno));

	/* Missing. */
	path = util_path(dir, "absent");
	cause = NULL;
	rc = util_read_file(path, 100, &buf, &len, &cause);
	want = xasprintf("%s: %s", path, strerror(ENOENT));
	CHECK(rc == -1, "missing file: rc %d", rc);
	expect_cause(cause, want, "missing file");
	CHECK(util_read_file(path, 100, &buf, &len, NULL) == -1,
	    "missing file, no cause: accepted");
	free(want);
	free(path);

	/* A directory. */
	cause = NULL;
	rc = util_read_file(dir, 100, &buf, &len, &cause);
	want = xasprintf("%s: not a regular file (a directory)", dir);
	CHECK(rc == -1, "directory: rc %d", rc);
	expect_cause(cause, want, "directory");
	free(want);

	/* Too large, then exactly at the limit. */
	path = util_path(dir, "ten");
	write_file(path, "0123456789", 10);
	cause = NULL;
	rc = util_read_file(path, 9, &buf, &len, &cause);
	want = xasprintf("%s: too large (10 bytes, at most 9)", path);
	CHECK(rc == -1, "too large: rc %d", rc);
	expect_cause(cause, want, "too large");
	free(want);
	buf = NULL;
	len = 0;
	cause = NULL;
	rc = util_read_file(path, 10, &buf, &len, &cause);
	CHECK(rc == 0 && cause == NULL, "at the limit: rc %d, '%s'", rc,
	    cause ? cause : "");
	CHECK(rc == 0 && len == 10 && memcmp(buf, "0123456789", 10) == 0 &&
	    buf[10] == '\0', "at the limit: wrong contents (len %zu)", len);
	free(buf);
	free(cause);
	unlink(path);
	free(path);

	/* Binary contents with a NUL, and an empty file. */
	path = util_path(dir, "bin");
	write_file(path, "a\0b\n", 4);
	buf = NULL;
	rc = util_read_file(path, 1 << 20, &buf, &len, NULL);
	CHECK(rc == 0 && len == 4 && memcmp(buf, "a\0b\n", 5) == 0,
	    "binary file: rc %d len %zu", rc, len);
	free(buf);
	write_file(path, "", 0);
	buf = NULL;
	len = 99;
	rc = util_read_file(path, 0, &buf, &len, NULL);
	CHECK(rc == 0 && len == 0 && buf != NULL && buf[0] == '\0',
	    "empty file: rc %d len %zu", rc, len);
	free(buf);
	unlink(path);
	free(path);

	if (rmdir(dir) != 0)
		HARD("rmdir %s: %s", dir, strerror(errno));
}

/*
 * util_utf8_decode against a reference built here from the encoder: the
 * set of byte strings that begin some valid encoding (every scalar value,
 * surrogates left out). For every sequence of up to three bytes, and for
 * four-byte ones around every valid lead, the length must be the whole
 * encoding when the bytes are one, else the longest prefix that begins
 * one (at least 1): Unicode's maximal subpart. The code point must be the
 * one encoded.
 */
static unsigned char	*pre2, *pre3;	/* bitmaps of valid prefixes */

static int
bit(const unsigned char *map, uint32_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}

static void
utf8_prefixes(void)
{
	unsigned char	s[4];
	uint32_t	cp;
	int		n;

	pre2 = xcalloc(1 << 13, 1);
	pre3 = xcalloc(1 << 21, 1);
	for (cp = 0x80; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = needed(cp);
		encode(s, cp, n);
		pre2[(s[0] << 8 | s[1]) >> 3] |= 1 << ((s[0] << 8 | s[1]) & 7);
		if (n >= 3) {
			uint32_t v = (uint32_t)s[0] << 16 | s[1] << 8 | s[2];

			pre3[v >> 3] |= 1 << (v & 7);
		}
	}
}

/* The reference: (length, code point) for s[0..avail), avail 1..3. */
static size_t
ref_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	int	n;

	*cp = UTIL_UTF8_BAD;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (avail < 2 || !bit(pre2, (uint32_t)s[0] << 8 | s[1]))
		return 1;
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (n == 2) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (avail < 3 || !bit(pre3, (uint32_t)s[0] << 16 | s[1] << 8 | s[2]))
		return 2;
	if (n == 3) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 | (s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
		return 3;
	}
	if (avail < 4 || (s[3] & 0xc0) != 0x80)
		return 3;	/* any continuation completes a valid 3-prefix */
	*cp = (uint32_t)(s[0] & 0x07) << 18 | (s[1] & 0x3f) << 12 |
	    (s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return 4;
}

static void
test_utf8_decode(void)
{
	unsigned char	s[4];
	uint32_t	v, cp, rcp;
	size_t		n, rn, avail;
	int		bad = 0;

	utf8_prefixes();
	for (v = 0; v < (1 << 24); v++) {
		s[0] = (unsigned char)(v >> 16);
		s[1] = (unsigned char)(v >> 8);
		s[2] = (unsigned char)v;
		/* A continuation byte, or (odd v) one that is not. */
		s[3] = (v & 1) ? 0x41 : 0x80 | ((v >> 1) & 0x3f);
		for (avail = 1; avail <= 4; avail++) {
			if (avail < 3 && (v & 0xffff) != 0 && avail == 1)
				continue;	/* s[0] alone: once per lead */
			n = util_utf8_decode(s, avail, &cp);
			rn = ref_decode(s, avail, &rcp);
			if ((n != rn || cp != rcp) && bad++ < 5)
				CHECK(0, "%02X %02X %02X %02X (avail %zu): "
				    "%zu U+%04X, expected %zu U+%04X", s[0],
				    s[1], s[2], s[3], avail, n, (unsigned)cp,
				    rn, (unsigned)rcp);
		}
	}
	CHECK(bad == 0, "%d sequences decoded wrong", bad);
	free(pre2);
	free(pre3);
}

/* Escaping for messages: what is kept, what becomes \xNN. */
static void
test_escape(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "plain text", 10, "plain text" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "a\tb\nc\x1b[2J\x7f", 10, "a\\x09b\\x0Ac\\x1B[2J\\x7F" },
		/* C1 as UTF-8 (U+0085, U+009B), and raw C1 bytes. */
		{ "\xc2\x85\xc2\x9b", 4, "\\xC2\\x85\\xC2\\x9B" },
		{ "x\x9b" "2J\x85", 5, "x\\x9B2J\\x85" },
		/* U+00A0 is printable: kept. */
		{ "\xc2\xa0", 2, "\xc2\xa0" },
		/* Invalid: every byte of each maximal subpart. */
		{ "\xe2\x82(", 3, "\\xE2\\x82(" },
		{ "\xed\xa0\x80", 3, "\\xED\\xA0\\x80" },
		{ "\xc0\xaf\xff\xf4\x90", 5, "\\xC0\\xAF\\xFF\\xF4\\x90" },
		{ "a\0b", 3, "a\\x00b" },
	};
	size_t	 i;
	char	*got;

	for (i = 0; i < nitems(cases); i++) {
		got = util_escape(cases[i].in, cases[i].len);
		CHECK(strcmp(got, cases[i].want) == 0, "escape case %zu: "
		    "'%s', expected '%s'", i, got, cases[i].want);
		free(got);
	}
}

/*
 * Special files: util_open_file refuses a FIFO at once (for reading and,
 * with no reader, for writing), a directory and a symlink under
 * O_NOFOLLOW; util_atomic_open/close write a FIFO or a device in place and
 * never rename over them. Device nodes come from mknod (root only).
 */
static void
test_special(void)
{
	char		 dir[] = "/tmp/test-util.XXXXXX", *path, *tmp, *cause;
	char		*want, *link;
	struct stat	 sb;
	FILE		*f;
	int		 fd;

	if (mkdtemp(dir) == NULL)
		HARD("mkdtemp");
	path = util_path(dir, "fifo");
	if (mkfifo(path, 0600) != 0)
		HARD("mkfifo");
	want = xasprintf("%s: not a regular file (a FIFO)", path);
	cause = NULL;
	CHECK(util_open_file(path, O_RDONLY, 0, NULL, &cause) == -1 &&
	    cause != NULL && strcmp(cause, want) == 0, "FIFO read: %s",
	    cause != NULL ? cause : "opened");
	free(cause);
	cause = NULL;
	CHECK(util_open_file(path, O_WRONLY | O_CREAT, 0600, NULL, &cause) ==
	    -1 && cause != NULL && strcmp(cause, want) == 0, "FIFO write: %s",
	    cause != NULL ? cause : "opened");
	free(cause);
	free(want);
	cause = NULL;
	f = util_atomic_open(path, 0600, &tmp, &cause);
	CHECK(f == NULL && cause != NULL && strstr(cause, "no reader") != NULL,
	    "atomic FIFO: %s", cause != NULL ? cause : "opened");
	free(cause);
	CHECK(stat(path, &sb) == 0 && S_ISFIFO(sb.st_mode), "FIFO replaced");
	unlink(path);
	free(path);

	/* A symlink where O_NOFOLLOW is asked: refused, nothing written. */
	path = util_path(dir, "link");
	link = util_path(dir, "target");
	if (symlink(link, path) != 0)
		HARD("symlink");
	cause = NULL;
	CHECK(util_open_file(path, O_WRONLY | O_CREAT | O_NOFOLLOW, 0600,
	    NULL, &cause) == -1 && cause != NULL && strstr(cause,
	    "symbolic link") != NULL, "symlink: %s", cause != NULL ? cause :
	    "opened");
	free(cause);
	CHECK(access(link, F_OK) != 0, "written through the symlink");
	unlink(path);
	free(path);
	free(link);

	/* A regular file opens, and its descriptor blocks again. */
	path = util_path(dir, "file");
	write_file(path, "x", 1);
	fd = util_open_file(path, O_RDONLY, 0, &sb, NULL);
	CHECK(fd != -1 && sb.st_size == 1 && (fcntl(fd, F_GETFL) &
	    O_NONBLOCK) == 0, "regular file");
	if (fd != -1)
		close(fd);
	unlink(path);
	free(path);

	path = util_path(dir, "full");
	if (mknod(path, S_IFCHR | 0600, makedev(1, 7)) == 0) {
		cause = NULL;
		f = util_atomic_open(path, 0600, &tmp, &cause);
		CHECK(f != NULL && tmp == NULL, "device: not in place");
		if (f != NULL) {
			fputs("data", f);
			CHECK(util_atomic_close(f, tmp, path, 0, &cause) == -1 &&
			    cause != NULL && strstr(cause, "No space left") !=
			    NULL, "full: %s", cause != NULL ? cause : "no error");
		}
		free(cause);
		CHECK(stat(path, &sb) == 0 && S_ISCHR(sb.st_mode) &&
		    sb.st_rdev == makedev(1, 7), "device replaced by a file");
		unlink(path);
	} else
		printf("# no mknod (not root): device nodes not tried\n");
	free(path);
	rmdir(dir);
}

static void
test_path(void)
{
	static const struct {
		const char	*dir, *name, *want;
	} cases[] = {
		{ "a", "b", "a/b" },
		{ "a/", "b", "a/b" },
		{ "/", "config.json", "/config.json" },
		{ "models/gpt2", "model.safetensors",
		    "models/gpt2/model.safetensors" },
		{ "models/gpt2/", "config.json", "models/gpt2/config.json" },
		{ ".", "x", "./x" },
	};
	size_t	 i;
	char	*p;

	for (i = 0; i < nitems(cases); i++) {
		p = util_path(cases[i].dir, cases[i].name);
		CHECK(strcmp(p, cases[i].want) == 0, "util_path(\"%s\", "
		    "\"%s\"): '%s', expected '%s'", cases[i].dir,
		    cases[i].name, p, cases[i].want);
		free(p);
	}
}

static void
test_strings(void)
{
	char	*p, *cause = NULL;

	p = xasprintf("%s:%d:%d: %s", "f.json", 3, 14, "bad");
	CHECK(strcmp(p, "f.json:3:14: bad") == 0, "xasprintf: '%s'", p);
	free(p);
	p = xstrndup("abcdef", 3);
	CHECK(strcmp(p, "abc") == 0, "xstrndup: '%s'", p);
	free(p);
	CHECK(util_fail(&cause, "%s: %d", "x", 7) == -1, "util_fail: not -1");
	CHECK(cause != NULL && strcmp(cause, "x: 7") == 0, "util_fail: '%s'",
	    cause ? cause : "(null)");
	free(cause);
	CHECK(util_fail(NULL, "ignored") == -1, "util_fail(NULL): not -1");
}

int
main(void)
{
	test_f16();
	test_bf16();
	test_utf8_cases();
	test_utf8_all();
	test_utf8_decode();
	test_escape();
	test_read_file();
	test_special();
	test_path();
	test_strings();
	return harness_done();
}
