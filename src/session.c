/*
 * session.c: explorer sessions as YAML files (see session.h).
 *
 * Writes through libyaml's emitter, reads through its document API, with
 * a {key, type, field} table as cfg.c does. Owns the encoding of a prompt
 * that is not UTF-8; refuses to know what a row, metric or view means.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "session.h"
#include "util.h"
#include "yml.h"

#define SESSION_MAX	(16 << 20)	/* bytes of a session file */
#define SESSION_MAX_DEPTH	16	/* levels of nesting; two are used */
#define SESSION_MAX_NODES	200000	/* values, aliases expanded */

enum session_type { S_PROMPT, S_BYTES, S_STRING, S_POS, S_BOOL, S_IDS,
	S_CMP, S_CMP_BYTES, S_PAIR };

static const struct session_key {
	const char		*name;
	enum session_type	 type;
	size_t			 off;
} session_keys[] = {
	{ "prompt", S_PROMPT, 0 },
	{ "prompt_bytes", S_BYTES, 0 },
	{ "row", S_STRING, offsetof(struct session, row) },
	{ "position", S_POS, offsetof(struct session, pos) },
	{ "tracked", S_IDS, 0 },
	{ "metric", S_STRING, offsetof(struct session, metric) },
	{ "palette", S_STRING, offsetof(struct session, palette) },
	{ "final_on_top", S_BOOL, offsetof(struct session, final_on_top) },
	{ "sublayers", S_BOOL, offsetof(struct session, sublayers) },
	{ "delta", S_BOOL, offsetof(struct session, delta) },
	{ "mask", S_BOOL, offsetof(struct session, mask) },
	{ "panel", S_STRING, offsetof(struct session, panel) },
	{ "tuned", S_BOOL, offsetof(struct session, tuned) },
	{ "compare", S_CMP, 0 },
	{ "compare_bytes", S_CMP_BYTES, 0 },
	{ "grid_b", S_BOOL, offsetof(struct session, grid_b) },
	{ "logit_diff", S_PAIR, 0 },
	{ "view", S_STRING, offsetof(struct session, view) },
	{ "patch_corrupted", S_STRING, offsetof(struct session,
	    patch_corrupted) },
	{ "patch_direction", S_STRING, offsetof(struct session,
	    patch_direction) },
	{ "patch_target", S_STRING, offsetof(struct session, patch_target) },
	{ "patch_anti_target", S_STRING, offsetof(struct session,
	    patch_anti_target) },
	{ "patch_metric", S_STRING, offsetof(struct session, patch_metric) },
};

void
session_init(struct session *s)
{
	memset(s, 0, sizeof *s);
	s->pos = -1;
	s->final_on_top = s->sublayers = s->delta = s->mask = s->tuned = -1;
	s->diff[0] = s->diff[1] = -1;
	s->grid_b = -1;
}

void
session_clear(struct session *s)
{
	free(s->prompt);
	free(s->row);
	free(s->tracked);
	free(s->metric);
	free(s->palette);
	free(s->panel);
	free(s->compare);
	free(s->view);
	free(s->patch_corrupted);
	free(s->patch_direction);
	free(s->patch_target);
	free(s->patch_anti_target);
	free(s->patch_metric);
	session_init(s);
}

/* Writing. */

static void
session_scalar(struct yml_out *o, const char *s, size_t len, int quoted)
{
	yml_out_scalar(o, s, len, quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE :
	    YAML_PLAIN_SCALAR_STYLE);
}

static void
session_pair(struct yml_out *o, const char *key, const char *value,
    int quoted)
{
	session_scalar(o, key, strlen(key), 0);
	session_scalar(o, value, strlen(value), quoted);
}

static int
session_utf8(const char *s, size_t len)
{
	size_t	i;
	int	n;

	for (i = 0; i < len; i += n) {
		if ((n = util_utf8_len((const unsigned char *)s + i,
		    len - i)) == 0)
			return (0);
	}
	return (1);
}

