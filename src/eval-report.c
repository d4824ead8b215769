/*
 * eval-report.c: a corpus evaluation's result as JSON (written, read back,
 * merged), as a text table with curves, and as an SVG line plot.
 *
 * Means are sums / tokens_scored; bits per byte are summed nats / ln 2 /
 * bytes_scored. Shards carry their sums, so merging adds sums and counts
 * and the means follow; nothing is averaged twice.
 */
#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval-report.h"
#include "lens.h"
#include "util.h"

/* The sums' names in JSON, by enum eval_metric. */
static const char *const eval_sum_names[EVAL_NMETRIC] = { "ce", "kl",
    "entropy", "top1" };

void
eval_run_clear(struct eval_run *r)
{
	int	l;

	free(r->model);
	free(r->model_fp);
	for (l = 0; l < EVAL_NLENS; l++) {
		free(r->lens_file[l]);
		free(r->lens_fp[l]);
	}
	free(r->corpus_fp);
	free(r->inputs_fp);
	free(r->resume_fp);
	memset(r, 0, sizeof *r);
}

uint64_t
eval_fp(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

char *
eval_fp_hex(uint64_t h)
{
	return xasprintf("%016" PRIx64, h);
}

const char *
eval_report_row_name(const struct eval_run *r, int i, char *buf, size_t len)
{
	return lens_row_name(r->sublayers ? i : 2 * i, buf, len);
}

static double
eval_mean(double sum, int64_t n)
{
	return n > 0 ? sum / (double)n : (double)NAN;
}

/* A double, or null when it is not finite (an empty run's means). */
static json_t *
eval_real(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *
eval_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
eval_json_rows(const struct eval_run *r, const struct eval_sums *s,
    enum eval_lens l)
{
	json_t	*rows, *row, *sums;
	char	 name[32];
	double	 x;
	int	 i, k;

	rows = json_array();
	for (i = 0; i < s->nrows; i++) {
		row = json_object();
		json_object_set_new(row, "name", json_string(
		    eval_report_row_name(r, i, name, sizeof name)));
		sums = json_object();
		for (k = 0; k < EVAL_NMETRIC; k++) {
			x = *eval_sums_at(s, l, i, k);
			json_object_set_new(row, eval_metric_names[k],
			    eval_real(eval_mean(x, s->tokens)));
			json_object_set_new(sums, eval_sum_names[k],
			    json_real(x));
		}
		x = *eval_sums_at(s, l, i, EVAL_CE);
		json_object_set_new(row, "bits_per_byte", eval_real(s->bytes >
		    0 ? x / M_LN2 / (double)s->bytes : (double)NAN));
		json_object_set_new(row, "sums", sums);
		json_array_append_new(rows, row);
	}
	return rows;
}

char *
eval_report_json(const struct eval_run *r, const struct eval_sums *s,
    int checkpoint)
{
	json_t	*root, *o, *lenses;
	char	*text;
	int	 l;

	root = json_object();
	o = json_object();
	json_object_set_new(o, "path", eval_str(r->model));
	json_object_set_new(o, "fingerprint", eval_str(r->model_fp));
	json_object_set_new(o, "n_layer", json_integer(r->n_layer));
	json_object_set_new(o, "n_embd", json_integer(r->n_embd));
	json_object_set_new(o, "n_vocab", json_integer(r->n_vocab));
	json_object_set_new(o, "n_ctx", json_integer(r->n_ctx));
	json_object_set_new(root, "model", o);
	json_object_set_new(root, "ctx", json_integer(r->ctx));
	json_object_set_new(root, "sublayers", json_boolean(r->sublayers));
	json_object_set_new(root, "windows", json_integer(s->windows));
	json_object_set_new(root, "tokens_scored", json_integer(s->tokens));
	json_object_set_new(root, "bytes_scored", json_integer(s->bytes));
	lenses = json_object();
	for (l = 0; l < EVAL_NLENS; l++) {
		if (!(s->lenses & (1 << l)))
			continue;
		o = json_object();
		if (l != EVAL_LOGIT) {
			json_object_set_new(o, "file", eval_str(r->lens_file[l]));
			json_object_set_new(o, "fingerprint",
			    eval_str(r->lens_fp[l]));
		}
		json_object_set_new(o, "rows", eval_json_rows(r, s, l));
		json_object_set_new(lenses, eval_lens_names[l], o);
	}
	json_object_set_new(root, "lenses", lenses);
	o = json_object();
	json_object_set_new(o, "ce", eval_real(eval_mean(s->base_ce,
	    s->tokens)));
	json_object_set_new(o, "bits_per_byte", eval_real(s->bytes > 0 ?
	    s->base_ce / M_LN2 / (double)s->bytes : (double)NAN));
	json_object_set_new(o, "sums", json_pack("{s:f}", "ce", s->base_ce));
	json_object_set_new(root, "baseline", o);
	json_object_set_new(root, "corpus", json_pack("{s:o,s:I,s:I}",
	    "fingerprint", eval_str(r->corpus_fp), "windows",
	    (json_int_t)r->corpus_windows, "max_tokens",
	    (json_int_t)r->max_tokens));
	json_object_set_new(root, "shard", json_pack("{s:i,s:i}", "k",
	    r->shard_k, "n", r->shard_n));
	json_object_set_new(root, "complete", json_boolean(r->complete));
	json_object_set_new(root, "seconds", json_real(r->seconds));
	if (checkpoint)
		json_object_set_new(root, "resume", json_pack("{s:o,s:I,s:o}",
		    "inputs", eval_str(r->inputs_fp), "window",
		    (json_int_t)r->resume_window, "fingerprint",
		    eval_str(r->resume_fp)));
	text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (text == NULL)
		return NULL;
	/* json_dumps's memory is not ours to free with free(). */
	{
		char	*out = xasprintf("%s\n", text);

		free(text);
		return out;
	}
}

/* Reads s (a string or null) from o[key] into *dst. */
static int
eval_get_str(json_t *o, const char *key, char **dst)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*dst = xstrdup(json_string_value(v));
	return 0;
}

static int
eval_get_int(json_t *o, const char *key, int64_t lo, int64_t hi,
    int64_t *dst)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return -1;
	*dst = json_integer_value(v);
	return 0;
}

