/*
 * test-cfg.c: the YAML configuration: every key, every error message with
 * its line and column, defaults, cfg_dump round trips, the shipped
 * data/config.yaml, key names and the default path.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "lens.h"
#include "util.h"
#include "harness.h"
#include "metric.h"

/* Parses text into a fresh cfg; *cause is set (or NULL) either way. */
static struct cfg *
parse(const char *text, int *rv, char **cause)
{
	struct cfg	*cfg = cfg_new();

	*cause = NULL;
	*rv = cfg_parse(cfg, text, strlen(text), "config.yaml", cause);
	return cfg;
}

/* The text must parse without error; returns the cfg. */
static struct cfg *
parse_ok(const char *text)
{
	struct cfg	*cfg;
	char		*cause;
	int		 rv;

	cfg = parse(text, &rv, &cause);
	CHECK(rv == 0 && cause == NULL, "%s: %s", text, cause ? cause : "");
	free(cause);
	return cfg;
}

/* The text must fail with exactly this message. */
static void
parse_fail(const char *text, const char *want)
{
	struct cfg	*cfg;
	char		*cause;
	int		 rv;

	cfg = parse(text, &rv, &cause);
	CHECK(rv == -1, "'%s' parsed", text);
	CHECK(cause != NULL && strcmp(cause, want) == 0,
	    "'%s':\n  got  %s\n  want %s", text, cause ? cause : "(null)",
	    want);
	free(cause);
	cfg_free(cfg);
}

static int
same_cfg(const struct cfg *a, const struct cfg *b)
{
	size_t	i;

	if ((a->model == NULL) != (b->model == NULL) ||
	    (a->model != NULL && strcmp(a->model, b->model) != 0))
		return 0;
	if ((a->prompt == NULL) != (b->prompt == NULL) ||
	    (a->prompt != NULL && strcmp(a->prompt, b->prompt) != 0))
		return 0;
	if (a->top_k != b->top_k || strcmp(a->metric, b->metric) != 0 ||
	    strcmp(a->palette, b->palette) != 0 ||
	    a->final_on_top != b->final_on_top ||
	    a->cell_width != b->cell_width || a->mouse != b->mouse ||
	    a->sublayers != b->sublayers || a->color != b->color ||
	    a->ascii != b->ascii || a->history_size != b->history_size ||
	    a->nbindings != b->nbindings)
		return 0;
	for (i = 0; i < a->nbindings; i++) {
		if (strcmp(a->bindings[i].action, b->bindings[i].action) != 0 ||
		    strcmp(a->bindings[i].key, b->bindings[i].key) != 0)
			return 0;
	}
	return 1;
}

static void
check_defaults(const struct cfg *cfg, const char *what)
{
	CHECK(cfg->model == NULL, "%s: model", what);
	CHECK(cfg->prompt != NULL && strcmp(cfg->prompt, CFG_PROMPT) == 0,
	    "%s: prompt", what);
	CHECK(cfg->top_k == 10, "%s: top_k %d", what, cfg->top_k);
	CHECK(strcmp(cfg->metric, "prob") == 0, "%s: metric", what);
	CHECK(strcmp(cfg->palette, "viridis") == 0, "%s: palette", what);
	CHECK(cfg->final_on_top == 1, "%s: final_on_top", what);
	CHECK(cfg->cell_width == 8, "%s: cell_width", what);
	CHECK(cfg->mouse == 1, "%s: mouse", what);
	CHECK(cfg->sublayers == 0, "%s: sublayers", what);
	CHECK(cfg->color == CFG_COLOR_AUTO, "%s: color", what);
	CHECK(cfg->ascii == 0, "%s: ascii", what);
	CHECK(cfg->history_size == 500, "%s: history_size", what);
	CHECK(cfg->nbindings == 0 && cfg->bindings == NULL,
	    "%s: %zu bindings", what, cfg->nbindings);
}

static void
test_defaults(void)
{
	static const char *const empty[] = {
		"", "\n", "# only a comment\n\n   # another\n", "---\n",
		"--- ~\n", "null\n", "%YAML 1.1\n---\n"
	};
	struct cfg	*cfg;
	size_t		 i;

	cfg = cfg_new();
	check_defaults(cfg, "cfg_new");
	cfg_free(cfg);
	cfg_free(NULL);
	for (i = 0; i < nitems(empty); i++) {
		cfg = parse_ok(empty[i]);
		check_defaults(cfg, empty[i]);
		cfg_free(cfg);
	}
}

