/*
 * harness.h: the few macros every test program shares.
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

#endif
