/*
 * compare.h: two prompts' lenses side by side, cell by cell.
 *
 * Prompt A and prompt B are run on two model states (model.h) and decoded
 * the same way, through one lens's settings (lens.h: plain or tuned). The
 * cells (row, pos) of positions 0 .. min(T_A, T_B) - 1 are compared from the
 * full softmax of both, P_A and P_B (nats):
 *     KL(P_A || P_B) = sum P_A (log P_A - log P_B)
 *     JS = 1/2 KL(P_A || M) + 1/2 KL(P_B || M) = H(M) - (H(P_A) + H(P_B))/2,
 *          M = (P_A + P_B) / 2
 *     TV = 1/2 sum |P_A - P_B|
 *     the token whose probability changed most, largest |P_B - P_A|, and
 *     its change P_B - P_A (ties: the lower id)
 * and, with a pair of tokens (X, Y), logit(X) - logit(Y) in both cells.
 * Positions only the longer prompt has are not compared.
 *
 * A cell depends on nothing but both prompts up to its position: a run
 * after an edit of A or B recomputes the positions from the first changed
 * token of either on, as the lens does. Knows nothing of text or terminals.
 */
#ifndef COMPARE_H
#define COMPARE_H

#include <stdatomic.h>

#include "lens.h"
#include "model.h"

struct compare_cell {
	double	kl;		/* KL(P_A || P_B), nats */
	double	js;		/* Jensen-Shannon divergence, nats */
	double	tv;		/* total variation */
	int	max_id;		/* the token of the largest |P_B - P_A| */
	double	max_delta;	/* its P_B - P_A */
	double	diff_a;		/* logit(X) - logit(Y) in A's cell, */
	double	diff_b;		/* and in B's; NaN without a pair */
};

struct compare;

struct compare	*compare_new(const struct gpt2 *);
void		 compare_free(struct compare *);

/*
 * Reports logit(x) - logit(y) in every cell from the next run on; x = y =
 * -1 for none. A new pair costs the next run a dot product per kept cell
 * and prompt, not the divergences again.
 */
void		 compare_set_diff(struct compare *, int x, int y);
/* Forgets every cell (for instance after lens_set_tuned). */
void		 compare_reset(struct compare *);

/*
 * Compares the cells of every shown row (all 2L+1 with sublayers, else the
 * L+1 block rows) at positions [0, min(Ta, Tb)). sa holds the model's run
 * on ida[0..Ta), sb its run on idb[0..Tb) (gpt2_forward; with sublayers,
 * both keep them); ln gives the decoding (its tuned lens, if set) and is
 * only read. Cells still valid from the last run are kept. Returns the
 * first position whose cells were recomputed (min(Ta, Tb) if none), or -1
 * if *cancel became non-zero (cancel may be NULL); a cancelled run's
 * positions are reported by the next.
 *
 * The states must have been run on these ids; after anything else that
 * changes the cells of the same ids (lens_set_tuned), compare_reset.
 */
int		 compare_run(struct compare *, const struct lens *ln,
		    const struct gpt2_state *sa, const int *ida, int Ta,
		    const struct gpt2_state *sb, const int *idb, int Tb,
		    int sublayers, const atomic_int *cancel);

/* Positions compared by the last complete run: min(T_A, T_B). */
int		 compare_len(const struct compare *);
/* A compared cell (residual row, position < compare_len). */
const struct compare_cell *compare_cell(const struct compare *, int resid_row,
		    int pos);

/*
 * logit(x) - logit(y) in cell (row, pos) of the run in s, decoded as ln
 * decodes, in double precision: for a single prompt.
 */
double		 compare_logit_diff(const struct lens *ln,
		    const struct gpt2_state *s, int resid_row, int pos, int x,
		    int y);

#endif