static void
test_keys(void)
{
	struct cfg	*cfg;
	size_t		 i;

	cfg = parse_ok(
	    "model: /opt/gpt2\n"
	    "top-k: 25\n"
	    "metric: next-rank\n"
	    "palette: magma\n"
	    "orientation: final-at-bottom\n"
	    "cell-width: 12\n"
	    "mouse: no\n"
	    "sublayers: yes\n"
	    "color: never\n"
	    "ascii: on\n"
	    "history-size: 0\n"
	    "keys: {quit: q, metric-next: [m, F3]}\n");
	CHECK(cfg->model != NULL && strcmp(cfg->model, "/opt/gpt2") == 0,
	    "model %s", cfg->model ? cfg->model : "(null)");
	CHECK(cfg->top_k == 25, "top_k %d", cfg->top_k);
	CHECK(strcmp(cfg->metric, "next-rank") == 0, "metric %s", cfg->metric);
	CHECK(strcmp(cfg->palette, "magma") == 0, "palette %s", cfg->palette);
	CHECK(cfg->final_on_top == 0, "final_on_top %d", cfg->final_on_top);
	CHECK(cfg->cell_width == 12, "cell_width %d", cfg->cell_width);
	CHECK(cfg->mouse == 0, "mouse %d", cfg->mouse);
	CHECK(cfg->sublayers == 1, "sublayers %d", cfg->sublayers);
	CHECK(cfg->color == CFG_COLOR_NEVER, "color %d", (int)cfg->color);
	CHECK(cfg->ascii == 1, "ascii %d", cfg->ascii);
	CHECK(cfg->history_size == 0, "history_size %d", cfg->history_size);
	CHECK(cfg->nbindings == 3, "nbindings %zu", cfg->nbindings);
	if (cfg->nbindings == 3) {
		CHECK(strcmp(cfg->bindings[0].action, "quit") == 0 &&
		    strcmp(cfg->bindings[0].key, "q") == 0, "binding 0");
		CHECK(strcmp(cfg->bindings[1].action, "metric-next") == 0 &&
		    strcmp(cfg->bindings[1].key, "m") == 0, "binding 1");
		CHECK(strcmp(cfg->bindings[2].action, "metric-next") == 0 &&
		    strcmp(cfg->bindings[2].key, "F3") == 0, "binding 2");
	}
	cfg_free(cfg);

	/* Every metric and palette name, both orientations, colours. */
	for (i = 0; metric_config_names[i] != NULL; i++) {
		char *t = xasprintf("metric: %s\n", metric_config_names[i]);
		cfg = parse_ok(t);
		CHECK(strcmp(cfg->metric, metric_config_names[i]) == 0, "%s", t);
		cfg_free(cfg);
		free(t);
	}
	CHECK(i == 8, "%zu metrics", i);
	for (i = 0; cfg_palettes[i] != NULL; i++) {
		char *t = xasprintf("palette: %s\n", cfg_palettes[i]);
		cfg = parse_ok(t);
		CHECK(strcmp(cfg->palette, cfg_palettes[i]) == 0, "%s", t);
		cfg_free(cfg);
		free(t);
	}
	CHECK(i == 4, "%zu palettes", i);
	cfg = parse_ok("color: always\norientation: final-on-top\n");
	CHECK(cfg->color == CFG_COLOR_ALWAYS && cfg->final_on_top == 1,
	    "color always");
	cfg_free(cfg);
	cfg = parse_ok("color: auto\n");
	CHECK(cfg->color == CFG_COLOR_AUTO, "color auto");
	cfg_free(cfg);

	/* Range ends, signs, quoting. */
	cfg = parse_ok("top-k: 1\ncell-width: 3\nhistory-size: 100000\n");
	CHECK(cfg->top_k == 1 && cfg->cell_width == 3 &&
	    cfg->history_size == 100000, "low ends");
	cfg_free(cfg);
	cfg = parse_ok("top-k: +100\ncell-width: \"32\"\n");
	CHECK(cfg->top_k == 100 && cfg->cell_width == 32, "high ends");
	cfg_free(cfg);

	/* Model: quoted and block scalars, UTF-8, null resets. */
	cfg = parse_ok("model: \"~/models/gpt2 small\"\n");
	CHECK(strcmp(cfg->model, "~/models/gpt2 small") == 0, "model quoted");
	cfg_free(cfg);
	cfg = parse_ok("model: |-\n  /tmp/modèle\n");
	CHECK(strcmp(cfg->model, "/tmp/modèle") == 0, "model block");
	cfg_free(cfg);
	cfg = parse_ok("model: 'null'\n");
	CHECK(cfg->model != NULL && strcmp(cfg->model, "null") == 0,
	    "quoted null is a path");
	cfg_free(cfg);
	cfg = parse_ok("model: ~\n");
	CHECK(cfg->model == NULL, "model ~");
	cfg_free(cfg);

	/* Aliases resolve; comments and flow style are fine. */
	cfg = parse_ok("{top-k: &n 20, cell-width: *n}  # flow\n");
	CHECK(cfg->top_k == 20 && cfg->cell_width == 20, "alias");
	cfg_free(cfg);
	cfg = parse_ok("keys:\n");
	CHECK(cfg->nbindings == 0, "keys: null");
	cfg_free(cfg);
}

