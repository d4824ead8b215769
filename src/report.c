/*
 * report.c: writes the lens as text, JSON, TSV, YAML and SVG.
 *
 * JSON is built with jansson; its shape is a contract other tools rely on
 * (documented in logitlens(1)): keys may be added, never renamed. YAML is
 * the same tree through libyaml's emitter, so the two cannot drift apart.
 * SVG draws the grid as transformer-utils' plot_logit_lens does; it knows
 * its own colours (viridis as RGB) and nothing of the explorer's palettes.
 */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "attrib.h"
#include "metric.h"
#include "report.h"
#include "report-patch.h"
#include "util.h"
#include "width.h"

int
report_format_parse(const char *s)
{
	static const char *const names[] = { "text", "json", "tsv", "yaml",
	    "svg" };
	size_t	i;

	for (i = 0; i < nitems(names); i++) {
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * A token's text as Hugging Face decodes it (U+FFFD for broken UTF-8), as a
 * JSON string: NUL bytes included.
 */
static json_t *
report_json_token(const struct report *r, int id)
{
	json_t	*v;
	size_t	 len;
	char	*s = tok_decode(r->tok, &id, 1, &len);

	v = json_stringn(s, len);
	free(s);
	return v;
}

static json_t *
report_json_str(char *s)
{
	json_t	*v = json_string(s);

	free(s);
	return v;
}

/* NaN and Inf (a corrupt model) have no JSON form: null. */
static json_t *
report_json_real(float v)
{
	return isfinite(v) ? json_real((double)v) : json_null();
}

/* s with every invalid UTF-8 byte as U+FFFD (paths are any bytes). */
static char *
report_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0, o = 0;
	char			*out = xmalloc(3 * len + 1);
	int			 n;

	while (i < len) {
		if ((n = util_utf8_len(p + i, len - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, (size_t)n);
		o += (size_t)n;
		i += (size_t)n;
	}
	out[o] = '\0';
	return out;
}

static json_t *
report_json_double(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The top-k entry a cell shows: with mask, the first not in the input. */
static const struct lens_top *
report_top(const struct report *r, int row, int pos)
{
	const struct lens_top	*top = lens_top(r->lens, row, pos);
	int			 i;

	if (!r->mask)
		return top;
	i = lens_mask(top, lens_top_k(r->lens), r->ids, pos + 1);
	return i == -1 ? NULL : &top[i];
}

/* Each tracked token's probability, logit and rank in the cell. */
static json_t *
report_json_tracked(const struct report *r, int row, int pos)
{
	json_t	*a = json_array(), *t;
	int	 i, id;

	for (i = 0; i < r->ntrack; i++) {
		id = r->track[i];
		t = json_object();
		json_object_set_new(t, "id", json_integer(id));
		json_object_set_new(t, "text", report_json_token(r, id));
		json_object_set_new(t, "prob", report_json_real(
		    lens_token_prob(r->lens, r->state, row, pos, id)));
		json_object_set_new(t, "logit", report_json_real(
		    lens_token_logit(r->lens, r->state, row, pos, id)));
		json_object_set_new(t, "rank", json_integer(
		    lens_token_rank(r->lens, row, pos, id)));
		json_array_append_new(a, t);
	}
	return a;
}

/* The direct logit attribution of the cell's top-1 (attrib.h). */
static json_t *
report_json_attrib(const struct report *r, int row, int pos)
{
	json_t	*o, *a;
	double	*parts, bias;
	char	 name[32];
	int	 k, n = attrib_nparts(row), id = lens_top(r->lens, row,
		    pos)[0].id;

	parts = xreallocarray(NULL, (size_t)n, sizeof *parts);
	attrib_logit_lens(r->model, r->state, r->lens, row, pos, id,
	    parts, &bias);
	a = json_array();
	for (k = 0; k < n; k++)
		json_array_append_new(a, json_pack("{s:s,s:o}", "name",
		    attrib_part_name(k, name, sizeof name), "logit",
		    report_json_double(parts[k])));
	o = json_object();
	json_object_set_new(o, "token", json_integer(id));
	json_object_set_new(o, "parts", a);
	json_object_set_new(o, "bias", report_json_double(bias));
	free(parts);
	return o;
}

/* Per position, the candidates across the shown rows (lens_cands). */
static json_t *
report_json_cands(const struct report *r)
{
	struct lens_top		*tops;
	struct lens_cand	*c;
	json_t			*all, *a;
	char			 name[32];
	int			 nrows = lens_nrows(r->lens, r->sublayers);
	int			 k = lens_top_k(r->lens), i, p, n;

	tops = xreallocarray(NULL, (size_t)nrows * r->T * k, sizeof *tops);
	for (i = 0; i < nrows; i++) {
		for (p = 0; p < r->T; p++)
			memcpy(&tops[((size_t)i * r->T + p) * k],
			    lens_top(r->lens, lens_row(r->lens, i,
			    r->sublayers), p), (size_t)k * sizeof *tops);
	}
	c = xreallocarray(NULL, (size_t)nrows * k, sizeof *c);
	all = json_array();
	for (p = 0; p < r->T; p++) {
		n = lens_cands(tops, nrows, r->T, k, p, c, nrows * k);
		a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:i,s:o,s:o,s:i,"
			    "s:s}", "id", c[i].id, "text", report_json_token(r,
			    c[i].id), "max_prob", report_json_real(c[i].prob),
			    "row", c[i].row, "row_name", lens_row_name(
			    lens_row(r->lens, c[i].row, r->sublayers), name,
			    sizeof name)));
		json_array_append_new(all, a);
	}
	free(c);
	free(tops);
	return all;
}

/* -log P(next token), nats: from the probability unless it underflowed. */
static double
report_surprisal(const struct lens_cell *c)
{
	if (c->next_prob >= FLT_MIN)
		return -log((double)c->next_prob);
	return (double)c->lse - (double)c->next_logit;
}

/* logit(X) - logit(Y) of --logit-diff in A's cell. */
static double
report_diff(const struct report *r, int row, int pos)
{
	return compare_logit_diff(r->lens, r->state, row, pos, r->diff_x,
	    r->diff_y);
}

/* Whether position pos of A is compared with B's. */
static int
report_compared(const struct report *r, int pos)
{
	return r->compare != NULL && pos < compare_len(r->compare);
}

/* The comparison of a compared cell with B's (compare.h). */
static json_t *
report_json_compare(const struct report *r, int row, int pos)
{
	const struct compare_cell	*c;
	json_t				*o, *d;

	c = compare_cell(r->compare, row, pos);
	d = json_object();
	json_object_set_new(d, "id", json_integer(c->max_id));
	json_object_set_new(d, "text", report_json_token(r, c->max_id));
	json_object_set_new(d, "delta", report_json_double(c->max_delta));
	o = json_object();
	json_object_set_new(o, "kl", report_json_double(c->kl));
	json_object_set_new(o, "js", report_json_double(c->js));
	json_object_set_new(o, "tv", report_json_double(c->tv));
	json_object_set_new(o, "max_delta", d);
	if (r->logit_diff)
		json_object_set_new(o, "logit_diff",
		    report_json_double(c->diff_b));
	return o;
}

static json_t *
report_json_cell(const struct report *r, int row, int pos)
{
	const struct lens_cell	*c = lens_cell(r->lens, row, pos);
	const struct lens_top	*top = lens_top(r->lens, row, pos);
	json_t			*o, *a, *t;
	int			 i;

	a = json_array();
	for (i = 0; i < lens_top_k(r->lens); i++) {
		t = json_object();
		json_object_set_new(t, "id", json_integer(top[i].id));
		json_object_set_new(t, "text", report_json_token(r,
		    top[i].id));
		json_object_set_new(t, "prob", report_json_real(top[i].prob));
		json_object_set_new(t, "logit", report_json_real(top[i].logit));
		json_array_append_new(a, t);
	}
	o = json_object();
	json_object_set_new(o, "top", a);
	json_object_set_new(o, "entropy", report_json_real(c->entropy));
	json_object_set_new(o, "kl", report_json_real(c->kl));
	json_object_set_new(o, "final_top1", json_integer(c->final_top1));
	json_object_set_new(o, "final_top1_rank",
	    json_integer(c->final_top1_rank));
	json_object_set_new(o, "final_top1_prob",
	    report_json_real(c->final_top1_prob));
	if (c->next_id >= 0) {
		json_object_set_new(o, "next_id", json_integer(c->next_id));
		json_object_set_new(o, "next_prob",
		    report_json_real(c->next_prob));
		json_object_set_new(o, "next_rank", json_integer(c->next_rank));
		json_object_set_new(o, "surprisal",
		    report_json_double(report_surprisal(c)));
	}
	if (r->logit_diff)
		json_object_set_new(o, "logit_diff", report_json_double(
		    report_diff(r, row, pos)));
	if (report_compared(r, pos))
		json_object_set_new(o, "compare", report_json_compare(r, row,
		    pos));
	if (lens_tuned(r->lens) != NULL || lens_jacobian(r->lens) != NULL)
		json_object_set_new(o, "kl_logit_lens",
		    report_json_real(c->kl_other));
	if (r->ntrack > 0)
		json_object_set_new(o, "tracked", report_json_tracked(r, row,
		    pos));
	if (r->attribution)
		json_object_set_new(o, "attribution", report_json_attrib(r, row,
		    pos));
	return o;
}

static json_t *
report_json(const struct report *r)
{
	const struct gpt2_config	*c = gpt2_config(r->model);
	json_t				*root, *m, *toks, *rows, *row, *cells;
	json_t				*cmp;
	char				 name[32];
	int				 i, p, rr;

	m = json_object();
	json_object_set_new(m, "dir", report_json_str(report_utf8(
	    gpt2_dir(r->model))));
	json_object_set_new(m, "n_layer", json_integer(c->n_layer));
	json_object_set_new(m, "n_head", json_integer(c->n_head));
	json_object_set_new(m, "n_embd", json_integer(c->n_embd));
	json_object_set_new(m, "n_ctx", json_integer(c->n_ctx));
	json_object_set_new(m, "n_vocab", json_integer(c->n_vocab));
	toks = json_array();
	for (p = 0; p < r->T; p++) {
		json_array_append_new(toks, json_pack("{s:i,s:o}", "id",
		    r->ids[p], "text", report_json_token(r,
		    r->ids[p])));
	}
	cmp = json_array();
	for (p = 0; r->compare != NULL && p < r->cmp_T; p++) {
		json_array_append_new(cmp, json_pack("{s:i,s:o}", "id",
		    r->cmp_ids[p], "text", report_json_token(r,
		    r->cmp_ids[p])));
	}
	rows = json_array();
	for (i = 0; i < lens_nrows(r->lens, r->sublayers); i++) {
		rr = lens_row(r->lens, i, r->sublayers);
		cells = json_array();
		for (p = 0; p < r->T; p++)
			json_array_append_new(cells,
			    report_json_cell(r, rr, p));
		row = json_object();
		json_object_set_new(row, "name", json_string(lens_row_name(rr,
		    name, sizeof name)));
		json_object_set_new(row, "cells", cells);
		json_array_append_new(rows, row);
	}
	root = json_object();
	json_object_set_new(root, "model", m);
	json_object_set_new(root, "lens", json_string(lens_kind(r->lens)));
	if (r->note != NULL)
		json_object_set_new(root, "note", report_json_str(
		    report_utf8(r->note)));
	json_object_set_new(root, "tokens", toks);
	if (r->compare != NULL)
		json_object_set_new(root, "compare_tokens", cmp);
	else
		json_decref(cmp);
	json_object_set_new(root, "rows", rows);
	if (r->candidates)
		json_object_set_new(root, "candidates", report_json_cands(r));
	report_patch_json(r, root);
	return root;
}

static int
report_write_json(FILE *f, const struct report *r)
{
	json_t	*root = report_json(r);
	int	 rc;

	rc = json_dumpf(root, f, JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(root);
	if (rc == 0 && fputc('\n', f) == EOF)
		rc = -1;
	return rc;
}

/* A token made safe for a terminal, truncated to width columns (ASCII). */
static char *
report_display(const struct report *r, int id)
{
	size_t		 len;
	const char	*b = tok_bytes(r->tok, id, &len);

	/* A model's vocabulary may be padded beyond the tokenizer's. */
	if (b == NULL)
		return xasprintf("<%d>", id);
	return tok_display(b, len, 0);
}

/* The TSV's columns after top_probs and tracked: surprisal on. */
static void
report_tsv_more(FILE *f, const struct report *r, int row, int pos)
{
	const struct lens_cell		*c = lens_cell(r->lens, row, pos);
	const struct compare_cell	*cc;
	char				*tok, *mx;

	if (c->next_id >= 0)
		fprintf(f, "\t%.7g", report_surprisal(c));
	else
		fputc('\t', f);
	if (r->logit_diff)
		fprintf(f, "\t%.7g", report_diff(r, row, pos));
	if (r->compare == NULL)
		return;
	if (!report_compared(r, pos)) {
		fprintf(f, "\t\t\t\t\t\t\t\t%s", r->logit_diff ? "\t" : "");
		return;
	}
	cc = compare_cell(r->compare, row, pos);
	tok = report_display(r, r->cmp_ids[pos]);
	mx = report_display(r, cc->max_id);
	fprintf(f, "\t%d\t%s\t%.7g\t%.7g\t%.7g\t%d\t%s\t%.7g",
	    r->cmp_ids[pos], tok, cc->kl, cc->js, cc->tv, cc->max_id, mx,
	    cc->max_delta);
	if (r->logit_diff)
		fprintf(f, "\t%.7g", cc->diff_b);
	free(tok);
	free(mx);
}

/* One end of --positions: a number 1..T, or def when empty. */
static int
report_pos_num(const char *s, size_t len, int def, int T)
{
	long	v = 0;
	size_t	i;

	if (len == 0)
		return (def);
	if (len > 9)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	return (v >= 1 && v <= T ? (int)v : -1);
}

int
report_positions(const char *spec, int T, int *from, int *to, char **cause)
{
	const char	*colon = strchr(spec, ':');
	size_t		 alen = colon ? (size_t)(colon - spec) : strlen(spec);
	int		 a, b;

	a = report_pos_num(spec, alen, 1, T);
	b = colon ? report_pos_num(colon + 1, strlen(colon + 1), T, T) : a;
	if (a == -1 || b == -1 || a > b || (colon == NULL && alen == 0))
		return (util_fail(cause, "'%s' is not a range A:B with 1 <= "
		    "A <= B <= %d (the prompt's tokens)", spec, T));
	*from = a - 1;
	*to = b;
	return (0);
}

/* The end of the window of positions text, tsv and svg write. */
static int
report_pos_end(const struct report *r)
{
	return (r->pos_to > 0 && r->pos_to <= r->T ? r->pos_to : r->T);
}

static int
report_write_tsv(FILE *f, const struct report *r)
{
	const struct lens_cell	*c;
	const struct lens_top	*top;
	char			 name[32], *tok, *t1;
	int			 i, p, rr, k;

	fprintf(f, "row\tpos\ttoken_id\ttoken\ttop1_id\ttop1\ttop1_prob\t"
	    "entropy\tkl\tfinal_top1\tfinal_top1_rank\tnext_id\tnext_prob\t"
	    "next_rank\ttop_ids\ttop_probs%s\tsurprisal%s%s%s\n",
	    r->ntrack > 0 ? "\ttracked" : "", r->logit_diff ? "\tlogit_diff" : "",
	    r->compare != NULL ? "\tcmp_token_id\tcmp_token\tcmp_kl\tcmp_js"
	    "\tcmp_tv\tcmp_max_id\tcmp_max_token\tcmp_max_delta" : "",
	    r->compare != NULL && r->logit_diff ? "\tcmp_logit_diff" : "");
	for (i = lens_nrows(r->lens, r->sublayers) - 1; i >= 0; i--) {
		rr = lens_row(r->lens, i, r->sublayers);
		lens_row_name(rr, name, sizeof name);
		for (p = r->pos_from; p < report_pos_end(r); p++) {
			c = lens_cell(r->lens, rr, p);
			top = lens_top(r->lens, rr, p);
			tok = report_display(r, r->ids[p]);
			t1 = report_display(r, top[0].id);
			fprintf(f, "%s\t%d\t%d\t%s\t%d\t%s\t%.6g\t%.6g\t%.6g\t"
			    "%d\t%d\t", name, p, r->ids[p], tok, top[0].id, t1,
			    (double)top[0].prob, (double)c->entropy,
			    (double)c->kl, c->final_top1, c->final_top1_rank);
			if (c->next_id >= 0)
				fprintf(f, "%d\t%.6g\t%d\t", c->next_id,
				    (double)c->next_prob, c->next_rank);
			else
				fprintf(f, "\t\t\t");
			for (k = 0; k < lens_top_k(r->lens); k++)
				fprintf(f, "%s%d", k ? "," : "", top[k].id);
			fputc('\t', f);
			for (k = 0; k < lens_top_k(r->lens); k++)
				fprintf(f, "%s%.6g", k ? "," : "",
				    (double)top[k].prob);
			if (r->ntrack > 0)
				fputc('\t', f);
			for (k = 0; k < r->ntrack; k++)
				fprintf(f, "%s%d:%.6g:%d", k ? "," : "",
				    r->track[k], (double)lens_token_prob(
				    r->lens, r->state, rr, p, r->track[k]),
				    lens_token_rank(r->lens, rr, p, r->track[k]));
			report_tsv_more(f, r, rr, p);
			fputc('\n', f);
			free(tok);
			free(t1);
		}
	}
	return 0;
}

/*
 * Pads s (already display-safe, ASCII or UTF-8) to w columns, by width.h's
 * rule: a wide character that would pass w is left out.
 */
static void
report_cell_text(FILE *f, const char *s, int w)
{
	size_t	len = strlen(s), off = 0, n;
	int	cols = 0, cw;

	while (off < len) {
		cw = width_char(s + off, len - off, &n);
		if (cols + cw > w)
			break;
		fwrite(s + off, 1, n, f);
		cols += cw;
		off += n;
	}
	for (; cols < w; cols++)
		fputc(' ', f);
}

/* The input tokens as the grid's header line. */
static void
report_text_inputs(FILE *f, const struct report *r, const char *label)
{
	char	*s;
	int	 p;

	fprintf(f, "%-10s ", label);
	for (p = r->pos_from; p < report_pos_end(r); p++) {
		s = report_display(r, r->ids[p]);
		report_cell_text(f, s, 10);
		fputc(' ', f);
		free(s);
	}
	fputc('\n', f);
}

/* Per tracked token, its probability and its rank at each row and position. */
static void
report_text_tracked(FILE *f, const struct report *r)
{
	char	 name[32], *s;
	int	 j, i, p, rr, rank;

	for (j = 0; j < r->ntrack * 2; j++) {
		rank = j % 2;
		s = report_display(r, r->track[j / 2]);
		fprintf(f, "\n# tracked %s (id %d): its %s at each layer\n", s,
		    r->track[j / 2], rank ? "rank" : "probability");
		free(s);
		report_text_inputs(f, r, "");
		for (i = lens_nrows(r->lens, r->sublayers) - 1; i >= 0; i--) {
			rr = lens_row(r->lens, i, r->sublayers);
			fprintf(f, "%-10s ", lens_row_name(rr, name,
			    sizeof name));
			for (p = r->pos_from; p < report_pos_end(r) && rank;
			    p++)
				fprintf(f, "%-10d ", lens_token_rank(r->lens,
				    rr, p, r->track[j / 2]));
			for (p = r->pos_from; p < report_pos_end(r) && !rank;
			    p++)
				fprintf(f, "%-10.3g ", (double)lens_token_prob(
				    r->lens, r->state, rr, p, r->track[j / 2]));
			fputc('\n', f);
		}
	}
}

/* A cell's value for a text grid; 0 when it has none. */
typedef int	 report_value_fn(const struct report *, int row, int pos,
		    double *);

static int
report_value_diff(const struct report *r, int row, int pos, double *v)
{
	*v = report_diff(r, row, pos);
	return 1;
}

static int
report_value_diff_b(const struct report *r, int row, int pos, double *v)
{
	if (!report_compared(r, pos))
		return 0;
	*v = compare_cell(r->compare, row, pos)->diff_b;
	return 1;
}

static int
report_value_diff_change(const struct report *r, int row, int pos,
    double *v)
{
	const struct compare_cell	*c;

	if (!report_compared(r, pos))
		return 0;
	c = compare_cell(r->compare, row, pos);
	*v = c->diff_b - c->diff_a;
	return 1;
}

static int
report_value_js(const struct report *r, int row, int pos, double *v)
{
	if (!report_compared(r, pos))
		return 0;
	*v = compare_cell(r->compare, row, pos)->js;
	return 1;
}

/* Every shown row of values, final on top; - where a cell has none. */
static void
report_text_grid(FILE *f, const struct report *r, report_value_fn *fn)
{
	char	name[32];
	double	v;
	int	i, p, rr;

	for (i = lens_nrows(r->lens, r->sublayers) - 1; i >= 0; i--) {
		rr = lens_row(r->lens, i, r->sublayers);
		fprintf(f, "%-10s ", lens_row_name(rr, name, sizeof name));
		for (p = 0; p < r->T; p++) {
			if (fn(r, rr, p, &v))
				fprintf(f, "%-10.4g ", v);
			else
				fprintf(f, "%-10s ", "-");
		}
		fputc('\n', f);
	}
}

/* The token pair of --logit-diff, as "logit(' Paris') - logit(' Rome')". */
static void
report_text_pair(FILE *f, const struct report *r)
{
	char	*x = report_display(r, r->diff_x);
	char	*y = report_display(r, r->diff_y);

	fprintf(f, "logit(%s) - logit(%s)", x, y);
	free(x);
	free(y);
}

/* B's input tokens; ^ under the positions whose tokens differ from A's. */
static void
report_text_inputs_b(FILE *f, const struct report *r)
{
	char	*s;
	int	 p;

	fprintf(f, "%-10s ", "B");
	for (p = 0; p < r->cmp_T; p++) {
		s = report_display(r, r->cmp_ids[p]);
		report_cell_text(f, s, 10);
		fputc(' ', f);
		free(s);
	}
	fprintf(f, "\n%-10s ", "");
	for (p = 0; p < r->T || p < r->cmp_T; p++)
		fprintf(f, "%-10s ", p < r->T && p < r->cmp_T &&
		    r->ids[p] == r->cmp_ids[p] ? "" : "^");
	fputc('\n', f);
}

/* The comparison with prompt B, and the logit differences. */
static void
report_text_compare(FILE *f, const struct report *r)
{
	const struct compare_cell	*c;
	char				 name[32], *s, *lab;
	double				 js;
	int				 i, p, rr;

	if (r->logit_diff) {
		fprintf(f, "\n# logit difference ");
		report_text_pair(f, r);
		fprintf(f, " at each layer%s\n", r->compare != NULL ?
		    ", prompt A" : "");
		report_text_inputs(f, r, "");
		report_text_grid(f, r, report_value_diff);
	}
	if (r->compare == NULL)
		return;
	fprintf(f, "\n# compared with prompt B at positions 0-%d: the token "
	    "whose probability changed most from A to B (+ up, - down), then "
	    "JS(A, B) in nats; = no change; ^ marks positions whose input "
	    "tokens differ, - a position only one prompt has\n",
	    compare_len(r->compare) - 1);
	report_text_inputs(f, r, "A");
	report_text_inputs_b(f, r);
	for (i = lens_nrows(r->lens, r->sublayers) - 1; i >= 0; i--) {
		rr = lens_row(r->lens, i, r->sublayers);
		fprintf(f, "%-10s ", lens_row_name(rr, name, sizeof name));
		for (p = 0; p < r->T; p++) {
			if (!report_compared(r, p)) {
				fprintf(f, "%-10s ", "-");
				continue;
			}
			c = compare_cell(r->compare, rr, p);
			s = report_display(r, c->max_id);
			lab = c->max_delta == 0.0 ? xstrdup("=") :
			    xasprintf("%c%s", c->max_delta < 0 ? '-' : '+', s);
			report_cell_text(f, lab, 10);
			fputc(' ', f);
			free(lab);
			free(s);
		}
		fprintf(f, "\n%-10s ", "");
		for (p = 0; p < r->T; p++) {
			if (report_value_js(r, rr, p, &js))
				fprintf(f, "%-10.4g ", js);
			else
				fprintf(f, "%-10s ", "-");
		}
		fputc('\n', f);
	}
	if (!r->logit_diff)
		return;
	fprintf(f, "\n# logit difference ");
	report_text_pair(f, r);
	fprintf(f, " in prompt B\n");
	report_text_inputs_b(f, r);
	report_text_grid(f, r, report_value_diff_b);
	fprintf(f, "\n# its change from A to B\n");
	report_text_inputs(f, r, "");
	report_text_grid(f, r, report_value_diff_change);
}

static int
report_write_text(FILE *f, const struct report *r)
{
	const struct lens_top	*t, *below;
	char			 name[32], *s;
	int			 i, p, rr;

	if (r->note != NULL)
		fprintf(f, "# %s\n", r->note);
	fprintf(f, "# model %s: %d layers, top-1 token and its probability at "
	    "each layer (final on top)%s\n", gpt2_dir(r->model),
	    gpt2_config(r->model)->n_layer, r->mask ? "; input tokens masked: "
	    "the best top-k token not in the prompt so far, - if none" : "");
	if (r->delta)
		fprintf(f, "# delta: each probability's change from the row "
		    "below\n");
	if (strcmp(lens_kind(r->lens), "logit") != 0)
		fprintf(f, "# decoded through the %s lens\n", lens_kind(r->lens));
	report_text_inputs(f, r, "");
	for (i = lens_nrows(r->lens, r->sublayers) - 1; i >= 0; i--) {
		rr = lens_row(r->lens, i, r->sublayers);
		fprintf(f, "%-10s ", lens_row_name(rr, name, sizeof name));
		for (p = r->pos_from; p < report_pos_end(r); p++) {
			t = report_top(r, rr, p);
			s = t != NULL ? report_display(r, t->id) : xstrdup("-");
			report_cell_text(f, s, 10);
			fputc(' ', f);
			free(s);
		}
		fputc('\n', f);
		fprintf(f, "%-10s ", "");
		for (p = r->pos_from; p < report_pos_end(r); p++) {
			t = report_top(r, rr, p);
			below = r->delta && i > 0 ? report_top(r, lens_row(
			    r->lens, i - 1, r->sublayers), p) : NULL;
			if (t != NULL && below != NULL)
				fprintf(f, "%+-10.3f ", (double)t->prob -
				    (double)below->prob);
			else if (t != NULL && !r->delta)
				fprintf(f, "%-10.3f ", (double)t->prob);
			else
				fprintf(f, "%-10s ", "-");
		}
		fputc('\n', f);
	}
	report_text_tracked(f, r);
	report_text_compare(f, r);
	return 0;
}

/* YAML: the JSON tree, event by event. */

/* A float YAML 1.1 and 1.2 both read as one: "1.0e-05", not "1e-05". */
static void
report_yaml_real(double v, char *buf, size_t len)
{
	char	*e;

	if (isnan(v)) {
		snprintf(buf, len, ".nan");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, "%s.inf", v < 0 ? "-" : "");
		return;
	}
	snprintf(buf, len, "%.9g", v);
	if (strchr(buf, '.') != NULL)
		return;
	if ((e = strchr(buf, 'e')) != NULL) {
		memmove(e + 2, e, strlen(e) + 1);
		memcpy(e, ".0", 2);
	} else
		snprintf(buf + strlen(buf), len - strlen(buf), ".0");
}

static int
report_yaml_scalar(yaml_emitter_t *e, const char *s, int quoted)
{
	yaml_event_t	ev;

	/* Strings never plain: "true", "123" or "~" stay strings. */
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (const yaml_char_t *)s, (int)strlen(s), !quoted, quoted,
	    YAML_ANY_SCALAR_STYLE))
		return -1;
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

/* Objects and arrays of scalars only are written on one line. */
static int
report_yaml_flat(json_t *v)
{
	const char	*k;
	json_t		*x;
	size_t		 i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (json_is_object(x) || json_is_array(x))
				return 0;
		}
	} else {
		json_array_foreach(v, i, x) {
			if (json_is_object(x) || json_is_array(x))
				return 0;
		}
	}
	return 1;
}

