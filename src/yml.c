/*
 * yml.c: bounded YAML loading and emitting into memory, over libyaml (see
 * yml.h).
 *
 * A hostile file may nest a hundred thousand levels, hold a hundred
 * thousand keys, or expand a few aliases into millions of values (the
 * "billion laughs"). libyaml's document loader has no bounds, so the text
 * is read twice: first as events, counted and refused early, then as a
 * document. Refuses to know what any key means.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util.h"
#include "yml.h"

/*
 * Anchors and how many values each stands for (YML_OPEN while its own
 * collection is being read): open addressing.
 */
#define YML_OPEN	SIZE_MAX
struct yml_anchors {
	char	**name;
	size_t	 *size;
	size_t	  cap;		/* a power of two, or 0 */
	size_t	  n;
};

/* One open sequence or mapping: the count at its start, its anchor. */
struct yml_open {
	size_t	 start;
	char	*anchor;
};

struct yml_scan {
	const char		*label;
	char			**cause;
	int			 max_depth;
	size_t			 max_nodes;
	size_t			 nodes;		/* expanded */
	int			 depth;
	int			 docs;
	struct yml_open		*open;		/* max_depth entries */
	struct yml_anchors	 anchors;
};

static size_t
yml_hash(const char *s)
{
	size_t	h = 5381;

	for (; *s != '\0'; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* The slot of name: where it is, or the empty one where it would go. */
static size_t
yml_slot(const struct yml_anchors *a, const char *name)
{
	size_t	i = yml_hash(name) & (a->cap - 1);

	while (a->name[i] != NULL && strcmp(a->name[i], name) != 0)
		i = (i + 1) & (a->cap - 1);
	return i;
}

/* A later anchor of the same name replaces the earlier one, as in YAML. */
static void
yml_anchor_set(struct yml_anchors *a, const char *name, size_t size)
{
	struct yml_anchors	 old = *a;
	size_t			 i, j;

	if (2 * (a->n + 1) > a->cap) {
		a->cap = a->cap == 0 ? 16 : 2 * a->cap;
		a->name = xcalloc(a->cap, sizeof *a->name);
		a->size = xcalloc(a->cap, sizeof *a->size);
		for (i = 0; i < old.cap; i++) {
			if (old.name[i] == NULL)
				continue;
			j = yml_slot(a, old.name[i]);
			a->name[j] = old.name[i];
			a->size[j] = old.size[i];
		}
		free(old.name);
		free(old.size);
	}
	i = yml_slot(a, name);
	if (a->name[i] == NULL) {
		a->name[i] = xstrdup(name);
		a->n++;
	}
	a->size[i] = size;
}

/* How many values the anchor stands for; 0 if it is not defined. */
static size_t
yml_anchor_get(const struct yml_anchors *a, const char *name)
{
	size_t	i;

	if (a->cap == 0)
		return 0;
	i = yml_slot(a, name);
	return a->name[i] != NULL ? a->size[i] : 0;
}

static void
yml_anchors_free(struct yml_anchors *a)
{
	size_t	i;

	for (i = 0; i < a->cap; i++)
		free(a->name[i]);
	free(a->name);
	free(a->size);
}

/* 1-based line and column of a byte offset (for reader errors). */
static void
yml_offset_mark(const char *text, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t		i, n;
	uint32_t	cp;

	*line = *col = 1;
	for (i = 0; i < off && i < len; i += n) {
		n = util_utf8_decode((const unsigned char *)text + i, len - i,
		    &cp);
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

/* libyaml's own problem text and mark. */
static int
yml_parser_error(const yaml_parser_t *p, const char *text, size_t len,
    const char *label, char **cause)
{
	size_t	line, col;

	if (p->error == YAML_MEMORY_ERROR)
		return util_fail(cause, "%s: out of memory", label);
	if (p->error == YAML_READER_ERROR) {
		yml_offset_mark(text, len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return util_fail(cause, "%s:%zu:%zu: %s (#%X)", label,
			    line, col, p->problem, (unsigned)p->problem_value);
		return util_fail(cause, "%s:%zu:%zu: %s", label, line, col,
		    p->problem);
	}
	line = p->problem_mark.line + 1;
	col = p->problem_mark.column + 1;
	if (p->context == NULL)
		return util_fail(cause, "%s:%zu:%zu: %s", label, line, col,
		    p->problem);
	return util_fail(cause, "%s:%zu:%zu: %s (%s at line %zu, column %zu)",
	    label, line, col, p->problem, p->context,
	    p->context_mark.line + 1, p->context_mark.column + 1);
}

static int __attribute__((format(printf, 3, 4)))
yml_error(struct yml_scan *s, const yaml_event_t *ev, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	util_fail(s->cause, "%s:%zu:%zu: %s", s->label,
	    ev->start_mark.line + 1, ev->start_mark.column + 1, msg);
	free(msg);
	return -1;
}

/* Counts n more values; an error past the bound. */
static int
yml_count(struct yml_scan *s, const yaml_event_t *ev, size_t n)
{
	if (n > s->max_nodes - s->nodes) {
		return yml_error(s, ev, "more than %zu values (aliases "
		    "counted as what they stand for): too large", s->max_nodes);
	}
	s->nodes += n;
	return 0;
}

/* One event of the first pass. */
static int
yml_scan_event(struct yml_scan *s, const yaml_event_t *ev)
{
	const yaml_char_t	*anchor = NULL;
	struct yml_open		*o;
	size_t			 n;

	if (s->docs > 1 && ev->type != YAML_DOCUMENT_START_EVENT)
		return yml_error(s, ev, "only one YAML document is allowed");
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		s->docs++;
		return 0;
	case YAML_ALIAS_EVENT:
		n = yml_anchor_get(&s->anchors,
		    (const char *)ev->data.alias.anchor);
		if (n == YML_OPEN)
			return yml_error(s, ev, "an alias inside what its "
			    "anchor names (a value that contains itself)");
		return yml_count(s, ev, n > 0 ? n : 1);
	case YAML_SCALAR_EVENT:
		if (yml_count(s, ev, 1) != 0)
			return -1;
		if ((anchor = ev->data.scalar.anchor) != NULL)
			yml_anchor_set(&s->anchors, (const char *)anchor, 1);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (s->depth == s->max_depth)
			return yml_error(s, ev, "nested more than %d levels "
			    "deep", s->max_depth);
		if (yml_count(s, ev, 1) != 0)
			return -1;
		anchor = ev->type == YAML_SEQUENCE_START_EVENT ?
		    ev->data.sequence_start.anchor :
		    ev->data.mapping_start.anchor;
		o = &s->open[s->depth++];
		o->start = s->nodes - 1;
		o->anchor = NULL;
		if (anchor != NULL) {
			o->anchor = xstrdup((const char *)anchor);
			yml_anchor_set(&s->anchors, o->anchor, YML_OPEN);
		}
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		o = &s->open[--s->depth];
		if (o->anchor != NULL) {
			yml_anchor_set(&s->anchors, o->anchor,
			    s->nodes - o->start);
			free(o->anchor);
			o->anchor = NULL;
		}
		return 0;
	default:
		return 0;
	}
}

/* The first pass: events only, within the bounds. */
static int
yml_scan(const char *text, size_t len, struct yml_scan *s)
{
	yaml_parser_t	parser;
	yaml_event_t	ev;
	int		rv = -1, done = 0;

	if (!yaml_parser_initialize(&parser))
		return util_fail(s->cause, "%s: out of memory", s->label);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yml_parser_error(&parser, text, len, s->label,
			    s->cause);
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (yml_scan_event(s, &ev) != 0) {
			yaml_event_delete(&ev);
			goto out;
		}
		yaml_event_delete(&ev);
	}
	rv = 0;
out:
	while (s->depth > 0)
		free(s->open[--s->depth].anchor);
	yaml_parser_delete(&parser);
	return rv;
}

int
yml_load(yaml_document_t *doc, const char *text, size_t len,
    const char *label, int max_depth, size_t max_nodes, char **cause)
{
	struct yml_scan	 s;
	yaml_parser_t	 parser;
	int		 rv;

	memset(&s, 0, sizeof s);
	s.label = label;
	s.cause = cause;
	s.max_depth = max_depth;
	s.max_nodes = max_nodes;
	s.open = xcalloc((size_t)max_depth + 1, sizeof *s.open);
	rv = yml_scan(text, len, &s);
	free(s.open);
	yml_anchors_free(&s.anchors);
	if (rv != 0)
		return -1;
	if (!yaml_parser_initialize(&parser))
		return util_fail(cause, "%s: out of memory", label);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc))
		rv = yml_parser_error(&parser, text, len, label, cause);
	yaml_parser_delete(&parser);
	return rv;
}

/* Writing. */

static int
yml_write(void *data, unsigned char *bytes, size_t n)
{
	struct yml_out	*o = data;

	while (o->len + n + 1 > o->size) {
		o->size = o->size == 0 ? 512 : o->size * 2;
		o->buf = xreallocarray(o->buf, o->size, 1);
	}
	memcpy(o->buf + o->len, bytes, n);
	o->len += n;
	o->buf[o->len] = '\0';
	return 1;
}

/* Every event goes through here; the first failure is remembered. */
static void
yml_emit(struct yml_out *o, yaml_event_t *ev, int ok)
{
	if (!ok)
		o->failed = 1;
	else if (o->failed)
		yaml_event_delete(ev);
	else if (!yaml_emitter_emit(&o->emitter, ev))
		o->failed = 1;
}

void
yml_out_init(struct yml_out *o, int unicode)
{
	yaml_event_t	ev;

	memset(o, 0, sizeof *o);
	if (!yaml_emitter_initialize(&o->emitter))
		abort();	/* it fails only for memory */
	yaml_emitter_set_output(&o->emitter, yml_write, o);
	yaml_emitter_set_unicode(&o->emitter, unicode);
	yaml_emitter_set_width(&o->emitter, -1);
	yml_emit(o, &ev, yaml_stream_start_event_initialize(&ev,
	    YAML_UTF8_ENCODING));
	yml_emit(o, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL,
	    NULL, 1));
}