static void
test_bools(void)
{
	static const char *const yes[] = {
		"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"
	};
	static const char *const no[] = {
		"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"
	};
	struct cfg	*cfg;
	char		*t;
	size_t		 i;

	for (i = 0; i < nitems(yes); i++) {
		t = xasprintf("mouse: %s\nsublayers: %s\nascii: %s\n", no[i],
		    yes[i], yes[i]);
		cfg = parse_ok(t);
		CHECK(cfg->mouse == 0 && cfg->sublayers == 1 &&
		    cfg->ascii == 1, "%s", t);
		cfg_free(cfg);
		free(t);
	}
}

static void
test_bindings(void)
{
	struct cfg	*cfg;
	char		*cause;
	int		 rv;

	/* Later parses replace an action's keys, and only that action's. */
	cfg = parse_ok("keys:\n  quit: [q, C-c]\n  help: \"?\"\n");
	CHECK(cfg->nbindings == 3, "nbindings %zu", cfg->nbindings);
	rv = cfg_parse(cfg, "keys: {quit: Esc}", 17, "x", &cause);
	CHECK(rv == 0, "reparse");
	CHECK(cfg->nbindings == 2 &&
	    strcmp(cfg->bindings[0].action, "help") == 0 &&
	    strcmp(cfg->bindings[1].key, "Esc") == 0, "replaced");
	cfg_free(cfg);

	/* An action with a bad key keeps what it had. */
	cfg = parse_ok("keys: {quit: q}\n");
	rv = cfg_parse(cfg, "keys: {quit: [x, Nope]}", 23, "x", &cause);
	CHECK(rv == -1 && cfg->nbindings == 1 &&
	    strcmp(cfg->bindings[0].key, "q") == 0, "atomic action");
	free(cause);
	cfg_free(cfg);

	/* Special characters, quoted, and the named keys. */
	cfg = parse_ok("keys:\n"
	    "  a: \"#\"\n  b: ':'\n  c: '['\n  d: \",\"\n  e: \"'\"\n"
	    "  f: '\"'\n  g: '-'\n  h: é\n  i: C-\\\n  j: M-'\n"
	    "  k: [Up, Down, Left, Right, Home, End, PgUp, PgDn]\n"
	    "  l: [Tab, Enter, Esc, Backspace, Space, F1, F10, F12]\n"
	    "  m: [C-a, C-Z, C-@, C-_, M-x, M-M, '~', '*']\n");
	CHECK(cfg->nbindings == 34, "nbindings %zu", cfg->nbindings);
	cfg_free(cfg);
}

