/*
 * setup.c: the set-up main.c and cmd-eval.c share (setup.h): where the
 * model is, its tokenizer, which kernels run. Knows no options and no
 * terminal; says nothing itself.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kern.h"
#include "model.h"
#include "ops.h"
#include "setup.h"
#include "tok.h"
#include "util.h"

/* The bundled demo model, installed or in the source tree. */
static char *
setup_demo_dir(void)
{
	static const char *const dirs[] = { PKGDATADIR "/demo-gpt2",
	    SRCDATADIR "/demo-gpt2" };
	char	*path;
	size_t	 i;

	for (i = 0; i < nitems(dirs); i++) {
		path = util_path(dirs[i], "config.json");
		if (access(path, R_OK) == 0) {
			free(path);
			return xstrdup(dirs[i]);
		}
		free(path);
	}
	return NULL;
}

char *
setup_model_dir(const char *flag, const char *config,
    enum hub_source *source, char **cause)
{
	char	*bundled, *dir;

	bundled = setup_demo_dir();
	dir = hub_pick(flag, config, bundled, source, cause);
	free(bundled);
	return dir;
}

struct tok *
setup_tok(const char *dir, char **cause)
{
	struct tok	*tok;
	char		*vocab, *merges;

	vocab = util_path(dir, "vocab.json");
	merges = util_path(dir, "merges.txt");
	tok = tok_load(vocab, merges, cause);
	free(vocab);
	free(merges);
	return tok;
}

int
setup_check_vocab(const struct tok *tok, const struct gpt2 *m,
    const char *dir, char **cause)
{
	if (tok_vocab_size(tok) <= gpt2_config(m)->n_vocab)
		return 0;
	return util_fail(cause, "%s/vocab.json: %d tokens, more than the "
	    "model's vocabulary of %d", dir, tok_vocab_size(tok),
	    gpt2_config(m)->n_vocab);
}

/* warn() of a formatted line. */
static void __attribute__((format(printf, 2, 3)))
setup_warn(void (*warn)(const char *), const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	warn(s);
	free(s);
}

void
setup_kernels(struct gpt2 *m, void (*warn)(const char *))
{
	struct kern_choice	 ch;
	struct kern_forward	 fw;
	int			 C = gpt2_config(m)->n_embd;
	char			*cause;

	if (kern_choose(&ch, C, &cause) != 0) {
		setup_warn(warn, "%s; using %s", cause,
		    ops_nt_kernel_name(ch.kernel));
		free(cause);
	}
	if (kern_forward(&fw, C, &cause) != 0) {
		setup_warn(warn, "%s; using blas", cause);
		free(cause);
	}
	if (fw.tmax > 0 && gpt2_pack(m, fw.tmax, fw.lens, &cause) != 0) {
		if (strcmp(fw.how, "LOGITLENS_FORWARD") == 0)
			setup_warn(warn, "packed weights: %s; using blas",
			    cause);
		free(cause);
	}
}