static int
report_yaml_node(yaml_emitter_t *e, json_t *v)
{
	yaml_event_t	 ev;
	const char	*k;
	json_t		*x;
	size_t		 i;
	char		 buf[64];
	int		 flow;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		flow = report_yaml_flat(v);
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, flow ?
		    YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return -1;
		json_object_foreach(v, k, x) {
			if (report_yaml_scalar(e, k, 0) != 0 ||
			    report_yaml_node(e, x) != 0)
				return -1;
		}
		yaml_mapping_end_event_initialize(&ev);
		break;
	case JSON_ARRAY:
		flow = report_yaml_flat(v);
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, flow ?
		    YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return -1;
		json_array_foreach(v, i, x) {
			if (report_yaml_node(e, x) != 0)
				return -1;
		}
		yaml_sequence_end_event_initialize(&ev);
		break;
	case JSON_STRING:
		return report_yaml_scalar(e, json_string_value(v), 1);
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return report_yaml_scalar(e, buf, 0);
	case JSON_REAL:
		report_yaml_real(json_real_value(v), buf, sizeof buf);
		return report_yaml_scalar(e, buf, 0);
	case JSON_TRUE:
	case JSON_FALSE:
		return report_yaml_scalar(e, json_is_true(v) ? "true" :
		    "false", 0);
	default:
		return report_yaml_scalar(e, "null", 0);
	}
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int
report_write_yaml(FILE *f, const struct report *r, char **cause)
{
	yaml_emitter_t	 e;
	yaml_event_t	 ev;
	json_t		*root = report_json(r);
	int		 rc = -1;

	yaml_emitter_initialize(&e);
	yaml_emitter_set_output_file(&e, f);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
	if (!yaml_emitter_emit(&e, &ev) || report_yaml_node(&e, root) != 0)
		goto out;
	yaml_document_end_event_initialize(&ev, 1);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	yaml_stream_end_event_initialize(&ev);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	rc = 0;
out:
	if (rc != 0)
		util_fail(cause, "YAML: %s", e.problem != NULL ? e.problem :
		    strerror(errno));
	yaml_emitter_delete(&e);
	json_decref(root);
	return rc;
}