static void
test_key_valid(void)
{
	static const char *const good[] = {
		"q", "G", "F", "?", "/", "$", "0", "~", "C-l", "C-L", "C-[",
		"C-\\", "C-]", "C-^", "C-_", "C-@", "M-x", "M-?", "M-1", "F1",
		"F9", "F10", "F11", "F12", "Up", "Down", "Left", "Right",
		"Home", "End", "PgUp", "PgDn", "Tab", "Enter", "Esc",
		"Backspace", "Space", "é", "€", "😀"
	};
	static const char *const bad[] = {
		"", " ", "\t", "\x7f", "qq", "C-", "C-1", "C-ab", "M-", "M- ",
		"M-ab", "F0", "F13", "F01", "FF", "up", "UP", "PageUp",
		"ctrl-l", "^L", "\xc2\x85", "\xe9", "\xc3\xa9\xc3\xa9", "C-é",
		"S-Tab"
	};
	size_t	i;

	for (i = 0; i < nitems(good); i++)
		CHECK(cfg_key_valid(good[i]), "'%s' should be valid", good[i]);
	for (i = 0; i < nitems(bad); i++)
		CHECK(!cfg_key_valid(bad[i]), "'%s' should be invalid",
		    bad[i]);
	for (i = 0; cfg_key_names[i] != NULL; i++)
		CHECK(cfg_key_valid(cfg_key_names[i]), "%s", cfg_key_names[i]);
	CHECK(i == 25, "%zu key names", i);
}

