/*
 * test-session.c: sessions written and read back, field by field, awkward
 * prompts included; errors name file:line:col.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "session.h"
#include "util.h"

static void
fill(struct session *s, const char *prompt, size_t len)
{
	static const int	ids[] = { 262, 0, 50256 };

	session_init(s);
	s->prompt = xmalloc(len + 1);
	memcpy(s->prompt, prompt, len);
	s->prompt[len] = '\0';
	s->prompt_len = len;
	s->row = xstrdup("h.3.attn");
	s->pos = 7;
	s->tracked = xreallocarray(NULL, 3, sizeof *s->tracked);
	memcpy(s->tracked, ids, sizeof ids);
	s->ntracked = 3;
	s->metric = xstrdup("track-prob");
	s->palette = xstrdup("magma");
	s->panel = xstrdup("candidates");
	s->final_on_top = 0;
	s->sublayers = 1;
	s->delta = 1;
	s->mask = 0;
	s->tuned = 1;
	/* Prompt B: the same bytes and one more; the logit difference. */
	s->compare = xmalloc(len + 2);
	memcpy(s->compare, prompt, len);
	s->compare[len] = '!';
	s->compare[len + 1] = '\0';
	s->compare_len = len + 1;
	s->diff[0] = 13;
	s->diff[1] = 262;
	s->grid_b = 1;
}

static void
round_trip(const char *what, const char *prompt, size_t len)
{
	struct session	a, b;
	char		*text, *cause = NULL;
	size_t		 n;

	fill(&a, prompt, len);
	text = session_dump(&a, &n);
	session_init(&b);
	if (session_parse(&b, text, n, "s.yaml", &cause) != 0) {
		CHECK(0, "%s: %s\n%s", what, cause, text);
		free(cause);
		free(text);
		session_clear(&a);
		return;
	}
	CHECK(b.prompt_len == len && memcmp(b.prompt, prompt, len) == 0,
	    "%s: prompt of %zu bytes back as %zu\n%s", what, len, b.prompt_len,
	    text);
	CHECK(b.row != NULL && strcmp(b.row, "h.3.attn") == 0, "%s: row",
	    what);
	CHECK(b.pos == 7, "%s: position %d", what, b.pos);
	CHECK(b.ntracked == 3 && b.tracked[0] == 262 && b.tracked[1] == 0 &&
	    b.tracked[2] == 50256, "%s: tracked", what);
	CHECK(strcmp(b.metric, "track-prob") == 0, "%s: metric", what);
	CHECK(strcmp(b.palette, "magma") == 0, "%s: palette", what);
	CHECK(strcmp(b.panel, "candidates") == 0, "%s: panel", what);
	CHECK(b.final_on_top == 0 && b.sublayers == 1 && b.delta == 1 &&
	    b.mask == 0 && b.tuned == 1, "%s: flags", what);
	CHECK(b.compare != NULL && b.compare_len == len + 1 &&
	    memcmp(b.compare, prompt, len) == 0 && b.compare[len] == '!',
	    "%s: prompt B of %zu bytes back as %zu\n%s", what, len + 1,
	    b.compare_len, text);
	CHECK(b.diff[0] == 13 && b.diff[1] == 262, "%s: logit_diff", what);
	CHECK(b.grid_b == 1, "%s: grid_b", what);
	free(text);
	session_clear(&a);
	session_clear(&b);
}

/* The file shows non-UTF-8 bytes as \xNN escapes. */
static void
test_escapes(void)
{
	struct session	s;
	char		*text;
	size_t		 n;

	fill(&s, "a\xe2\x82 \xff", 5);
	text = session_dump(&s, &n);
	CHECK(strstr(text, "prompt_bytes: \"a\\xE2\\x82 \\xFF\"") != NULL,
	    "escaped bytes:\n%s", text);
	CHECK(strstr(text, "\nprompt:") == NULL && strncmp(text, "prompt:",
	    7) != 0, "no prompt key too");
	CHECK(strstr(text, "compare_bytes: \"a\\xE2\\x82 \\xFF!\"") != NULL &&
	    strstr(text, "\ncompare:") == NULL, "prompt B as bytes:\n%s",
	    text);
	free(text);
	session_clear(&s);
	fill(&s, "caf\xc3\xa9\n", 6);
	text = session_dump(&s, &n);
	CHECK(strstr(text, "prompt: \"caf\xc3\xa9\\n\"") != NULL,
	    "UTF-8 as is, newline escaped:\n%s", text);
	free(text);
	session_clear(&s);
}