/* Each byte as the character of the same number (U+0000..U+00FF). */
static char *
session_latin1(const char *s, size_t len, size_t *out)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*b = xmalloc(2 * len + 1);
	size_t			 i, o = 0;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x80)
			b[o++] = p[i];
		else {
			b[o++] = (char)(0xc0 | (p[i] >> 6));
			b[o++] = (char)(0x80 | (p[i] & 0x3f));
		}
	}
	b[o] = '\0';
	*out = o;
	return (b);
}

static void
session_body(struct yml_out *o, const struct session *s, int utf8)
{
	static const char *const bools[] = { "false", "true" };
	const struct session_key *k;
	char			 buf[32], *b, *str;
	size_t			 i, n;
	int			 v;

	if (s->prompt != NULL && utf8) {
		session_scalar(o, "prompt", 6, 0);
		session_scalar(o, s->prompt, s->prompt_len, 1);
	} else if (s->prompt != NULL) {
		b = session_latin1(s->prompt, s->prompt_len, &n);
		session_scalar(o, "prompt_bytes", 12, 0);
		session_scalar(o, b, n, 1);
		free(b);
	}
	for (i = 0; i < nitems(session_keys); i++) {
		k = &session_keys[i];
		switch (k->type) {
		case S_STRING:
			str = *(char *const *)((const char *)s + k->off);
			if (str != NULL)
				session_pair(o, k->name, str, 1);
			break;
		case S_POS:
		case S_BOOL:
			v = *(const int *)((const char *)s + k->off);
			if (v == -1)
				break;
			snprintf(buf, sizeof buf, "%d", v);
			session_pair(o, k->name, k->type == S_BOOL ?
			    bools[v != 0] : buf, 0);
			break;
		case S_IDS:
			session_scalar(o, k->name, strlen(k->name), 0);
			yml_out_seq(o, 1);
			for (n = 0; n < s->ntracked; n++) {
				snprintf(buf, sizeof buf, "%d", s->tracked[n]);
				session_scalar(o, buf, strlen(buf), 0);
			}
			yml_out_seq(o, 0);
			break;
		case S_CMP:	/* prompt B: UTF-8 as it is, else as bytes */
			if (s->compare == NULL)
				break;
			if (session_utf8(s->compare, s->compare_len)) {
				session_scalar(o, "compare", 7, 0);
				session_scalar(o, s->compare, s->compare_len,
				    1);
				break;
			}
			b = session_latin1(s->compare, s->compare_len, &n);
			session_scalar(o, "compare_bytes", 13, 0);
			session_scalar(o, b, n, 1);
			free(b);
			break;
		case S_PAIR:
			if (s->diff[0] < 0 || s->diff[1] < 0)
				break;
			session_scalar(o, k->name, strlen(k->name), 0);
			yml_out_seq(o, 1);
			for (n = 0; n < 2; n++) {
				snprintf(buf, sizeof buf, "%d", s->diff[n]);
				session_scalar(o, buf, strlen(buf), 0);
			}
			yml_out_seq(o, 0);
			break;
		default:
			break;
		}
	}
}

char *
session_dump(const struct session *s, size_t *len)
{
	struct yml_out	 o;
	char		*text;
	int		 utf8;

	utf8 = s->prompt == NULL || session_utf8(s->prompt, s->prompt_len);
	/* Not UTF-8: every character past ASCII as an escape, \xNN. */
	yml_out_init(&o, utf8);
	yml_out_map(&o, 1, YAML_BLOCK_MAPPING_STYLE);
	session_body(&o, s, utf8);
	yml_out_map(&o, 0, YAML_ANY_MAPPING_STYLE);
	if ((text = yml_out_finish(&o, len)) == NULL)
		abort();	/* every value was checked: impossible */
	return (text);
}