static void
test_errors(void)
{
	/* Unknown keys, with and without a suggestion. */
	parse_fail("top-k: 5\n\n  # x\ncolour: auto\n",
	    "config.yaml:4:1: unknown key 'colour' (did you mean 'color'?)");
	parse_fail("{top-k: 5,\n   topk: 3}",
	    "config.yaml:2:4: unknown key 'topk' (did you mean 'top-k'?)");
	parse_fail("frobnicate: 1\n", "config.yaml:1:1: unknown key "
	    "'frobnicate'");
	parse_fail("Mouse: true\n",
	    "config.yaml:1:1: unknown key 'Mouse' (did you mean 'mouse'?)");
	parse_fail("cell_width: 9\n", "config.yaml:1:1: unknown key "
	    "'cell_width' (did you mean 'cell-width'?)");
	parse_fail("[1, 2]: x\n", "config.yaml:1:1: a key must be a name, "
	    "got a list");

	/* Wrong types. */
	parse_fail("top-k: ten\n",
	    "config.yaml:1:8: 'top-k' must be an integer, got 'ten'");
	parse_fail("top-k:\n  - 1\n  - 2\n",
	    "config.yaml:2:3: 'top-k' must be an integer, got a list");
	parse_fail("cell-width: {a: 1}\n",
	    "config.yaml:1:13: 'cell-width' must be an integer, got a mapping");
	parse_fail("top-k: 10.5\n",
	    "config.yaml:1:8: 'top-k' must be an integer, got '10.5'");
	parse_fail("top-k: 0x10\n",
	    "config.yaml:1:8: 'top-k' must be an integer, got '0x10'");
	parse_fail("top-k: \" 5\"\n",
	    "config.yaml:1:8: 'top-k' must be an integer, got ' 5'");
	parse_fail("history-size:\n",
	    "config.yaml:1:14: 'history-size' must be an integer, got an "
	    "empty value");
	parse_fail("mouse: maybe\n",
	    "config.yaml:1:8: 'mouse' must be true or false, got 'maybe'");
	parse_fail("ascii: 1\n",
	    "config.yaml:1:8: 'ascii' must be true or false, got '1'");
	parse_fail("sublayers: [yes]\n",
	    "config.yaml:1:12: 'sublayers' must be true or false, got a list");
	parse_fail("model: [a, b]\n",
	    "config.yaml:1:8: 'model' must be a string, got a list");
	parse_fail("model: \"\"\n",
	    "config.yaml:1:8: 'model' must be a string, got an empty value");
	parse_fail("model: \"a\\0b\"\n",
	    "config.yaml:1:8: 'model' must be a string, got 'a\\x00b'");
	parse_fail("keys: [q]\n", "config.yaml:1:7: 'keys' must be a mapping "
	    "of actions to key names, got a list");
	parse_fail("keys: quit\n", "config.yaml:1:7: 'keys' must be a "
	    "mapping of actions to key names, got 'quit'");

	/* Choices. */
	parse_fail("metric: probb\n", "config.yaml:1:9: 'metric' must be one "
	    "of prob|final-prob|final-logit|final-rank|next-rank|next-prob|kl|"
	    "entropy, got 'probb' (did you mean 'prob'?)");
	parse_fail("metric: surprise\n", "config.yaml:1:9: 'metric' must be "
	    "one of prob|final-prob|final-logit|final-rank|next-rank|next-prob|"
	    "kl|entropy, got 'surprise'");
	parse_fail("palette: gray\n", "config.yaml:1:10: 'palette' must be "
	    "one of viridis|cividis|magma|grey, got 'gray' (did you mean "
	    "'grey'?)");
	parse_fail("orientation: top\n", "config.yaml:1:14: 'orientation' "
	    "must be one of final-at-bottom|final-on-top, got 'top'");
	parse_fail("color: yes\n", "config.yaml:1:8: 'color' must be one of "
	    "auto|always|never, got 'yes'");
	parse_fail("color: [auto]\n", "config.yaml:1:8: 'color' must be one "
	    "of auto|always|never, got a list");

	/* Out of range. */
	parse_fail("top-k: 0\n",
	    "config.yaml:1:8: 'top-k' must be between 1 and 100, got 0");
	parse_fail("top-k: 101\n",
	    "config.yaml:1:8: 'top-k' must be between 1 and 100, got 101");
	parse_fail("cell-width: 2\n",
	    "config.yaml:1:13: 'cell-width' must be between 3 and 32, got 2");
	parse_fail("cell-width: 33\n",
	    "config.yaml:1:13: 'cell-width' must be between 3 and 32, got 33");
	parse_fail("history-size: -1\n", "config.yaml:1:15: 'history-size' "
	    "must be between 0 and 100000, got -1");
	parse_fail("history-size: 99999999999999999999999\n",
	    "config.yaml:1:15: 'history-size' must be between 0 and 100000, "
	    "got 99999999999999999999999");

	/* Duplicates, top level and under keys. */
	parse_fail("top-k: 5\nmouse: on\ntop-k: 6\n",
	    "config.yaml:3:1: duplicate key 'top-k' (first at line 1)");
	parse_fail("keys:\n  quit: q\n  quit: x\n",
	    "config.yaml:3:3: duplicate key 'quit' (first at line 2)");

	/* Not a mapping at the top. */
	parse_fail("- top-k: 5\n", "config.yaml:1:1: the top level must be a "
	    "mapping of keys, got a list");
	parse_fail("hello\n", "config.yaml:1:1: the top level must be a "
	    "mapping of keys, got 'hello'");
	parse_fail("\n\n  \"top-k\"\n", "config.yaml:3:3: the top level must "
	    "be a mapping of keys, got 'top-k'");

	/* Bindings. */
	parse_fail("keys:\n  quit: PageUp\n", "config.yaml:2:9: invalid key "
	    "name 'PageUp' for 'quit' (did you mean 'PgUp'?)");
	parse_fail("keys: {up: up}\n", "config.yaml:1:12: invalid key name "
	    "'up' for 'up' (did you mean 'Up'?)");
	parse_fail("keys: {quit: [q, ^C]}\n", "config.yaml:1:18: invalid key "
	    "name '^C' for 'quit' (expected a character, C-x, M-x, F1..F12 "
	    "or a name such as PgUp)");
	parse_fail("keys: {quit: [q, [x]]}\n", "config.yaml:1:18: 'quit' must "
	    "be a key name or a list of key names, got a list");
	parse_fail("keys: {quit: {a: b}}\n", "config.yaml:1:14: 'quit' must "
	    "be a key name or a list of key names, got a mapping");
	parse_fail("keys: {quit: []}\n", "config.yaml:1:14: 'quit' needs at "
	    "least one key name");
	parse_fail("keys: {quit: }\n", "config.yaml:1:14: invalid key name an "
	    "empty value for 'quit' (expected a character, C-x, M-x, "
	    "F1..F12 or a name such as PgUp)");
	parse_fail("keys: {\"\": q}\n", "config.yaml:1:8: an action name must "
	    "not be empty");

	/* Not YAML: libyaml's problem and mark. */
	parse_fail("top-k: 5\nmetric: [prob\n",
	    "config.yaml:3:1: did not find expected ',' or ']' (while parsing "
	    "a flow sequence at line 2, column 9)");
	parse_fail("top-k: 5\n  mouse: on\n",
	    "config.yaml:2:8: mapping values are not allowed in this context");
	parse_fail("a: \"unterminated\n",
	    "config.yaml:2:1: found unexpected end of stream (while scanning a "
	    "quoted scalar at line 1, column 4)");
	parse_fail("top-k: *nope\n",
	    "config.yaml:1:8: found undefined alias");
	parse_fail("top-k: 5\n\tmouse: on\n", "config.yaml:2:1: found a "
	    "tab character that violates indentation (while scanning a plain "
	    "scalar at line 1, column 8)");
	parse_fail("top-k: 5\nmodel: \xff\n",
	    "config.yaml:2:8: invalid leading UTF-8 octet (#FF)");
	parse_fail("top-k: 5\n---\ntop-k: 6\n",
	    "config.yaml:3:1: only one YAML document is allowed");
}

