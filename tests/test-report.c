/*
 * test-report.c: the YAML output equals the JSON output, value for value;
 * the SVG is well formed, escaped, and marks exactly the right cells.
 *
 * Runs the lens on the tiny-gpt2 fixture with a prompt full of YAML and
 * XML hazards (a leading "true:", quotes, '<' '&', controls, invalid
 * UTF-8), writes each format to memory and reads it back: the JSON with
 * jansson, the YAML with libyaml's parser.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include <jansson.h>
#include <yaml.h>

#include "harness.h"
#include "metric.h"
#include "lens.h"
#include "model.h"
#include "report.h"
#include "tok.h"
#include "util.h"

static const char	prompt[] = "true: 123\n\t\"<&>\" null ~ caf\xc3\xa9 "
			    "\xff\xfe end a a a b b";

/* Writes the report in fmt to an allocated string; NULL on error. */
static char *
write_mem(const struct report *r, enum report_format fmt, char **cause)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;
	int	 rc;

	if ((f = open_memstream(&buf, &len)) == NULL)
		HARD("open_memstream failed");
	rc = report_write(f, r, fmt, cause);
	fclose(f);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A float YAML 1.1 resolves as one: digits, a dot, an exponent with sign. */
static int
yaml11_float(const char *s)
{
	const char	*e;

	if (strcmp(s, ".nan") == 0 || strcmp(s, ".inf") == 0 ||
	    strcmp(s, "-.inf") == 0)
		return 1;
	if (strchr(s, '.') == NULL)
		return 0;
	if ((e = strchr(s, 'e')) != NULL && e[1] != '-' && e[1] != '+')
		return 0;
	return 1;
}

static void
compare(yaml_document_t *doc, yaml_node_t *y, json_t *j, const char *path)
{
	yaml_node_pair_t	*pair;
	yaml_node_item_t	*item;
	yaml_node_t		*k;
	const char		*s, *key;
	json_t			*v;
	void			*it;
	char			 sub[256];
	size_t			 i;

	if (y == NULL) {
		CHECK(0, "%s: missing in the YAML", path);
		return;
	}
	s = (const char *)y->data.scalar.value;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if (y->type != YAML_MAPPING_NODE) {
			CHECK(0, "%s: not a mapping", path);
			return;
		}
		it = json_object_iter(j);
		for (pair = y->data.mapping.pairs.start;
		    pair < y->data.mapping.pairs.top; pair++) {
			k = yaml_document_get_node(doc, pair->key);
			CHECK(it != NULL, "%s: extra key", path);
			if (it == NULL)
				return;
			key = json_object_iter_key(it);
			CHECK(strcmp((char *)k->data.scalar.value, key) == 0,
			    "%s: key '%s', expected '%s'", path,
			    k->data.scalar.value, key);
			snprintf(sub, sizeof sub, "%s.%s", path, key);
			compare(doc, yaml_document_get_node(doc, pair->value),
			    json_object_iter_value(it), sub);
			it = json_object_iter_next(j, it);
		}
		CHECK(it == NULL, "%s: keys missing", path);
		break;
	case JSON_ARRAY:
		if (y->type != YAML_SEQUENCE_NODE) {
			CHECK(0, "%s: not a sequence", path);
			return;
		}
		item = y->data.sequence.items.start;
		CHECK((size_t)(y->data.sequence.items.top - item) ==
		    json_array_size(j), "%s: %td items, expected %zu", path,
		    y->data.sequence.items.top - item, json_array_size(j));
		json_array_foreach(j, i, v) {
			if (item + i >= y->data.sequence.items.top)
				break;
			snprintf(sub, sizeof sub, "%s[%zu]", path, i);
			compare(doc, yaml_document_get_node(doc, item[i]), v,
			    sub);
		}
		break;
	case JSON_STRING:
		CHECK(y->type == YAML_SCALAR_NODE && y->data.scalar.style !=
		    YAML_PLAIN_SCALAR_STYLE, "%s: a string not quoted", path);
		CHECK(y->data.scalar.length == json_string_length(j) &&
		    memcmp(s, json_string_value(j), json_string_length(j)) ==
		    0, "%s: '%s', expected '%s'", path, s, json_string_value(j));
		break;
	case JSON_INTEGER:
		CHECK(strtoll(s, NULL, 10) == json_integer_value(j),
		    "%s: %s, expected %lld", path, s,
		    (long long)json_integer_value(j));
		break;
	case JSON_REAL:
		CHECK(yaml11_float(s), "%s: '%s' is no YAML 1.1 float", path,
		    s);
		CHECK(strtod(s, NULL) == json_real_value(j), "%s: %s, expected "
		    "%.17g", path, s, json_real_value(j));
		break;
	default:
		CHECK(strcmp(s, "null") == 0, "%s: %s, expected null", path, s);
		break;
	}
}

