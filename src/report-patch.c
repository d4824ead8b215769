/*
 * report-patch.c: activation patching, attention patterns and the heads'
 * direct logit attribution, as JSON (the contract of logitlens(1): keys may
 * be added, never renamed), text, TSV and SVG.
 *
 * The SVG draws the rows x positions grid and the layers x heads grid
 * coloured by the normalised effect on a diverging scale (blue -1, white 0,
 * red +1, clamped), as the patching figures of Meng et al. do.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report-patch.h"
#include "util.h"

static json_t *
rp_real(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *
rp_token(const struct report *r, int id)
{
	json_t	*o = json_object(), *s;
	size_t	 len;
	char	*b = tok_decode(r->tok, &id, 1, &len);

	s = json_stringn(b, len);
	free(b);
	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "text", s != NULL ? s : json_string(""));
	return o;
}

/* [values[0..n)] and, when eff, their normalised effects. */
static json_t *
rp_array(const struct report *r, const float *v, int n, int eff)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, rp_real(eff ? patch_effect(
		    r->patching, (double)v[i]) : (double)v[i]));
	return a;
}

static json_t *
rp_json_heads(const struct report *r)
{
	const struct patch_result	*p = r->patching;
	json_t				*heads = json_array(), *o, *pos;
	int				 l, h;

	for (l = 0; l < p->n_layer; l++) {
		o = json_object();
		json_object_set_new(o, "layer", json_integer(l));
		json_object_set_new(o, "values", rp_array(r, p->heads +
		    (size_t)l * p->n_head, p->n_head, 0));
		json_object_set_new(o, "effects", rp_array(r, p->heads +
		    (size_t)l * p->n_head, p->n_head, 1));
		if (p->head_pos != NULL) {
			pos = json_array();
			for (h = 0; h < p->n_head; h++)
				json_array_append_new(pos, rp_array(r,
				    p->head_pos + ((size_t)l * p->n_head + h) *
				    p->T, p->T, 0));
			json_object_set_new(o, "positions", pos);
		}
		json_array_append_new(heads, o);
	}
	return heads;
}

static json_t *
rp_json_patching(const struct report *r)
{
	const struct patch_result	*p = r->patching;
	const struct patch_spec		*sp = r->patch_spec;
	json_t				*o = json_object(), *rows, *row;
	char				 name[32];
	int				 i;

	json_object_set_new(o, "metric", json_string(patch_metric_name(
	    sp->metric)));
	json_object_set_new(o, "direction", json_string(patch_dir_name(
	    sp->dir)));
	json_object_set_new(o, "target", rp_token(r, sp->target));
	if (sp->metric == PATCH_LOGIT_DIFF)
		json_object_set_new(o, "anti_target", rp_token(r, sp->anti));
	json_object_set_new(o, "clean", rp_real(p->clean));
	json_object_set_new(o, "corrupted", rp_real(p->corrupted));
	rows = json_array();
	for (i = 0; i < p->nrows; i++) {
		row = json_object();
		json_object_set_new(row, "name", json_string(lens_row_name(
		    p->rows[i], name, sizeof name)));
		json_object_set_new(row, "values", rp_array(r, p->values +
		    (size_t)i * p->T, p->T, 0));
		json_object_set_new(row, "effects", rp_array(r, p->values +
		    (size_t)i * p->T, p->T, 1));
		json_array_append_new(rows, row);
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "heads", rp_json_heads(r));
	return o;
}

static json_t *
rp_json_attention(const struct report *r)
{
	const struct gpt2_config	*c = gpt2_config(r->model);
	const int			 T = r->T;
	json_t				*a = json_array(), *o, *heads, *ht, *w;
	float				*att;
	int				 l, h, t, s;

	att = xmalloc((size_t)c->n_head * T * T * sizeof *att);
	for (l = 0; l < c->n_layer; l++) {
		patch_run_attn(r->attention, l, att);
		heads = json_array();
		for (h = 0; h < c->n_head; h++) {
			ht = json_array();
			for (t = 0; t < T; t++) {
				w = json_array();
				for (s = 0; s <= t; s++)
					json_array_append_new(w, rp_real(
					    (double)att[((size_t)h * T + t) *
					    T + s]));
				json_array_append_new(ht, w);
			}
			json_array_append_new(heads, ht);
		}
		o = json_object();
		json_object_set_new(o, "layer", json_integer(l));
		json_object_set_new(o, "heads", heads);
		json_array_append_new(a, o);
	}
	free(att);
	return a;
}