/* Keys before the bad one are applied; it and those after keep theirs. */
static void
test_partial(void)
{
	struct cfg	*cfg;
	char		*cause;
	int		 rv;

	cfg = parse("top-k: 20\npalette: grey\ncell-width: 99\nmouse: no\n",
	    &rv, &cause);
	CHECK(rv == -1 && cause != NULL, "partial failed");
	CHECK(cfg->top_k == 20 && strcmp(cfg->palette, "grey") == 0,
	    "earlier keys applied");
	CHECK(cfg->cell_width == 8 && cfg->mouse == 1, "later keys default");
	free(cause);
	cfg_free(cfg);

	/* Invalid YAML or a second document applies nothing. */
	cfg = parse("top-k: 20\nmetric: [\n", &rv, &cause);
	CHECK(rv == -1 && cfg->top_k == 10, "syntax error applied keys");
	free(cause);
	cfg_free(cfg);
	cfg = parse("top-k: 20\n---\n- x\n", &rv, &cause);
	CHECK(rv == -1 && cfg->top_k == 10, "second document applied keys");
	free(cause);
	cfg_free(cfg);

	/* A NULL cause is allowed. */
	cfg = cfg_new();
	CHECK(cfg_parse(cfg, "top-k: x", 8, "x", NULL) == -1, "NULL cause");
	cfg_free(cfg);
}

static void
roundtrip(const struct cfg *cfg, const char *what)
{
	struct cfg	*back;
	char		*text, *again, *cause = NULL;

	text = cfg_dump(cfg);
	CHECK(text != NULL, "%s: dump failed", what);
	if (text == NULL)
		return;
	back = cfg_new();
	CHECK(cfg_parse(back, text, strlen(text), "dump", &cause) == 0,
	    "%s: %s\n%s", what, cause ? cause : "", text);
	CHECK(same_cfg(cfg, back), "%s: differs after round trip:\n%s", what,
	    text);
	again = cfg_dump(back);
	CHECK(again != NULL && strcmp(text, again) == 0, "%s: dump unstable",
	    what);
	free(again);
	free(cause);
	free(text);
	cfg_free(back);
}

static void
test_dump(void)
{
	static const char *const models[] = {
		"/opt/gpt2", "null", "~", "NULL", "yes", "123", "a: b",
		"- x", "# c", "  lead", "trail ", "new\nline", "tab\there",
		"'quote\"", "modèle/日本",
		"[x]", "{y}", "*z", "&a", "!t", "%p",
		"@", "`", "|", ">", "?"
	};
	struct cfg	*cfg;
	char		*text;
	size_t		 i;

	cfg = cfg_new();
	text = cfg_dump(cfg);
	CHECK(text != NULL && strstr(text, "top-k: 10\n") != NULL &&
	    strstr(text, "model: null\n") != NULL &&
	    strstr(text, "keys: {}\n") != NULL, "default dump:\n%s",
	    text ? text : "(null)");
	free(text);
	roundtrip(cfg, "defaults");
	cfg_free(cfg);

	cfg = parse_ok("model: /opt/gpt2\ntop-k: 25\nmetric: kl\n"
	    "palette: cividis\norientation: final-at-bottom\ncell-width: 32\n"
	    "mouse: off\nsublayers: on\ncolor: always\nascii: yes\n"
	    "history-size: 100000\n"
	    "keys:\n  quit: [q, Esc, C-c]\n  a: \"#\"\n  b: ','\n  c: '['\n"
	    "  d: \"'\"\n  e: '\"'\n  f: '-'\n  g: é\n  h: C-\\\n  i: M-'\n"
	    "  j: [',', '[', ']', '{', '}', ':', '?', '&', '*', '!', '|']\n"
	    "  k: ['>', \"'\", '\"', '%', '@', '`', '~', '-', '#', 'y', 'n']\n"
	    "  '#x': [F12, Space]\n  'a b': Tab\n  '- z': Up\n");
	roundtrip(cfg, "everything");
	for (i = 0; i < nitems(models); i++) {
		free(cfg->model);
		cfg->model = xstrdup(models[i]);
		roundtrip(cfg, models[i]);
	}
	cfg->color = CFG_COLOR_NEVER;
	roundtrip(cfg, "never");

	/* Not valid UTF-8: YAML cannot hold it, so no dump. */
	free(cfg->model);
	cfg->model = xstrdup("bad\xff");
	text = cfg_dump(cfg);
	CHECK(text == NULL, "dumped invalid UTF-8");
	free(text);
	cfg_free(cfg);
}