/* SVG: the grid as plot_logit_lens draws it. */

#define SVG_CW		64	/* cell width */
#define SVG_CH		22	/* cell height */
#define SVG_COLS	8	/* a cell's text, in columns (wide: 2) */
#define SVG_LEFT	84	/* row names */
#define SVG_TOP		92	/* title, subtitle, note, next tokens */
#define SVG_BAR_W	16
#define SVG_BAR_MIN	176
int
report_metric_needs(const char *name)
{
	int	m = metric_find(name);

	if (m == -1 || !(metric_get(m)->needs & (METRIC_NEEDS_COMPARE |
	    METRIC_NEEDS_DIFF)))
		return (m >= METRIC_SURPRISAL ? 0 : -1);
	return (metric_get(m)->needs & (METRIC_NEEDS_COMPARE |
	    METRIC_NEEDS_DIFF));
}

/* matplotlib's viridis at 0, 0.1, ..., 1. */
static const unsigned char report_viridis[11][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x48, 0x24, 0x75 }, { 0x41, 0x44, 0x87 },
	{ 0x35, 0x5f, 0x8d }, { 0x2a, 0x78, 0x8e }, { 0x21, 0x91, 0x8c },
	{ 0x22, 0xa8, 0x84 }, { 0x44, 0xbf, 0x70 }, { 0x7a, 0xd1, 0x51 },
	{ 0xbd, 0xdf, 0x26 }, { 0xfd, 0xe7, 0x25 },
};