static void
check_yaml(const struct report *r)
{
	yaml_parser_t	 p;
	yaml_document_t	 doc;
	json_error_t	 err;
	json_t		*j;
	char		*js, *ys, *cause;

	if ((js = write_mem(r, REPORT_JSON, &cause)) == NULL)
		HARD("json: %s", cause);
	if ((ys = write_mem(r, REPORT_YAML, &cause)) == NULL)
		HARD("yaml: %s", cause);
	if ((j = json_loads(js, 0, &err)) == NULL)
		HARD("the JSON does not parse: %s", err.text);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)ys,
	    strlen(ys));
	if (!yaml_parser_load(&p, &doc))
		HARD("the YAML does not parse: %s", p.problem);
	compare(&doc, yaml_document_get_root_node(&doc), j, "$");
	CHECK(strstr(ys, "text: 'true'") != NULL, "token 'true' as a string");
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	json_decref(j);
	free(js);
	free(ys);
}

static int
count(const char *s, const char *what)
{
	int	n = 0;

	for (; (s = strstr(s, what)) != NULL; s++)
		n++;
	return n;
}

/* Escaped, printable, valid UTF-8; the cells and the marks as expected. */
static void
check_svg(const struct report *r, int cells, int hits)
{
	const unsigned char	*p;
	char			*svg, *cause;
	size_t			 i, len;
	int			 n;

	if ((svg = write_mem(r, REPORT_SVG, &cause)) == NULL) {
		CHECK(0, "svg (%s): %s", r->metric, cause);
		free(cause);
		return;
	}
	len = strlen(svg);
	CHECK(strncmp(svg, "<?xml", 5) == 0, "no XML declaration");
	CHECK(len > 7 && strcmp(svg + len - 7, "</svg>\n") == 0, "no </svg>");
	/* Cells, the white page, the grid's frame, the colour bar. */
	CHECK(count(svg, "<rect") == cells + 3, "%s: %d rects, expected %d",
	    r->metric, count(svg, "<rect"), cells + 3);
	CHECK(count(svg, "class=\"hit\"") == hits, "%s: %d marks, expected %d",
	    r->metric, count(svg, "class=\"hit\""), hits);
	p = (const unsigned char *)svg;
	for (i = 0; i < len; i += (size_t)n) {
		if ((n = util_utf8_len(p + i, len - i)) == 0) {
			CHECK(0, "invalid UTF-8 at byte %zu", i);
			break;
		}
		if (p[i] < 0x20 && p[i] != '\n') {
			CHECK(0, "control byte 0x%02x at %zu", p[i], i);
			break;
		}
		if (p[i] == '&' && strncmp(svg + i, "&amp;", 5) != 0 &&
		    strncmp(svg + i, "&lt;", 4) != 0 &&
		    strncmp(svg + i, "&gt;", 4) != 0 &&
		    strncmp(svg + i, "&quot;", 6) != 0) {
			CHECK(0, "raw '&' at %zu: %.20s", i, svg + i);
			break;
		}
	}
	CHECK(strstr(svg, "&lt;&amp;&gt;") != NULL, "the title is escaped");
	CHECK(strstr(svg, "\xe2\x86\xb5\xe2\x86\x92") != NULL,
	    "newline and tab are visible in the title");
	free(svg);
}

