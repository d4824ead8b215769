/*
 * cfg.c: reads the YAML configuration into struct cfg and writes it back.
 *
 * One table binds each top-level key to a type and a handler (netplan's
 * parse.c); libyaml's document API gives every node its mark, so errors
 * read "file:line:col: message". The file is hostile input: every scalar is
 * checked for type, range and stray NULs before it is stored, and scalars
 * are copied out before the document is deleted. Knows nothing of models or
 * terminals: key bindings stay (action, key name) strings for the UI.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "cfg.h"
#include "metric.h"
#include "util.h"
#include "yml.h"

#define CFG_MAX_SIZE	(1024 * 1024)
#define CFG_MAX_DEPTH	16	/* levels of nesting; three are used */
#define CFG_MAX_NODES	10000	/* values, aliases expanded */
/* At most this many bytes of a value are quoted in a message. */
#define CFG_QUOTE_MAX	48

const char *const cfg_palettes[] = {
	"viridis", "cividis", "magma", "grey", NULL
};
const char *const cfg_key_names[] = {
	"Up", "Down", "Left", "Right", "Home", "End", "PgUp", "PgDn", "Tab",
	"Enter", "Esc", "Backspace", "Space",
	"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11",
	"F12", NULL
};

/* Indexed by the value they store: final_on_top, enum cfg_color. */
static const char *const cfg_orientations[] = {
	"final-at-bottom", "final-on-top", NULL
};
static const char *const cfg_colors[] = {
	"auto", "always", "never", NULL
};
_Static_assert(sizeof (enum cfg_color) == sizeof (int),
    "color is stored through an int");

enum cfg_type {
	CFG_STRING,	/* char *, or NULL from an empty value */
	CFG_INT,	/* int in [min, max] */
	CFG_BOOL,	/* int 0 or 1 */
	CFG_WORD,	/* char *, one of choices */
	CFG_INDEX,	/* int, index into choices */
	CFG_KEYS	/* the bindings */
};

struct cfg_ctx {
	struct cfg	*cfg;
	const char	*label;
	char		**cause;
	yaml_document_t	*doc;
};

struct cfg_entry;
typedef int cfg_handler(struct cfg_ctx *, const struct cfg_entry *,
    yaml_node_t *);

struct cfg_entry {
	const char		*name;
	enum cfg_type		 type;
	cfg_handler		*handler;
	size_t			 offset;
	int			 min;
	int			 max;
	const char *const	*choices;
};

static cfg_handler cfg_set_string;
static cfg_handler cfg_set_int;
static cfg_handler cfg_set_bool;
static cfg_handler cfg_set_word;
static cfg_handler cfg_set_index;
static cfg_handler cfg_set_keys;

#define F(m) offsetof(struct cfg, m)
static const struct cfg_entry cfg_table[] = {
	{ "model", CFG_STRING, cfg_set_string, F(model), 0, 0, NULL },
	{ "prompt", CFG_STRING, cfg_set_string, F(prompt), 0, 0, NULL },
	{ "top-k", CFG_INT, cfg_set_int, F(top_k), 1, 100, NULL },
	{ "metric", CFG_WORD, cfg_set_word, F(metric), 0, 0,
	    metric_config_names },
	{ "palette", CFG_WORD, cfg_set_word, F(palette), 0, 0, cfg_palettes },
	{ "orientation", CFG_INDEX, cfg_set_index, F(final_on_top), 0, 0,
	    cfg_orientations },
	{ "cell-width", CFG_INT, cfg_set_int, F(cell_width), 3, 32, NULL },
	{ "mouse", CFG_BOOL, cfg_set_bool, F(mouse), 0, 0, NULL },
	{ "sublayers", CFG_BOOL, cfg_set_bool, F(sublayers), 0, 0, NULL },
	{ "color", CFG_INDEX, cfg_set_index, F(color), 0, 0, cfg_colors },
	{ "ascii", CFG_BOOL, cfg_set_bool, F(ascii), 0, 0, NULL },
	{ "history-size", CFG_INT, cfg_set_int, F(history_size), 0, 100000,
	    NULL },
	{ "keys", CFG_KEYS, cfg_set_keys, 0, 0, 0, NULL },
};
#undef F