struct report_svg {
	const struct report	*r;
	int			 metric;
	int			 row_from, row_to;	/* shown rows */
	int			 pos_from, pos_to;
	double			 lo, hi;		/* final-logit range */
	double			 dmax;			/* delta: largest |change| */
	double			 ln_v;			/* ln n_vocab */
	int			 x0, y0;		/* the grid's corner */
	int			 gw, gh, bar_h;
	int			 width, height;
};

struct report_tick {
	double	norm;
	char	label[32];
};

static double
report_clip(double v)
{
	if (!(v > 0.0))		/* NaN too */
		return 0.0;
	return v > 1.0 ? 1.0 : v;
}

/* The value of a metric from METRIC_SURPRISAL on; 0 if the cell has none. */
static int
report_svg_raw_cmp(const struct report_svg *s, int rr, int pos, double *v)
{
	const struct lens_cell		*c = lens_cell(s->r->lens, rr,
					    pos);
	const struct compare_cell	*cc;

	if (s->metric == METRIC_SURPRISAL) {
		*v = report_surprisal(c);
		return c->next_id >= 0;
	}
	if (s->metric == METRIC_DIFF) {
		*v = report_diff(s->r, rr, pos);
		return 1;
	}
	if (!report_compared(s->r, pos))
		return 0;
	cc = compare_cell(s->r->compare, rr, pos);
	switch (s->metric) {
	case METRIC_DIFF_CHANGE:
		*v = cc->diff_b - cc->diff_a;
		break;
	case METRIC_CMP_KL:
		*v = cc->kl;
		break;
	case METRIC_CMP_JS:
		*v = cc->js;
		break;
	default:
		*v = cc->tv;
		break;
	}
	return 1;
}