/* Cells of the window whose top-1 is the next token. */
static int
hits(const struct report *r, int row_from, int row_to, int pos_from,
    int pos_to)
{
	const struct lens_cell	*c;
	int			 i, p, rr, n = 0;

	for (i = row_from; i < row_to; i++) {
		rr = lens_row(r->lens, i, r->sublayers);
		for (p = pos_from; p < pos_to; p++) {
			c = lens_cell(r->lens, rr, p);
			if (c->next_id >= 0 &&
			    lens_top(r->lens, rr, p)[0].id == c->next_id)
				n++;
		}
	}
	return n;
}

/* The SVG of r is refused, with the message want. */
static void
check_refused(const struct report *r, const char *want)
{
	char	*cause = NULL, *svg = write_mem(r, REPORT_SVG, &cause);

	CHECK(svg == NULL && cause != NULL && strcmp(cause, want) == 0,
	    "metric %s: '%s', expected the refusal '%s'", r->metric,
	    cause != NULL ? cause : "written", want);
	free(svg);
	free(cause);
}

/*
 * Cells of the grid whose title gives the value of metric (track-prob or
 * track-rank) for token id: the probability up to its %.4g, the rank
 * exactly.
 */
static int
svg_agree(const char *svg, const struct report *r, const char *metric,
    int id)
{
	char		 name[32], *key, *what = xasprintf(", %s ", metric);
	const char	*at;
	double		 v, want;
	int		 i, p, rr, n = 0, rank = strcmp(metric, "track-rank") == 0;

	for (i = 0; i < lens_nrows(r->lens, r->sublayers); i++) {
		rr = lens_row(r->lens, i, r->sublayers);
		for (p = 0; p < r->T; p++) {
			want = rank ? lens_token_rank(r->lens, rr, p, id) :
			    (double)lens_token_prob(r->lens, r->state, rr, p,
			    id);
			key = xasprintf("<title>%s, position %d: ",
			    lens_row_name(rr, name, sizeof name), p);
			if ((at = strstr(svg, key)) != NULL &&
			    (at = strstr(at, what)) != NULL &&
			    sscanf(at + strlen(what), "%lg", &v) == 1)
				n += rank ? v == want : fabs(v - want) <=
				    1e-3 * want;
			free(key);
		}
	}
	free(what);
	return n;
}

/*
 * Coloured by a tracked token's probability or rank: each cell's title
 * gives the lens's, the picture's title names the token. Both are refused
 * without a tracked token, the rank also until the lens ranks it.
 */
static void
check_svg_track(struct report *r, struct lens *ln, struct gpt2_state *st)
{
	char	*svg, *cause;
	int	 id = 3797;	/* " cat" */
	int	 cells = lens_nrows(r->lens, r->sublayers) * r->T, n;

	r->metric = "track-prob";
	check_refused(r, "metric track-prob: no tracked token");
	r->track = &id;
	r->ntrack = 1;
	if ((svg = write_mem(r, REPORT_SVG, &cause)) != NULL) {
		CHECK(strstr(svg, "colour: P(\xc2\xb7" "cat)") != NULL,
		    "the title does not name the tracked token");
		check_svg(r, cells, hits(r, 0, lens_nrows(r->lens,
		    r->sublayers), 0, r->T));
		n = svg_agree(svg, r, "track-prob", id);
		CHECK(n == cells, "%d of %d cells give P( cat)", n, cells);
	} else {
		CHECK(0, "svg (track-prob): %s", cause);
		free(cause);
	}
	free(svg);

	r->metric = "track-rank";
	check_refused(r, "metric track-rank: token 3797 is not ranked");
	lens_set_track(ln, &id, 1);
	CHECK(lens_run(ln, st, r->ids, r->T, 1, 0, 0, NULL, NULL, NULL) >= 0,
	    "lens_run");
	if ((svg = write_mem(r, REPORT_SVG, &cause)) != NULL) {
		CHECK(strstr(svg, "colour: rank(\xc2\xb7" "cat)") != NULL,
		    "the rank's title does not name the tracked token");
		n = svg_agree(svg, r, "track-rank", id);
		CHECK(n == cells, "%d of %d cells give rank( cat)", n, cells);
	} else {
		CHECK(0, "svg (track-rank): %s", cause);
		free(cause);
	}
	free(svg);
	r->track = NULL;
	r->ntrack = 0;
}

