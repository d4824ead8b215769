/*
 * harness.h: the few macros every test program shares, and the helpers
 * more than one needs (fixtures, sources, safetensors files written).
 *
 * Exit status follows Automake: 0 pass, 77 skip, 99 hard error; a failed
 * check prints what differed and the program exits 1 at the end.
 */
#ifndef HARNESS_H
#define HARNESS_H

/*
 * Tests compare float results with double references on purpose: the
 * promotion the program's own code must avoid is the point here.
 */
#pragma GCC diagnostic ignored "-Wdouble-promotion"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int harness_failed;
static int harness_checks;

#define CHECK(cond, ...) do {						\
	harness_checks++;						\
	if (!(cond)) {							\
		harness_failed++;					\
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__,	\
		    #cond);						\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK_NEAR(a, b, tol, ...) do {					\
	double ch_a_ = (a), ch_b_ = (b);				\
	harness_checks++;						\
	if (!(fabs(ch_a_ - ch_b_) <= (tol)) ) {				\
		harness_failed++;					\
		fprintf(stderr, "FAIL %s:%d: %s = %.9g, expected %.9g "	\
		    "(tol %g): ", __FILE__, __LINE__, #a, ch_a_, ch_b_,	\
		    (double)(tol));					\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define SKIP(...) do {							\
	printf("SKIP: ");						\
	printf(__VA_ARGS__);						\
	putchar('\n');							\
	exit(77);							\
} while (0)

#define HARD(...) do {							\
	fprintf(stderr, "ERROR: ");					\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(99);							\
} while (0)

static inline int
harness_done(void)
{
	if (harness_failed) {
		fprintf(stderr, "%d of %d checks failed\n", harness_failed,
		    harness_checks);
		return 1;
	}
	printf("%d checks passed\n", harness_checks);
	return 0;
}

/*
 * The shared fixtures: $LOGITLENS_FIXTURES, else $top_srcdir/../shared/fixtures.
 * Returns an allocated path to fixtures/sub, or NULL if absent.
 */
static inline char *
harness_fixture(const char *sub)
{
	const char	*env = getenv("LOGITLENS_FIXTURES");
	const char	*top = getenv("top_srcdir");
	char		*path;
	struct stat	 sb;
	size_t		 n;

	if (top == NULL)
		top = ".";
	n = strlen(top) + strlen(sub) + 64 + (env ? strlen(env) : 0);
	if ((path = malloc(n)) == NULL)
		HARD("out of memory");
	if (env != NULL && *env != '\0')
		snprintf(path, n, "%s/%s", env, sub);
	else
		snprintf(path, n, "%s/../shared/fixtures/%s", top, sub);
	if (stat(path, &sb) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* $top_srcdir/rel, allocated. */
static inline char *
harness_srcpath(const char *rel)
{
	const char	*top = getenv("top_srcdir");
	char		*path;
	size_t		 n;

	if (top == NULL)
		top = ".";
	n = strlen(top) + strlen(rel) + 2;
	if ((path = malloc(n)) == NULL)
		HARD("out of memory");
	snprintf(path, n, "%s/%s", top, rel);
	return path;
}

/* A tensor of harness_write_st: its bytes as the file holds them. */
struct harness_tensor {
	char		 name[64];
	const char	*dtype;		/* "F32", "BF16", ... */
	int		 ndim;
	int64_t		 shape[2];
	const void	*data;
	size_t		 nbytes;
};

/* A safetensors file of the n tensors t, in order, without metadata. */
static inline void
harness_write_st(const char *path, const struct harness_tensor *t, int n)
{
	char	 hdr[65536];
	size_t	 len = 0, off = 0;
	uint64_t hl;
	FILE	*f;
	int	 i, j;

	len += (size_t)snprintf(hdr + len, sizeof hdr - len, "{");
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(hdr + len, sizeof hdr - len,
		    "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", i ? "," : "",
		    t[i].name, t[i].dtype);
		for (j = 0; j < t[i].ndim; j++)
			len += (size_t)snprintf(hdr + len, sizeof hdr - len,
			    "%s%lld", j ? "," : "", (long long)t[i].shape[j]);
		len += (size_t)snprintf(hdr + len, sizeof hdr - len,
		    "],\"data_offsets\":[%zu,%zu]}", off, off + t[i].nbytes);
		off += t[i].nbytes;
	}
	len += (size_t)snprintf(hdr + len, sizeof hdr - len, "}");
	while (len % 8 != 0)
		hdr[len++] = ' ';
	if (len >= sizeof hdr)
		HARD("header too long");
	if ((f = fopen(path, "wb")) == NULL)
		HARD("%s: cannot create", path);
	hl = len;	/* little-endian hosts only */
	fwrite(&hl, 8, 1, f);
	fwrite(hdr, 1, len, f);
	for (i = 0; i < n; i++)
		fwrite(t[i].data, 1, t[i].nbytes, f);
	if (fclose(f) != 0)
		HARD("%s: write error", path);
}

#endif