#define CFG_INTP(c, e)	((int *)(void *)((char *)(c) + (e)->offset))
#define CFG_STRP(c, e)	((char **)(void *)((char *)(c) + (e)->offset))
/* The same fields, read from a const cfg. */
#define CFG_INTV(c, e)	(*(const int *)(const void *)		\
	((const char *)(c) + (e)->offset))
#define CFG_STRV(c, e)	(*(char *const *)(const void *)		\
	((const char *)(c) + (e)->offset))

struct cfg *
cfg_new(void)
{
	struct cfg	*cfg;

	cfg = xcalloc(1, sizeof *cfg);
	cfg->prompt = xstrdup(CFG_PROMPT);
	cfg->top_k = 10;
	cfg->metric = xstrdup("prob");
	cfg->palette = xstrdup("viridis");
	cfg->final_on_top = 1;
	cfg->cell_width = 8;
	cfg->mouse = 1;
	cfg->color = CFG_COLOR_AUTO;
	cfg->history_size = 500;
	return cfg;
}

static void
cfg_bind(struct cfg *cfg, const char *action, const char *key)
{
	struct cfg_binding	*b;

	cfg->bindings = xreallocarray(cfg->bindings, cfg->nbindings + 1,
	    sizeof *cfg->bindings);
	b = &cfg->bindings[cfg->nbindings++];
	b->action = xstrdup(action);
	b->key = xstrdup(key);
}

void
cfg_free(struct cfg *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nbindings; i++) {
		free(cfg->bindings[i].action);
		free(cfg->bindings[i].key);
	}
	free(cfg->bindings);
	free(cfg->model);
	free(cfg->prompt);
	free(cfg->metric);
	free(cfg->palette);
	free(cfg);
}

/* Key names. */

int
cfg_key_valid(const char *name)
{
	const char	*ctl = "@[\\]^_";
	size_t		 i, len = strlen(name);
	unsigned char	 c0 = (unsigned char)name[0];

	if (len == 1)
		return c0 > ' ' && c0 < 0x7f;
	if (len == 3 && name[1] == '-' && name[0] == 'C')
		return ((name[2] | 0x20) >= 'a' && (name[2] | 0x20) <= 'z') ||
		    (name[2] != '\0' && strchr(ctl, name[2]) != NULL);
	if (len == 3 && name[1] == '-' && name[0] == 'M')
		return name[2] > ' ' && name[2] < 0x7f;
	if (c0 >= 0x80) {
		/* One UTF-8 character, not a C1 control (U+0080..U+009F). */
		if (c0 == 0xc2 && (unsigned char)name[1] < 0xa0)
			return 0;
		return util_utf8_len((const unsigned char *)name, len) ==
		    (int)len;
	}
	for (i = 0; cfg_key_names[i] != NULL; i++) {
		if (strcmp(name, cfg_key_names[i]) == 0)
			return 1;
	}
	return 0;
}

/* Messages. */

/* Edit distance, ignoring case; words over 63 bytes count as far. */
static size_t
cfg_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, sub;
	size_t	prev[64], cur[64];

	if (la >= nitems(prev) || lb >= nitems(prev))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			sub = prev[j - 1] + (strncasecmp(&a[i - 1], &b[j - 1],
			    1) != 0);
			cur[j] = prev[j] + 1 < cur[j - 1] + 1 ?
			    prev[j] + 1 : cur[j - 1] + 1;
			if (sub < cur[j])
				cur[j] = sub;
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return prev[lb];
}

/* The closest of list to word, if close enough to be a likely typo. */
static const char *
cfg_suggest(const char *word, const char *const *list)
{
	const char	*best = NULL;
	size_t		 d, bestd = SIZE_MAX, i;

	for (i = 0; list[i] != NULL; i++) {
		d = cfg_distance(word, list[i]);
		if (d < bestd) {
			bestd = d;
			best = list[i];
		}
	}
	if (best == NULL || bestd > 2 || 2 * bestd >= strlen(word))
		return NULL;
	return best;
}

/* "'value'" with control bytes escaped and long values cut, allocated. */
static char *
cfg_quote(const char *s, size_t len)
{
	char	*out, *p;
	size_t	 i, n = len > CFG_QUOTE_MAX ? CFG_QUOTE_MAX : len;

	p = out = xmalloc(4 * n + 8);
	*p++ = '\'';
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			p += sprintf(p, "\\x%02x", (unsigned char)s[i]);
		else
			*p++ = s[i];
	}
	*p++ = '\'';
	if (n < len)
		p = stpcpy(p, "...");
	*p = '\0';
	return out;
}