/* Coloured on the diverging scale: changes and logit differences. */
static int
report_svg_div(const struct report_svg *s)
{
	return s->r->delta ||
	    metric_get(s->metric)->scale == METRIC_SCALE_DIVERGING;
}

/* Labelled with the token that changed most from A to B. */
static int
report_svg_cmp_label(const struct report_svg *s)
{
	return s->metric >= METRIC_DIFF_CHANGE;
}

/* The cell's value for the metric; 0 if it has none (last position). */
static int
report_svg_raw(const struct report_svg *s, int rr, int pos, double *v)
{
	const struct lens_top	*t = report_top(s->r, rr, pos);

	if (s->metric == METRIC_TRACK_PROB) {
		*v = (double)lens_token_prob(s->r->lens, s->r->state, rr,
		    pos, s->r->track[0]);
		return isfinite(*v);
	}
	if (s->metric == METRIC_TUNED_KL) {
		*v = (double)lens_cell(s->r->lens, rr, pos)->kl_other;
		return isfinite(*v);
	}
	if (s->metric == METRIC_TRACK_RANK) {
		*v = lens_token_rank(s->r->lens, rr, pos, s->r->track[0]);
		return *v > 0;
	}
	if (s->metric >= METRIC_SURPRISAL)
		return report_svg_raw_cmp(s, rr, pos, v) && isfinite(*v);
	/* Masked: the shown token's probability, none if all are input. */
	if (t == NULL && s->metric == METRIC_PROB)
		return 0;
	if (t == NULL)
		t = lens_top(s->r->lens, rr, pos);
	return metric_value(s->metric, lens_cell(s->r->lens, rr, pos), t, v) &&
	    isfinite(*v);
}

/*
 * What the cell is coloured by: the metric, or with delta its change from
 * the shown row below (i is the shown row's index; none for the lowest).
 */
static int
report_svg_value(const struct report_svg *s, int i, int pos, double *v)
{
	const struct report	*r = s->r;
	double			 below;

	if (!report_svg_raw(s, lens_row(r->lens, i, r->sublayers), pos, v))
		return 0;
	if (!r->delta)
		return 1;
	if (i == 0 || !report_svg_raw(s, lens_row(r->lens, i - 1,
	    r->sublayers), pos, &below))
		return 0;
	*v -= below;
	return 1;
}

/* Position on the colour scale: 1 is confident / agrees with the output. */
static double
report_svg_norm(const struct report_svg *s, double v)
{
	if (report_svg_div(s))	/* diverging: 0.5 is no change */
		return s->dmax > 0 ? report_clip(0.5 + 0.5 * v / s->dmax) :
		    0.5;
	return metric_norm(s->metric, v, s->lo, s->hi,
	    gpt2_config(s->r->model)->n_vocab);
}

/* Blue, light grey, red (matplotlib's coolwarm ends): a change's sign. */
static const unsigned char report_diverging[3][3] = {
	{ 0x3b, 0x4c, 0xc0 }, { 0xdd, 0xdd, 0xdd }, { 0xb4, 0x04, 0x26 },
};

static void
report_svg_rgb_div(double t, unsigned char rgb[3])
{
	double	x = report_clip(t) * 2.0, f;
	int	i = x >= 1.0 ? 1 : 0, k;

	f = x - i;
	for (k = 0; k < 3; k++)
		rgb[k] = (unsigned char)lrint(report_diverging[i][k] *
		    (1.0 - f) + report_diverging[i + 1][k] * f);
}