static int
eval_get_num(json_t *o, const char *key, double *dst)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_number(v))
		return -1;
	*dst = json_number_value(v);
	return 0;
}

/* The model block and the run's scalars. */
static const char *
eval_load_head(json_t *root, struct eval_run *r)
{
	json_t	*o;
	int64_t	 v[4];

	o = json_object_get(root, "model");
	if (!json_is_object(o) || eval_get_str(o, "path", &r->model) != 0 ||
	    eval_get_str(o, "fingerprint", &r->model_fp) != 0 ||
	    eval_get_int(o, "n_layer", 1, 100000, &v[0]) != 0 ||
	    eval_get_int(o, "n_embd", 1, 1000000, &v[1]) != 0 ||
	    eval_get_int(o, "n_vocab", 1, 100000000, &v[2]) != 0 ||
	    eval_get_int(o, "n_ctx", 1, 100000000, &v[3]) != 0)
		return "a bad \"model\" object";
	r->n_layer = (int)v[0];
	r->n_embd = (int)v[1];
	r->n_vocab = (int)v[2];
	r->n_ctx = (int)v[3];
	if (eval_get_int(root, "ctx", 2, r->n_ctx, &v[0]) != 0)
		return "a bad \"ctx\"";
	r->ctx = (int)v[0];
	r->sublayers = json_is_true(json_object_get(root, "sublayers"));
	r->complete = json_is_true(json_object_get(root, "complete"));
	if (eval_get_num(root, "seconds", &r->seconds) != 0)
		r->seconds = 0;
	o = json_object_get(root, "shard");
	if (eval_get_int(o, "n", 1, INT32_MAX, &v[1]) != 0 ||
	    eval_get_int(o, "k", 0, v[1] - 1, &v[0]) != 0)
		return "a bad \"shard\"";
	r->shard_k = (int)v[0];
	r->shard_n = (int)v[1];
	o = json_object_get(root, "corpus");
	if (!json_is_object(o) || eval_get_str(o, "fingerprint",
	    &r->corpus_fp) != 0 || eval_get_int(o, "windows", 0, INT64_MAX,
	    &r->corpus_windows) != 0 || eval_get_int(o, "max_tokens", 0,
	    INT64_MAX, &r->max_tokens) != 0)
		return "a bad \"corpus\"";
	o = json_object_get(root, "resume");
	if (o != NULL && (eval_get_str(o, "inputs", &r->inputs_fp) != 0 ||
	    eval_get_int(o, "window", 0, INT64_MAX, &r->resume_window) != 0 ||
	    eval_get_str(o, "fingerprint", &r->resume_fp) != 0))
		return "a bad \"resume\"";
	return NULL;
}

