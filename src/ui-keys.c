/*
 * ui-keys.c: the key table and the key names of the config file.
 *
 * Owns which key does what; the help screen is generated from ui_keys_table.
 * Refuses to know what an action does: ui-action.c performs them.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "ui-keys.h"
#include "ui-palette.h"
#include "util.h"

static const struct {
	int		 action;
	const char	*name;
	const char	*keys;		/* default keys, names separated by ' ' */
	const char	*help;
} ui_keys_table[] = {
	{ UI_A_QUIT, "quit", "q", "quit (or close help)" },
	{ UI_A_HELP, "help", "? F1", "this help" },
	{ UI_A_CANCEL, "cancel", "Esc C-c", "close, cancel" },
	{ UI_A_LEFT, "left", "h Left", "previous position" },
	{ UI_A_RIGHT, "right", "l Right", "next position" },
	{ UI_A_UP, "up", "k Up", "layer above" },
	{ UI_A_DOWN, "down", "j Down", "layer below" },
	{ UI_A_PAGE_UP, "page-up", "PgUp", "a page up" },
	{ UI_A_PAGE_DOWN, "page-down", "PgDn", "a page down" },
	{ UI_A_HALF_UP, "half-up", "C-u", "half a page up" },
	{ UI_A_HALF_DOWN, "half-down", "C-d", "half a page down" },
	{ UI_A_FIRST_LAYER, "first-layer", "g Home", "first layer (embed)" },
	{ UI_A_LAST_LAYER, "last-layer", "G End", "last layer" },
	{ UI_A_FIRST_POS, "first-pos", "0", "first position" },
	{ UI_A_LAST_POS, "last-pos", "$", "last position" },
	{ UI_A_SEARCH, "search", "/",
	    "search input, top-1 and top-k tokens" },
	{ UI_A_SEARCH_NEXT, "search-next", "n", "next match" },
	{ UI_A_SEARCH_PREV, "search-prev", "N", "previous match" },
	{ UI_A_METRIC_NEXT, "metric-next", "m", "next metric" },
	{ UI_A_METRIC_PREV, "metric-prev", "M", "previous metric" },
	/* Metrics: their keys and help come from metric.h's table. */
	{ UI_A_METRIC_0 + 0, "metric-prob", NULL, NULL },
	{ UI_A_METRIC_0 + 1, "metric-final-prob", NULL, NULL },
	{ UI_A_METRIC_0 + 2, "metric-final-logit", NULL, NULL },
	{ UI_A_METRIC_0 + 3, "metric-final-rank", NULL, NULL },
	{ UI_A_METRIC_0 + 4, "metric-next-rank", NULL, NULL },
	{ UI_A_METRIC_0 + 5, "metric-next-prob", NULL, NULL },
	{ UI_A_METRIC_0 + 6, "metric-kl", NULL, NULL },
	{ UI_A_METRIC_0 + 7, "metric-entropy", NULL, NULL },
	{ UI_A_METRIC_0 + 8, "metric-track-prob", NULL, NULL },
	{ UI_A_METRIC_0 + 9, "metric-tuned-kl", NULL, NULL },
	{ UI_A_METRIC_0 + 10, "metric-track-rank", NULL, NULL },
	{ UI_A_METRIC_0 + 11, "metric-surprisal", NULL, NULL },
	{ UI_A_METRIC_0 + 12, "metric-logit-diff", NULL, NULL },
	{ UI_A_METRIC_0 + 13, "metric-logit-diff-change", NULL, NULL },
	{ UI_A_METRIC_0 + 14, "metric-compare-kl", NULL, NULL },
	{ UI_A_METRIC_0 + 15, "metric-compare-js", NULL, NULL },
	{ UI_A_METRIC_0 + 16, "metric-compare-tv", NULL, NULL },
	{ UI_A_DELTA, "delta", "d", "delta: change from the row below" },
	{ UI_A_MASK, "mask", "x", "mask tokens copied from the input" },
	{ UI_A_PALETTE, "palette-next", "p", "next palette" },
	{ UI_A_FLIP, "flip", "f", "final on top/bottom" },
	{ UI_A_SUBLAYERS, "sublayers", "a", "attn sub-block rows" },
	{ UI_A_ASCII, "ascii", "A", "ASCII glyphs on/off" },
	{ UI_A_VIEW, "panel-view", "c",
	    "panel: top-k/candidates/attribution/tracked" },
	{ UI_A_TRACK, "track", "Enter", "track the selected token" },
	{ UI_A_TRACK_TYPE, "track-type", "T", "track a token typed in" },
	{ UI_A_UNTRACK, "untrack", "u", "stop tracking the grid's token" },
	{ UI_A_TRACK_NEXT, "track-next", "]", "grid: next tracked token" },
	{ UI_A_STEP, "step", "s >", "append the final top-1 (greedy, re-tokenised)" },
	{ UI_A_TUNED, "tuned", "t", "logit / tuned / Jacobian lens" },
	{ UI_A_SAVE, "session-save", "S", "save the session (YAML)" },
	{ UI_A_OPEN, "session-open", "O", "open a saved session" },
	{ UI_A_EXPORT, "export-svg", "w", "write the view as SVG" },
	{ UI_A_PATCH, "patch-view", "P",
	    "patching view: lens / patching grid" },
	{ UI_A_PATCH_PROMPT, "patch-prompt", "B",
	    "patching: the corrupted prompt" },
	{ UI_A_PATCH_DIR, "patch-direction", "D",
	    "patching: denoise / noise" },
	{ UI_A_PATCH_HEADS, "patch-heads", "H",
	    "patching: residual grid / head grid" },
	{ UI_A_PATCH_TARGET, "patch-target", "X",
	    "patching: the metric's target token" },
	{ UI_A_PATCH_ANTI, "patch-anti-target", "Y",
	    "patching: the metric's anti-target token" },
	{ UI_A_PATCH_METRIC, "patch-metric", "E",
	    "patching: logit difference / probability" },
	{ UI_A_FOCUS, "focus", "Tab", "focus: grid / panel / prompt" },
	{ UI_A_EDIT, "edit", "e i", "edit the prompt" },
	{ UI_A_COMPARE, "compare", "b",
	    "compare: open/close prompt B's line" },
	{ UI_A_COMPARE_SIDE, "compare-side", "o",
	    "compare: the grid shows prompt A / prompt B" },
	{ UI_A_REDRAW, "redraw", "C-l", "redraw the screen" },
};