static void
report_svg_rgb(double t, unsigned char rgb[3])
{
	double	x = report_clip(t) * 10.0, f;
	int	i = (int)x, k;

	if (i >= 10)
		i = 9;
	f = x - i;
	for (k = 0; k < 3; k++)
		rgb[k] = (unsigned char)lrint(report_viridis[i][k] * (1.0 - f) +
		    report_viridis[i + 1][k] * f);
}

/* Black text on light fills, white on dark (relative luminance). */
static const char *
report_svg_ink(const unsigned char rgb[3])
{
	return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] > 110.0 ?
	    "#000000" : "#ffffff";
}

/*
 * Writes len bytes of s as XML character data, at most cols columns (then
 * "…"; 0: no limit). Invalid UTF-8, controls and what XML 1.0 forbids
 * become U+FFFD, newline '↵' and tab '→', so nothing is lost silently.
 */
static void
report_xml(FILE *f, const char *s, size_t len, int cols)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, wn;
	uint32_t		 cp;
	int			 n, w, used = 0;

	for (i = 0; i < len; i += (size_t)n) {
		n = (int)util_utf8_decode(p + i, len - i, &cp);
		if (cp == UTIL_UTF8_BAD) {
			n = 1;
			cp = 0xfffd;
		}
		w = cp == 0xfffd ? 1 : width_char(s + i, len - i, &wn);
		if (cols > 0 && used + w > cols - 1 && i + (size_t)n < len) {
			fputs("\xe2\x80\xa6", f);
			return;
		}
		used += w;
		switch (cp) {
		case '&': fputs("&amp;", f); continue;
		case '<': fputs("&lt;", f); continue;
		case '>': fputs("&gt;", f); continue;
		case '"': fputs("&quot;", f); continue;
		case '\n': fputs("\xe2\x86\xb5", f); continue;
		case '\t': fputs("\xe2\x86\x92", f); continue;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe ||
		    cp == 0xffff || cp == 0xfffd)
			fputs("\xef\xbf\xbd", f);
		else
			fwrite(p + i, 1, (size_t)n, f);
	}
}

/* A token made visible (tok_display) and written as XML. */
static void
report_svg_token(FILE *f, const struct report *r, int id, int cols)
{
	char	*s = report_display(r, id);

	report_xml(f, s, strlen(s), cols);
	free(s);
}

/* The metric's title, as XML. */
static void
report_svg_title(FILE *f, const struct report_svg *s)
{
	const struct metric	*m = metric_get(s->metric);

	if (m->needs & METRIC_NEEDS_TRACK) {
		fputs(metric_is_rank(s->metric) ? "rank(" : "P(", f);
		report_svg_token(f, s->r, s->r->track[0], 0);
		fputs(")", f);
	} else if (m->needs & METRIC_NEEDS_DIFF) {
		fputs("logit(", f);
		report_svg_token(f, s->r, s->r->diff_x, 0);
		fputs(") \xe2\x88\x92 logit(", f);
		report_svg_token(f, s->r, s->r->diff_y, 0);
		fputs(s->metric == METRIC_DIFF ? ")" : "), B \xe2\x88\x92 A", f);
	} else
		report_xml(f, m->title, strlen(m->title), 0);
	if (m->unit[0] != '\0')
		fprintf(f, ", %s", m->unit);
}

/* What the colour bar's ticks say, top (1) to bottom (0). */
static int
report_svg_ticks(const struct report_svg *s, struct report_tick *t, int max)
{
	static const double	 kl[] = { METRIC_KL_LO, 0.1, 1.0,
	    METRIC_KL_HI };
	double			 v, step;
	int			 n = 0, i;

	if (report_svg_div(s)) {
		for (i = 0; i <= 4; i++) {
			v = s->dmax * (i - 2) / 2.0;
			t[n].norm = report_svg_norm(s, v);
			snprintf(t[n++].label, sizeof t->label, "%+.3g", v);
		}
		return n;
	}
	switch (metric_get(s->metric)->scale) {
	case METRIC_SCALE_LOGIT:
		for (i = 0; i <= 4; i++) {
			v = s->lo + (s->hi - s->lo) * i / 4.0;
			t[n].norm = report_svg_norm(s, v);
			snprintf(t[n++].label, sizeof t->label, "%.3g", v);
		}
		break;
	case METRIC_SCALE_RANK:
		for (v = 1.0; v < exp(s->ln_v) / 3.0 && n < max - 1; v *= 10) {
			t[n].norm = report_svg_norm(s, v);
			snprintf(t[n++].label, sizeof t->label, "%.0f", v);
		}
		t[n].norm = 0.0;
		snprintf(t[n++].label, sizeof t->label, "%.0f", exp(s->ln_v));
		break;
	case METRIC_SCALE_KL:
		for (i = 0; i < (int)nitems(kl); i++) {
			t[n].norm = report_svg_norm(s, kl[i]);
			snprintf(t[n++].label, sizeof t->label, "%s%g", i == 0 ?
			    "\xe2\x89\xa4" : i == (int)nitems(kl) - 1 ?
			    "\xe2\x89\xa5" : "", kl[i]);
		}
		break;
	case METRIC_SCALE_JS:
		for (v = METRIC_JS_LO; v < 0.5; v *= 10) {
			t[n].norm = report_svg_norm(s, v);
			snprintf(t[n++].label, sizeof t->label, "%s%g", v ==
			    METRIC_JS_LO ? "\xe2\x89\xa4" : "", v);
		}
		t[n].norm = 1.0;
		snprintf(t[n++].label, sizeof t->label, "ln 2");
		break;
	case METRIC_SCALE_ENTROPY:
		step = s->ln_v > 6.0 ? 2.0 : 1.0;
		for (v = 0.0; v < s->ln_v - step / 2 && n < max - 1;
		    v += step) {
			t[n].norm = report_svg_norm(s, v);
			snprintf(t[n++].label, sizeof t->label, "%g", v);
		}
		t[n].norm = 0.0;
		snprintf(t[n++].label, sizeof t->label, "%.1f (ln V)", s->ln_v);
		break;
	default:
		for (i = 0; i <= 5; i++) {
			t[n].norm = i / 5.0;
			snprintf(t[n++].label, sizeof t->label, "%.1f",
			    i / 5.0);
		}
		break;
	}
	return n;
}