static json_t *
rp_json_dla(const struct report *r)
{
	const struct gpt2_config	*c = gpt2_config(r->model);
	const int			 L = c->n_layer, NH = c->n_head;
	json_t				*o = json_object(), *layers, *lo, *h;
	double				*heads, *bias, *mlp, embed, lnb, logit;
	int				 l, i;

	heads = xcalloc((size_t)L * (NH + 2), sizeof *heads);
	bias = heads + (size_t)L * NH;
	mlp = bias + L;
	logit = patch_dla(r->model, r->attention, r->T - 1, r->dla_id, &embed,
	    heads, bias, mlp, &lnb);
	json_object_set_new(o, "position", json_integer(r->T - 1));
	json_object_set_new(o, "token", rp_token(r, r->dla_id));
	json_object_set_new(o, "logit", rp_real(logit));
	json_object_set_new(o, "embed", rp_real(embed));
	json_object_set_new(o, "ln_f_bias", rp_real(lnb));
	layers = json_array();
	for (l = 0; l < L; l++) {
		lo = json_object();
		h = json_array();
		for (i = 0; i < NH; i++)
			json_array_append_new(h, rp_real(heads[(size_t)l * NH +
			    i]));
		json_object_set_new(lo, "layer", json_integer(l));
		json_object_set_new(lo, "heads", h);
		json_object_set_new(lo, "bias", rp_real(bias[l]));
		json_object_set_new(lo, "mlp", rp_real(mlp[l]));
		json_array_append_new(layers, lo);
	}
	json_object_set_new(o, "layers", layers);
	free(heads);
	return o;
}

void
report_patch_json(const struct report *r, json_t *root)
{
	if (r->patching != NULL)
		json_object_set_new(root, "patching", rp_json_patching(r));
	if (r->attention != NULL) {
		json_object_set_new(root, "attention", rp_json_attention(r));
		json_object_set_new(root, "head_attribution", rp_json_dla(r));
	}
}

/* Text, TSV, SVG. */

/* A token safe for a terminal or a TSV field (allocated). */
static char *
rp_display(const struct report *r, int id)
{
	size_t		 len;
	const char	*b = tok_bytes(r->tok, id, &len);

	if (b == NULL)
		return xasprintf("<%d>", id);
	return tok_display(b, len, 0);
}

/* The token heading column t: "corrupted" or "corrupted/clean". */
static char *
rp_column(const struct report *r, int t)
{
	char	*a = rp_display(r, r->ids[t]), *b, *s;

	if (r->clean_ids[t] == r->ids[t])
		return a;
	b = rp_display(r, r->clean_ids[t]);
	s = xasprintf("%s/%s", a, b);
	free(a);
	free(b);
	return s;
}

static void
rp_text_header(FILE *f, const struct report *r)
{
	const struct patch_spec		*sp = r->patch_spec;
	const struct patch_result	*p = r->patching;
	char				*a = rp_display(r, sp->target), *b;

	fprintf(f, "activation patching (%s: the %s run's activations into "
	    "the %s run)\n", patch_dir_name(sp->dir), sp->dir == PATCH_NOISE ?
	    "corrupted" : "clean", sp->dir == PATCH_NOISE ? "clean" :
	    "corrupted");
	if (sp->metric == PATCH_LOGIT_DIFF) {
		b = rp_display(r, sp->anti);
		fprintf(f, "metric: logit(%s) - logit(%s) at the last "
		    "position\n", a, b);
		free(b);
	} else
		fprintf(f, "metric: P(%s) at the last position\n", a);
	free(a);
	fprintf(f, "clean %.6g, corrupted %.6g; cells: the metric after each "
	    "patch (normalised effect in brackets)\n", p->clean,
	    p->corrupted);
}

static void
rp_text_cell(FILE *f, const struct report *r, float v)
{
	fprintf(f, " %9.4g (%6.3f)", (double)v, patch_effect(r->patching,
	    (double)v));
}

