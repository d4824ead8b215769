/*
 * session.h: an explorer session saved as a YAML file.
 *
 * A session is the prompt (any bytes), the selected cell, the tracked
 * tokens and the view (metric, palette, orientation, sub-layer rows, delta,
 * masking, panel view, tuned lens). The file is a flat YAML mapping:
 *
 *     prompt: "Happy birthday\n"   # valid UTF-8, double-quoted, escaped
 *     prompt_bytes: "\xE2\x82"     # instead, when the prompt is not UTF-8:
 *                                  # each character U+0000..U+00FF a byte
 *     row: h.3                     # embed, h.N, h.N.attn
 *     position: 4                  # 0-based, as --print's JSON
 *     tracked: [262, 13]           # token ids
 *     metric: prob
 *     palette: viridis
 *     final_on_top: true
 *     sublayers: false
 *     delta: false
 *     mask: false
 *     panel: top-k
 *     tuned: false
 *     compare: "Happy new year"    # prompt B, as prompt (or compare_bytes)
 *     grid_b: false                # the grid shows prompt B's lens
 *     logit_diff: [262, 13]        # the tokens X, Y of logit(X) - logit(Y)
 *
 * Every key is optional. Writes go through a temporary file in the same
 * directory, fsync and rename. Errors are "file:line:col: message". Knows
 * nothing of the explorer: names are checked by whoever applies them.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>

struct session {
	char	*prompt;	/* prompt_len bytes, NUL-terminated too */
	size_t	 prompt_len;
	char	*row;		/* NULL: not set */
	int	 pos;		/* -1: not set */
	int	*tracked;
	size_t	 ntracked;
	char	*metric;	/* NULL: not set */
	char	*palette;
	char	*panel;
	int	 final_on_top;	/* -1: not set, else 0 or 1 */
	int	 sublayers;
	int	 delta;
	int	 mask;
	int	 tuned;
	char	*compare;	/* prompt B (compare_len bytes), or NULL */
	size_t	 compare_len;
	int	 diff[2];	/* logit_diff's X, Y; -1: not set */
	int	 grid_b;	/* -1: not set, else 0 or 1 */
	char	*view;		/* "lens", "patch"; NULL: not set */
	char	*patch_corrupted; /* the patching view's prompt */
	char	*patch_direction; /* "denoise", "noise" */
	char	*patch_target;	/* the tokens as --target takes them */
	char	*patch_anti_target;
	char	*patch_metric;	/* "logit_diff", "prob" */
};

/* Every field unset. */
void	session_init(struct session *);
/* Frees the fields and unsets them. */
void	session_clear(struct session *);

/* The YAML text of a session, allocated (*len bytes). */
char	*session_dump(const struct session *, size_t *len);
int	 session_save(const struct session *, const char *path,
	    char **cause);

/*
 * Reads a session into an initialised struct (replacing what it holds);
 * label names the text in errors. 0, or -1 and *cause.
 */
int	 session_parse(struct session *, const char *text, size_t len,
	    const char *label, char **cause);
int	 session_load(struct session *, const char *path, char **cause);

#endif