static void
bad(const char *text, const char *want)
{
	struct session	 s;
	char		*cause = NULL;

	session_init(&s);
	if (session_parse(&s, text, strlen(text), "s.yaml", &cause) == 0) {
		CHECK(0, "accepted: %s", text);
		session_clear(&s);
		return;
	}
	CHECK(strcmp(cause, want) == 0, "got '%s', expected '%s'", cause,
	    want);
	CHECK(s.prompt == NULL && s.row == NULL, "nothing kept");
	free(cause);
}

static void
test_errors(void)
{
	bad("prompt: a\ncolour: red\n", "s.yaml:2:1: unknown key 'colour'");
	bad("position: -1\n", "s.yaml:1:11: position: expected a "
	    "non-negative integer, got '-1'");
	bad("delta: maybe\n", "s.yaml:1:8: delta: expected true or false, "
	    "got 'maybe'");
	bad("tracked: [1, x]\n", "s.yaml:1:14: tracked: expected a "
	    "non-negative integer, got 'x'");
	bad("tracked: 5\n", "s.yaml:1:10: tracked: expected a list of token "
	    "ids");
	bad("row: [a]\n", "s.yaml:1:6: row: expected a scalar");
	bad("- a\n", "s.yaml:1:1: expected a mapping of session keys");
	bad("prompt_bytes: \"\\u0100\"\n", "s.yaml:1:15: prompt_bytes: a "
	    "character past U+00FF is not a byte");
	bad("compare_bytes: \"\\u0100\"\n", "s.yaml:1:16: compare_bytes: a "
	    "character past U+00FF is not a byte");
	bad("logit_diff: [1]\n", "s.yaml:1:13: logit_diff: expected a list of "
	    "two token ids");
	bad("logit_diff: [1, -2]\n", "s.yaml:1:17: logit_diff: expected a "
	    "non-negative integer, got '-2'");
	bad("prompt: \"a\n", "s.yaml:2:1: found unexpected end of stream "
	    "(while scanning a quoted scalar at line 1, column 9)");
}

static void
test_file(void)
{
	struct session	 a, b;
	char		 dir[] = "/tmp/test-session.XXXXXX", *path, *cause = NULL;

	if (mkdtemp(dir) == NULL)
		HARD("mkdtemp");
	path = util_path(dir, "s.yaml");
	fill(&a, "x", 1);
	CHECK(session_save(&a, path, &cause) == 0, "save: %s", cause);
	session_init(&b);
	CHECK(session_load(&b, path, &cause) == 0, "load: %s", cause);
	CHECK(b.prompt_len == 1 && b.pos == 7, "file round trip");
	session_clear(&b);
	free(path);
	path = util_path(dir, "no/such/dir/s.yaml");
	CHECK(session_save(&a, path, &cause) == -1 && strstr(cause,
	    "no/such/dir/s.yaml: ") != NULL, "save into a missing dir");
	free(cause);
	cause = NULL;
	CHECK(session_load(&b, path, &cause) == -1, "load a missing file");
	free(cause);
	free(path);
	path = util_path(dir, "s.yaml");
	unlink(path);
	free(path);
	rmdir(dir);
	session_clear(&a);
}

/*
 * Special files: a FIFO is refused at once when loading; saving to a
 * device node writes through it (the node stays, /dev/full's error is
 * said), never renames a file over it; a FIFO with no reader is refused.
 * The nodes are made with mknod in a temporary directory (as root).
 */