/* What a node is, for "got ...", allocated. */
static char *
cfg_what(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SEQUENCE_NODE:
		return xstrdup("a list");
	case YAML_MAPPING_NODE:
		return xstrdup("a mapping");
	case YAML_SCALAR_NODE:
		if (node->data.scalar.length == 0)
			return xstrdup("an empty value");
		return cfg_quote((const char *)node->data.scalar.value,
		    node->data.scalar.length);
	default:
		return xstrdup("nothing");
	}
}

static int __attribute__((format(printf, 3, 4)))
cfg_error(struct cfg_ctx *ctx, const yaml_node_t *node, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	util_fail(ctx->cause, "%s:%zu:%zu: %s", ctx->label,
	    node->start_mark.line + 1, node->start_mark.column + 1, msg);
	free(msg);
	return -1;
}

/* What the entry expects, for "must be ...", allocated. */
static char *
cfg_expected(const struct cfg_entry *e)
{
	char	*s, *t;
	size_t	 i;

	switch (e->type) {
	case CFG_STRING:
		return xstrdup("a string");
	case CFG_INT:
		return xstrdup("an integer");
	case CFG_BOOL:
		return xstrdup("true or false");
	case CFG_KEYS:
		return xstrdup("a mapping of actions to key names");
	default:
		break;
	}
	s = xasprintf("one of %s", e->choices[0]);
	for (i = 1; e->choices[i] != NULL; i++) {
		t = xasprintf("%s|%s", s, e->choices[i]);
		free(s);
		s = t;
	}
	return s;
}

/* "'key' must be X, got Y" with an optional suggestion. */
static int
cfg_type_error(struct cfg_ctx *ctx, const struct cfg_entry *e,
    const yaml_node_t *node, const char *hint)
{
	char	*want = cfg_expected(e), *got = cfg_what(node);

	if (hint != NULL)
		cfg_error(ctx, node, "'%s' must be %s, got %s (did you mean "
		    "'%s'?)", e->name, want, got, hint);
	else
		cfg_error(ctx, node, "'%s' must be %s, got %s", e->name, want,
		    got);
	free(want);
	free(got);
	return -1;
}

/* Nodes. */

static int
cfg_is_null(const yaml_node_t *node)
{
	const char	*s;

	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = (const char *)node->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* The node's text if it is a scalar without NULs, else NULL. */
static const char *
cfg_text(const yaml_node_t *node)
{
	const char	*s;

	if (node->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)node->data.scalar.value;
	if (strlen(s) != node->data.scalar.length)
		return NULL;
	return s;
}

static int
cfg_set_string(struct cfg_ctx *ctx, const struct cfg_entry *e,
    yaml_node_t *node)
{
	char		**p = CFG_STRP(ctx->cfg, e);
	const char	 *s;

	if (cfg_is_null(node)) {
		free(*p);
		*p = NULL;
		return 0;
	}
	if ((s = cfg_text(node)) == NULL || *s == '\0')
		return cfg_type_error(ctx, e, node, NULL);
	free(*p);
	*p = xstrdup(s);
	return 0;
}

static int
cfg_set_int(struct cfg_ctx *ctx, const struct cfg_entry *e,
    yaml_node_t *node)
{
	const char	*s;
	char		*end;
	long		 v;

	if ((s = cfg_text(node)) == NULL || *s == '\0' ||
	    strchr("+-0123456789", *s) == NULL)
		return cfg_type_error(ctx, e, node, NULL);
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0')
		return cfg_type_error(ctx, e, node, NULL);
	if (errno == ERANGE || v < e->min || v > e->max)
		return cfg_error(ctx, node, "'%s' must be between %d and %d, "
		    "got %s", e->name, e->min, e->max, s);
	*CFG_INTP(ctx->cfg, e) = (int)v;
	return 0;
}

static int
cfg_set_bool(struct cfg_ctx *ctx, const struct cfg_entry *e,
    yaml_node_t *node)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	const char		*s;
	size_t			 i;

	if ((s = cfg_text(node)) == NULL)
		return cfg_type_error(ctx, e, node, NULL);
	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*CFG_INTP(ctx->cfg, e) = strcasecmp(s, yes[i]) == 0;
			return 0;
		}
	}
	return cfg_type_error(ctx, e, node, NULL);
}

