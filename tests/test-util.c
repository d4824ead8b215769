/*
 * test-util.c: util.c's conversions and helpers.
 *
 * F16 and BF16 are checked on named bit patterns (zeros, subnormals, the
 * smallest and largest normals, infinities, NaN) and then on all 65536
 * patterns each against a decoder written here from the IEEE definition.
 * util_utf8_len is checked on every code point's encoding, on overlong
 * forms, surrogates, values past U+10FFFF, stray and missing continuation
 * bytes and truncation. util_read_file's errors are compared word for word.
 */
#include "config.h"

#include <errno.h>
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
	test_read_file();
	test_path();
	test_strings();
	return harness_done();
}
