/*
 * test-hub.c: the cache side of hub.c against fake cache trees in a
 * temporary directory: where the cache is, which snapshot a name resolves
 * to, what the errors say, and the order hub_pick tries. Downloads are
 * tested by hub.sh against a local server.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "hub.h"
#include "util.h"

static char	*root;

/* mkdir -p root/rel */
static void
mk(const char *rel)
{
	char	*p = xasprintf("%s/%s", root, rel), *s;

	for (s = p + strlen(root) + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (*s == '\0') {
			if (mkdir(p, 0777) != 0 && errno != EEXIST)
				HARD("mkdir %s: %s", p, strerror(errno));
			break;
		}
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			HARD("mkdir %s: %s", p, strerror(errno));
		*s = '/';
	}
	free(p);
}

/* root/rel with the given contents. */
static void
put(const char *rel, const char *text)
{
	char	*p = xasprintf("%s/%s", root, rel);
	FILE	*f;

	if ((f = fopen(p, "w")) == NULL)
		HARD("%s: %s", p, strerror(errno));
	fputs(text, f);
	fclose(f);
	free(p);
}

static void
link_to(const char *target, const char *rel)
{
	char	*p = xasprintf("%s/%s", root, rel);

	if (symlink(target, p) != 0)
		HARD("symlink %s: %s", p, strerror(errno));
	free(p);
}

/* A snapshot as huggingface_hub writes it: links into blobs/. */
static void
snapshot(const char *folder, const char *rev, int complete)
{
	char	*dir, *blob, *target, *link;

	dir = xasprintf("hub/%s/snapshots/%s", folder, rev);
	mk(dir);
	blob = xasprintf("hub/%s/blobs", folder);
	mk(blob);
	free(blob);
	blob = xasprintf("hub/%s/blobs/%s-config", folder, rev);
	put(blob, "{}");
	free(blob);
	link = xasprintf("%s/config.json", dir);
	target = xasprintf("../../blobs/%s-config", rev);
	link_to(target, link);
	free(target);
	free(link);
	if (complete) {
		blob = xasprintf("hub/%s/blobs/%s-weights", folder, rev);
		put(blob, "weights");
		free(blob);
	}
	/* Incomplete: the link dangles, as after a deleted blob. */
	link = xasprintf("%s/model.safetensors", dir);
	target = xasprintf("../../blobs/%s-weights", rev);
	link_to(target, link);
	free(target);
	free(link);
	free(dir);
}

static char *
expect(const char *folder, const char *rev)
{
	return xasprintf("%s/hub/%s/snapshots/%s", root, folder, rev);
}

static void
check_resolve(const char *name, const char *folder, const char *rev)
{
	char	*got, *want, *cause = NULL;

	want = expect(folder, rev);
	got = hub_resolve(name, &cause);
	CHECK(got != NULL && strcmp(got, want) == 0, "%s: got %s, want %s",
	    name, got != NULL ? got : cause, want);
	free(got);
	free(want);
	free(cause);
}

static void
check_fails(const char *name, const char *needle)
{
	char	*got, *cause = NULL;

	got = hub_resolve(name, &cause);
	CHECK(got == NULL, "%s resolved to %s", name, got);
	CHECK(cause != NULL && strstr(cause, needle) != NULL,
	    "%s: message '%s' lacks '%s'", name, cause, needle);
	free(got);
	free(cause);
}

static void
test_cache_dir(void)
{
	const struct {
		const char	*hub_cache, *hf_home, *xdg, *home;
		const char	*want;
	} cases[] = {
		{ "/a/hub", "/b", "/c", "/d", "/a/hub" },
		{ NULL, "/b", "/c", "/d", "/b/hub" },
		{ NULL, "/b/", "/c", "/d", "/b/hub" },
		{ "", "", "/c", "/d", "/c/huggingface/hub" },
		{ NULL, NULL, NULL, "/d", "/d/.cache/huggingface/hub" },
		{ "~/x", NULL, NULL, "/d", "/d/x" },
	};
	char	*got;
	size_t	 i;

#define SET(name, v) ((v) != NULL ? setenv(name, v, 1) : unsetenv(name))
	unsetenv("HUGGINGFACE_HUB_CACHE");
	for (i = 0; i < nitems(cases); i++) {
		SET("HF_HUB_CACHE", cases[i].hub_cache);
		SET("HF_HOME", cases[i].hf_home);
		SET("XDG_CACHE_HOME", cases[i].xdg);
		SET("HOME", cases[i].home);
		got = hub_cache_dir();
		CHECK(strcmp(got, cases[i].want) == 0, "case %zu: got %s, "
		    "want %s", i, got, cases[i].want);
		free(got);
	}
#undef SET
	unsetenv("HF_HUB_CACHE");
	unsetenv("XDG_CACHE_HOME");
}