/* Index of the node's text in the entry's choices, or -1 (error set). */
static int
cfg_choice(struct cfg_ctx *ctx, const struct cfg_entry *e,
    yaml_node_t *node)
{
	const char	*s;
	int		 i;

	if ((s = cfg_text(node)) == NULL)
		return cfg_type_error(ctx, e, node, NULL);
	for (i = 0; e->choices[i] != NULL; i++) {
		if (strcmp(s, e->choices[i]) == 0)
			return i;
	}
	return cfg_type_error(ctx, e, node, cfg_suggest(s, e->choices));
}

static int
cfg_set_word(struct cfg_ctx *ctx, const struct cfg_entry *e,
    yaml_node_t *node)
{
	char	**p = CFG_STRP(ctx->cfg, e);
	int	  i;

	if ((i = cfg_choice(ctx, e, node)) == -1)
		return -1;
	free(*p);
	*p = xstrdup(e->choices[i]);
	return 0;
}

static int
cfg_set_index(struct cfg_ctx *ctx, const struct cfg_entry *e,
    yaml_node_t *node)
{
	int	i;

	if ((i = cfg_choice(ctx, e, node)) == -1)
		return -1;
	*CFG_INTP(ctx->cfg, e) = i;
	return 0;
}

/* The first key of a mapping that repeats an earlier one, and that one. */
struct cfg_dup {
	const yaml_node_pair_t	*dup;		/* NULL: none */
	const yaml_node_pair_t	*first;
};

struct cfg_keyref {
	const char		*text;
	const yaml_node_pair_t	*pair;
};

static int
cfg_keyref_cmp(const void *a, const void *b)
{
	const struct cfg_keyref	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->text, y->text)) != 0)
		return c;
	return (x->pair > y->pair) - (x->pair < y->pair);
}

/* Sorting, not comparing every pair with every other: n log n. */
static void
cfg_find_dup(struct cfg_ctx *ctx, yaml_node_t *map, struct cfg_dup *d)
{
	yaml_node_pair_t	*p;
	struct cfg_keyref	*refs;
	const char		*s;
	size_t			 n = 0, i;

	d->dup = d->first = NULL;
	refs = xcalloc((size_t)(map->data.mapping.pairs.top -
	    map->data.mapping.pairs.start), sizeof *refs);
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		s = cfg_text(yaml_document_get_node(ctx->doc, p->key));
		if (s != NULL) {
			refs[n].text = s;
			refs[n++].pair = p;
		}
	}
	qsort(refs, n, sizeof *refs, cfg_keyref_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(refs[i - 1].text, refs[i].text) != 0 ||
		    (d->dup != NULL && refs[i].pair >= d->dup))
			continue;
		d->dup = refs[i].pair;
		while (i > 0 && strcmp(refs[i - 1].text, refs[i].text) == 0)
			i--;
		d->first = refs[i].pair;
		while (i + 1 < n && strcmp(refs[i + 1].text, refs[i].text) == 0)
			i++;
	}
	free(refs);
}

/*
 * The key of a mapping pair as text: a scalar, and not the same as an
 * earlier key of that mapping (d, from cfg_find_dup).
 */
static const char *
cfg_pair_key(struct cfg_ctx *ctx, const struct cfg_dup *d,
    const yaml_node_pair_t *pair)
{
	yaml_node_t	*key, *old;
	const char	*s;
	char		*got;

	key = yaml_document_get_node(ctx->doc, pair->key);
	if ((s = cfg_text(key)) == NULL) {
		got = cfg_what(key);
		cfg_error(ctx, key, "a key must be a name, got %s", got);
		free(got);
		return NULL;
	}
	if (pair == d->dup) {
		old = yaml_document_get_node(ctx->doc, d->first->key);
		got = cfg_quote(s, strlen(s));
		cfg_error(ctx, key, "duplicate key %s (first at line %zu)",
		    got, old->start_mark.line + 1);
		free(got);
		return NULL;
	}
	return s;
}

