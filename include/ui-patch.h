/*
 * ui-patch.h: the explorer's patching view (issue 20): the residual grid
 * and the head grid of activation patching between the clean prompt (the
 * prompt line) and a corrupted one, coloured by the normalised effect.
 *
 * The patching runs as a job of the worker (ui-worker.h), on the thread
 * that runs the lens, never beside it (ops_attention is not reentrant).
 * The main thread asks for a grid (ui_patch_tick), takes
 * what was posted into the frame, draws it (ui_patch_draw, a function of a
 * const struct ui_frame) and handles the view's keys (ui_patch_action).
 */
#ifndef UI_PATCH_H
#define UI_PATCH_H

#include <stddef.h>

struct patch_result;
struct session;
struct ui;
struct ui_frame;

/*
 * A patching run, read-only once posted: complete, or a part of one (its
 * res->done rows computed, the others pending, no attention yet).
 */
struct ui_patch {
	int			 partial;	/* a part; more will come */
	int			 T;
	int			*clean_ids;	/* (T) */
	int			*corr_ids;	/* (T) */
	int			 sublayers;
	int			 noise;		/* noising, else denoising */
	int			 metric;	/* enum patch_metric */
	int			 target, anti;	/* the metric's tokens */
	char			*err;		/* why there is no grid */
	int			 cancelled;	/* a newer edit came */
	struct patch_result	*res;		/* NULL with err */
	int			 n_layer, n_head;
	float			*attn;		/* (n_layer, n_head, T, T) of
						   the patched run, or NULL */
};

/* The head grid (H): on, and its selected layer and head. */
struct ui_patch_sel {
	int	heads;
	int	layer, head;
};

void	ui_patch_free(struct ui_patch *);		/* NULL is fine */

/* Main thread. */
void	ui_patch_done(struct ui *);
/* Takes a posted grid; asks for the one the view needs. Each loop. */
void	ui_patch_tick(struct ui *);
void	ui_patch_draw(const struct ui_frame *);
/* The view's own actions (export, direction); 1 if taken. */
int	ui_patch_action(struct ui *, int a);
/* P: the patching view on and off (asks for the corrupted prompt). */
void	ui_patch_toggle(struct ui *);
/* B: asks for the corrupted prompt; Enter on the question. */
void	ui_patch_ask(struct ui *);
void	ui_patch_ask_done(struct ui *, const char *s, size_t len);
/* Enter on the target (anti 0) or anti-target question; empty: default. */
void	ui_patch_token_done(struct ui *, int anti, const char *s, size_t len);
/* Enter on the export question in the patching view. */
void	ui_patch_export(struct ui *, const char *path);
/* Sessions: the view, the corrupted prompt, the direction. */
void	ui_patch_session_fill(const struct ui *, struct session *);
int	ui_patch_session_check(const struct session *, const char *path,
	    char **cause);
void	ui_patch_session_apply(struct ui *, const struct session *);

#endif