/* One lens's rows' sums into s. */
static const char *
eval_load_lens(json_t *o, struct eval_run *r, struct eval_sums *s,
    enum eval_lens l)
{
	json_t	*rows, *sums;
	size_t	 i;
	int	 k;

	if (l != EVAL_LOGIT && (eval_get_str(o, "file", &r->lens_file[l]) !=
	    0 || eval_get_str(o, "fingerprint", &r->lens_fp[l]) != 0))
		return "a bad lens \"file\"";
	rows = json_object_get(o, "rows");
	if (!json_is_array(rows) || json_array_size(rows) != (size_t)s->nrows)
		return "a lens whose \"rows\" are not the model's";
	for (i = 0; i < json_array_size(rows); i++) {
		sums = json_object_get(json_array_get(rows, i), "sums");
		for (k = 0; k < EVAL_NMETRIC; k++) {
			if (eval_get_num(sums, eval_sum_names[k],
			    eval_sums_at(s, l, (int)i, k)) != 0)
				return "a row without its \"sums\"";
		}
	}
	return NULL;
}

static const char *
eval_load_body(json_t *root, struct eval_run *r, struct eval_sums **sp)
{
	struct eval_sums	*s;
	const char		*err;
	json_t			*lenses, *o;
	int			 l, mask = 0;

	if ((err = eval_load_head(root, r)) != NULL)
		return err;
	lenses = json_object_get(root, "lenses");
	if (!json_is_object(lenses) || json_object_get(lenses, "logit") ==
	    NULL)
		return "no \"lenses\" with \"logit\"";
	for (l = 0; l < EVAL_NLENS; l++) {
		if (json_object_get(lenses, eval_lens_names[l]) != NULL)
			mask |= 1 << l;
	}
	*sp = s = eval_sums_new(r->sublayers ? 2 * r->n_layer + 1 :
	    r->n_layer + 1, mask);
	for (l = 0; l < EVAL_NLENS; l++) {
		o = json_object_get(lenses, eval_lens_names[l]);
		if (o != NULL && (err = eval_load_lens(o, r, s, l)) != NULL)
			return err;
	}
	if (eval_get_int(root, "windows", 0, INT64_MAX, &s->windows) != 0 ||
	    eval_get_int(root, "tokens_scored", 0, INT64_MAX, &s->tokens) !=
	    0 || eval_get_int(root, "bytes_scored", 0, INT64_MAX, &s->bytes)
	    != 0)
		return "bad counts";
	o = json_object_get(json_object_get(root, "baseline"), "sums");
	if (eval_get_num(o, "ce", &s->base_ce) != 0)
		return "no \"baseline\" sums";
	return NULL;
}

int
eval_report_load(const char *path, struct eval_run *r,
    struct eval_sums **sp, char **cause)
{
	json_error_t	 je;
	json_t		*root;
	const char	*err;

	memset(r, 0, sizeof *r);
	*sp = NULL;
	if ((root = json_load_file(path, 0, &je)) == NULL)
		return util_fail(cause, "%s:%d: %s", path, je.line, je.text);
	if (!json_is_object(root))
		err = "not a JSON object";
	else
		err = eval_load_body(root, r, sp);
	json_decref(root);
	if (err == NULL)
		return 0;
	eval_run_clear(r);
	eval_sums_free(*sp);
	*sp = NULL;
	return util_fail(cause, "%s: not a result of logitlens eval: %s",
	    path, err);
}

static int
eval_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Why shard b does not belong with a, or NULL. */
static const char *
eval_mismatch(const struct eval_run *a, const struct eval_sums *sa,
    const struct eval_run *b, const struct eval_sums *sb)
{
	int	l;

	if (!eval_same(a->model_fp, b->model_fp) || a->n_layer != b->n_layer
	    || a->n_embd != b->n_embd || a->n_vocab != b->n_vocab)
		return "is of another model";
	if (sa->lenses != sb->lenses)
		return "has other lenses";
	for (l = 0; l < EVAL_NLENS; l++) {
		if (!eval_same(a->lens_fp[l], b->lens_fp[l]))
			return "has another lens file";
	}
	if (a->ctx != b->ctx)
		return "has another ctx";
	if (a->sublayers != b->sublayers)
		return "differs in --sublayers";
	if (!eval_same(a->corpus_fp, b->corpus_fp) || a->max_tokens !=
	    b->max_tokens || a->corpus_windows != b->corpus_windows)
		return "is of another corpus";
	if (a->shard_n != b->shard_n)
		return "is of another number of shards";
	return NULL;
}