/* One key name for action; NULL and an error if it is not one. */
static const char *
cfg_key_name(struct cfg_ctx *ctx, const char *action, yaml_node_t *node)
{
	const char	*s, *hint;
	char		*got;

	if ((s = cfg_text(node)) != NULL && cfg_key_valid(s))
		return s;
	got = cfg_what(node);
	if (node->type != YAML_SCALAR_NODE)
		cfg_error(ctx, node, "'%s' must be a key name or a list "
		    "of key names, got %s", action, got);
	else if (s != NULL && (hint = cfg_suggest(s, cfg_key_names)) != NULL)
		cfg_error(ctx, node, "invalid key name %s for '%s' (did "
		    "you mean '%s'?)", got, action, hint);
	else
		cfg_error(ctx, node, "invalid key name %s for '%s' "
		    "(expected a character, C-x, M-x, F1..F12 or a name such "
		    "as PgUp)", got, action);
	free(got);
	return NULL;
}

/* action: key, or action: [key, ...], checked. */
static int
cfg_check_action(struct cfg_ctx *ctx, const char *action, yaml_node_t *node)
{
	yaml_node_item_t	*item;

	if (node->type != YAML_SEQUENCE_NODE)
		return cfg_key_name(ctx, action, node) == NULL ? -1 : 0;
	if (node->data.sequence.items.start == node->data.sequence.items.top)
		return cfg_error(ctx, node, "'%s' needs at least one key name",
		    action);
	for (item = node->data.sequence.items.start;
	    item < node->data.sequence.items.top; item++) {
		if (cfg_key_name(ctx, action, yaml_document_get_node(ctx->doc,
		    *item)) == NULL)
			return -1;
	}
	return 0;
}

static int
cfg_strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The actions of the checked pairs [start, end) get exactly the keys given
 * there: their old bindings go in one pass (a sorted list of the names, not
 * a scan of every binding for every action), then the new ones are added.
 */
static void
cfg_rebind(struct cfg_ctx *ctx, const yaml_node_pair_t *start,
    const yaml_node_pair_t *end)
{
	struct cfg		 *cfg = ctx->cfg;
	const yaml_node_pair_t	 *p;
	const char		**names;
	yaml_node_t		 *v;
	yaml_node_item_t	 *item;
	size_t			  n = (size_t)(end - start), i, kept = 0;

	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = cfg_text(yaml_document_get_node(ctx->doc,
		    start[i].key));
	qsort(names, n, sizeof *names, cfg_strptr_cmp);
	for (i = 0; i < cfg->nbindings; i++) {
		if (bsearch(&cfg->bindings[i].action, names, n, sizeof *names,
		    cfg_strptr_cmp) != NULL) {
			free(cfg->bindings[i].action);
			free(cfg->bindings[i].key);
		} else
			cfg->bindings[kept++] = cfg->bindings[i];
	}
	cfg->nbindings = kept;
	free(names);
	for (p = start; p < end; p++) {
		v = yaml_document_get_node(ctx->doc, p->value);
		if (v->type != YAML_SEQUENCE_NODE) {
			cfg_bind(cfg, cfg_text(yaml_document_get_node(ctx->doc,
			    p->key)), cfg_text(v));
			continue;
		}
		for (item = v->data.sequence.items.start;
		    item < v->data.sequence.items.top; item++)
			cfg_bind(cfg, cfg_text(yaml_document_get_node(ctx->doc,
			    p->key)), cfg_text(yaml_document_get_node(ctx->doc,
			    *item)));
	}
}

/* Checked in order: the actions before a bad one are applied. */
static int
cfg_set_keys(struct cfg_ctx *ctx, const struct cfg_entry *e,
    yaml_node_t *node)
{
	yaml_node_pair_t	*pair;
	struct cfg_dup		 dup;
	const char		*action;
	int			 rv = 0;

	if (cfg_is_null(node))
		return 0;
	if (node->type != YAML_MAPPING_NODE)
		return cfg_type_error(ctx, e, node, NULL);
	cfg_find_dup(ctx, node, &dup);
	for (pair = node->data.mapping.pairs.start;
	    pair < node->data.mapping.pairs.top; pair++) {
		if ((action = cfg_pair_key(ctx, &dup, pair)) == NULL) {
			rv = -1;
			break;
		}
		if (*action == '\0') {
			rv = cfg_error(ctx, yaml_document_get_node(ctx->doc,
			    pair->key), "an action name must not be empty");
			break;
		}
		if (cfg_check_action(ctx, action,
		    yaml_document_get_node(ctx->doc, pair->value)) != 0) {
			rv = -1;
			break;
		}
	}
	cfg_rebind(ctx, node->data.mapping.pairs.start, pair);
	return rv;
}

