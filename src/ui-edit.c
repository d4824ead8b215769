/*
 * ui-edit.c: the prompt line editor and its history.
 *
 * Owns a byte buffer, a cursor and the history list. Refuses to know about
 * curses, keys or the screen: ui.c maps keys to these calls.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui-edit.h"
#include "util.h"

static int
ui_edit_cont(unsigned char c)
{
	return ((c & 0xc0) == 0x80);
}

/* Offset of the character boundary before off. */
static size_t
ui_edit_prev(const struct ui_edit *e, size_t off)
{
	size_t	n = 0;

	if (off == 0)
		return (0);
	off--;
	while (off > 0 && n < 3 && ui_edit_cont(e->buf[off])) {
		off--;
		n++;
	}
	return (off);
}

/* Offset of the character boundary after off. */
static size_t
ui_edit_next(const struct ui_edit *e, size_t off)
{
	int	l;

	if (off >= e->len)
		return (e->len);
	l = util_utf8_len((const unsigned char *)e->buf + off, e->len - off);
	if (l < 1)
		l = 1;
	return (off + l);
}

static void
ui_edit_reserve(struct ui_edit *e, size_t add)
{
	if (e->len + add + 1 <= e->size)
		return;
	while (e->size < e->len + add + 1)
		e->size = e->size ? e->size * 2 : 64;
	e->buf = xreallocarray(e->buf, 1, e->size);
}

/* Removes bytes [from, to) and leaves the cursor at from. */
static void
ui_edit_cut(struct ui_edit *e, size_t from, size_t to)
{
	memmove(e->buf + from, e->buf + to, e->len - to);
	e->len -= to - from;
	e->buf[e->len] = '\0';
	e->cur = from;
}

void
ui_edit_init(struct ui_edit *e, size_t hist_max)
{
	memset(e, 0, sizeof *e);
	e->hist_max = hist_max;
	ui_edit_reserve(e, 0);
	e->buf[0] = '\0';
}

void
ui_edit_free(struct ui_edit *e)
{
	size_t	i;

	for (i = 0; i < e->nhist; i++)
		free(e->hist[i]);
	free(e->hist);
	free(e->hist_len);
	free(e->saved);
	free(e->buf);
	memset(e, 0, sizeof *e);
}

void
ui_edit_set(struct ui_edit *e, const char *s, size_t len)
{
	e->len = e->cur = 0;
	ui_edit_insert(e, s, len);
}

void
ui_edit_insert(struct ui_edit *e, const char *s, size_t len)
{
	ui_edit_reserve(e, len);
	memmove(e->buf + e->cur + len, e->buf + e->cur, e->len - e->cur);
	memcpy(e->buf + e->cur, s, len);
	e->len += len;
	e->cur += len;
	e->buf[e->len] = '\0';
}

void
ui_edit_left(struct ui_edit *e)
{
	e->cur = ui_edit_prev(e, e->cur);
}

void
ui_edit_right(struct ui_edit *e)
{
	e->cur = ui_edit_next(e, e->cur);
}

void
ui_edit_home(struct ui_edit *e)
{
	e->cur = 0;
}

void
ui_edit_end(struct ui_edit *e)
{
	e->cur = e->len;
}

void
ui_edit_backspace(struct ui_edit *e)
{
	if (e->cur > 0)
		ui_edit_cut(e, ui_edit_prev(e, e->cur), e->cur);
}

void
ui_edit_delete(struct ui_edit *e)
{
	size_t	cur = e->cur;

	if (cur < e->len)
		ui_edit_cut(e, cur, ui_edit_next(e, cur));
}

void
ui_edit_kill_end(struct ui_edit *e)
{
	ui_edit_cut(e, e->cur, e->len);
}

void
ui_edit_kill_start(struct ui_edit *e)
{
	ui_edit_cut(e, 0, e->cur);
}

static int
ui_edit_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\n');
}