_Static_assert(UI_A_METRIC_LAST - UI_A_METRIC_0 + 1 == METRIC_COUNT,
    "a key action for each metric");

static const struct {
	const char	*name;
	int		 key;
} ui_keys_names[] = {
	{ "Up", KEY_UP | UI_KEY_FN },
	{ "Down", KEY_DOWN | UI_KEY_FN },
	{ "Left", KEY_LEFT | UI_KEY_FN },
	{ "Right", KEY_RIGHT | UI_KEY_FN },
	{ "Home", KEY_HOME | UI_KEY_FN },
	{ "End", KEY_END | UI_KEY_FN },
	{ "PgUp", KEY_PPAGE | UI_KEY_FN },
	{ "PageUp", KEY_PPAGE | UI_KEY_FN },
	{ "PgDn", KEY_NPAGE | UI_KEY_FN },
	{ "PageDown", KEY_NPAGE | UI_KEY_FN },
	{ "Insert", KEY_IC | UI_KEY_FN },
	{ "Delete", KEY_DC | UI_KEY_FN },
	{ "Backspace", KEY_BACKSPACE | UI_KEY_FN },
	{ "BSpace", KEY_BACKSPACE | UI_KEY_FN },
	{ "BTab", KEY_BTAB | UI_KEY_FN },
	{ "Tab", '\t' },
	{ "Enter", '\r' },
	{ "Esc", 27 },
	{ "Space", ' ' },
};

struct ui_keys {
	struct {
		int	key;
		int	action;
	}	*map;
	size_t	 n;
};