/* The window, the logit range and the picture's size. */
static int
report_svg_init(struct report_svg *s, const struct report *r, char **cause)
{
	const char	*m = r->metric != NULL ? r->metric : "prob";
	double		 v;
	int		 i, p, need;
	int		 nrows = lens_nrows(r->lens, r->sublayers);

	memset(s, 0, sizeof *s);
	s->r = r;
	if ((s->metric = metric_find(m)) == -1)
		return util_fail(cause, "unknown metric '%s'", m);
	need = metric_get(s->metric)->needs;
	if ((need & METRIC_NEEDS_COMPARE) && r->compare == NULL)
		return util_fail(cause, "metric %s: no second prompt to "
		    "compare with", m);
	if ((need & METRIC_NEEDS_DIFF) && !r->logit_diff)
		return util_fail(cause, "metric %s: no logit difference", m);
	if ((need & METRIC_NEEDS_TRACK) &&
	    r->ntrack == 0)
		return util_fail(cause, "metric %s: no tracked token", m);
	if (s->metric == METRIC_TRACK_RANK && lens_token_rank(r->lens, 0, 0,
	    r->track[0]) == 0)
		return util_fail(cause, "metric %s: token %d is not ranked", m,
		    r->track[0]);
	if (s->metric == METRIC_TUNED_KL && lens_tuned(r->lens) == NULL)
		return util_fail(cause, "metric %s: no tuned lens", m);
	s->row_from = r->row_from;
	s->row_to = r->row_to > 0 && r->row_to <= nrows ? r->row_to : nrows;
	s->pos_from = r->pos_from;
	s->pos_to = r->pos_to > 0 && r->pos_to <= r->T ? r->pos_to : r->T;
	if (s->row_from < 0 || s->row_from >= s->row_to || s->pos_from < 0 ||
	    s->pos_from >= s->pos_to)
		return util_fail(cause, "empty window: rows %d-%d, positions "
		    "%d-%d", r->row_from, r->row_to, r->pos_from, r->pos_to);
	s->ln_v = log((double)gpt2_config(r->model)->n_vocab);
	s->lo = HUGE_VAL;
	s->hi = -HUGE_VAL;
	for (i = s->row_from; i < s->row_to; i++) {
		for (p = s->pos_from; p < s->pos_to; p++) {
			v = (double)lens_cell(r->lens, lens_row(r->lens, i,
			    r->sublayers), p)->final_top1_logit;
			if (isfinite(v) && v < s->lo)
				s->lo = v;
			if (isfinite(v) && v > s->hi)
				s->hi = v;
		}
	}
	for (i = s->row_from; report_svg_div(s) && i < s->row_to; i++) {
		for (p = s->pos_from; p < s->pos_to; p++) {
			if (report_svg_value(s, i, p, &v) && fabs(v) > s->dmax)
				s->dmax = fabs(v);
		}
	}
	s->x0 = SVG_LEFT;
	s->y0 = SVG_TOP;
	s->gw = (s->pos_to - s->pos_from) * SVG_CW;
	s->gh = (s->row_to - s->row_from) * SVG_CH;
	s->bar_h = s->gh > SVG_BAR_MIN ? s->gh : SVG_BAR_MIN;
	s->width = s->x0 + s->gw + 24 + SVG_BAR_W + 112;
	if (s->width < 640)
		s->width = 640;
	s->height = s->y0 + (s->bar_h > s->gh + 40 ? s->bar_h : s->gh + 40) +
	    28;
	return 0;
}

static void
report_svg_head(FILE *f, const struct report_svg *s)
{
	const struct report	*r = s->r;
	char			*text;
	int			 i, window, cols = (s->width - 24) / 8;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"DejaVu Sans, Verdana, sans-serif\" "
	    "font-size=\"11\">\n<defs>\n<linearGradient id=\"bar\" x1=\"0\" "
	    "y1=\"1\" x2=\"0\" y2=\"0\">\n", s->width, s->height, s->width,
	    s->height);
	for (i = 0; i < (int)nitems(report_viridis); i++)
		fprintf(f, "<stop offset=\"%.1f\" "
		    "stop-color=\"#%02x%02x%02x\"/>\n", i / 10.0,
		    report_viridis[i][0], report_viridis[i][1],
		    report_viridis[i][2]);
	fprintf(f, "</linearGradient>\n<linearGradient id=\"div\" x1=\"0\" "
	    "y1=\"1\" x2=\"0\" y2=\"0\">\n");
	for (i = 0; i < (int)nitems(report_diverging); i++)
		fprintf(f, "<stop offset=\"%.1f\" "
		    "stop-color=\"#%02x%02x%02x\"/>\n", i / 2.0,
		    report_diverging[i][0], report_diverging[i][1],
		    report_diverging[i][2]);
	fprintf(f, "</linearGradient>\n</defs>\n<rect width=\"%d\" "
	    "height=\"%d\" fill=\"#ffffff\"/>\n<text x=\"12\" y=\"24\" "
	    "font-size=\"15\" font-weight=\"bold\">Logit lens: \xe2\x80\x9c",
	    s->width, s->height);
	/* A window of positions: the title also says where it is. */
	window = s->pos_from > 0 || s->pos_to < r->T;
	if (r->prompt != NULL && r->prompt_len > 0)
		report_xml(f, r->prompt, r->prompt_len, cols - (window ? 44 :
		    16));
	else {
		text = tok_decode_text(r->tok, r->ids, (size_t)r->T);
		report_xml(f, text, strlen(text), cols - (window ? 44 : 16));
		free(text);
	}
	if (r->compare != NULL) {
		fputs("\xe2\x80\x9d vs \xe2\x80\x9c", f);
		text = r->cmp_prompt != NULL ? xstrdup(r->cmp_prompt) :
		    tok_decode_text(r->tok, r->cmp_ids, (size_t)r->cmp_T);
		report_xml(f, text, strlen(text), cols / 3);
		free(text);
	}
	fprintf(f, "\xe2\x80\x9d");
	if (window)
		fprintf(f, " (positions %d\xe2\x80\x93%d of %d)",
		    s->pos_from + 1, s->pos_to, r->T);
	fprintf(f, "</text>\n<text x=\"12\" y=\"43\" fill=\"#444444\">");
	text = report_utf8(gpt2_dir(r->model));
	report_xml(f, text, strlen(text), cols > 100 ? cols - 50 : 50);
	free(text);
	fprintf(f, " \xc2\xb7 %d layers \xc2\xb7 %s, colour: %s",
	    gpt2_config(r->model)->n_layer, report_svg_cmp_label(s) ? "label: "
	    "largest change, A to B (+/-)" : r->mask ?
	    "best top-k token not in the input" : "top-1 token", r->delta ?
	    "change from the row below in " : "");
	report_svg_title(f, s);
	fprintf(f, " \xc2\xb7 * = the next token</text>\n");
	if (r->note != NULL) {
		fprintf(f, "<text x=\"12\" y=\"60\" fill=\"#a0302a\">");
		report_xml(f, r->note, strlen(r->note), cols);
		fprintf(f, "</text>\n");
	}
}

/*
 * The rest of a compared cell (its title open): the token whose probability
 * changed most from A to B, + when it rose, - when it fell.
 */
static void
report_svg_cmp_cell(FILE *f, const struct report_svg *s, int rr, int pos,
    int x, int y, const unsigned char rgb[3])
{
	const struct compare_cell	*c;

	c = compare_cell(s->r->compare, rr, pos);
	fprintf(f, "; largest change from A to B: ");
	report_svg_token(f, s->r, c->max_id, 0);
	fprintf(f, " %+.4g</title></rect>\n<text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\" fill=\"%s\">", c->max_delta,
	    x + SVG_CW / 2, y + 15, report_svg_ink(rgb));
	/* No change at all (the same prefix): "=". */
	if (c->max_delta == 0.0)
		fputs("=", f);
	else {
		fprintf(f, "<tspan class=\"sign\">%c</tspan>", c->max_delta <
		    0 ? '-' : '+');
		report_svg_token(f, s->r, c->max_id, SVG_COLS - 1);
	}
	fprintf(f, "</text>\n");
}