static void
test_special(void)
{
	struct session	 a, b;
	struct stat	 sb;
	char		 dir[] = "/tmp/test-session.XXXXXX", *path, *cause = NULL;
	char		*want;

	if (mkdtemp(dir) == NULL)
		HARD("mkdtemp");
	fill(&a, "x", 1);
	session_init(&b);
	path = util_path(dir, "fifo.yaml");
	if (mkfifo(path, 0600) != 0)
		HARD("mkfifo");
	CHECK(session_load(&b, path, &cause) == -1, "FIFO loaded");
	want = xasprintf("%s: not a regular file (a FIFO)", path);
	CHECK(cause != NULL && strcmp(cause, want) == 0, "FIFO: %s", cause);
	free(want);
	free(cause);
	cause = NULL;
	CHECK(session_save(&a, path, &cause) == -1 && cause != NULL &&
	    strstr(cause, "a FIFO with no reader") != NULL, "FIFO saved: %s",
	    cause != NULL ? cause : "");
	CHECK(stat(path, &sb) == 0 && S_ISFIFO(sb.st_mode), "FIFO replaced");
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	path = util_path(dir, "full");
	if (mknod(path, S_IFCHR | 0600, makedev(1, 7)) == 0) {
		CHECK(session_save(&a, path, &cause) == -1 && cause != NULL &&
		    strstr(cause, "No space left on device") != NULL,
		    "saved to full: %s", cause != NULL ? cause : "");
		CHECK(stat(path, &sb) == 0 && S_ISCHR(sb.st_mode),
		    "full replaced by a file");
		free(cause);
		cause = NULL;
		unlink(path);
		free(path);
		path = util_path(dir, "null");
		if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) != 0)
			HARD("mknod null");
		CHECK(session_save(&a, path, &cause) == 0, "saved to null: %s",
		    cause);
		CHECK(stat(path, &sb) == 0 && S_ISCHR(sb.st_mode),
		    "null replaced by a file");
		unlink(path);
	} else
		printf("# no mknod (not root): device nodes not tried\n");
	free(path);
	rmdir(dir);
	session_clear(&a);
}

/* YAML bombs: bounded before a document is built. */
static void
test_bombs(void)
{
	size_t	 n = 100000, i, len = 0;
	char	*text, *want;

	text = xmalloc(10 + 2 * n + 2);
	memcpy(text, "tracked: ", 9);
	memset(text + 9, '[', n);
	memset(text + 9 + n, ']', n);
	strcpy(text + 9 + 2 * n, "\n");
	/* The root is level 1, the 15th '[' (column 10 + 14) level 17. */
	bad(text, "s.yaml:1:25: nested more than 16 levels deep");
	free(text);
	n = 300000;
	text = xmalloc(8 * n + 16);
	len += (size_t)sprintf(text, "tracked: [");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "1, ");
	strcpy(text + len, "1]\n");
	/*
	 * Values 1 to 3 are the root, the key and the list; item j is value
	 * 4 + j, at column 11 + 3 j: item 199997 is the 200001st.
	 */
	want = xasprintf("s.yaml:1:%d: more than 200000 values (aliases "
	    "counted as what they stand for): too large", 11 + 3 * 199997);
	bad(text, want);
	free(want);
	free(text);
}

int
main(void)
{
	static const char	nul[] = "a\0b";
	struct session		s;
	char			*text;
	size_t			 n;

	round_trip("plain", "Happy birthday", 14);
	round_trip("empty", "", 0);
	round_trip("NUL", nul, 3);
	round_trip("newlines, tab, quote, backslash", "a\nb\r\n\t\"\\'#: -",
	    13);
	round_trip("invalid UTF-8", "\xe2\x82 caf\xc3\xa9 \xff\x80", 11);
	round_trip("controls and DEL", "\x01\x1b[31m\x7f", 7);
	round_trip("C1 and BOM", "\xc2\x85\xef\xbb\xbf\xe2\x80\xa8", 8);
	round_trip("leading space, YAML words", " null", 5);
	test_escapes();
	test_errors();
	test_file();
	test_special();
	test_bombs();
	/* Unset fields stay unset. */
	session_init(&s);
	text = session_dump(&s, &n);
	session_clear(&s);
	CHECK(session_parse(&s, text, n, "s", NULL) == 0 && s.prompt == NULL &&
	    s.pos == -1 && s.delta == -1 && s.metric == NULL &&
	    s.compare == NULL && s.diff[0] == -1 && s.diff[1] == -1 &&
	    s.grid_b == -1,
	    "empty: %s", text);
	free(text);
	session_clear(&s);
	return (harness_done());
}