int
session_save(const struct session *s, const char *path, char **cause)
{
	char	*tmp, *text;
	size_t	 len;
	FILE	*f;
	int	 bad = 0;

	if ((f = util_atomic_open(path, 0666, &tmp, cause)) == NULL)
		return (-1);
	text = session_dump(s, &len);
	if (fwrite(text, 1, len, f) != len)
		bad = util_fail(cause, "%s: %s", path, strerror(errno));
	free(text);
	return (util_atomic_close(f, tmp, path, bad, cause));
}

/* Reading. */

struct session_ctx {
	struct session	*s;
	const char	*label;
	char		**cause;
	yaml_document_t	*doc;
};

static int __attribute__((format(printf, 3, 4)))
session_error(struct session_ctx *c, const yaml_node_t *n, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	util_fail(c->cause, "%s:%zu:%zu: %s", c->label, n->start_mark.line + 1,
	    n->start_mark.column + 1, msg);
	free(msg);
	return (-1);
}

static int
session_is_scalar(struct session_ctx *c, const yaml_node_t *n,
    const char *key)
{
	if (n->type != YAML_SCALAR_NODE)
		return (session_error(c, n, "%s: expected a scalar", key));
	return (0);
}

/* A plain scalar as a non-negative int. */
static int
session_int(struct session_ctx *c, const yaml_node_t *n, const char *key,
    int *v)
{
	const char	*s = (const char *)n->data.scalar.value;
	char		*end;
	long		 l;

	if (session_is_scalar(c, n, key) != 0)
		return (-1);
	errno = 0;
	l = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    l > 0x7fffffff || (size_t)(end - s) != n->data.scalar.length)
		return (session_error(c, n, "%s: expected a non-negative "
		    "integer, got '%s'", key, s));
	*v = (int)l;
	return (0);
}

/*
 * prompt_bytes, compare_bytes (key): each character, U+0000..U+00FF, is
 * one byte, into *out (*outlen bytes).
 */
static int
session_bytes(struct session_ctx *c, const yaml_node_t *n, const char *key,
    char **out, size_t *outlen)
{
	const unsigned char	*p = n->data.scalar.value;
	size_t			 len = n->data.scalar.length, i, o = 0, k;
	char			*b = xmalloc(len + 1);
	uint32_t		 cp;

	for (i = 0; i < len; i += k) {
		k = util_utf8_decode(p + i, len - i, &cp);
		if (cp <= 0xff)
			b[o++] = (char)cp;
		else {
			free(b);
			return (session_error(c, n, "%s: a character past "
			    "U+00FF is not a byte", key));
		}
	}
	b[o] = '\0';
	free(*out);
	*out = b;
	*outlen = o;
	return (0);
}

static int
session_ids(struct session_ctx *c, yaml_node_t *n, const char *key)
{
	yaml_node_item_t	*it;
	size_t			 i = 0, max;
	int			 v;

	if (n->type != YAML_SEQUENCE_NODE)
		return (session_error(c, n, "%s: expected a list of token "
		    "ids", key));
	max = n->data.sequence.items.top - n->data.sequence.items.start;
	free(c->s->tracked);
	c->s->tracked = xreallocarray(NULL, max + 1, sizeof *c->s->tracked);
	c->s->ntracked = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		if (session_int(c, yaml_document_get_node(c->doc, *it), key,
		    &v) != 0)
			return (-1);
		c->s->tracked[i++] = v;
		c->s->ntracked = i;
	}
	return (0);
}

/* logit_diff: a list of two token ids. */
static int
session_pair_ids(struct session_ctx *c, yaml_node_t *n, const char *key)
{
	yaml_node_item_t	*it;
	int			 v[2], i = 0;

	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top -
	    n->data.sequence.items.start != 2)
		return (session_error(c, n, "%s: expected a list of two token "
		    "ids", key));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		if (session_int(c, yaml_document_get_node(c->doc, *it), key,
		    &v[i++]) != 0)
			return (-1);
	}
	c->s->diff[0] = v[0];
	c->s->diff[1] = v[1];
	return (0);
}