static const struct cfg_entry *
cfg_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(cfg_table); i++) {
		if (strcmp(cfg_table[i].name, name) == 0)
			return &cfg_table[i];
	}
	return NULL;
}

static int
cfg_unknown(struct cfg_ctx *ctx, yaml_node_t *key, const char *name)
{
	const char	*names[nitems(cfg_table) + 1], *hint;
	char		*got;
	size_t		 i;

	for (i = 0; i < nitems(cfg_table); i++)
		names[i] = cfg_table[i].name;
	names[i] = NULL;
	got = cfg_quote(name, strlen(name));
	if ((hint = cfg_suggest(name, names)) != NULL)
		cfg_error(ctx, key, "unknown key %s (did you mean '%s'?)", got,
		    hint);
	else
		cfg_error(ctx, key, "unknown key %s", got);
	free(got);
	return -1;
}

static int
cfg_apply(struct cfg_ctx *ctx)
{
	yaml_node_t		*root, *key;
	yaml_node_pair_t	*pair;
	struct cfg_dup		 dup;
	const struct cfg_entry	*e;
	const char		*name;
	char			*got;

	root = yaml_document_get_root_node(ctx->doc);
	if (root == NULL || cfg_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE) {
		got = cfg_what(root);
		cfg_error(ctx, root, "the top level must be a mapping of keys, "
		    "got %s", got);
		free(got);
		return -1;
	}
	cfg_find_dup(ctx, root, &dup);
	for (pair = root->data.mapping.pairs.start;
	    pair < root->data.mapping.pairs.top; pair++) {
		if ((name = cfg_pair_key(ctx, &dup, pair)) == NULL)
			return -1;
		key = yaml_document_get_node(ctx->doc, pair->key);
		if ((e = cfg_find(name)) == NULL)
			return cfg_unknown(ctx, key, name);
		if (e->handler(ctx, e, yaml_document_get_node(ctx->doc,
		    pair->value)) != 0)
			return -1;
	}
	return 0;
}

int
cfg_parse(struct cfg *cfg, const char *text, size_t len, const char *label,
    char **cause)
{
	struct cfg_ctx	 ctx = { cfg, label, cause, NULL };
	yaml_document_t	 doc;
	int		 rv;

	if (yml_load(&doc, text, len, label, CFG_MAX_DEPTH, CFG_MAX_NODES,
	    cause) != 0)
		return -1;
	ctx.doc = &doc;
	rv = cfg_apply(&ctx);
	yaml_document_delete(&doc);
	return rv;
}

int
cfg_load(struct cfg *cfg, const char *path, int missing_ok, char **cause)
{
	struct stat	 sb;
	char		*text;
	size_t		 len;
	int		 rv;

	if (missing_ok && stat(path, &sb) == -1 && errno == ENOENT)
		return 0;
	if (util_read_file(path, CFG_MAX_SIZE, &text, &len, cause) != 0)
		return -1;
	rv = cfg_parse(cfg, text, len, path, cause);
	free(text);
	return rv;
}

char *
cfg_default_path(void)
{
	const char	*dir;
	struct passwd	*pw;

	dir = getenv("XDG_CONFIG_HOME");
	if (dir != NULL && *dir == '/')
		return util_path(dir, "logitlens/config.yaml");
	dir = getenv("HOME");
	if (dir == NULL || *dir == '\0') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL ||
		    *pw->pw_dir == '\0')
			return NULL;
		dir = pw->pw_dir;
	}
	return util_path(dir, ".config/logitlens/config.yaml");
}

/* Dumping, through yml.c's emitter. */

static void
cfg_emit_scalar(struct yml_out *out, const char *s,
    yaml_scalar_style_t style)
{
	yml_out_scalar(out, s, strlen(s), style);
}

