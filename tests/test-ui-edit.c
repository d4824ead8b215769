/*
 * test-ui-edit.c: the prompt line editor and its history file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ui-edit.h"

#define LINE(e, s) CHECK((e)->len == strlen(s) && \
	memcmp((e)->buf, s, (e)->len) == 0, "got '%.*s', expected '%s'", \
	(int)(e)->len, (e)->buf, s)

static void
test_motion(void)
{
	struct ui_edit	e;

	ui_edit_init(&e, 10);
	ui_edit_insert(&e, "caf\xc3\xa9", 5);
	CHECK(e.cur == 5, "cur %zu", e.cur);
	ui_edit_left(&e);
	CHECK(e.cur == 3, "left over a 2-byte character: cur %zu", e.cur);
	ui_edit_insert(&e, "x", 1);
	LINE(&e, "cafx\xc3\xa9");
	ui_edit_right(&e);
	CHECK(e.cur == e.len, "right to the end: %zu", e.cur);
	ui_edit_right(&e);
	CHECK(e.cur == e.len, "right at the end stays");
	ui_edit_backspace(&e);
	LINE(&e, "cafx");
	ui_edit_home(&e);
	ui_edit_backspace(&e);
	LINE(&e, "cafx");
	ui_edit_delete(&e);
	LINE(&e, "afx");
	ui_edit_end(&e);
	CHECK(e.cur == 3, "end");
	ui_edit_free(&e);
}

static void
test_kill(void)
{
	struct ui_edit	e;

	ui_edit_init(&e, 10);
	ui_edit_set(&e, "Happy birthday  to you", 22);
	ui_edit_kill_word(&e);
	LINE(&e, "Happy birthday  to ");
	ui_edit_kill_word(&e);
	LINE(&e, "Happy birthday  ");
	ui_edit_kill_word(&e);
	LINE(&e, "Happy ");
	ui_edit_home(&e);
	ui_edit_right(&e);
	ui_edit_kill_end(&e);
	LINE(&e, "H");
	ui_edit_set(&e, "abc def", 7);
	ui_edit_word_left(&e);
	CHECK(e.cur == 4, "word left: %zu", e.cur);
	ui_edit_kill_start(&e);
	LINE(&e, "def");
	CHECK(e.cur == 0, "kill start leaves the cursor at 0");
	ui_edit_word_right(&e);
	CHECK(e.cur == 3, "word right: %zu", e.cur);
	ui_edit_free(&e);
}

static void
test_history(void)
{
	struct ui_edit	 e, f;
	char		 dir[] = "/tmp/test-ui-edit.XXXXXX", *path, *cause;

	ui_edit_init(&e, 3);
	ui_edit_hist_add(&e, "one", 3);
	ui_edit_hist_add(&e, "two\nlines \\", 11);
	ui_edit_hist_add(&e, "two\nlines \\", 11);
	ui_edit_hist_add(&e, "", 0);
	CHECK(e.nhist == 2, "repeats and empty lines skipped: %zu", e.nhist);
	ui_edit_hist_add(&e, "three", 5);
	ui_edit_hist_add(&e, "four", 4);
	CHECK(e.nhist == 3, "at most hist_max: %zu", e.nhist);

	ui_edit_set(&e, "draft", 5);
	CHECK(ui_edit_hist_prev(&e), "prev");
	LINE(&e, "four");
	ui_edit_hist_prev(&e);
	ui_edit_hist_prev(&e);
	LINE(&e, "two\nlines \\");
	CHECK(!ui_edit_hist_prev(&e), "no older entry");
	ui_edit_hist_next(&e);
	ui_edit_hist_next(&e);
	ui_edit_hist_next(&e);
	LINE(&e, "draft");
	CHECK(!ui_edit_hist_next(&e), "no newer entry");

	if (mkdtemp(dir) == NULL)
		HARD("mkdtemp");
	path = malloc(strlen(dir) + 32);
	sprintf(path, "%s/sub/history", dir);
	cause = NULL;
	CHECK(ui_edit_hist_save(&e, path, &cause) == 0, "save: %s", cause);
	ui_edit_init(&f, 10);
	CHECK(ui_edit_hist_load(&f, path, &cause) == 0, "load: %s", cause);
	CHECK(f.nhist == 3, "loaded %zu entries", f.nhist);
	if (f.nhist == 3) {
		CHECK(f.hist_len[0] == 11 &&
		    memcmp(f.hist[0], "two\nlines \\", 11) == 0,
		    "escapes round-trip: '%s'", f.hist[0]);
		CHECK(strcmp(f.hist[2], "four") == 0, "last: %s", f.hist[2]);
	}
	ui_edit_free(&f);
	ui_edit_init(&f, 10);
	sprintf(path, "%s/missing", dir);
	CHECK(ui_edit_hist_load(&f, path, &cause) == 0, "missing is fine");
	CHECK(f.nhist == 0, "nothing loaded");
	ui_edit_free(&f);
	sprintf(path, "%s/sub/history", dir);
	unlink(path);
	sprintf(path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	free(path);
	ui_edit_free(&e);
}

static void
write_file(const char *path, const char *s, size_t len)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL || fwrite(s, 1, len, f) != len || fclose(f) != 0)
		HARD("%s", path);
}

/* Any bytes round-trip; a file that does not parse loads nothing. */
static void
test_history_bad(void)
{
	static const char *const bad[] = { "one\nbad \\q\n", "one\ncut",
	    "one\nnul \0 byte\n", "one\nnot \xff utf-8\n", "one\n\\\n",
	    "one\n\\x4\n" };
	static const size_t	 badlen[] = { 11, 7, 15, 16, 6, 9 };
	static const char	 odd[] = "a\0b\x01\xe2\x82 \\x41 \xe2\x82\xac\t";
	char			 dir[] = "/tmp/test-ui-edit.XXXXXX", path[64];
	char			*cause = NULL, *aside = NULL;
	struct ui_edit		 e, f;
	size_t			 i;

	if (mkdtemp(dir) == NULL)
		HARD("mkdtemp");
	snprintf(path, sizeof path, "%s/history", dir);
	ui_edit_init(&e, 10);
	ui_edit_hist_add(&e, odd, sizeof odd - 1);
	CHECK(ui_edit_hist_save(&e, path, &cause) == 0, "save: %s", cause);
	ui_edit_init(&f, 10);
	CHECK(ui_edit_hist_load(&f, path, &cause) == 0, "load: %s", cause);
	CHECK(f.nhist == 1 && f.hist_len[0] == sizeof odd - 1 &&
	    memcmp(f.hist[0], odd, sizeof odd - 1) == 0,
	    "NUL, control and non-UTF-8 bytes round-trip");
	ui_edit_free(&f);
	ui_edit_free(&e);
	for (i = 0; i < sizeof badlen / sizeof badlen[0]; i++) {
		write_file(path, bad[i], badlen[i]);
		ui_edit_init(&f, 10);
		cause = NULL;
		CHECK(ui_edit_hist_load(&f, path, &cause) == -1,
		    "bad history %zu loaded", i);
		CHECK(cause != NULL && strstr(cause, "history:2: ") != NULL,
		    "bad history %zu: %s", i, cause);
		CHECK(f.nhist == 0, "bad history %zu: %zu entries", i, f.nhist);
		free(cause);
		ui_edit_free(&f);
	}
	CHECK(ui_edit_hist_aside(path, &aside, &cause) == 0, "aside: %s",
	    cause);
	CHECK(access(path, F_OK) != 0, "the bad history is still there");
	CHECK(aside != NULL && strncmp(aside, path, strlen(path)) == 0 &&
	    strncmp(aside + strlen(path), ".bad-", 5) == 0 &&
	    access(aside, F_OK) == 0, "set aside as %s", aside);
	if (aside != NULL)
		unlink(aside);
	free(aside);
	rmdir(dir);
}

int
main(void)
{
	test_motion();
	test_kill();
	test_history();
	test_history_bad();
	return (harness_done());
}
