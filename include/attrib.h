/*
 * attrib.h: where a decoded logit comes from.
 *
 * The residual at row r is the sum of its parts: part 0 = the embeddings
 * (row 0), part k = row k - row k-1 for 1 <= k <= r (part 2i+1 = block i's
 * attention output, part 2i+2 = its MLP output). ln_f's centring is linear,
 * so with sigma the standard deviation (eps included) of the whole row and
 * w = wte[id]:
 *     logit = sum_k (1/sigma) sum_c (part_k,c - mean(part_k)) g_c w_c
 *           + sum_c b_c w_c
 * Each term is a part's direct contribution through the row's final-norm
 * scale (sigma is shared by all parts: this is no causal effect). With a
 * tuned lens (tuned.h) on a translated row, each part goes through I + W
 * and the translator's bias joins the constant term; with a Jacobian lens
 * (jacobian.h) each part goes through J. Computed in double
 * from the float residuals. Knows nothing of the lens's statistics.
 */
#ifndef ATTRIB_H
#define ATTRIB_H

#include <stddef.h>

#include "lens.h"
#include "model.h"
#include "tuned.h"

/*
 * The contributions of parts 0..row to token id's logit at (row, pos) of
 * the state's last run, into parts[0..row] (row + 1 values); *bias (may be
 * NULL) gets the constant term: ln_f's bias, plus the translator's bias
 * where tuned (may be NULL) translates this row. Returns the logit they add
 * up to (that of lens_token_logit() with the same tuned lens set).
 */
double		 attrib_logit(const struct gpt2 *, const struct gpt2_state *,
		    const struct tuned *, int row, int pos, int id,
		    double *parts, double *bias);
/* The same through the lens's translating lens (tuned, Jacobian), if set. */
double		 attrib_logit_lens(const struct gpt2 *,
		    const struct gpt2_state *, const struct lens *, int row,
		    int pos, int id, double *parts, double *bias);
/* Number of parts of row: row + 1. */
int		 attrib_nparts(int row);
/* "embed", "h.3.attn", "h.3.mlp" for part k into buf. */
const char	*attrib_part_name(int k, char *buf, size_t len);

#endif