void
ui_edit_word_left(struct ui_edit *e)
{
	size_t	off = e->cur;

	while (off > 0 && ui_edit_space(e->buf[off - 1]))
		off--;
	while (off > 0 && !ui_edit_space(e->buf[off - 1]))
		off--;
	e->cur = off;
}

void
ui_edit_word_right(struct ui_edit *e)
{
	size_t	off = e->cur;

	while (off < e->len && ui_edit_space(e->buf[off]))
		off++;
	while (off < e->len && !ui_edit_space(e->buf[off]))
		off++;
	e->cur = off;
}

/* Readline's unix-word-rubout: back over spaces, then over a word. */
void
ui_edit_kill_word(struct ui_edit *e)
{
	size_t	end = e->cur;

	ui_edit_word_left(e);
	ui_edit_cut(e, e->cur, end);
}

void
ui_edit_hist_add(struct ui_edit *e, const char *s, size_t len)
{
	size_t	n = e->nhist;

	e->hist_pos = n;
	if (len == 0 || e->hist_max == 0)
		return;
	if (n > 0 && e->hist_len[n - 1] == len &&
	    memcmp(e->hist[n - 1], s, len) == 0)
		return;
	if (n == e->hist_max) {
		free(e->hist[0]);
		memmove(e->hist, e->hist + 1, (n - 1) * sizeof *e->hist);
		memmove(e->hist_len, e->hist_len + 1,
		    (n - 1) * sizeof *e->hist_len);
		n--;
	}
	e->hist = xreallocarray(e->hist, n + 1, sizeof *e->hist);
	e->hist_len = xreallocarray(e->hist_len, n + 1, sizeof *e->hist_len);
	e->hist[n] = xmalloc(len + 1);	/* the prompt may hold NUL bytes */
	memcpy(e->hist[n], s, len);
	e->hist[n][len] = '\0';
	e->hist_len[n] = len;
	e->nhist = e->hist_pos = n + 1;
}

int
ui_edit_hist_prev(struct ui_edit *e)
{
	if (e->hist_pos > e->nhist)
		e->hist_pos = e->nhist;
	if (e->hist_pos == 0)
		return (0);
	if (e->hist_pos == e->nhist) {
		free(e->saved);
		e->saved = xmalloc(e->len + 1);
		memcpy(e->saved, e->buf, e->len + 1);
		e->saved_len = e->len;
	}
	e->hist_pos--;
	ui_edit_set(e, e->hist[e->hist_pos], e->hist_len[e->hist_pos]);
	return (1);
}

int
ui_edit_hist_next(struct ui_edit *e)
{
	if (e->hist_pos >= e->nhist)
		return (0);
	e->hist_pos++;
	if (e->hist_pos == e->nhist) {
		ui_edit_set(e, e->saved ? e->saved : "", e->saved_len);
		return (1);
	}
	ui_edit_set(e, e->hist[e->hist_pos], e->hist_len[e->hist_pos]);
	return (1);
}

static int
ui_edit_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Unescapes one history line in place (\n, \\, \xNN); its new length, or
 * -1 and *cause when the line is not what ui_edit_hist_save writes: an
 * unknown escape, a control byte, a byte that is not UTF-8.
 */
static ssize_t
ui_edit_unescape(char *s, size_t len, char **cause)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, o = 0;
	int			 l, h1, h2;

	for (i = 0; i < len; i += l) {
		l = 1;
		if (s[i] == '\\') {
			if (i + 1 < len && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
				s[o++] = s[i + 1] == 'n' ? '\n' : '\\';
				l = 2;
				continue;
			}
			if (i + 3 < len && s[i + 1] == 'x' &&
			    (h1 = ui_edit_hex(s[i + 2])) != -1 &&
			    (h2 = ui_edit_hex(s[i + 3])) != -1) {
				s[o++] = (char)(h1 << 4 | h2);
				l = 4;
				continue;
			}
			return (util_fail(cause, "column %zu: invalid escape",
			    i + 1));
		}
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return (util_fail(cause, "column %zu: control byte "
			    "0x%02x", i + 1, u[i]));
		if ((l = util_utf8_len(u + i, len - i)) == 0)
			return (util_fail(cause, "column %zu: not UTF-8",
			    i + 1));
		memmove(s + o, s + i, (size_t)l);
		o += (size_t)l;
	}
	return ((ssize_t)o);
}