static void
test_repo(void)
{
	const struct {
		const char	*name, *want;
	} cases[] = {
		{ "gpt2", "openai-community/gpt2" },
		{ "gpt2-medium", "openai-community/gpt2-medium" },
		{ "gpt2-large", "openai-community/gpt2-large" },
		{ "gpt2-xl", "openai-community/gpt2-xl" },
		{ "distilgpt2", "distilbert/distilgpt2" },
		{ "openai-community/gpt2", "openai-community/gpt2" },
		{ "me/my_model-1.0", "me/my_model-1.0" },
		{ "gpt3", NULL },
		{ "a/b/c", NULL },
		{ "../x", NULL },
		{ "a/..", NULL },
		{ "a--b/c", NULL },
		{ "/abs", NULL },
		{ "", NULL },
	};
	const char	*got;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		got = hub_repo(cases[i].name);
		CHECK((got == NULL && cases[i].want == NULL) ||
		    (got != NULL && cases[i].want != NULL &&
		    strcmp(got, cases[i].want) == 0), "%s: got %s, want %s",
		    cases[i].name, got ? got : "NULL",
		    cases[i].want ? cases[i].want : "NULL");
	}
}

static void
test_resolve(void)
{
	const char	*gpt2 = "models--openai-community--gpt2";
	char		*cache, *path, *got, *cause = NULL;
	struct timespec	 ts[2];

	cache = xasprintf("%s/hub", root);
	setenv("HF_HOME", root, 1);

	/* Empty cache: the message says how to download. */
	check_fails("gpt2", "run 'logitlens --download gpt2'");
	check_fails("gpt2", cache);
	check_fails("gpt7", "not a model name (gpt2, gpt2-medium");
	check_fails("me/none", "logitlens --download me/none");

	/* A directory is taken as it is; a file is not a model folder. */
	got = hub_resolve(root, &cause);
	CHECK(got != NULL && strcmp(got, root) == 0, "dir: %s", got);
	free(got);
	put("plain", "x");
	path = xasprintf("%s/plain", root);
	check_fails(path, "not a directory");
	free(path);

	/* Only the legacy folder. */
	snapshot("models--gpt2", "1111", 1);
	check_resolve("gpt2", "models--gpt2", "1111");
	check_resolve("openai-community/gpt2", "models--gpt2", "1111");

	/* The new folder wins, and refs/main picks among its snapshots. */
	snapshot(gpt2, "2222", 1);
	snapshot(gpt2, "3333", 1);
	mk("hub/models--openai-community--gpt2/refs");
	put("hub/models--openai-community--gpt2/refs/main", "2222");
	check_resolve("gpt2", gpt2, "2222");
	put("hub/models--openai-community--gpt2/refs/main", "3333\n");
	check_resolve("gpt2", gpt2, "3333");

	/* refs/main names an incomplete snapshot: the newest complete one. */
	snapshot(gpt2, "4444", 0);
	put("hub/models--openai-community--gpt2/refs/main", "4444");
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	path = expect(gpt2, "3333");
	utimensat(AT_FDCWD, path, ts, 0);
	free(path);
	check_resolve("gpt2", gpt2, "2222");

	/* refs/main must not escape snapshots/. */
	put("hub/models--openai-community--gpt2/refs/main", "../../..");
	check_resolve("gpt2", gpt2, "2222");

	/* Only incomplete snapshots: say so. */
	snapshot("models--openai-community--gpt2-xl", "5555", 0);
	check_fails("gpt2-xl", "no complete snapshot");
	check_fails("gpt2-xl", "logitlens --download gpt2-xl");

	/* distilgpt2 under its org, and an org/name repo id. */
	snapshot("models--distilbert--distilgpt2", "6666", 1);
	check_resolve("distilgpt2", "models--distilbert--distilgpt2", "6666");
	snapshot("models--me--tiny", "7777", 1);
	check_resolve("me/tiny", "models--me--tiny", "7777");

	/* HF_HUB_CACHE wins over HF_HOME. */
	setenv("HF_HUB_CACHE", "/nonexistent/hub", 1);
	check_fails("gpt2", "/nonexistent/hub");
	unsetenv("HF_HUB_CACHE");
	free(cache);
}

