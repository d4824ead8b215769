/*
 * test-kern.c: the kernel choice and its cache (kern.h), the cache file as
 * hostile input: garbage, unknown kernels, kernels this CPU cannot run and
 * a file too large are ignored (measured again and rewritten); other
 * machines' lines are kept; a valid line is trusted. The forward pass's
 * choice the same way, and its rule against its own measurement. The
 * measurement is checked for its invariants only (no timing is asserted).
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "kern.h"
#include "ops.h"
#include "util.h"

#define C_TEST	256	/* the narrowest width that is measured */

static char	*cache;		/* $XDG_CACHE_HOME/logitlens/kernels */

static void
put(const char *text, size_t len)
{
	FILE	*f;
	char	*dir = util_path(getenv("XDG_CACHE_HOME"), "logitlens");

	(void)mkdir(dir, 0700);
	free(dir);
	if ((f = fopen(cache, "w")) == NULL ||
	    fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write\n", cache);
		exit(99);
	}
}

static char *
get(void)
{
	char	*buf = NULL;
	size_t	 len;

	if (util_read_file(cache, 1 << 20, &buf, &len, NULL) != 0)
		return xstrdup("");
	return buf;
}

/* kern_choose with the cache holding text: how it chose, and checks. */
static const char *
choose(const char *what, const char *text, size_t len)
{
	struct kern_choice	 ch;
	char			*cause = NULL, *key, *line, *after;
	double			 best = 0;
	int			 k;

	if (text != NULL)
		put(text, len);
	CHECK(kern_choose(&ch, C_TEST, &cause) == 0, "%s: %s", what,
	    cause != NULL ? cause : "-1");
	free(cause);
	CHECK(ch.kernel != OPS_NT_AUTO && ops_nt_kernel_supported(ch.kernel) &&
	    ops_nt_kernel() == ch.kernel, "%s: kernel %s", what,
	    ops_nt_kernel_name(ch.kernel));
	/* Measured: the fastest of those measured, OpenBLAS's among them. */
	if (strcmp(ch.how, "measured") == 0) {
		for (k = 0; k < OPS_NT_NKERNELS; k++)
			best = ch.gflops[k] > best ? ch.gflops[k] : best;
		CHECK(ch.gflops[OPS_NT_BLAS] > 0, "%s: blas not measured",
		    what);
		CHECK(ch.gflops[ch.kernel] == best, "%s: %s at %g, best %g",
		    what, ops_nt_kernel_name(ch.kernel), ch.gflops[ch.kernel],
		    best);
	}
	/* Afterwards the cache holds this machine's line, and names it. */
	key = kern_key(C_TEST);
	line = get();
	after = xasprintf("\n%s", line);	/* a line's start: after a \n */
	free(line);
	line = xasprintf("\n%s\t%s\n", key, ops_nt_kernel_name(ch.kernel));
	CHECK(strstr(after, line) != NULL, "%s: no line for %s in\n%s",
	    what, ops_nt_kernel_name(ch.kernel), after);
	free(line);
	free(after);
	free(key);
	return ch.how;
}

static void
test_key(void)
{
	char	*key = kern_key(768), *cpu = kern_cpu_model();
	char	*feat = kern_cpu_features();

	CHECK(strchr(key, '\t') == NULL && strchr(key, '\n') == NULL,
	    "key '%s' has a tab or newline", key);
	CHECK(strstr(key, "C=768") != NULL && strstr(key, cpu) != NULL &&
	    strstr(key, feat) != NULL && strstr(key, ops_blas_core()) != NULL,
	    "key '%s' lacks C, CPU, features or BLAS", key);
	printf("# %s\n", key);
	free(key);
	free(cpu);
	free(feat);
}