int
eval_report_merge(const char *const *paths, int n, struct eval_run *out,
    struct eval_sums **sout, char **cause)
{
	struct eval_run		 r;
	struct eval_sums	*s = NULL;
	const char		*why;
	unsigned char		*seen = NULL;
	int			 i, k;

	memset(out, 0, sizeof *out);
	*sout = NULL;
	for (i = 0; i < n; i++) {
		if (eval_report_load(paths[i], &r, &s, cause) != 0)
			goto fail;
		if (!r.complete || r.corpus_fp == NULL) {
			util_fail(cause, "%s: shard %d/%d was stopped before "
			    "its end: run it again (with its --checkpoint)",
			    paths[i], r.shard_k, r.shard_n);
			goto fail_r;
		}
		if (i == 0) {
			*out = r;
			*sout = s;
			seen = xcalloc((size_t)r.shard_n, 1);
			seen[r.shard_k] = 1;
			continue;
		}
		if ((why = eval_mismatch(out, *sout, &r, s)) != NULL) {
			util_fail(cause, "%s: shard %d/%d %s (it does not belong with %s)",
			    paths[i],
			    r.shard_k, r.shard_n, why, paths[0]);
			goto fail_r;
		}
		if (seen[r.shard_k]) {
			util_fail(cause, "%s: shard %d/%d is given twice",
			    paths[i], r.shard_k, r.shard_n);
			goto fail_r;
		}
		seen[r.shard_k] = 1;
		out->seconds += r.seconds;
		eval_sums_add(*sout, s);
		eval_run_clear(&r);
		eval_sums_free(s);
	}
	for (k = 0; k < out->shard_n; k++) {
		if (!seen[k]) {
			util_fail(cause, "shard %d/%d is missing", k,
			    out->shard_n);
			goto fail;
		}
	}
	free(seen);
	out->shard_k = 0;
	out->shard_n = 1;
	return 0;
fail_r:
	eval_run_clear(&r);
	eval_sums_free(s);
fail:
	free(seen);
	if (*sout != NULL) {
		eval_run_clear(out);
		eval_sums_free(*sout);
		*sout = NULL;
	}
	return -1;
}

/* The mean of lens l, row i, metric k. */
static double
eval_at(const struct eval_sums *s, int l, int i, int k)
{
	return eval_mean(*eval_sums_at(s, l, i, k), s->tokens);
}

/* Appends to *buf (allocated, *len its length). */
static void __attribute__((format(printf, 3, 4)))
eval_cat(char **buf, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	size_t	 n;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	n = strlen(s);
	*buf = xreallocarray(*buf, *len + n + 1, 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	free(s);
}

/* The range of metric k over the rows of every lens shown. */
static void
eval_range(const struct eval_sums *s, int k, double *lo, double *hi)
{
	double	x;
	int	l, i;

	*lo = (double)INFINITY;
	*hi = -(double)INFINITY;
	for (l = 0; l < EVAL_NLENS; l++) {
		if (!(s->lenses & (1 << l)))
			continue;
		for (i = 0; i < s->nrows; i++) {
			x = eval_at(s, l, i, k);
			if (!isfinite(x))
				continue;
			*lo = x < *lo ? x : *lo;
			*hi = x > *hi ? x : *hi;
		}
	}
}

/* A curve of metric k across rows for lens l, one cell per row. */
static void
eval_curve(char **buf, size_t *len, const struct eval_sums *s, int l, int k,
    int ascii)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆",
	    "▇", "█" };
	static const char	 chars[] = "_.-:=+*#";
	double			 lo, hi, x;
	int			 i, q;

	eval_range(s, k, &lo, &hi);
	for (i = 0; i < s->nrows; i++) {
		x = eval_at(s, l, i, k);
		if (!isfinite(x)) {
			eval_cat(buf, len, " ");
			continue;
		}
		q = hi > lo ? (int)((x - lo) / (hi - lo) * 7.0 + 0.5) : 0;
		q = q < 0 ? 0 : q > 7 ? 7 : q;
		if (ascii)
			eval_cat(buf, len, "%c", chars[q]);
		else
			eval_cat(buf, len, "%s", blocks[q]);
	}
}