static void
test_shipped(void)
{
	struct cfg	*cfg, *def;
	char		*path, *cause = NULL;

	path = harness_srcpath("data/config.yaml");
	cfg = cfg_new();
	CHECK(cfg_load(cfg, path, 0, &cause) == 0, "%s", cause ? cause : "");
	def = cfg_new();
	CHECK(same_cfg(cfg, def), "shipped config.yaml is not the defaults");
	check_defaults(cfg, "data/config.yaml");
	free(cause);
	free(path);
	cfg_free(def);
	cfg_free(cfg);
}

/*
 * Hostile sizes: refused by the event pass before a document is built,
 * with the line and column where the bound was crossed (computed here from
 * the layout of the text), and fast enough for a test that must not hang.
 * Within the bounds, large mappings still work and duplicates are found.
 */
static void
test_bombs(void)
{
	struct cfg	*cfg;
	char		*text, *want, *p;
	size_t		 i, n = 100000, len;
	int		 rv;

	/* 100,000 levels: the 16th '[' would be the 17th level. */
	text = xmalloc(7 + 2 * n + 2);
	memcpy(text, "top-k: ", 7);
	memset(text + 7, '[', n);
	memset(text + 7 + n, ']', n);
	strcpy(text + 7 + 2 * n, "\n");
	parse_fail(text, "config.yaml:1:23: nested more than 16 levels deep");
	free(text);

	/* 100,000 keys: value k is the (4 + k)th value. */
	len = 0;
	text = xmalloc(32 * n + 16);
	len += (size_t)sprintf(text, "keys:\n");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "  a%zu: x\n", i);
	/* The 10001st value is pair 4998's, on line 5000. */
	want = xasprintf("config.yaml:5000:%d: more than 10000 values (aliases "
	    "counted as what they stand for): too large",
	    (int)strlen("  a4998: ") + 1);
	parse_fail(text, want);
	free(want);
	free(text);

	/* Aliases of aliases: 10 * 10 * 10 * 10 * 10 values from 50. */
	text = xstrdup("keys:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n");
	/*
	 * a's list is 11 values, b's 111, c's 1111; with the keys before,
	 * d's list starts as value 1241, and its 8th *c (column 10 + 7 * 4)
	 * passes 10000.
	 */
	parse_fail(text, "config.yaml:5:38: more than 10000 values (aliases "
	    "counted as what they stand for): too large");
	free(text);

	/* A value that contains itself would make every walk endless. */
	parse_fail("keys: &k {quit: [q, *k]}\n", "config.yaml:1:21: an alias "
	    "inside what its anchor names (a value that contains itself)");

	/* 4,000 actions (8,003 values) are fine; the duplicate is found. */
	len = 0;
	n = 4000;
	text = xmalloc(32 * n + 64);
	len += (size_t)sprintf(text, "keys:\n");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "  a%zu: x\n", i);
	cfg = parse(text, &rv, &p);
	CHECK(rv == 0 && cfg->nbindings == n, "4000 actions: %s",
	    p != NULL ? p : "");
	free(p);
	cfg_free(cfg);
	sprintf(text + len, "  a17: y\n  a5: y\n");
	want = xasprintf("config.yaml:%zu:3: duplicate key 'a17' (first at "
	    "line 19)", n + 2);
	parse_fail(text, want);
	free(want);
	free(text);
}