static void
check_svgs(struct report *r, struct lens *ln, struct gpt2_state *st)
{
	const char	*const *m;
	char		*cause, *s;
	int		 rows = lens_nrows(r->lens, r->sublayers);

	for (m = metric_config_names; *m != NULL; m++) {
		r->metric = *m;
		check_svg(r, rows * r->T, hits(r, 0, rows, 0, r->T));
	}
	CHECK(hits(r, 0, rows, 0, r->T) > 0, "the prompt has no hits");
	check_svg_track(r, ln, st);
	/* The explorer's window. */
	r->metric = "kl";
	r->row_from = 1;
	r->row_to = 3;
	r->pos_from = r->T - 4;
	r->pos_to = r->T - 1;
	check_svg(r, 2 * 3, hits(r, 1, 3, r->T - 4, r->T - 1));
	r->pos_to = 0;
	check_svg(r, 2 * 4, hits(r, 1, 3, r->T - 4, r->T));
	r->row_from = 3;
	r->row_to = 3;
	s = write_mem(r, REPORT_SVG, &cause);
	CHECK(s == NULL && strstr(cause, "empty window") != NULL,
	    "an empty window is refused");
	free(s);
	free(cause);
	r->row_from = r->row_to = 0;
	r->metric = "colour";
	check_refused(r, "unknown metric 'colour'");
}

int
main(void)
{
	struct report		 r;
	struct gpt2		*m;
	struct gpt2_state	*s;
	struct lens		*ln;
	struct tok		*tok;
	char			*dir, *vocab, *merges, *cause;
	int			*ids;
	size_t			 n;

	if ((dir = harness_fixture("tiny-gpt2")) == NULL)
		SKIP("fixture tiny-gpt2 not found");
	vocab = util_path(dir, "vocab.json");
	merges = util_path(dir, "merges.txt");
	if ((tok = tok_load(vocab, merges, &cause)) == NULL)
		HARD("%s", cause);
	if ((m = gpt2_load(dir, &cause)) == NULL)
		HARD("%s", cause);
	if (tok_encode(tok, prompt, sizeof prompt - 1, &ids, &n, &cause) != 0)
		HARD("%s", cause);
	s = gpt2_state_new(m);
	ln = lens_new(m, 3);
	if (lens_run(ln, s, ids, (int)n, 1, 0, 0, NULL, NULL, NULL) < 0)
		HARD("lens_run failed");

	memset(&r, 0, sizeof r);
	r.model = m;
	r.tok = tok;
	r.lens = ln;
	r.state = s;
	r.ids = ids;
	r.T = (int)n;
	r.sublayers = 1;
	r.note = "a note: with \"quotes\" & <angles>";
	check_yaml(&r);
	r.prompt = prompt;
	r.prompt_len = sizeof prompt - 1;
	check_svgs(&r, ln, s);

	lens_free(ln);
	gpt2_state_free(s);
	gpt2_free(m);
	tok_free(tok);
	free(ids);
	free(vocab);
	free(merges);
	free(dir);
	return harness_done();
}