static void
test_cache(void)
{
	char		*key = kern_key(C_TEST), *text, *after, big[70000];
	const char	*how;

	unlink(cache);
	CHECK(strcmp(how = choose("no cache", NULL, 0), "measured") == 0,
	    "no cache: %s", how);
	CHECK(strcmp(how = choose("again", NULL, 0), "cache") == 0,
	    "second run: %s", how);

	/* A valid line is trusted: blas runs everywhere. */
	text = xasprintf("%s\tblas\n", key);
	CHECK(strcmp(how = choose("blas", text, strlen(text)), "cache") == 0 &&
	    ops_nt_kernel() == OPS_NT_BLAS, "blas line: %s, %s", how,
	    ops_nt_kernel_name(ops_nt_kernel()));
	free(text);

	/* Hostile: each is ignored, measured again, replaced. */
	text = xasprintf("%s\tavx1024\n", key);
	CHECK(strcmp(choose("unknown kernel", text, strlen(text)),
	    "measured") == 0, "unknown kernel trusted");
	free(text);
	text = xasprintf("%s\tblas junk\n%s\n\t\t\n", key, key);
	CHECK(strcmp(choose("junk", text, strlen(text)), "measured") == 0,
	    "a kernel with junk trusted");
	free(text);
	text = xasprintf("%s\tauto\n", key);
	CHECK(strcmp(choose("auto", text, strlen(text)), "measured") == 0,
	    "auto trusted");
	free(text);
	CHECK(strcmp(choose("binary", "\0\377\t\n\tblas\n\0", 11),
	    "measured") == 0, "binary trusted");
	if (ops_nt_kernel_supported(OPS_NT_AVX2)) {
		text = xasprintf("%s\tportable\n", key);
		CHECK(strcmp(choose("portable", text, strlen(text)),
		    "measured") == 0, "portable (no candidate) trusted");
		free(text);
	}
	if (!ops_nt_kernel_supported(OPS_NT_AVX512)) {
		text = xasprintf("%s\tavx512\n", key);
		CHECK(strcmp(choose("avx512", text, strlen(text)),
		    "measured") == 0, "a kernel this CPU cannot run trusted");
		free(text);
	}
	memset(big, 'x', sizeof big);
	text = xasprintf("%s\tblas\n", key);
	memcpy(big, text, strlen(text));
	CHECK(strcmp(choose("too large", big, sizeof big), "measured") == 0,
	    "a file too large trusted");
	free(text);

	/* Other machines' lines are kept, ours replaced. */
	text = xasprintf("# header\nother machine\tavx2\n%s\tavx1024\n", key);
	choose("others", text, strlen(text));
	after = get();
	CHECK(strstr(after, "\nother machine\tavx2\n") != NULL &&
	    strstr(after, "avx1024") == NULL, "others: got\n%s", after);
	free(after);
	free(text);
	free(key);
}

static void
test_env(void)
{
	struct kern_choice	 ch;
	char			*cause = NULL;

	setenv("LOGITLENS_KERNEL", "portable", 1);
	CHECK(kern_choose(&ch, 768, &cause) == 0 &&
	    ch.kernel == OPS_NT_PORTABLE && ops_nt_kernel() == OPS_NT_PORTABLE,
	    "LOGITLENS_KERNEL=portable: %s", ops_nt_kernel_name(ch.kernel));
	setenv("LOGITLENS_KERNEL", "cpu", 1);
	CHECK(kern_choose(&ch, 768, &cause) == 0 &&
	    ops_nt_kernel_supported(ch.kernel) && ch.gflops[ch.kernel] == 0,
	    "LOGITLENS_KERNEL=cpu: %s", ops_nt_kernel_name(ch.kernel));
	setenv("LOGITLENS_KERNEL", "avx1024", 1);
	CHECK(kern_choose(&ch, 768, &cause) == -1 && cause != NULL &&
	    strstr(cause, "avx1024") != NULL &&
	    ops_nt_kernel_supported(ch.kernel), "LOGITLENS_KERNEL=avx1024: %s",
	    cause != NULL ? cause : "accepted");
	free(cause);
	unsetenv("LOGITLENS_KERNEL");
	/* Narrow models are not measured. */
	CHECK(kern_choose(&ch, 32, NULL) == 0 && ch.gflops[OPS_NT_BLAS] == 0 &&
	    strcmp(ch.how, "cache") != 0, "C=32: %s", ch.how);
}

