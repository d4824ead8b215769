/*
 * report.h: the lens written out for people and programs.
 *
 * Formats: text (a readable grid), json (the documented contract), tsv (one
 * line per cell), yaml (the JSON tree through libyaml's emitter), svg (the
 * grid as a picture, as transformer-utils' plot_logit_lens draws it).
 * Writes to a stream the caller opened (main.c's stdout, or a file the
 * explorer exports to); returns 0, or -1 and *cause on a write error.
 * Uses jansson and libyaml (emitter only); knows nothing of terminals.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "compare.h"
#include "lens.h"
#include "model.h"
#include "tok.h"

enum report_format {
	REPORT_TEXT, REPORT_JSON, REPORT_TSV, REPORT_YAML, REPORT_SVG
};

/*
 * The SVG's metrics beyond the lens's (lens_metric_names): the first
 * tracked token's probability, KL(P_tuned || P_logit) with a tuned lens,
 * the first tracked token's rank (the lens must rank it: lens_set_track).
 */
#define REPORT_METRIC_TRACK	"track-prob"
#define REPORT_METRIC_TUNED_KL	"tuned-kl"
#define REPORT_METRIC_TRACK_RANK "track-rank"
/*
 * And -log P(next token) in nats; logit(X) - logit(Y) of --logit-diff and
 * its change from prompt A to prompt B; KL(P_A || P_B), JS and TV of a
 * comparison (compare.h).
 */
#define REPORT_METRIC_SURPRISAL	"surprisal"
#define REPORT_METRIC_DIFF	"logit-diff"
#define REPORT_METRIC_DIFF_CHANGE "logit-diff-change"
#define REPORT_METRIC_CMP_KL	"compare-kl"
#define REPORT_METRIC_CMP_JS	"compare-js"
#define REPORT_METRIC_CMP_TV	"compare-tv"
#define REPORT_METRICS_COMPARE	"surprisal, logit-diff, logit-diff-change, " \
	"compare-kl, compare-js, compare-tv"

struct report {
	const struct gpt2	*model;
	const struct tok	*tok;
	const struct lens	*lens;
	const struct gpt2_state	*state;
	const int		*ids;
	int			 T;
	int			 sublayers;
	const char		*prompt;	/* for titles; may be NULL */
	const char		*metric;	/* svg colour; NULL: "prob";
					   "track-prob": track[0]'s;
					   "tuned-kl" with a tuned lens;
					   "track-rank": track[0]'s */
	const char		*note;		/* e.g. the demo-model notice */
	/*
	 * The title is prompt_len bytes of prompt (any bytes, need not be
	 * NUL-terminated); with prompt_len 0 it is the tokens' text.
	 */
	size_t			 prompt_len;
	/*
	 * svg only: a window of the grid, shown rows [row_from, row_to)
	 * (0 = embed, as lens_row) and positions [pos_from, pos_to); a "to"
	 * of 0 means to the end. The other formats write everything.
	 */
	int			 row_from, row_to;
	int			 pos_from, pos_to;
	/*
	 * Extras, all off when zero. track[0..ntrack): token ids whose
	 * probability and logit every cell reports (json, yaml, tsv, text).
	 * candidates: json and yaml get the candidates across layers at each
	 * position; attribution: each json and yaml cell gets its top-1's
	 * direct logit attribution. mask: text and svg show the best top-k
	 * token that is not an input token up to the cell's position.
	 * delta: text shows each probability's change from the row below, svg
	 * colours by the metric's change from the row below (diverging).
	 */
	const int		*track;
	int			 ntrack;
	int			 candidates;
	int			 attribution;
	int			 mask;
	int			 delta;
	/*
	 * logit_diff: every cell (json, yaml, tsv, text) reports logit(diff_x)
	 * - logit(diff_y).
	 * compare: prompt B, cmp_ids[0..cmp_T) run on cmp_state, compared
	 * with A by compare_run over the same rows: json and yaml get
	 * "compare_tokens" and a "compare" object in each compared cell, tsv
	 * its columns, text its grids; svg colours by a comparison metric
	 * and labels each compared cell with the token that changed most
	 * (+ up, - down from A to B). cmp_prompt (may be NULL) is for titles.
	 */
	int			 logit_diff;
	int			 diff_x, diff_y;
	const struct compare	*compare;
	const struct gpt2_state	*cmp_state;
	const int		*cmp_ids;
	int			 cmp_T;
	const char		*cmp_prompt;
};

/*
 * What an SVG metric of the comparison (REPORT_METRICS_COMPARE) needs:
 * REPORT_NEEDS_* bits, or -1 if name is none of them.
 */
#define REPORT_NEEDS_COMPARE	1
#define REPORT_NEEDS_DIFF	2
int	report_metric_needs(const char *name);

/* "json" -> REPORT_JSON; -1 if unknown. */
int	report_format_parse(const char *);
/*
 * Writes and flushes. -1 and *cause on a write error, an unknown metric
 * (svg: one of lens_metric_names, "track-prob" or "track-rank" with a
 * tracked token, "tuned-kl" with a tuned lens, "surprisal", the logit
 * difference's with logit_diff, the comparison's with compare) or an empty
 * window.
 */
int	report_write(FILE *, const struct report *, enum report_format,
	    char **cause);

#endif