static void
ui_keys_set(struct ui_keys *k, int key, int action)
{
	size_t	i;

	for (i = 0; i < k->n; i++) {
		if (k->map[i].key == key) {
			k->map[i].action = action;
			return;
		}
	}
	k->map = xreallocarray(k->map, k->n + 1, sizeof *k->map);
	k->map[k->n].key = key;
	k->map[k->n].action = action;
	k->n++;
}

/* Entry i's default keys; a metric's from metric.h. */
static const char *
ui_keys_keys_of(size_t i)
{
	if (ui_keys_table[i].keys != NULL)
		return (ui_keys_table[i].keys);
	return (metric_get(ui_keys_table[i].action - UI_A_METRIC_0)->key);
}

struct ui_keys *
ui_keys_new(void)
{
	struct ui_keys	*k = xcalloc(1, sizeof *k);
	char		*s, *p, *name;
	size_t		 i;

	for (i = 0; i < nitems(ui_keys_table); i++) {
		s = p = xstrdup(ui_keys_keys_of(i));
		while ((name = strsep(&p, " ")) != NULL)
			ui_keys_set(k, ui_keys_parse(name),
			    ui_keys_table[i].action);
		free(s);
	}
	return (k);
}

void
ui_keys_free(struct ui_keys *k)
{
	if (k == NULL)
		return;
	free(k->map);
	free(k);
}

int
ui_keys_nth(size_t i)
{
	if (i >= nitems(ui_keys_table))
		return (-1);
	return (ui_keys_table[i].action);
}

int
ui_keys_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(ui_keys_table); i++) {
		if (strcmp(name, ui_keys_table[i].name) == 0)
			return (ui_keys_table[i].action);
	}
	return (-1);
}

static size_t
ui_keys_index(int action)
{
	size_t	i;

	for (i = 0; i < nitems(ui_keys_table); i++) {
		if (ui_keys_table[i].action == action)
			return (i);
	}
	abort();
}

const char *
ui_keys_name(int action)
{
	return (ui_keys_table[ui_keys_index(action)].name);
}

const char *
ui_keys_help(int action)
{
	static char	help[METRIC_COUNT][64];
	int		m = action - UI_A_METRIC_0;

	if (ui_keys_table[ui_keys_index(action)].help != NULL)
		return (ui_keys_table[ui_keys_index(action)].help);
	if (help[m][0] == '\0')
		snprintf(help[m], sizeof help[m], "colour: %s",
		    ui_palette_metric_title(m));
	return (help[m]);
}

int
ui_keys_bind(struct ui_keys *k, const char *action, const char *key,
    char **cause)
{
	int	a, c;

	if ((a = ui_keys_find(action)) == -1)
		return (util_fail(cause, "unknown action '%s' in key bindings",
		    action));
	if ((c = ui_keys_parse(key)) == -1)
		return (util_fail(cause, "unknown key '%s' for action '%s'",
		    key, action));
	ui_keys_set(k, c, a);
	return (0);
}

void
ui_keys_clear(struct ui_keys *k, int action)
{
	size_t	i, o = 0;

	for (i = 0; i < k->n; i++) {
		if (k->map[i].action != action)
			k->map[o++] = k->map[i];
	}
	k->n = o;
}

int
ui_keys_action(const struct ui_keys *k, int key)
{
	size_t	i;

	for (i = 0; i < k->n; i++) {
		if (k->map[i].key == key)
			return (k->map[i].action);
	}
	return (UI_A_NONE);
}

/* The code point of a string of exactly one UTF-8 character, or -1. */
static int
ui_keys_utf8(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	int			 n, c, i;

	n = util_utf8_len(u, strlen(s));
	if (n < 2 || s[n] != '\0')
		return (-1);
	c = u[0] & (0x7f >> n);
	for (i = 1; i < n; i++)
		c = (c << 6) | (u[i] & 0x3f);
	return (c);
}

