/*
 * lens.h: the logit lens over a GPT-2 run.
 *
 * Every residual row r and position t is decoded as
 *     logits = ln_f(resid[r][t]) @ wte^T          (V)
 * and reduced at once, from the full softmax, to the statistics of a cell:
 * top-k, entropy, KL(P_final || P_row), ranks of the final row's top-1 and
 * of the actual next token. The (rows x T x V) logits are never held at
 * once. Ranks are 1-based: 1 + the number of tokens with a strictly larger
 * logit. Knows nothing of text or terminals.
 *
 * Rows are named by their residual row (model.h): 0 "embed", 2i+1
 * "h.i.attn", 2i+2 "h.i". Without sub-layers the lens shows rows 0, 2, 4...
 *
 * With a tuned lens set (tuned.h), rows that have a translator are decoded
 * as ln_f(h + W h + b) @ wte^T instead, everything else alike, and each
 * cell also gets KL(P_tuned || P_logit) against the plain logit lens. A
 * Jacobian lens (jacobian.h) is set the same way and decodes ln_f(J h).
 */
#ifndef LENS_H
#define LENS_H

#include <stdatomic.h>
#include <stddef.h>

#include "model.h"
#include "jacobian.h"
#include "tuned.h"

struct lens_top {
	int	id;
	float	prob;
	float	logit;
};

struct lens_cell {
	float	entropy;	/* nats */
	float	kl;		/* KL(P_final || P_row), nats; 0 on the last row */
	float	lse;		/* log-sum-exp of the row's logits */
	int	final_top1;	/* the final row's top-1 at this position */
	int	final_top1_rank;
	float	final_top1_prob;
	float	final_top1_logit;
	int	next_id;	/* the next input token; -1 at the last position */
	int	next_rank;	/* 0 when next_id is -1 */
	float	next_prob;
	float	next_logit;
	float	kl_other;	/* KL(P_tuned || P_logit), nats, with a tuned
				   or Jacobian lens (0 on rows without a
				   translator);
				   NAN without one */
};

struct lens;

typedef void	 lens_progress_cb(void *arg, int done, int total);

struct lens	*lens_new(const struct gpt2 *, int top_k);
void		 lens_free(struct lens *);
int		 lens_top_k(const struct lens *);
const struct gpt2 *lens_model(const struct lens *);

/*
 * Runs the model on ids[0..T) and computes the cells of every shown row
 * (all 2L+1 rows with sublayers, else the L+1 block rows). Cells still valid
 * from the last run are kept: an appended token costs one new column. The
 * columns [prio_from, prio_to) are computed first (pass 0, 0 for none).
 * Returns the first recomputed position, or -1 if *cancel became non-zero.
 */
int		 lens_run(struct lens *, struct gpt2_state *, const int *ids,
		    int T, int sublayers, int prio_from, int prio_to,
		    const atomic_int *cancel, lens_progress_cb *, void *arg);

/*
 * Cells per matrix product at most (256, the size of the lens's buffers,
 * by default); a smaller number may be set, for tests.
 */
void		 lens_set_batch(struct lens *, int batch);

/*
 * Decodes through tuned's translators from the next run on, or as the plain
 * logit lens with NULL, and forgets every cell. tuned is borrowed: it must
 * outlive its use. Not while a run is in progress.
 */
void		 lens_set_tuned(struct lens *, const struct tuned *);
const struct tuned *lens_tuned(const struct lens *);
/*
 * The same with a Jacobian lens's matrices (jacobian.h). One translating
 * lens at a time: setting either one unsets the other.
 */
void		 lens_set_jacobian(struct lens *, const struct jacobian *);
const struct jacobian *lens_jacobian(const struct lens *);
/* "logit", "tuned" or "jacobian": the lens the cells are decoded through. */
const char	*lens_kind(const struct lens *);

/*
 * How row is translated before ln_f: LENS_MAP_NONE (not at all),
 * LENS_MAP_TUNED (h + W h + b) or LENS_MAP_JACOBIAN (W h, *b NULL); *w (C, C)
 * [out, in] and *b (C) are the lens's, or NULL. w and b may be NULL.
 */
#define LENS_MAP_NONE		0
#define LENS_MAP_TUNED		1
#define LENS_MAP_JACOBIAN	2
int		 lens_map(const struct lens *, int resid_row, const float **w,
		    const float **b);

/*
 * Ranks ids[0..n) in every cell from the next run on (lens_token_rank).
 * Cells computed while each of them was ranked already are kept; a new id
 * means every cell is computed again. Not while a run is in progress.
 */
void		 lens_set_track(struct lens *, const int *ids, int n);
/* Whether the cells rank each of ids[0..n) (lens_set_track keeps them). */
int		 lens_tracks(const struct lens *, const int *ids, int n);

/* Positions computed by the last complete run. */
int		 lens_len(const struct lens *);
int		 lens_nrows(const struct lens *, int sublayers);
/* The residual row shown as the i-th row (0 = embed, bottom). */
int		 lens_row(const struct lens *, int i, int sublayers);
/* "embed", "h.3.attn", "h.3" into buf. */
const char	*lens_row_name(int resid_row, char *buf, size_t len);
const struct lens_cell *lens_cell(const struct lens *, int resid_row, int pos);
/* The top_k entries of a cell, most likely first. */
const struct lens_top *lens_top(const struct lens *, int resid_row, int pos);

/* What a cell is coloured by: metric.h. */

/*
 * Candidates across layers.
 */
struct lens_cand {
	int	id;
	float	prob;	/* the highest probability over the rows */
	int	row;	/* the shown row (0 = embed) where it is reached */
};

/*
 * Candidates at position pos of tops (nrows, T, k): every token of some
 * row's top-k, once, by falling highest probability (ties: the lower row,
 * then the lower id). Writes at most max into out; returns how many.
 */
int		 lens_cands(const struct lens_top *tops, int nrows, int T,
		    int k, int pos, struct lens_cand *out, int max);
/*
 * The first of top[0..k) whose id is none of ids[0..n) (the input tokens
 * up to and including the cell's position): its index, or -1 if the whole
 * top-k copies the input.
 */
int		 lens_mask(const struct lens_top *top, int k, const int *ids,
		    int n);
/* Whether id is one of ids[0..n). */
int		 lens_in(int id, const int *ids, int n);

/*
 * ln_f(resid[row][pos]) into out (C), through the tuned lens's translator
 * when it has one: the vector whose product with wte^T is the cell's logits
 * (for the modules that decode a cell again, such as compare.h).
 */
void		 lens_cell_input(const struct lens *, const struct gpt2_state *,
		    int resid_row, int pos, float *out);

/* Logit and probability of any token in a computed cell (tuned if set). */
float		 lens_token_logit(const struct lens *,
		    const struct gpt2_state *, int resid_row, int pos, int id);
float		 lens_token_prob(const struct lens *,
		    const struct gpt2_state *, int resid_row, int pos, int id);
/*
 * Rank of id in a computed cell (1 + the logits above its own), or 0 when
 * the cells do not rank it (lens_tracks).
 */
int		 lens_token_rank(const struct lens *, int resid_row, int pos,
		    int id);

#endif
