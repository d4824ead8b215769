/*
 * eval-report.h: a corpus evaluation's result as JSON, text and SVG.
 *
 * The JSON (the contract of `logitlens eval -o FILE.json`):
 *     {"model": {...}, "ctx": n, "windows": n, "tokens_scored": n,
 *      "bytes_scored": n, "lenses": {"logit": {"rows": [{"name": "embed",
 *      "ce": x, "kl": x, "entropy": x, "top1_acc": x, "bits_per_byte": x,
 *      "sums": {"ce": x, "kl": x, "entropy": x, "top1": x}}, ...]},
 *      "tuned": {...}, "jacobian": {...}}, "baseline": {"ce": x, ...}, ...}
 * with means in nats per token, sums in double to 17 digits, so that shards
 * read back and added give the whole run's sums. The fields "corpus",
 * "shard", "complete" and "sublayers" say what belongs together. A
 * checkpoint is the same document with "resume" added. Knows nothing of
 * files' text or terminals: the caller prints what these return.
 */
#ifndef EVAL_REPORT_H
#define EVAL_REPORT_H

#include <stdint.h>

#include "eval.h"

/* What a result describes, beside its sums. */
struct eval_run {
	char		*model;		/* the directory, as given */
	char		*model_fp;	/* fingerprint of the weights (hex) */
	int		 n_layer, n_embd, n_vocab, n_ctx;
	char		*lens_file[EVAL_NLENS];	/* NULL for the logit lens */
	char		*lens_fp[EVAL_NLENS];
	int		 ctx;
	int		 sublayers;
	int		 shard_k, shard_n;	/* 0, 1: the whole run */
	int64_t		 max_tokens;		/* 0: all */
	char		*corpus_fp;	/* the token stream's (hex), NULL
					   if the run stopped early */
	int64_t		 corpus_windows;	/* all windows of the stream */
	int		 complete;	/* every window of the shard done */
	double		 seconds;	/* of evaluation (shards: summed) */
	/* Checkpoints only. */
	char		*inputs_fp;	/* the input files' names and sizes */
	int64_t		 resume_window;	/* windows [0, this) are done */
	char		*resume_fp;	/* the stream's up to there */
};

void		 eval_run_clear(struct eval_run *);

/* FNV-1a 64 over n bytes, chained from h (start: EVAL_FP_INIT). */
#define EVAL_FP_INIT	UINT64_C(0xcbf29ce484222325)
uint64_t	 eval_fp(uint64_t h, const void *, size_t n);
/* h as 16 hex digits, allocated. */
char		*eval_fp_hex(uint64_t h);

/* Row i's name ("embed", "h.0", "h.0.attn"). */
const char	*eval_report_row_name(const struct eval_run *, int i,
		    char *buf, size_t len);

/* The JSON document, allocated; checkpoint adds the "resume" fields. */
char		*eval_report_json(const struct eval_run *,
		    const struct eval_sums *, int checkpoint);
/*
 * Reads a result or checkpoint written by eval_report_json. 0, or -1 and
 * *cause ("path: problem"); *sums is allocated.
 */
int		 eval_report_load(const char *path, struct eval_run *,
		    struct eval_sums **, char **cause);
/*
 * Adds the shards paths[0..n) into the whole run's result: they must be of
 * one model, lenses, ctx, corpus and sub-layers, complete, and be the
 * shards 0..N-1 of one N, each once. 0, or -1 and *cause.
 */
int		 eval_report_merge(const char *const *paths, int n,
		    struct eval_run *, struct eval_sums **, char **cause);

/*
 * The table (rows x metrics, a column block per lens, bits per byte) and a
 * curve across rows per metric and lens; ascii: no block characters.
 */
char		*eval_report_text(const struct eval_run *,
		    const struct eval_sums *, int ascii);
/* A line plot per metric across rows, a line per lens. */
char		*eval_report_svg(const struct eval_run *,
		    const struct eval_sums *);

#endif
