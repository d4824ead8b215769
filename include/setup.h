/*
 * setup.h: what the explorer, --print and `logitlens eval` set up alike
 * before they run: the model's directory (the bundled demo last), its
 * tokenizer, the check of one against the other, and the kernels measured
 * for this machine (kern.h), the forward pass's packed weights included.
 *
 * Prints nothing: errors come back as -1 or NULL and *cause, warnings go
 * to the caller's warn(), which says them as main.c or cmd-eval.c does.
 */
#ifndef SETUP_H
#define SETUP_H

#include "hub.h"

struct gpt2;
struct tok;

/* hub_pick (flag, config may be NULL) with the bundled demo model last. */
char		*setup_model_dir(const char *flag, const char *config,
		    enum hub_source *source, char **cause);
/* dir's vocab.json and merges.txt; NULL and *cause on error. */
struct tok	*setup_tok(const char *dir, char **cause);
/* -1 and *cause when the tokenizer has more tokens than the model. */
int		 setup_check_vocab(const struct tok *, const struct gpt2 *,
		    const char *dir, char **cause);
/*
 * The lens's kernel and the forward pass's products (packed weights where
 * they beat sgemm here); a bad LOGITLENS_KERNEL or LOGITLENS_FORWARD, or
 * packed weights asked for and not to be had, is a line to warn().
 */
void		 setup_kernels(struct gpt2 *, void (*warn)(const char *));

#endif
