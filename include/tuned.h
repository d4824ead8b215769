/*
 * tuned.h: the tuned lens's per-layer affine translators.
 *
 * A safetensors file (st.h) holds, for i in [0, n_layer), the tensors
 * translators.{i}.weight (C, C) and translators.{i}.bias (C), F32, F16 or
 * BF16. Translator i maps Hugging Face's hidden_states[i], our residual row
 * 2i (i = 0: the embeddings; i = j + 1: the output of block j), to
 *     h' = h + W h + b,  (W h)_o = sum_in W[o][in] h[in]
 * (W is stored (out, in) like torch.nn.Linear), which is then decoded
 * through ln_f and wte^T as the plain lens does. The model's output (row
 * 2 n_layer) and the attention sub-block rows (2i+1) have no translator:
 * they are decoded as the plain logit lens. This is the tuned-lens
 * project's convention (its layer_translators.{i} applied as h +
 * translator(h) to hidden_states[i]); tools/convert-tuned-lens.py writes
 * this file from its params.pt. Knows nothing of the lens's statistics.
 */
#ifndef TUNED_H
#define TUNED_H

#include "model.h"

struct tuned;

/*
 * Reads path for the model's n_layer and n_embd; every value must be
 * finite. NULL and *cause ("path: problem") on error.
 */
struct tuned	*tuned_load(const char *path, const struct gpt2 *,
		    char **cause);
void		 tuned_free(struct tuned *);
const char	*tuned_path(const struct tuned *);

/*
 * The translator of residual row resid_row: returns its index and sets *w
 * (C, C) [out, in] and *b (C), owned by the tuned lens; -1 and NULLs for a
 * row without one. w and b may be NULL.
 */
int		 tuned_translator(const struct tuned *, int resid_row,
		    const float **w, const float **b);
/*
 * out (n, C) = in + in @ W^T + b for n residuals of row resid_row (row
 * stride C); a copy of in for a row without a translator. in and out must
 * not overlap.
 */
void		 tuned_apply(const struct tuned *, int resid_row,
		    const float *in, float *out, int n);

#endif