static void
test_load(void)
{
	char		 dir[] = "/tmp/test-cfg.XXXXXX";
	struct cfg	*cfg;
	char		*path, *cause = NULL, *want;
	FILE		*f;

	if (mkdtemp(dir) == NULL)
		HARD("mkdtemp failed");
	path = util_path(dir, "config.yaml");
	cfg = cfg_new();

	/* Missing: fine when allowed, else "path: message". */
	CHECK(cfg_load(cfg, path, 1, &cause) == 0 && cause == NULL,
	    "missing_ok");
	CHECK(cfg_load(cfg, path, 0, &cause) == -1, "missing");
	want = xasprintf("%s: No such file or directory", path);
	CHECK(cause != NULL && strcmp(cause, want) == 0, "got %s", cause);
	free(want);
	free(cause);
	cause = NULL;

	/* A directory is not readable as a file, even with missing_ok. */
	CHECK(cfg_load(cfg, dir, 1, &cause) == -1, "directory");
	want = xasprintf("%s: not a regular file (a directory)", dir);
	CHECK(cause != NULL && strcmp(cause, want) == 0, "got %s", cause);
	free(want);
	free(cause);
	cause = NULL;

	/* A FIFO is refused at once, never waited on, even with missing_ok. */
	if (mkfifo(path, 0600) != 0)
		HARD("mkfifo %s failed", path);
	CHECK(cfg_load(cfg, path, 1, &cause) == -1, "FIFO");
	want = xasprintf("%s: not a regular file (a FIFO)", path);
	CHECK(cause != NULL && strcmp(cause, want) == 0, "got %s", cause);
	free(want);
	free(cause);
	cause = NULL;
	unlink(path);

	/* A real file: messages carry its path. */
	if ((f = fopen(path, "w")) == NULL)
		HARD("cannot write %s", path);
	fputs("top-k: 7\n# note\n\ncolour: never\n", f);
	fclose(f);
	CHECK(cfg_load(cfg, path, 1, &cause) == -1, "bad file");
	want = xasprintf("%s:4:1: unknown key 'colour' (did you mean "
	    "'color'?)", path);
	CHECK(cause != NULL && strcmp(cause, want) == 0, "got %s", cause);
	CHECK(cfg->top_k == 7, "top_k before the error");
	free(want);
	free(cause);
	cause = NULL;

	/* Unreadable, unless we are root. */
	if (geteuid() != 0 && chmod(path, 0) == 0) {
		CHECK(cfg_load(cfg, path, 1, &cause) == -1, "unreadable");
		want = xasprintf("%s: Permission denied", path);
		CHECK(cause != NULL && strcmp(cause, want) == 0, "got %s",
		    cause);
		free(want);
		free(cause);
		cause = NULL;
	}
	unlink(path);
	rmdir(dir);
	free(path);
	cfg_free(cfg);
}

static void
check_path(const char *xdg, const char *home, const char *want)
{
	char	*got;

	if (xdg != NULL)
		setenv("XDG_CONFIG_HOME", xdg, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	if (home != NULL)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	got = cfg_default_path();
	CHECK(got != NULL && strcmp(got, want) == 0, "xdg %s home %s: got %s",
	    xdg ? xdg : "(unset)", home ? home : "(unset)",
	    got ? got : "(null)");
	free(got);
}

static void
test_default_path(void)
{
	check_path("/x/cfg", "/home/u", "/x/cfg/logitlens/config.yaml");
	check_path("/x/cfg/", "/home/u", "/x/cfg/logitlens/config.yaml");
	check_path("", "/home/u", "/home/u/.config/logitlens/config.yaml");
	check_path("relative", "/home/u",
	    "/home/u/.config/logitlens/config.yaml");
	check_path(NULL, "/home/u/", "/home/u/.config/logitlens/config.yaml");
}

int
main(void)
{
	test_defaults();
	test_keys();
	test_bools();
	test_bindings();
	test_key_valid();
	test_errors();
	test_partial();
	test_dump();
	test_shipped();
	test_bombs();
	test_load();
	test_default_path();
	return harness_done();
}