/* All lines or none: a file that does not parse adds nothing. */
int
ui_edit_hist_load(struct ui_edit *e, const char *path, char **cause)
{
	struct ui_edit	 tmp;
	char		*buf, *line, *nl, *why = NULL;
	size_t		 len, i, n = 1;
	ssize_t		 l;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return (0);
	if (util_read_file(path, UI_EDIT_HIST_MAX, &buf, &len, cause) != 0)
		return (-1);
	ui_edit_init(&tmp, e->hist_max);
	for (line = buf; line < buf + len; line = nl + 1, n++) {
		if ((nl = memchr(line, '\n', buf + len - line)) == NULL) {
			util_fail(&why, "cut short (no newline)");
			break;
		}
		if ((l = ui_edit_unescape(line, nl - line, &why)) == -1)
			break;
		ui_edit_hist_add(&tmp, line, (size_t)l);
	}
	free(buf);
	if (why != NULL) {
		util_fail(cause, "%s:%zu: %s", path, n, why);
		free(why);
		ui_edit_free(&tmp);
		return (-1);
	}
	for (i = 0; i < tmp.nhist; i++)
		ui_edit_hist_add(e, tmp.hist[i], tmp.hist_len[i]);
	ui_edit_free(&tmp);
	return (0);
}

int
ui_edit_hist_aside(const char *path, char **aside, char **cause)
{
	struct stat	 sb;
	char		*to;
	long long	 now = (long long)time(NULL);
	int		 i;

	if (lstat(path, &sb) != 0)
		return (util_fail(cause, "%s: %s", path, strerror(errno)));
	if (!S_ISREG(sb.st_mode))
		return (util_fail(cause, "%s: not a regular file", path));
	for (i = 0; i < 100; i++) {
		to = i == 0 ? xasprintf("%s.bad-%lld", path, now) :
		    xasprintf("%s.bad-%lld-%d", path, now, i);
		if (access(to, F_OK) != 0 && errno == ENOENT)
			break;
		free(to);
		to = NULL;
	}
	if (to == NULL)
		return (util_fail(cause, "%s: too many set-aside copies", path));
	if (rename(path, to) != 0) {
		util_fail(cause, "%s: %s", to, strerror(errno));
		free(to);
		return (-1);
	}
	*aside = to;
	return (0);
}

/* Escapes what a line cannot hold: newlines, control bytes, non-UTF-8. */
static void
ui_edit_write_escaped(FILE *f, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i;
	int			 l;

	for (i = 0; i < len; i += l) {
		l = util_utf8_len(u + i, len - i);
		if (s[i] == '\n')
			fputs("\\n", f);
		else if (s[i] == '\\')
			fputs("\\\\", f);
		else if (l == 0 || (u[i] < 0x20 && u[i] != '\t') ||
		    u[i] == 0x7f)
			fprintf(f, "\\x%02x", u[i]);
		else {
			fwrite(s + i, 1, (size_t)l, f);
			continue;
		}
		l = 1;
	}
	fputc('\n', f);
}

/* mkdir -p of path's directory. */
static void
ui_edit_mkdirs(const char *path)
{
	char	*dir = xstrdup(path), *p;

	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(dir, 0700);
		*p = '/';
	}
	free(dir);
}

int
ui_edit_hist_save(const struct ui_edit *e, const char *path, char **cause)
{
	char	*tmp;
	FILE	*f;
	size_t	 i;

	ui_edit_mkdirs(path);
	if ((f = util_atomic_open(path, 0600, &tmp, cause)) == NULL)
		return (-1);
	for (i = 0; i < e->nhist; i++)
		ui_edit_write_escaped(f, e->hist[i], e->hist_len[i]);
	return (util_atomic_close(f, tmp, path, 0, cause));
}