static void
test_pick(void)
{
	enum hub_source	 src = HUB_SOURCE_BUNDLED;
	char		*got, *want, *cause = NULL, *bundled;

	/* The fake cache of test_resolve holds gpt2 (snapshot 2222). */
	bundled = xasprintf("%s/bundled", root);
	mk("bundled");
	unsetenv("LOGITLENS_MODEL");

	got = hub_pick(root, "distilgpt2", bundled, &src, &cause);
	CHECK(got != NULL && strcmp(got, root) == 0 &&
	    src == HUB_SOURCE_FLAG, "flag: %s", got ? got : cause);
	free(got);

	setenv("LOGITLENS_MODEL", "me/tiny", 1);
	want = expect("models--me--tiny", "7777");
	got = hub_pick(NULL, "distilgpt2", bundled, &src, &cause);
	CHECK(got != NULL && strcmp(got, want) == 0 &&
	    src == HUB_SOURCE_ENV, "env: %s", got ? got : cause);
	free(got);
	free(want);

	/* A given choice that fails is an error, not a fall-through. */
	setenv("LOGITLENS_MODEL", "gpt2-xl", 1);
	got = hub_pick(NULL, "distilgpt2", bundled, &src, &cause);
	CHECK(got == NULL && cause != NULL &&
	    strncmp(cause, "$LOGITLENS_MODEL: ", 18) == 0,
	    "env error: %s", got ? got : cause);
	free(got);
	free(cause);
	cause = NULL;
	unsetenv("LOGITLENS_MODEL");

	want = expect("models--distilbert--distilgpt2", "6666");
	got = hub_pick("", "distilgpt2", bundled, &src, &cause);
	CHECK(got != NULL && strcmp(got, want) == 0 &&
	    src == HUB_SOURCE_CONFIG, "config: %s", got ? got : cause);
	free(got);
	free(want);

	want = expect("models--openai-community--gpt2", "2222");
	got = hub_pick(NULL, NULL, bundled, &src, &cause);
	CHECK(got != NULL && strcmp(got, want) == 0 &&
	    src == HUB_SOURCE_CACHE, "cache: %s", got ? got : cause);
	CHECK(strcmp(hub_source_name(src), "the Hugging Face cache") == 0,
	    "name %s", hub_source_name(src));
	free(got);
	free(want);

	/* An empty cache: the bundled model, then nothing. */
	setenv("HF_HUB_CACHE", "/nonexistent/hub", 1);
	got = hub_pick(NULL, NULL, bundled, &src, &cause);
	CHECK(got != NULL && strcmp(got, bundled) == 0 &&
	    src == HUB_SOURCE_BUNDLED, "bundled: %s", got ? got : cause);
	free(got);
	got = hub_pick(NULL, NULL, "/nonexistent/bundled", &src, &cause);
	CHECK(got == NULL && cause != NULL &&
	    strstr(cause, "logitlens --download gpt2") != NULL,
	    "nothing: %s", got ? got : cause);
	free(got);
	free(cause);
	unsetenv("HF_HUB_CACHE");
	free(bundled);
}

int
main(void)
{
	char	 tmpl[] = "/tmp/test-hub.XXXXXX";
	char	*cmd;

	if ((root = mkdtemp(tmpl)) == NULL)
		HARD("mkdtemp: %s", strerror(errno));
	test_cache_dir();
	test_repo();
	test_resolve();
	test_pick();
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	free(cmd);
	return harness_done();
}