/* A string that a plain scalar would turn into null is quoted. */
static void
cfg_emit_string(struct yml_out *out, const char *s)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t			 i;

	if (s == NULL) {
		cfg_emit_scalar(out, "null", YAML_PLAIN_SCALAR_STYLE);
		return;
	}
	for (i = 0; i < nitems(nulls); i++) {
		if (strcmp(s, nulls[i]) == 0) {
			cfg_emit_scalar(out, s,
			    YAML_DOUBLE_QUOTED_SCALAR_STYLE);
			return;
		}
	}
	cfg_emit_scalar(out, s, YAML_ANY_SCALAR_STYLE);
}

static int
cfg_binding_cmp(const void *a, const void *b)
{
	const struct cfg_binding *const	*x = a, *const *y = b;
	int				 c;

	if ((c = strcmp((*x)->action, (*y)->action)) != 0)
		return c;
	return (*x > *y) - (*x < *y);
}

/*
 * Bindings grouped by action, in order of first appearance: sorted by
 * action (then position), each group is written where its first binding
 * stands.
 */
static void
cfg_emit_keys(struct yml_out *out, const struct cfg *cfg)
{
	const struct cfg_binding	*b = cfg->bindings, **sorted;
	size_t				 n = cfg->nbindings, i, k, m, *pos;

	sorted = xcalloc(n, sizeof *sorted);
	pos = xcalloc(n, sizeof *pos);
	for (i = 0; i < n; i++)
		sorted[i] = &b[i];
	qsort(sorted, n, sizeof *sorted, cfg_binding_cmp);
	for (k = 0; k < n; k++)
		pos[sorted[k] - b] = k;
	yml_out_map(out, 1, n == 0 ? YAML_FLOW_MAPPING_STYLE :
	    YAML_BLOCK_MAPPING_STYLE);
	for (i = 0; i < n; i++) {
		k = pos[i];
		if (k > 0 && strcmp(sorted[k - 1]->action, b[i].action) == 0)
			continue;	/* not the first of its action */
		for (m = k; m < n && strcmp(sorted[m]->action, b[i].action) ==
		    0; m++)
			;
		cfg_emit_string(out, b[i].action);
		if (m - k > 1)
			yml_out_seq(out, 1);
		for (; k < m; k++)
			cfg_emit_string(out, sorted[k]->key);
		if (m - pos[i] > 1)
			yml_out_seq(out, 0);
	}
	yml_out_map(out, 0, YAML_ANY_MAPPING_STYLE);
	free(pos);
	free(sorted);
}

static void
cfg_emit_entry(struct yml_out *out, const struct cfg *cfg,
    const struct cfg_entry *e)
{
	char	*s;
	size_t	 n;
	int	 v;

	cfg_emit_scalar(out, e->name, YAML_PLAIN_SCALAR_STYLE);
	switch (e->type) {
	case CFG_STRING:
	case CFG_WORD:
		cfg_emit_string(out, CFG_STRV(cfg, e));
		break;
	case CFG_INT:
		s = xasprintf("%d", CFG_INTV(cfg, e));
		cfg_emit_scalar(out, s, YAML_PLAIN_SCALAR_STYLE);
		free(s);
		break;
	case CFG_BOOL:
		cfg_emit_scalar(out, CFG_INTV(cfg, e) ? "true" : "false",
		    YAML_PLAIN_SCALAR_STYLE);
		break;
	case CFG_INDEX:
		/* An out-of-range value has no name: fail, never guess. */
		v = CFG_INTV(cfg, e);
		for (n = 0; e->choices[n] != NULL; n++)
			;
		if (v < 0 || (size_t)v >= n)
			out->failed = 1;
		else
			cfg_emit_scalar(out, e->choices[v],
			    YAML_PLAIN_SCALAR_STYLE);
		break;
	case CFG_KEYS:
		cfg_emit_keys(out, cfg);
		break;
	}
}

char *
cfg_dump(const struct cfg *cfg)
{
	struct yml_out	out;
	size_t		i;

	yml_out_init(&out, 1);
	yml_out_map(&out, 1, YAML_BLOCK_MAPPING_STYLE);
	for (i = 0; i < nitems(cfg_table); i++)
		cfg_emit_entry(&out, cfg, &cfg_table[i]);
	yml_out_map(&out, 0, YAML_ANY_MAPPING_STYLE);
	return yml_out_finish(&out, NULL);
}