static void
rp_write_text(FILE *f, const struct report *r)
{
	const struct patch_result	*p = r->patching;
	char				 name[32], *s;
	int				 i, t, l, h;

	rp_text_header(f, r);
	for (t = 0; t < p->T; t++) {
		s = rp_column(r, t);
		fprintf(f, "%spos %d: %s", t ? "; " : "positions: ", t, s);
		free(s);
	}
	fputc('\n', f);
	for (i = p->nrows - 1; i >= 0; i--) {
		fprintf(f, "%-10s", lens_row_name(p->rows[i], name,
		    sizeof name));
		for (t = 0; t < p->T; t++)
			rp_text_cell(f, r, p->values[(size_t)i * p->T + t]);
		fputc('\n', f);
	}
	fprintf(f, "heads (each patched at every position):\n");
	for (l = p->n_layer - 1; l >= 0; l--) {
		fprintf(f, "layer %-4d", l);
		for (h = 0; h < p->n_head; h++)
			rp_text_cell(f, r, p->heads[(size_t)l * p->n_head + h]);
		fputc('\n', f);
	}
}

static void
rp_tsv_line(FILE *f, const struct report *r, const char *kind,
    const char *name, int pos, int head, float v)
{
	char	*a, *b;

	fprintf(f, "%s\t%s\t", kind, name);
	if (pos >= 0) {
		a = rp_display(r, r->clean_ids[pos]);
		b = rp_display(r, r->ids[pos]);
		fprintf(f, "%d\t%s\t%s\t", pos, a, b);
		free(a);
		free(b);
	} else
		fprintf(f, "\t\t\t");
	if (head >= 0)
		fprintf(f, "%d", head);
	fprintf(f, "\t%.9g\t%.9g\n", (double)v, patch_effect(r->patching,
	    (double)v));
}

static void
rp_write_tsv(FILE *f, const struct report *r)
{
	const struct patch_result	*p = r->patching;
	char				 name[32];
	float				 v;
	int				 i, t, l, h;

	fprintf(f, "kind\trow\tpos\tclean\tcorrupted\thead\tmetric\teffect\n");
	for (i = 0; i < p->nrows; i++) {
		lens_row_name(p->rows[i], name, sizeof name);
		for (t = 0; t < p->T; t++)
			rp_tsv_line(f, r, "row", name, t, -1,
			    p->values[(size_t)i * p->T + t]);
	}
	for (l = 0; l < p->n_layer; l++) {
		snprintf(name, sizeof name, "h.%d", l);
		for (h = 0; h < p->n_head; h++) {
			rp_tsv_line(f, r, "head", name, -1, h,
			    p->heads[(size_t)l * p->n_head + h]);
			for (t = 0; p->head_pos != NULL && t < p->T; t++) {
				v = p->head_pos[((size_t)l * p->n_head + h) *
				    p->T + t];
				rp_tsv_line(f, r, "head_pos", name, t, h, v);
			}
		}
	}
}

/* SVG. */

#define RP_CELL_W	56
#define RP_CELL_H	22
#define RP_LEFT		80
#define RP_TOP		56

/* s escaped for XML text, control bytes as U+FFFD. */
static void
rp_svg_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputs("\xef\xbf\xbd", f);
		else
			fputc(*s, f);
	}
}

/* Blue (-1), white (0), red (+1); grey for NaN. */
static void
rp_svg_colour(double e, char *buf, size_t len)
{
	double	a;
	int	c;

	if (!isfinite(e)) {
		snprintf(buf, len, "#bbbbbb");
		return;
	}
	a = e > 1 ? 1 : e < -1 ? -1 : e;
	c = (int)lround(255 * (1 - fabs(a)));
	if (a >= 0)
		snprintf(buf, len, "#ff%02x%02x", c, c);
	else
		snprintf(buf, len, "#%02x%02xff", c, c);
}

static void
rp_svg_cell(FILE *f, const struct report *r, int x, int y, float v)
{
	char	col[16];
	double	e = patch_effect(r->patching, (double)v);

	rp_svg_colour(e, col, sizeof col);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"%s\"><title>metric %.6g, effect %.4f</title></rect>\n",
	    x, y, RP_CELL_W, RP_CELL_H, col, (double)v, e);
	/* No "-0.00" for a patch that changes (next to) nothing. */
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.2f"
	    "</text>\n", x + RP_CELL_W / 2, y + 15, isfinite(e) &&
	    fabs(e) >= 0.005 ? e : 0.0);
}

static void
rp_svg_label(FILE *f, int x, int y, const char *anchor, const char *s)
{
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">", x, y,
	    anchor);
	rp_svg_text(f, s);
	fputs("</text>\n", f);
}

