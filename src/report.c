/*
 * report.c: writes the lens as text, JSON, TSV (and later YAML and SVG).
 *
 * JSON is built with jansson; its shape is a contract other tools rely on
 * (documented in logitlens(1)): keys may be added, never renamed.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

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

/* A token's text as Hugging Face decodes it (U+FFFD for broken UTF-8). */
static char *
report_token_text(const struct report *r, int id)
{
	return tok_decode_text(r->tok, &id, 1);
}

static json_t *
report_json_str(char *s)
{
	json_t	*v = json_string(s);

	free(s);
	return v;
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
		json_object_set_new(t, "text", report_json_str(
		    report_token_text(r, top[i].id)));
		json_object_set_new(t, "prob", json_real(top[i].prob));
		json_object_set_new(t, "logit", json_real(top[i].logit));
		json_array_append_new(a, t);
	}
	o = json_object();
	json_object_set_new(o, "top", a);
	json_object_set_new(o, "entropy", json_real(c->entropy));
	json_object_set_new(o, "kl", json_real(c->kl));
	json_object_set_new(o, "final_top1", json_integer(c->final_top1));
	json_object_set_new(o, "final_top1_rank",
	    json_integer(c->final_top1_rank));
	json_object_set_new(o, "final_top1_prob", json_real(c->final_top1_prob));
	if (c->next_id >= 0) {
		json_object_set_new(o, "next_id", json_integer(c->next_id));
		json_object_set_new(o, "next_prob", json_real(c->next_prob));
		json_object_set_new(o, "next_rank", json_integer(c->next_rank));
	}
	return o;
}

static json_t *
report_json(const struct report *r)
{
	const struct gpt2_config	*c = gpt2_config(r->model);
	json_t				*root, *m, *toks, *rows, *row, *cells;
	char				 name[32];
	int				 i, p, rr;

	m = json_object();
	json_object_set_new(m, "dir", json_string(gpt2_dir(r->model)));
	json_object_set_new(m, "n_layer", json_integer(c->n_layer));
	json_object_set_new(m, "n_head", json_integer(c->n_head));
	json_object_set_new(m, "n_embd", json_integer(c->n_embd));
	json_object_set_new(m, "n_ctx", json_integer(c->n_ctx));
	json_object_set_new(m, "n_vocab", json_integer(c->n_vocab));
	toks = json_array();
	for (p = 0; p < r->T; p++) {
		json_array_append_new(toks, json_pack("{s:i,s:o}", "id",
		    r->ids[p], "text", report_json_str(report_token_text(r,
		    r->ids[p]))));
	}
	rows = json_array();
	for (i = 0; i < lens_nrows(r->lens, r->sublayers); i++) {
		rr = lens_row(r->lens, i, r->sublayers);
		cells = json_array();
		for (p = 0; p < r->T; p++)
			json_array_append_new(cells, report_json_cell(r, rr, p));
		row = json_object();
		json_object_set_new(row, "name", json_string(lens_row_name(rr,
		    name, sizeof name)));
		json_object_set_new(row, "cells", cells);
		json_array_append_new(rows, row);
	}
	root = json_object();
	json_object_set_new(root, "model", m);
	if (r->note != NULL)
		json_object_set_new(root, "note", json_string(r->note));
	json_object_set_new(root, "tokens", toks);
	json_object_set_new(root, "rows", rows);
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

	return tok_display(b, len, 0);
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
	    "next_rank\ttop_ids\ttop_probs\n");
	for (i = lens_nrows(r->lens, r->sublayers) - 1; i >= 0; i--) {
		rr = lens_row(r->lens, i, r->sublayers);
		lens_row_name(rr, name, sizeof name);
		for (p = 0; p < r->T; p++) {
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
			fputc('\n', f);
			free(tok);
			free(t1);
		}
	}
	return 0;
}

/* Pads s (already display-safe, ASCII or UTF-8) to w columns. */
static void
report_cell_text(FILE *f, const char *s, int w)
{
	int	cols = 0;

	for (; *s != '\0' && cols < w; s++) {
		fputc(*s, f);
		if (((unsigned char)*s & 0xc0) != 0x80)
			cols++;
	}
	/* Finish a multibyte character cut at the limit. */
	for (; ((unsigned char)*s & 0xc0) == 0x80; s++)
		fputc(*s, f);
	for (; cols < w; cols++)
		fputc(' ', f);
}

static int
report_write_text(FILE *f, const struct report *r)
{
	const int	 w = 10;
	char		 name[32], *s;
	int		 i, p, rr;

	if (r->note != NULL)
		fprintf(f, "# %s\n", r->note);
	fprintf(f, "# model %s: %d layers, top-1 token and its probability at "
	    "each layer (final on top)\n", gpt2_dir(r->model),
	    gpt2_config(r->model)->n_layer);
	fprintf(f, "%-10s ", "");
	for (p = 0; p < r->T; p++) {
		s = report_display(r, r->ids[p]);
		report_cell_text(f, s, w);
		fputc(' ', f);
		free(s);
	}
	fputc('\n', f);
	for (i = lens_nrows(r->lens, r->sublayers) - 1; i >= 0; i--) {
		rr = lens_row(r->lens, i, r->sublayers);
		fprintf(f, "%-10s ", lens_row_name(rr, name, sizeof name));
		for (p = 0; p < r->T; p++) {
			s = report_display(r, lens_top(r->lens, rr, p)[0].id);
			report_cell_text(f, s, w);
			fputc(' ', f);
			free(s);
		}
		fputc('\n', f);
		fprintf(f, "%-10s ", "");
		for (p = 0; p < r->T; p++)
			fprintf(f, "%-10.3f ",
			    (double)lens_top(r->lens, rr, p)[0].prob);
		fputc('\n', f);
	}
	return 0;
}

int
report_write(FILE *f, const struct report *r, enum report_format fmt,
    char **cause)
{
	int	rc;

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
	default:
		return util_fail(cause, "this output format is not available "
		    "yet");
	}
	if (rc != 0 || fflush(f) != 0 || ferror(f))
		return util_fail(cause, "write error: %s", strerror(errno));
	return 0;
}