static void
report_svg_cell(FILE *f, const struct report_svg *s, int i, int pos, int x,
    int y)
{
	int			 rr = lens_row(s->r->lens, i, s->r->sublayers);
	const struct lens_cell	*c = lens_cell(s->r->lens, rr, pos);
	const struct lens_top	*top = report_top(s->r, rr, pos);
	unsigned char		 rgb[3] = { 0xe0, 0xe0, 0xe0 };
	char			 name[32];
	double			 v;
	int			 has, rank;

	if ((has = report_svg_value(s, i, pos, &v)) && report_svg_div(s))
		report_svg_rgb_div(report_svg_norm(s, v), rgb);
	else if (has)
		report_svg_rgb(report_svg_norm(s, v), rgb);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#%02x%02x%02x\"><title>%s, position %d: ", x, y, SVG_CW,
	    SVG_CH, rgb[0], rgb[1], rgb[2], lens_row_name(rr, name,
	    sizeof name), pos);
	if (top != NULL) {
		report_svg_token(f, s->r, top->id, 0);
		fprintf(f, " (p %.3g)", (double)top->prob);
	} else
		fprintf(f, "every top-k token is an input token");
	rank = metric_is_rank(s->metric);
	if (has)
		fprintf(f, s->r->delta ? ", %s change %+.4g" : rank ?
		    ", %s %.0f" : ", %s %.4g", metric_get(s->metric)->name, v);
	if (report_svg_cmp_label(s) && report_compared(s->r, pos)) {
		report_svg_cmp_cell(f, s, rr, pos, x, y, rgb);
		return;
	}
	fprintf(f, "</title></rect>\n<text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\" fill=\"%s\">", x + SVG_CW / 2, y + 15,
	    report_svg_ink(rgb));
	if (top != NULL)
		report_svg_token(f, s->r, top->id, SVG_COLS);
	else
		fputs("\xe2\x80\x93", f);
	if (top != NULL && c->next_id >= 0 && top->id == c->next_id)
		fprintf(f, "<tspan class=\"hit\" font-weight=\"bold\">*"
		    "</tspan>");
	fprintf(f, "</text>\n");
}

/* B's input tokens under A's, in red where they differ. */
static void
report_svg_inputs_b(FILE *f, const struct report_svg *s)
{
	const struct report	*r = s->r;
	int			 p, x, y = s->y0 + s->gh + 32;

	fprintf(f, "<g text-anchor=\"middle\">\n");
	for (p = s->pos_from; p < s->pos_to && p < r->cmp_T; p++) {
		x = s->x0 + (p - s->pos_from) * SVG_CW + SVG_CW / 2;
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\">", x, y,
		    r->ids[p] != r->cmp_ids[p] ? "#c0302a" : "#888888");
		report_svg_token(f, r, r->cmp_ids[p], SVG_COLS);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</g>\n<text x=\"%d\" y=\"%d\" fill=\"#666666\" "
	    "font-style=\"italic\" text-anchor=\"end\">input B</text>\n",
	    s->x0 - 8, y);
}

static void
report_svg_grid(FILE *f, const struct report_svg *s)
{
	const struct report	*r = s->r;
	char			 name[32];
	int			 i, p, rr, x, y;

	for (i = s->row_to - 1; i >= s->row_from; i--) {
		rr = lens_row(r->lens, i, r->sublayers);
		y = s->y0 + (s->row_to - 1 - i) * SVG_CH;
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s"
		    "</text>\n", s->x0 - 8, y + 15, lens_row_name(rr, name,
		    sizeof name));
		for (p = s->pos_from; p < s->pos_to; p++)
			report_svg_cell(f, s, i, p, s->x0 + (p - s->pos_from) *
			    SVG_CW, y);
	}
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"none\" stroke=\"#555555\"/>\n", s->x0, s->y0, s->gw, s->gh);
	/* Input tokens below, the tokens they should predict above. */
	fprintf(f, "<g fill=\"#222222\" text-anchor=\"middle\">\n");
	for (p = s->pos_from; p < s->pos_to; p++) {
		x = s->x0 + (p - s->pos_from) * SVG_CW + SVG_CW / 2;
		fprintf(f, "<text x=\"%d\" y=\"%d\">", x, s->y0 + s->gh + 16);
		report_svg_token(f, r, r->ids[p], SVG_COLS);
		fprintf(f, "</text>\n");
		if (p + 1 >= r->T)
			continue;
		fprintf(f, "<text x=\"%d\" y=\"%d\">", x, s->y0 - 7);
		report_svg_token(f, r, r->ids[p + 1], SVG_COLS);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</g>\n<g fill=\"#666666\" font-style=\"italic\" "
	    "text-anchor=\"end\">\n<text x=\"%d\" y=\"%d\">next</text>\n"
	    "<text x=\"%d\" y=\"%d\">input%s</text>\n</g>\n", s->x0 - 8,
	    s->y0 - 7, s->x0 - 8, s->y0 + s->gh + 16, r->compare != NULL ?
	    " A" : "");
	if (r->compare != NULL)
		report_svg_inputs_b(f, s);
}

static void
report_svg_bar(FILE *f, const struct report_svg *s)
{
	struct report_tick	 t[16];
	int			 n, i, x = s->x0 + s->gw + 24, y;

	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"url(#%s)\" stroke=\"#555555\"/>\n<g font-size=\"10\">\n",
	    x, s->y0, SVG_BAR_W, s->bar_h, report_svg_div(s) ? "div" : "bar");
	n = report_svg_ticks(s, t, (int)nitems(t));
	for (i = 0; i < n; i++) {
		y = s->y0 + (int)lrint((1.0 - t[i].norm) * s->bar_h);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#333333\"/>\n<text x=\"%d\" y=\"%d\">%s</text>\n",
		    x + SVG_BAR_W, y, x + SVG_BAR_W + 4, y, x + SVG_BAR_W + 7,
		    y + 4, t[i].label);
	}
	y = s->y0 + s->bar_h / 2;
	fprintf(f, "</g>\n<text transform=\"translate(%d %d) rotate(90)\" "
	    "text-anchor=\"middle\" fill=\"#444444\">", x + SVG_BAR_W + 60,
	    y);
	report_svg_title(f, s);
	fputs("</text>\n", f);
}

static int
report_write_svg(FILE *f, const struct report *r, char **cause)
{
	struct report_svg	s;

	if (report_svg_init(&s, r, cause) != 0)
		return -1;
	report_svg_head(f, &s);
	report_svg_grid(f, &s);
	report_svg_bar(f, &s);
	fprintf(f, "</svg>\n");
	return 0;
}

int
report_write(FILE *f, const struct report *r, enum report_format fmt,
    char **cause)
{
	int	rc;

	if (r->patching != NULL && (fmt == REPORT_TEXT || fmt == REPORT_TSV ||
	    fmt == REPORT_SVG))
		return report_patch_write(f, r, fmt, cause);
	if ((fmt == REPORT_TEXT || fmt == REPORT_TSV) && (r->pos_from < 0 ||
	    r->pos_from >= report_pos_end(r)))
		return util_fail(cause, "empty window of positions %d-%d",
		    r->pos_from, r->pos_to);
	switch (fmt) {
	case REPORT_JSON:
		rc = report_write_json(f, r);
		break;
	case REPORT_TSV:
		rc = report_write_tsv(f, r);
		break;
	case REPORT_TEXT:
		rc = report_write_text(f, r);
		break;
	case REPORT_YAML:
		if (report_write_yaml(f, r, cause) != 0)
			return -1;
		rc = 0;
		break;
	case REPORT_SVG:
		if (report_write_svg(f, r, cause) != 0)
			return -1;
		rc = 0;
		break;
	default:
		return util_fail(cause, "unknown output format %d", (int)fmt);
	}
	if (rc != 0 || fflush(f) != 0 || ferror(f))
		return util_fail(cause, "write error: %s", strerror(errno));
	return 0;
}