char *
eval_report_text(const struct eval_run *r, const struct eval_sums *s,
    int ascii)
{
	char	*buf = xstrdup(""), name[32];
	size_t	 len = 0;
	double	 x;
	int	 l, i, k;

	eval_cat(&buf, &len, "%-10s", "");
	for (l = 0; l < EVAL_NLENS; l++) {
		if (s->lenses & (1 << l))
			eval_cat(&buf, &len, " | %s lens%*s", eval_lens_names[l],
			    32 - (int)strlen(eval_lens_names[l]), "");
	}
	eval_cat(&buf, &len, "\n%-10s", "row");
	for (l = 0; l < EVAL_NLENS; l++) {
		if (s->lenses & (1 << l))
			eval_cat(&buf, &len, " | %7s %7s %7s %6s %6s", "ce",
			    "kl", "entropy", "top1", "bpb");
	}
	eval_cat(&buf, &len, "\n");
	for (i = 0; i < s->nrows; i++) {
		eval_cat(&buf, &len, "%-10s", eval_report_row_name(r, i, name,
		    sizeof name));
		for (l = 0; l < EVAL_NLENS; l++) {
			if (!(s->lenses & (1 << l)))
				continue;
			eval_cat(&buf, &len, " |");
			for (k = 0; k < EVAL_NMETRIC; k++)
				eval_cat(&buf, &len, k == EVAL_TOP1 ? " %6.3f" :
				    " %7.3f", eval_at(s, l, i, k));
			x = *eval_sums_at(s, l, i, EVAL_CE);
			eval_cat(&buf, &len, " %6.3f", s->bytes > 0 ? x / M_LN2 /
			    (double)s->bytes : (double)NAN);
		}
		eval_cat(&buf, &len, "\n");
	}
	eval_cat(&buf, &len, "\nmodel: %.3f nats/token, %.3f bits/byte; "
	    "%" PRId64 " windows of up to %d tokens, %" PRId64 " tokens and "
	    "%" PRId64 " bytes scored\n", eval_mean(s->base_ce, s->tokens),
	    s->bytes > 0 ? s->base_ce / M_LN2 / (double)s->bytes : (double)NAN,
	    s->windows, r->ctx, s->tokens, s->bytes);
	eval_cat(&buf, &len, "(ce, kl, entropy in nats per token; top1: "
	    "top-1 accuracy; bpb: ce in bits per byte)\n\n");
	eval_cat(&buf, &len, "across rows, %s to %s%s:\n", "embed",
	    eval_report_row_name(r, s->nrows - 1, name, sizeof name),
	    " (each curve scaled to the metric's range over the lenses)");
	for (k = 0; k < EVAL_NMETRIC; k++) {
		eval_cat(&buf, &len, "%-9s", eval_metric_names[k]);
		for (l = 0; l < EVAL_NLENS; l++) {
			if (!(s->lenses & (1 << l)))
				continue;
			eval_cat(&buf, &len, "  %s ", eval_lens_names[l]);
			eval_curve(&buf, &len, s, l, k, ascii);
		}
		eval_cat(&buf, &len, "\n");
	}
	return buf;
}

/* Plot geometry: panels of W x H, the plot area inside margins. */
#define EVAL_SVG_W	420
#define EVAL_SVG_H	280
#define EVAL_SVG_ML	64
#define EVAL_SVG_MR	16
#define EVAL_SVG_MT	34
#define EVAL_SVG_MB	58

static const char *const eval_svg_colors[EVAL_NLENS] = { "#1f77b4",
    "#d62728", "#2ca02c" };
static const char *const eval_svg_titles[EVAL_NMETRIC] = {
    "cross-entropy (nats/token)", "KL(final || row) (nats/token)",
    "entropy (nats/token)", "top-1 accuracy" };