/* The forward pass's choice (kern_forward) on an empty cache, then its. */
static void
test_forward(void)
{
	struct kern_forward	 fw, again;
	char			*cause = NULL, *text, *old;
	const char		*want;
	int			 limits;

	unlink(cache);
	CHECK(kern_forward(&fw, C_TEST, &cause) == 0, "kern_forward: %s",
	    cause);
	if (!ops_packed_supported()) {
		CHECK(fw.tmax == 0 && !fw.lens, "no packed kernel: tmax %d",
		    fw.tmax);
		return;
	}
	limits = fw.tmax == 0 || fw.tmax == INT_MAX;
	CHECK(strcmp(fw.how, "measured") == 0 && limits && (!fw.lens ||
	    fw.tmax == INT_MAX) && fw.ms[0][0] > 0 && fw.ms[1][2] > 0 &&
	    fw.lens_ms[0] > 0 && fw.lens_ms[1] > 0, "measured: %s, tmax %d",
	    fw.how, fw.tmax);
	/* The rule: packed when it won at 16 rows and over the three. */
	CHECK((fw.tmax == INT_MAX) == (fw.ms[1][0] < fw.ms[0][0] &&
	    fw.ms[1][0] + fw.ms[1][1] + fw.ms[1][2] <= fw.ms[0][0] +
	    fw.ms[0][1] + fw.ms[0][2]), "tmax %d against the times",
	    fw.tmax);
	want = fw.tmax == 0 ? "; forward\tblas\n" : fw.lens ?
	    "; forward\tpacked+lens\n" : "; forward\tpacked\n";
	text = get();
	CHECK(strstr(text, want) != NULL, "cache: %s", text);
	free(text);
	CHECK(kern_forward(&again, C_TEST, NULL) == 0 &&
	    strcmp(again.how, "cache") == 0 && again.tmax == fw.tmax &&
	    again.lens == fw.lens, "again: %s", again.how);
	/* A value of another format is measured again. */
	old = get();
	*strstr(old, "; forward\t") = '\0';
	text = xasprintf("%s; forward\tpacked:40\n", old);
	put(text, strlen(text));
	free(old);
	free(text);
	CHECK(kern_forward(&again, C_TEST, NULL) == 0 &&
	    strcmp(again.how, "measured") == 0, "packed:40: %s", again.how);
	/* A kernel the user names runs the lens: not packed, not kept. */
	unlink(cache);
	setenv("LOGITLENS_KERNEL", "portable", 1);
	CHECK(kern_forward(&again, C_TEST, NULL) == 0 && !again.lens &&
	    strstr(again.how, "not cached") != NULL, "LOGITLENS_KERNEL: %s",
	    again.how);
	text = get();
	CHECK(strstr(text, "; forward") == NULL, "kept: %s", text);
	free(text);
	unsetenv("LOGITLENS_KERNEL");
	setenv("LOGITLENS_FORWARD", "blas", 1);
	CHECK(kern_forward(&again, C_TEST, NULL) == 0 && again.tmax == 0 &&
	    !again.lens, "LOGITLENS_FORWARD=blas");
	setenv("LOGITLENS_FORWARD", "packed", 1);
	CHECK(kern_forward(&again, C_TEST, NULL) == 0 &&
	    again.tmax == INT_MAX && again.lens, "LOGITLENS_FORWARD=packed");
	setenv("LOGITLENS_FORWARD", "fast", 1);
	CHECK(kern_forward(&again, C_TEST, &cause) == -1 && cause != NULL &&
	    strstr(cause, "fast") != NULL && again.tmax == 0,
	    "LOGITLENS_FORWARD=fast: accepted");
	free(cause);
	unsetenv("LOGITLENS_FORWARD");
}

int
main(void)
{
	char	 dir[] = "/tmp/test-kern.XXXXXX", *sub;

	if (mkdtemp(dir) == NULL)
		return 99;
	setenv("XDG_CACHE_HOME", dir, 1);
	unsetenv("LOGITLENS_KERNEL");
	unsetenv("LOGITLENS_FORWARD");
	cache = kern_cache_path();
	CHECK(cache != NULL && strncmp(cache, dir, strlen(dir)) == 0,
	    "cache at %s", cache != NULL ? cache : "(none)");
	test_key();
	test_cache();
	test_env();
	test_forward();
	unlink(cache);
	sub = util_path(dir, "logitlens");
	rmdir(sub);
	rmdir(dir);
	free(sub);
	free(cache);
	return harness_done();
}