/* The rows x positions grid from y0; returns the y below it. */
static int
rp_svg_rows(FILE *f, const struct report *r, int y0)
{
	const struct patch_result	*p = r->patching;
	char				 name[32], *s;
	int				 i, t, y;

	for (i = p->nrows - 1; i >= 0; i--) {
		y = y0 + (p->nrows - 1 - i) * RP_CELL_H;
		rp_svg_label(f, RP_LEFT - 6, y + 15, "end", lens_row_name(
		    p->rows[i], name, sizeof name));
		for (t = 0; t < p->T; t++)
			rp_svg_cell(f, r, RP_LEFT + t * RP_CELL_W, y,
			    p->values[(size_t)i * p->T + t]);
	}
	y = y0 + p->nrows * RP_CELL_H;
	for (t = 0; t < p->T; t++) {
		s = rp_column(r, t);
		rp_svg_label(f, RP_LEFT + t * RP_CELL_W + RP_CELL_W / 2,
		    y + 16, "middle", s);
		free(s);
	}
	return y + 24;
}

/* The layers x heads grid from y0; returns the y below it. */
static int
rp_svg_heads(FILE *f, const struct report *r, int y0)
{
	const struct patch_result	*p = r->patching;
	char				 name[32];
	int				 l, h, y;

	rp_svg_label(f, RP_LEFT, y0 + 14, "start", "heads, each patched at "
	    "every position");
	y0 += 22;
	for (l = p->n_layer - 1; l >= 0; l--) {
		y = y0 + (p->n_layer - 1 - l) * RP_CELL_H;
		snprintf(name, sizeof name, "h.%d", l);
		rp_svg_label(f, RP_LEFT - 6, y + 15, "end", name);
		for (h = 0; h < p->n_head; h++)
			rp_svg_cell(f, r, RP_LEFT + h * RP_CELL_W, y,
			    p->heads[(size_t)l * p->n_head + h]);
	}
	y = y0 + p->n_layer * RP_CELL_H;
	for (h = 0; h < p->n_head; h++) {
		snprintf(name, sizeof name, "%d", h);
		rp_svg_label(f, RP_LEFT + h * RP_CELL_W + RP_CELL_W / 2,
		    y + 16, "middle", name);
	}
	return y + 24;
}

static void
rp_write_svg(FILE *f, const struct report *r)
{
	const struct patch_result	*p = r->patching;
	const struct patch_spec		*sp = r->patch_spec;
	static const char		 legend[] = "colour: normalised effect "
					    "(m - corrupted) / (clean - "
					    "corrupted), blue -1, white 0, red 1";
	int				 cols, w, h, tw;
	char				*a = rp_display(r, sp->target), *b, *t;

	if (sp->metric == PATCH_LOGIT_DIFF) {
		b = rp_display(r, sp->anti);
		t = xasprintf("activation patching (%s): logit(%s) - logit(%s)"
		    ", clean %.4g, corrupted %.4g", patch_dir_name(sp->dir), a,
		    b, p->clean, p->corrupted);
		free(b);
	} else
		t = xasprintf("activation patching (%s): P(%s), clean %.4g, "
		    "corrupted %.4g", patch_dir_name(sp->dir), a, p->clean,
		    p->corrupted);
	/* Wide enough for the grids and for the two lines above them. */
	cols = p->T > p->n_head ? p->T : p->n_head;
	w = RP_LEFT + cols * RP_CELL_W + 20;
	tw = 20 + 7 * (int)(strlen(t) > sizeof legend ? strlen(t) :
	    sizeof legend);
	w = w > tw ? w : tw;
	h = RP_TOP + (p->nrows + p->n_layer) * RP_CELL_H + 3 * 24 + 30;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" "
	    "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" "
	    "fill=\"white\"/>\n", w, h, w, h);
	rp_svg_label(f, 10, 20, "start", t);
	rp_svg_label(f, 10, 38, "start", legend);
	free(t);
	free(a);
	rp_svg_heads(f, r, rp_svg_rows(f, r, RP_TOP));
	fputs("</svg>\n", f);
}

int
report_patch_write(FILE *f, const struct report *r, enum report_format fmt,
    char **cause)
{
	switch (fmt) {
	case REPORT_TEXT:
		rp_write_text(f, r);
		break;
	case REPORT_TSV:
		rp_write_tsv(f, r);
		break;
	case REPORT_SVG:
		rp_write_svg(f, r);
		break;
	default:
		return util_fail(cause, "patching: no %d output", (int)fmt);
	}
	if (fflush(f) != 0 || ferror(f))
		return util_fail(cause, "write error: %s", strerror(errno));
	return 0;
}
