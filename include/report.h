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
#include "patch.h"
#include "tok.h"

enum report_format {
	REPORT_TEXT, REPORT_JSON, REPORT_TSV, REPORT_YAML, REPORT_SVG
};

struct report {
	const struct gpt2	*model;
	const struct tok	*tok;
	const struct lens	*lens;
	const struct gpt2_state	*state;
	const int		*ids;
	int			 T;
	int			 sublayers;
	const char		*prompt;	/* for titles; may be NULL */
	const char		*metric;	/* svg colour, a name of
					   metric.h; NULL: "prob";
					   track-prob and track-rank:
					   track[0]'s (the lens must rank
					   it: lens_set_track); tuned-kl
					   with a tuned lens */
	const char		*note;		/* e.g. the demo-model notice */
	/*
	 * The title is prompt_len bytes of prompt (any bytes, need not be
	 * NUL-terminated); with prompt_len 0 it is the tokens' text.
	 */
	size_t			 prompt_len;
	/*
	 * A window of the grid: positions [pos_from, pos_to) for text, tsv
	 * and svg; svg only: shown rows [row_from, row_to) (0 = embed, as
	 * lens_row). A "to" of 0 means to the end. json and yaml write
	 * everything.
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
	/*
	 * Activation patching (patch.h; report-patch.c), when patching is not
	 * NULL: json and yaml add "patching"; text, tsv and svg show its grids
	 * instead of the lens. clean_ids (T) are the clean prompt's tokens
	 * (ids are the corrupted one's). attention, when not NULL, is the run
	 * of ids: json and yaml add "attention" and "head_attribution" (the
	 * direct logit attribution of every head to dla_id's logit at the last
	 * position).
	 */
	const struct patch_result *patching;
	const struct patch_spec	*patch_spec;
	const int		*clean_ids;
	const struct patch_run	*attention;
	int			 dla_id;
};

/*
 * What an SVG metric of the comparison or the logit difference needs:
 * METRIC_NEEDS_COMPARE and METRIC_NEEDS_DIFF bits of metric.h, 0 for
 * surprisal, or -1 if name is none of them.
 */
int	report_metric_needs(const char *name);
/*
 * --positions: "A:B", 1-based and inclusive (A or B may be left out: the
 * first or the last position), or "A" alone, for a prompt of T tokens:
 * pos_from and pos_to as struct report takes them; -1 and *cause if the
 * text is not such a range within 1..T.
 */
int	report_positions(const char *spec, int T, int *from, int *to,
	    char **cause);

/* "json" -> REPORT_JSON; -1 if unknown. */
int	report_format_parse(const char *);
/*
 * Writes and flushes. -1 and *cause on a write error, an unknown metric
 * (svg: a name of metric.h: track-prob or track-rank with a tracked
 * token, tuned-kl with a tuned lens, the logit difference's with
 * logit_diff, the comparison's with compare) or an empty window.
 */
int	report_write(FILE *, const struct report *, enum report_format,
	    char **cause);

#endif