static int
session_value(struct session_ctx *c, const struct session_key *k,
    yaml_node_t *n)
{
	const char	*v = (const char *)n->data.scalar.value;
	char		**str;

	if (k->type == S_IDS)
		return (session_ids(c, n, k->name));
	if (k->type == S_PAIR)
		return (session_pair_ids(c, n, k->name));
	if (session_is_scalar(c, n, k->name) != 0)
		return (-1);
	switch (k->type) {
	case S_PROMPT:
		free(c->s->prompt);
		c->s->prompt = xmalloc(n->data.scalar.length + 1);
		memcpy(c->s->prompt, v, n->data.scalar.length + 1);
		c->s->prompt_len = n->data.scalar.length;
		return (0);
	case S_BYTES:
		return (session_bytes(c, n, k->name, &c->s->prompt,
		    &c->s->prompt_len));
	case S_CMP:
		free(c->s->compare);
		c->s->compare = xmalloc(n->data.scalar.length + 1);
		memcpy(c->s->compare, v, n->data.scalar.length + 1);
		c->s->compare_len = n->data.scalar.length;
		return (0);
	case S_CMP_BYTES:
		return (session_bytes(c, n, k->name, &c->s->compare,
		    &c->s->compare_len));
	case S_STRING:
		str = (char **)((char *)c->s + k->off);
		free(*str);
		*str = xstrndup(v, n->data.scalar.length);
		return (0);
	case S_POS:
		return (session_int(c, n, k->name,
		    (int *)((char *)c->s + k->off)));
	case S_BOOL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return (session_error(c, n, "%s: expected true or "
			    "false, got '%s'", k->name, v));
		*(int *)((char *)c->s + k->off) = v[0] == 't';
		return (0);
	default:
		return (-1);
	}
}

static int
session_apply(struct session_ctx *c)
{
	yaml_node_t		*root, *key;
	yaml_node_pair_t	*p;
	const char		*name;
	size_t			 i;

	if ((root = yaml_document_get_root_node(c->doc)) == NULL)
		return (0);	/* an empty file */
	if (root->type != YAML_MAPPING_NODE)
		return (session_error(c, root, "expected a mapping of session "
		    "keys"));
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	    p++) {
		key = yaml_document_get_node(c->doc, p->key);
		if (key->type != YAML_SCALAR_NODE)
			return (session_error(c, key, "expected a key"));
		name = (const char *)key->data.scalar.value;
		for (i = 0; i < nitems(session_keys); i++) {
			if (strcmp(name, session_keys[i].name) == 0)
				break;
		}
		if (i == nitems(session_keys))
			return (session_error(c, key, "unknown key '%s'",
			    name));
		if (session_value(c, &session_keys[i],
		    yaml_document_get_node(c->doc, p->value)) != 0)
			return (-1);
	}
	return (0);
}

int
session_parse(struct session *s, const char *text, size_t len,
    const char *label, char **cause)
{
	struct session_ctx	 c = { s, label, cause, NULL };
	yaml_document_t		 doc;
	int			 rv;

	if (yml_load(&doc, text, len, label, SESSION_MAX_DEPTH,
	    SESSION_MAX_NODES, cause) != 0)
		return (-1);
	c.doc = &doc;
	session_clear(s);
	if ((rv = session_apply(&c)) != 0)
		session_clear(s);
	yaml_document_delete(&doc);
	return (rv);
}

int
session_load(struct session *s, const char *path, char **cause)
{
	char	*text;
	size_t	 len;
	int	 rv;

	if (util_read_file(path, SESSION_MAX, &text, &len, cause) != 0)
		return (-1);
	rv = session_parse(s, text, len, path, cause);
	free(text);
	return (rv);
}