/* One panel: metric k at (x0, y0). */
static void
eval_svg_panel(char **buf, size_t *len, const struct eval_run *r,
    const struct eval_sums *s, int k, int x0, int y0)
{
	double	lo, hi, x, y, px, py;
	int	pw = EVAL_SVG_W - EVAL_SVG_ML - EVAL_SVG_MR;
	int	ph = EVAL_SVG_H - EVAL_SVG_MT - EVAL_SVG_MB;
	int	l, i, t, n = s->nrows, step;
	char	name[32];

	eval_range(s, k, &lo, &hi);
	if (!(lo <= hi)) {
		lo = 0;
		hi = 1;
	}
	if (hi - lo < 1e-9) {
		lo -= 0.5;
		hi += 0.5;
	}
	eval_cat(buf, len, "<g transform=\"translate(%d,%d)\">\n", x0, y0);
	eval_cat(buf, len, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" "
	    "font-weight=\"bold\">%s</text>\n", EVAL_SVG_W / 2,
	    eval_svg_titles[k]);
	eval_cat(buf, len, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"none\" stroke=\"#444\"/>\n", EVAL_SVG_ML, EVAL_SVG_MT, pw,
	    ph);
	/* y ticks: five, from lo to hi. */
	for (t = 0; t <= 4; t++) {
		y = lo + (hi - lo) * t / 4;
		py = EVAL_SVG_MT + ph - (double)ph * t / 4;
		eval_cat(buf, len, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		    "y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\" font-size=\"11\">%.3g</text>\n",
		    EVAL_SVG_ML, py, EVAL_SVG_ML + pw, py, EVAL_SVG_ML - 4,
		    py + 4, y);
	}
	/* x ticks: the rows, at most about ten labels. */
	step = (n + 9) / 10;
	for (i = 0; i < n; i++) {
		px = EVAL_SVG_ML + (n > 1 ? (double)pw * i / (n - 1) : pw / 2.0);
		if (i % step != 0 && i != n - 1)
			continue;
		eval_cat(buf, len, "<text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"end\" font-size=\"10\" transform=\"rotate(-40 "
		    "%.1f %d)\">%s</text>\n", px, EVAL_SVG_MT + ph + 14, px,
		    EVAL_SVG_MT + ph + 14, eval_report_row_name(r, i, name,
		    sizeof name));
	}
	eval_cat(buf, len, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
	    "font-size=\"12\">layer (residual row)</text>\n", EVAL_SVG_ML + pw /
	    2, EVAL_SVG_H - 6);
	for (l = 0; l < EVAL_NLENS; l++) {
		if (!(s->lenses & (1 << l)))
			continue;
		eval_cat(buf, len, "<polyline fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"2\" points=\"", eval_svg_colors[l]);
		for (i = 0; i < n; i++) {
			x = eval_at(s, l, i, k);
			if (!isfinite(x))
				continue;
			px = EVAL_SVG_ML + (n > 1 ? (double)pw * i / (n - 1) :
			    pw / 2.0);
			py = EVAL_SVG_MT + ph - (x - lo) / (hi - lo) * ph;
			eval_cat(buf, len, "%s%.1f,%.1f", i > 0 ? " " : "", px,
			    py);
		}
		eval_cat(buf, len, "\"/>\n");
	}
	eval_cat(buf, len, "</g>\n");
}

char *
eval_report_svg(const struct eval_run *r, const struct eval_sums *s)
{
	char	*buf = xstrdup("");
	size_t	 len = 0;
	int	 W = 2 * EVAL_SVG_W, H = 2 * EVAL_SVG_H + 40, k, l, x;

	eval_cat(&buf, &len, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"13\">\n<title>logitlens eval: per-layer means over "
	    "%" PRId64 " tokens</title>\n<rect width=\"100%%\" "
	    "height=\"100%%\" fill=\"white\"/>\n", W, H, W, H, s->tokens);
	for (k = 0; k < EVAL_NMETRIC; k++)
		eval_svg_panel(&buf, &len, r, s, k, (k % 2) * EVAL_SVG_W,
		    (k / 2) * EVAL_SVG_H);
	/* The legend: one entry per lens. */
	x = 20;
	for (l = 0; l < EVAL_NLENS; l++) {
		if (!(s->lenses & (1 << l)))
			continue;
		eval_cat(&buf, &len, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%d\" "
		    "y=\"%d\">%s lens</text>\n", x, H - 20, x + 24, H - 20,
		    eval_svg_colors[l], x + 30, H - 15, eval_lens_names[l]);
		x += 160;
	}
	eval_cat(&buf, &len, "</svg>\n");
	return buf;
}
