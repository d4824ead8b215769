/*
 * eval.h: the lens's statistics over a corpus, per row and lens.
 *
 * A window of token ids runs through the model on its own. At every
 * position t whose next token is in the window (t < T - 1), each shown row
 * (embed, h.0 ... h.{L-1}; with sub-layers the h.N.attn rows too) is
 * decoded by each lens and reduced to four numbers, summed in double:
 *     ce      -log P_row(next)                              (nats)
 *     kl      KL(P_final || P_row), P_final the model's output (nats)
 *     entropy H(P_row)                                      (nats)
 *     top1    1 if the row's top-1 is the next token (no logit above its)
 * and the model's own cross-entropy (the baseline). Lenses: the logit lens
 * always, the tuned lens (tuned.h) and the Jacobian lens (jacobian.h) when
 * given. Knows nothing of text, files or terminals: the caller makes the
 * windows and counts the bytes of the scored tokens.
 */
#ifndef EVAL_H
#define EVAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "jacobian.h"
#include "model.h"
#include "tuned.h"

enum eval_lens { EVAL_LOGIT, EVAL_TUNED, EVAL_JACOBIAN, EVAL_NLENS };
/* "logit", "tuned", "jacobian". */
extern const char *const eval_lens_names[EVAL_NLENS];

enum eval_metric { EVAL_CE, EVAL_KL, EVAL_ENTROPY, EVAL_TOP1, EVAL_NMETRIC };
/* "ce", "kl", "entropy", "top1_acc" (the means' names in JSON). */
extern const char *const eval_metric_names[EVAL_NMETRIC];

/*
 * Running sums of a run (or of a shard, or of shards merged). sums is
 * (EVAL_NLENS, nrows, EVAL_NMETRIC); rows of a lens not in lenses stay 0.
 */
struct eval_sums {
	int		 nrows;
	int		 lenses;	/* bit (1 << enum eval_lens) */
	int64_t		 windows;
	int64_t		 tokens;	/* scored positions */
	int64_t		 bytes;		/* UTF-8 bytes of the scored tokens */
	double		 base_ce;	/* the model's own -log P(next) */
	double		*sums;
};

struct eval_sums *eval_sums_new(int nrows, int lenses);
void		 eval_sums_free(struct eval_sums *);
void		 eval_sums_clear(struct eval_sums *);
/* dst += src; both of the same rows and lenses. */
void		 eval_sums_add(struct eval_sums *dst, const struct eval_sums *);
double		*eval_sums_at(const struct eval_sums *, enum eval_lens, int row,
		    enum eval_metric);

struct eval;

/*
 * tuned and jacobian (borrowed, may be NULL) add their lenses; sublayers
 * adds the h.N.attn rows.
 */
struct eval	*eval_new(const struct gpt2 *, const struct tuned *,
		    const struct jacobian *, int sublayers);
void		 eval_free(struct eval *);
/* Bits (1 << enum eval_lens) of the lenses evaluated. */
int		 eval_lenses(const struct eval *);
/* Rows shown (L + 1, or 2L + 1 with sub-layers) and their residual rows. */
int		 eval_nrows(const struct eval *);
int		 eval_row(const struct eval *, int i);

/*
 * Runs the window ids[0..T) (2 <= T <= n_ctx) and adds its T - 1 scored
 * positions into sums (windows, tokens and the statistics; not bytes).
 * Returns 0; 1 with sums untouched if *cancel became non-zero (cancel may
 * be NULL); -1 and *cause, sums untouched, if a row is not finite.
 */
int		 eval_window(struct eval *, const int *ids, int T,
		    struct eval_sums *, const atomic_int *cancel, char **cause);

#endif
