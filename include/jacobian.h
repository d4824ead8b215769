/*
 * jacobian.h: the Jacobian lens's fixed per-layer matrices.
 *
 * A safetensors file (st.h) holds, for i in [0, n_layer), the tensor
 * jacobians.{i} (C, C), F32, F16 or BF16, stored (out, in) like
 * torch.nn.Linear's weight. Matrix i maps Hugging Face's hidden_states[i],
 * our residual row 2i (i = 0: the embeddings; i = j + 1: the output of
 * block j), to
 *     h' = J h,  (J h)_o = sum_in J[o][in] h[in]
 * which is then decoded through ln_f and wte^T as the plain lens does:
 * softmax(W_U ln_f(J_l h_l)). The model's output (row 2 n_layer) and the
 * attention sub-block rows (2i+1) have no matrix: they are decoded as the
 * plain logit lens. tools/convert-jacobian-lens.py writes this file from a
 * PyTorch pickle. Knows nothing of the lens's statistics.
 */
#ifndef JACOBIAN_H
#define JACOBIAN_H

#include "model.h"

struct jacobian;

/*
 * Reads path for the model's n_layer and n_embd; every value must be
 * finite. NULL and *cause ("path: problem") on error.
 */
struct jacobian	*jacobian_load(const char *path, const struct gpt2 *,
		    char **cause);
void		 jacobian_free(struct jacobian *);
const char	*jacobian_path(const struct jacobian *);

/*
 * The matrix of residual row resid_row (C, C) [out, in], owned by the
 * lens, or NULL for a row without one.
 */
const float	*jacobian_matrix(const struct jacobian *, int resid_row);
/*
 * out (n, C) = in @ J^T for n residuals of row resid_row (row stride C); a
 * copy of in for a row without a matrix. in and out must not overlap.
 */
void		 jacobian_apply(const struct jacobian *, int resid_row,
		    const float *in, float *out, int n);

#endif