int
ui_keys_parse(const char *name)
{
	size_t	i;
	int	n;

	if (name[0] == 'M' && name[1] == '-' && name[2] > ' ' &&
	    name[2] < 0x7f && name[3] == '\0')
		return (UI_KEY_META | (unsigned char)name[2]);

	for (i = 0; i < nitems(ui_keys_names); i++) {
		if (strcmp(name, ui_keys_names[i].name) == 0)
			return (ui_keys_names[i].key);
	}
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' &&
	    name[2] >= '@' && name[2] <= 'z' && name[3] == '\0')
		return (UI_KEY_CTRL(name[2]));
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9') {
		n = atoi(name + 1);
		if (n >= 1 && n <= 12 && strspn(name + 1, "0123456789") ==
		    strlen(name + 1))
			return ((KEY_F(n)) | UI_KEY_FN);
	}
	if (name[0] > ' ' && name[0] < 0x7f && name[1] == '\0')
		return ((unsigned char)name[0]);
	return (ui_keys_utf8(name));
}

const char *
ui_keys_key_name(int key, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < nitems(ui_keys_names); i++) {
		if (ui_keys_names[i].key == key) {
			snprintf(buf, len, "%s", ui_keys_names[i].name);
			return (buf);
		}
	}
	if (key & UI_KEY_META)
		snprintf(buf, len, "M-%c", key & 0x7f);
	else if ((key & UI_KEY_FN) && (key & ~UI_KEY_FN) >= KEY_F(1) &&
	    (key & ~UI_KEY_FN) <= KEY_F(12))
		snprintf(buf, len, "F%d", (key & ~UI_KEY_FN) - KEY_F(0));
	else if (key >= 0 && key < ' ')
		snprintf(buf, len, "C-%c", key + 'a' - 1);
	else if (key > ' ' && key < 0x7f)
		snprintf(buf, len, "%c", key);
	else if (key >= 0xa0 && key < 0x800)
		snprintf(buf, len, "%c%c", 0xc0 | (key >> 6),
		    0x80 | (key & 0x3f));
	else if (key >= 0x800 && key < 0x10000)
		snprintf(buf, len, "%c%c%c", 0xe0 | (key >> 12),
		    0x80 | ((key >> 6) & 0x3f), 0x80 | (key & 0x3f));
	else
		snprintf(buf, len, "<%d>", key);
	return (buf);
}

const char *
ui_keys_keys(const struct ui_keys *k, int action, char *buf, size_t len)
{
	char	name[32];
	size_t	i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < k->n && o < len; i++) {
		if (k->map[i].action != action)
			continue;
		ui_keys_key_name(k->map[i].key, name, sizeof name);
		o += snprintf(buf + o, len - o, "%s%s", o ? " " : "", name);
	}
	return (buf);
}

/* Escapes a key name for mdoc: a backslash, and a leading dot or quote. */
static void
ui_keys_mdoc_key(FILE *f, const char *key)
{
	if (*key == '.' || *key == '\'')
		fputs("\\&", f);
	for (; *key != '\0'; key++) {
		if (*key == '\\')
			fputs("\\e", f);
		else
			fputc(*key, f);
	}
}

char *
ui_keys_doc(int mdoc)
{
	struct ui_keys	*k = ui_keys_new();
	char		 keys[256], *buf = NULL, *p, *save;
	size_t		 len = 0, i;
	FILE		*f;
	int		 a;

	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();	/* only out of memory */
	for (i = 0; (a = ui_keys_nth(i)) != -1; i++) {
		ui_keys_keys(k, a, keys, sizeof keys);
		if (!mdoc) {
			fprintf(f, "%-14s %-20s %s\n", keys, ui_keys_name(a),
			    ui_keys_help(a));
			continue;
		}
		fputs(".It", f);
		for (p = strtok_r(keys, " ", &save); p != NULL;
		    p = strtok_r(NULL, " ", &save)) {
			fputs(" Ic ", f);
			ui_keys_mdoc_key(f, p);
		}
		fprintf(f, "\n(%s) %s.\n", ui_keys_name(a), ui_keys_help(a));
	}
	fclose(f);
	ui_keys_free(k);
	return buf;
}
