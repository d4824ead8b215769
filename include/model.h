/*
 * model.h: GPT-2 as Hugging Face publishes it, and its forward pass.
 *
 * A model directory holds config.json and model.safetensors. Weights are
 * bound as const views into the mapped file (F16/BF16 are converted once
 * into one allocation). The state keeps every residual the lens reads and
 * the keys/values of earlier positions, so that an edit recomputes only the
 * positions from the first changed token on. Knows nothing of tokens' text,
 * of the lens's statistics or of terminals.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stdatomic.h>

struct gpt2_config {
	int	n_layer;
	int	n_head;
	int	n_embd;
	int	n_ctx;		/* n_positions */
	int	n_vocab;
	int	n_inner;	/* 4 * n_embd unless the config says */
	float	eps;		/* layer_norm_epsilon */
};

struct gpt2;
struct gpt2_state;

/* NULL and *cause ("dir/file: problem") on error. */
struct gpt2	*gpt2_load(const char *dir, char **cause);
void		 gpt2_free(struct gpt2 *);
/*
 * The blocks' products of up to tmax rows from now on run over the weights
 * packed in a cache file (pack.h, ops_matmul_packed); tmax 0 goes back to
 * sgemm. With INT_MAX (every product) the file's own pages of those
 * weights are dropped from memory: only the packed copy stays resident.
 * unembed: wte is packed too, for gpt2_unembed. -1 and *cause (sgemm kept)
 * when the CPU has no packed kernel or the file can be neither used nor
 * written.
 */
int		 gpt2_pack(struct gpt2 *, int tmax, int unembed, char **cause);
const struct gpt2_config *gpt2_config(const struct gpt2 *);
const char	*gpt2_dir(const struct gpt2 *);

/* Weights the lens decodes through (owned by the model). */
const float	*gpt2_wte(const struct gpt2 *);		/* (V, C) */
/*
 * out (n, V) = x (n, C) @ wte^T: the lens's product, over wte packed where
 * gpt2_pack packed it (gpt2_unembed_packed), else ops_matmul_nt.
 */
void		 gpt2_unembed(const struct gpt2 *, float *out, const float *x,
		    int n);
int		 gpt2_unembed_packed(const struct gpt2 *);
/*
 * out (C) = wte[id], from the packed copy where there is one (the file's
 * own pages of wte then stay out of memory).
 */
void		 gpt2_wte_row(const struct gpt2 *, int id, float *out);
const float	*gpt2_lnf_g(const struct gpt2 *);	/* (C) */
const float	*gpt2_lnf_b(const struct gpt2 *);	/* (C) */

/*
 * One block's weights (owned by the model), for code that runs the blocks
 * itself (patch.c); attn_scale is what the scores are multiplied by.
 */
struct gpt2_block {
	const float	*ln_1_g, *ln_1_b;	/* (C) */
	const float	*attn_w, *attn_b;	/* (C, 3C), (3C) */
	const float	*aproj_w, *aproj_b;	/* (C, C), (C) */
	const float	*ln_2_g, *ln_2_b;	/* (C) */
	const float	*fc_w, *fc_b;		/* (C, n_inner), (n_inner) */
	const float	*mproj_w, *mproj_b;	/* (n_inner, C), (C) */
	float		 attn_scale;
};
void		 gpt2_block_weights(const struct gpt2 *, int l,
		    struct gpt2_block *);
/*
 * out (T, OC) = inp (T, C) @ block l's product i + its bias, as the
 * forward pass runs it: over the packed weights where gpt2_pack packed
 * them (their file pages stay out of memory), else sgemm.
 */
enum gpt2_mm { GPT2_MM_QKV, GPT2_MM_APROJ, GPT2_MM_FC, GPT2_MM_MPROJ };
void		 gpt2_block_mm(const struct gpt2 *, int l, enum gpt2_mm i,
		    float *out, const float *inp, int T);
const float	*gpt2_wpe(const struct gpt2 *);		/* (n_ctx, C) */

/*
 * Residual rows: row 0 = embeddings (wte[id] + wpe[pos]); row 2i+1 = inside
 * block i after its attention sub-block (the input of ln_2); row 2i+2 =
 * after block i. GPT2_NROWS = 2 n_layer + 1.
 */
#define GPT2_NROWS(cfg) (2 * (cfg)->n_layer + 1)

struct gpt2_state *gpt2_state_new(const struct gpt2 *);
void		 gpt2_state_free(struct gpt2_state *);

/* Progress: called after each block with (done, total) blocks. */
typedef void	 gpt2_progress_cb(void *arg, int done, int total);

/*
 * Runs the model on ids[0..T) (1 <= T <= n_ctx). Positions whose ids and
 * predecessors match the last run are reused; returns the first position
 * that was recomputed (T if nothing changed), or -1 if *cancel became
 * non-zero (the state is then invalid from that position on). cancel and
 * progress may be NULL.
 */
int		 gpt2_forward(struct gpt2_state *, const int *ids, int T,
		    const atomic_int *cancel, gpt2_progress_cb *, void *arg);
/*
 * Row r (T, C) of the last run; row stride n_embd. Odd rows (inside each
 * block, after its attention) only once gpt2_state_keep_sublayers() was
 * called: they are L n_ctx n_embd floats that the plain lens never reads.
 * Keeping them forgets the cached positions (the next forward recomputes
 * them all); once kept they stay kept.
 */
const float	*gpt2_resid(const struct gpt2_state *, int row);
void		 gpt2_state_keep_sublayers(struct gpt2_state *);
int		 gpt2_state_sublayers(const struct gpt2_state *);
/*
 * A block runs over at most chunk positions at a time (256 by default, the
 * size of its scratch); a smaller one may be set, for tests.
 */
void		 gpt2_state_chunk(struct gpt2_state *, int chunk);
int		 gpt2_state_len(const struct gpt2_state *);
const int	*gpt2_state_ids(const struct gpt2_state *);
/* First residual row of the last run holding NaN or Inf, or -1. */
int		 gpt2_state_nonfinite(const struct gpt2_state *);
/* Forgets cached positions (the next forward recomputes everything). */
void		 gpt2_state_reset(struct gpt2_state *);

#endif
