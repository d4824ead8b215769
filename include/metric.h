/*
 * metric.h: the one home of the lens's metrics, what a cell is coloured by.
 *
 * Each metric has a name (the configuration, --metric, sessions), a title
 * and a unit (legends, the panel, the SVG, the key help), the explorer's
 * key, how a cell's value is read, its scale and direction: metric_norm
 * maps a value to 0..1, where 1 means "confident" or "agrees with the
 * final layer" (high probability, rank 1, low KL, low entropy); for a
 * comparison, 1 means "the prompts part". The configuration's metrics come
 * first (METRIC_CONFIG of them); then those of a tracked token, a tuned
 * lens, a logit difference or a second prompt, which the SVG and the
 * explorer take. A diverging metric (METRIC_SCALE_DIVERGING) is signed:
 * its caller scales it by the largest magnitude shown.
 * Knows nothing of terminals or SVG.
 */
#ifndef METRIC_H
#define METRIC_H

#include <stddef.h>

struct lens_cell;
struct lens_top;

enum metric_id {
	METRIC_PROB,		/* probability of the cell's own top-1 */
	METRIC_FINAL_PROB,	/* probability of the final top-1 */
	METRIC_FINAL_LOGIT,	/* logit of the final top-1 */
	METRIC_FINAL_RANK,	/* rank of the final top-1 */
	METRIC_NEXT_RANK,	/* rank of the actual next token */
	METRIC_NEXT_PROB,	/* probability of the actual next token */
	METRIC_KL,		/* KL(P_final || P_layer) */
	METRIC_ENTROPY,
	METRIC_CONFIG,		/* the configuration's metrics end here */
	METRIC_TRACK_PROB = METRIC_CONFIG, /* of the first tracked token */
	METRIC_TUNED_KL,	/* KL(P_tuned || P_logit) */
	METRIC_TRACK_RANK,	/* rank of the first tracked token */
	METRIC_SURPRISAL,	/* -log P(next token) */
	METRIC_DIFF,		/* logit(X) - logit(Y) of --logit-diff */
	METRIC_DIFF_CHANGE,	/* its change from prompt A to prompt B */
	METRIC_CMP_KL,		/* KL(P_A || P_B) of a comparison */
	METRIC_CMP_JS,		/* Jensen-Shannon divergence of A and B */
	METRIC_CMP_TV,		/* total variation of A and B */
	METRIC_COUNT
};

/* How values map to the colour scale. */
enum metric_scale {
	METRIC_SCALE_UNIT,	/* 0..1 as it is */
	METRIC_SCALE_LOGIT,	/* the grid's range of final top-1 logits */
	METRIC_SCALE_RANK,	/* log rank over ln V (the terminal: buckets) */
	METRIC_SCALE_KL,	/* log10, clipped at METRIC_KL_LO and _HI */
	METRIC_SCALE_ENTROPY,	/* 0 .. ln V */
	METRIC_SCALE_JS,	/* log, METRIC_JS_LO .. ln 2 */
	METRIC_SCALE_DIVERGING	/* signed: 0.5 is 0, the caller's range */
};

#define METRIC_KL_LO	0.01
#define METRIC_KL_HI	10.0
#define METRIC_JS_LO	1e-4

/* Where the value comes from, beyond the cell's own statistics. */
#define METRIC_NEEDS_TRACK	1	/* a tracked token */
#define METRIC_NEEDS_TUNED	2	/* a tuned lens */
#define METRIC_NEEDS_COMPARE	4	/* a second prompt (compare.h) */
#define METRIC_NEEDS_DIFF	8	/* a logit difference X, Y */

struct metric {
	const char		*name;	/* "kl" */
	const char		*title;	/* "KL(final||layer)" */
	const char		*unit;	/* "nats", or "" */
	const char		*key;	/* the explorer's default key */
	enum metric_scale	 scale;
	int			 higher;	/* 1: higher is confident */
	int			 needs;		/* METRIC_NEEDS_* */
};

/* Metric m, 0 <= m < METRIC_COUNT. */
const struct metric *metric_get(int m);
/* The metric named name, or -1. */
int		 metric_find(const char *name);
/*
 * The configuration's metric names, NULL-terminated (cfg's choices); and
 * every name, comma-separated, for messages and --help (static text).
 */
extern const char *const metric_config_names[METRIC_CONFIG + 1];
const char	*metric_list(void);
/*
 * The value of a cell metric (m < METRIC_CONFIG, or METRIC_SURPRISAL) for
 * a cell whose top-1 is top1: 1, or 0 when the cell has none (the next
 * token at the last position). The others are read by their callers.
 */
int		 metric_value(int m, const struct lens_cell *,
		    const struct lens_top *top1, double *v);
/*
 * Position of v on m's scale, 0..1, 1 confident: lo and hi bound the
 * final top-1's logits (METRIC_SCALE_LOGIT); hi is the largest magnitude
 * for METRIC_SCALE_DIVERGING (0.5 + 0.5 v / hi); n_vocab is V.
 */
double		 metric_norm(int m, double v, double lo, double hi,
		    int n_vocab);
/* Rank bucket, 0 (rank 1), 1 (2-5), 2 (6-20), 3 (21-100), 4 (> 100). */
int		 metric_rank_bucket(int rank);
/* Whether metric m is a rank (printed without decimals). */
int		 metric_is_rank(int m);

#endif
