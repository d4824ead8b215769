/*
 * patch.h: activation patching between a clean and a corrupted prompt,
 * attention patterns and the direct logit attribution of every head.
 *
 * A run (patch_run) is one prompt's forward pass that keeps what patching
 * reads: every residual row (as model.h numbers them: 0 embed, 2l+1 inside
 * block l after its attention, 2l+2 after block l), each layer's keys and
 * values, each layer's attention result before c_proj (head h owns columns
 * [h hs, (h+1) hs), hs = n_embd / n_head) and the attention weights.
 *
 * Patching replaces one activation of the base run (the corrupted run when
 * denoising, the clean one when noising) by the source run's and measures
 * the metric at the last position. A patch at position t changes nothing
 * before t: the base run's keys and values serve positions < t, only
 * positions t.. are recomputed from the patched row on, and the variants
 * that start at the same row go through each weight matrix together. A
 * patch that writes what the base holds already (a shared prefix) gets the
 * base's metric without a pass.
 * Knows nothing of text or terminals.
 */
#ifndef PATCH_H
#define PATCH_H

#include <stdatomic.h>
#include <stddef.h>

#include "model.h"

struct patch_run;

/* Runs the model on ids[0..T) (1 <= T <= n_ctx). */
struct patch_run	*patch_run_new(const struct gpt2 *, const int *ids,
			    int T);
void			 patch_run_free(struct patch_run *);
int			 patch_run_len(const struct patch_run *);
/* Residual row r (T, C) as model.h numbers rows. */
const float		*patch_run_resid(const struct patch_run *, int row);
/* Layer l's attention result before c_proj (T, C). */
const float		*patch_run_atty(const struct patch_run *, int l);
/*
 * Layer l's attention weights into w (n_head, T, T): w[(h T + t) T + s] is
 * the weight of position t on position s <= t (0 for s > t). Computed in
 * double from the run's float queries and keys.
 */
void			 patch_run_attn(const struct patch_run *, int l,
			    float *w);
/* The final logits at the last position (V). */
const float		*patch_run_logits(const struct patch_run *);
/* The last position's final top-1. */
int			 patch_run_top1(const struct patch_run *);

enum patch_metric { PATCH_LOGIT_DIFF, PATCH_PROB };
enum patch_dir { PATCH_DENOISE, PATCH_NOISE };

/* "logit_diff", "prob"; "denoise", "noise". */
const char		*patch_metric_name(enum patch_metric);
const char		*patch_dir_name(enum patch_dir);

/*
 * What to patch. target and anti (ignored for PATCH_PROB) are token ids;
 * sublayers adds the rows inside the blocks; head_pos asks for the heads
 * patched one position at a time too.
 */
struct patch_spec {
	enum patch_metric	 metric;
	enum patch_dir		 dir;
	int			 target;
	int			 anti;
	int			 sublayers;
	int			 head_pos;
};

struct patch_result {
	int		 T;
	int		 nrows;		/* shown rows: L+1, or 2L+1 */
	int		*rows;		/* (nrows) their residual rows */
	int		 n_layer, n_head;
	double		 clean;		/* the metric of the clean run */
	double		 corrupted;	/* and of the corrupted run */
	float		*values;	/* (nrows, T) after each patch */
	float		*heads;		/* (n_layer, n_head) */
	float		*head_pos;	/* (n_layer, n_head, T) or NULL */
	unsigned char	*done;		/* (nrows) the rows computed */
	int		 heads_done;	/* the heads computed */
};

/* The metric of a run. */
double			 patch_metric_of(const struct gpt2 *,
			    const struct patch_run *,
			    const struct patch_spec *);

/*
 * Patches every row and position and every head. clean and corrupted must
 * have the same length. Returns NULL if *cancel became non-zero; progress
 * (may be NULL) gets (done, total) units of work.
 */
typedef void		 patch_progress_cb(void *arg, int done, int total);
struct patch_result	*patch_compute(const struct gpt2 *,
			    const struct patch_run *clean,
			    const struct patch_run *corrupted,
			    const struct patch_spec *, const atomic_int *cancel,
			    patch_progress_cb *, void *arg);
/*
 * As patch_compute, in parts: the shown rows order[0..norder) first (indices
 * into rows; order may be NULL), the other rows after them in their order,
 * then the heads, each row batched as patch_compute batches it (the values
 * are patch_compute's). part (may be NULL) gets the result after each row
 * and after the heads, done and heads_done telling what is computed; it
 * must not keep the pointer.
 */
typedef void		 patch_part_cb(void *arg,
			    const struct patch_result *);
struct patch_result	*patch_compute_parts(const struct gpt2 *,
			    const struct patch_run *clean,
			    const struct patch_run *corrupted,
			    const struct patch_spec *, const int *order,
			    int norder, const atomic_int *cancel,
			    patch_progress_cb *, patch_part_cb *, void *arg);
/* A copy of a result. */
struct patch_result	*patch_result_dup(const struct patch_result *);
void			 patch_result_free(struct patch_result *);
/* (m - corrupted) / (clean - corrupted); NaN when clean == corrupted. */
double			 patch_effect(const struct patch_result *, double m);

/*
 * Caps the rows a batch sends through a weight matrix (4096 by default);
 * a smaller one may be set, for tests. 0 restores the default.
 */
void			 patch_set_batch(int rows);

/*
 * Direct logit attribution by head at position pos of the final row of
 * run, for token id. Through ln_f's final scale (shared by all parts, as
 * in attrib.h): embed = the embeddings' part; heads (n_layer, n_head) =
 * each head's output through its rows of c_proj; bias (n_layer) = c_proj's
 * bias; mlp (n_layer) = each MLP's output; *lnf_bias = ln_f's bias term.
 * Returns the logit (from the run's float final row, in double); the parts
 * add up to it within float rounding of the residual stream.
 */
double			 patch_dla(const struct gpt2 *,
			    const struct patch_run *, int pos, int id,
			    double *embed, double *heads, double *bias,
			    double *mlp, double *lnf_bias);

#endif