void
yml_out_scalar(struct yml_out *o, const char *s, size_t len,
    yaml_scalar_style_t style)
{
	yaml_event_t	ev;

	if (len > INT_MAX) {
		o->failed = 1;
		return;
	}
	yml_emit(o, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (const yaml_char_t *)s, (int)len, 1, 1, style));
}

void
yml_out_seq(struct yml_out *o, int start)
{
	yaml_event_t	ev;

	if (start)
		yml_emit(o, &ev, yaml_sequence_start_event_initialize(&ev,
		    NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE));
	else
		yml_emit(o, &ev, yaml_sequence_end_event_initialize(&ev));
}

void
yml_out_map(struct yml_out *o, int start, yaml_mapping_style_t style)
{
	yaml_event_t	ev;

	if (start)
		yml_emit(o, &ev, yaml_mapping_start_event_initialize(&ev, NULL,
		    NULL, 1, style));
	else
		yml_emit(o, &ev, yaml_mapping_end_event_initialize(&ev));
}

char *
yml_out_finish(struct yml_out *o, size_t *len)
{
	yaml_event_t	ev;

	yml_emit(o, &ev, yaml_document_end_event_initialize(&ev, 1));
	yml_emit(o, &ev, yaml_stream_end_event_initialize(&ev));
	yaml_emitter_delete(&o->emitter);
	if (o->failed || o->buf == NULL) {
		free(o->buf);
		return NULL;
	}
	if (len != NULL)
		*len = o->len;
	return o->buf;
}
