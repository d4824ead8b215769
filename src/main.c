/*
 * main.c: options, loading, and the one place that prints and exits.
 *
 * logitlens [options] [PROMPT]: the explorer on a terminal, or with --print
 * (or when stdout is not a terminal) the whole lens as text, JSON, TSV...
 * Exit status: 0 ok, 1 usage, 2 bad input (model, prompt, configuration).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cmd-eval.h"
#include "compare.h"
#include "hub.h"
#include "jacobian.h"
#include "lens.h"
#include "metric.h"
#include "model.h"
#include "ops.h"
#include "report.h"
#include "setup.h"
#include "tok.h"
#include "tuned.h"
#include "ui.h"
#include "ui-keys.h"
#include "util.h"

#define EXIT_USAGE	1
#define EXIT_INPUT	2
#define MAX_PROMPT	(64 * 1024 * 1024)

enum {
	OPT_NO_MOUSE = 256, OPT_COLOR, OPT_ASCII, OPT_TRUNCATE, OPT_THREADS,
	OPT_PRINT_CONFIG, OPT_DOWNLOAD, OPT_LIST_KEYS, OPT_TUNED, OPT_SESSION,
	OPT_TRACK, OPT_CANDIDATES, OPT_ATTRIBUTION, OPT_MASK_INPUT, OPT_DELTA,
	OPT_METRIC, OPT_COMPARE, OPT_LOGIT_DIFF,
	OPT_PATCH, OPT_TARGET, OPT_ANTI_TARGET, OPT_PATCH_DIRECTION,
	OPT_PATCH_METRIC, OPT_HEAD_POSITIONS, OPT_ATTENTION, OPT_POSITIONS
};
enum { OPT_JACOBIAN = 1024 };

struct args {
	const char		*model;
	const char		*download;
	const char		*tuned;
	const char		*jacobian;
	const char		*session;
	int			 list_keys;	/* 1 text, 2 mdoc */
	const char		*config;
	int			 print;
	int			 tokenize;
	int			 print_config;
	enum report_format	 format;
	int			 format_set;
	int			 top_k;		/* 0: from the configuration */
	int			 sublayers;
	int			 truncate;
	int			 threads;
	int			 no_mouse;
	const char		*color;
	int			 ascii;
	const char		*track;		/* --track's list, unparsed */
	int			 candidates;
	int			 attribution;
	int			 mask_input;
	int			 delta;
	const char		*metric;	/* NULL: the configuration's */
	const char		*compare;	/* --compare's prompt B */
	const char		*logit_diff;	/* --logit-diff's X,Y, unparsed */
	const char		*positions;	/* --positions A:B, unparsed */
	char			*patch;		/* the clean prompt */
	const char		*target, *anti_target;
	int			 patch_noise;
	int			 patch_prob;
	int			 head_positions;
	int			 attention;
	char			*prompt;	/* NULL: none given */
	size_t			 prompt_len;
};

static const struct option longopts[] = {
	{ "model",	  required_argument, NULL, 'm' },
	{ "print",	  no_argument,	     NULL, 'p' },
	{ "format",	  required_argument, NULL, 'f' },
	{ "top-k",	  required_argument, NULL, 'k' },
	{ "sublayers",	  no_argument,	     NULL, 's' },
	{ "tokenize",	  no_argument,	     NULL, 't' },
	{ "config",	  required_argument, NULL, 'c' },
	{ "truncate",	  no_argument,	     NULL, OPT_TRUNCATE },
	{ "threads",	  required_argument, NULL, OPT_THREADS },
	{ "no-mouse",	  no_argument,	     NULL, OPT_NO_MOUSE },
	{ "color",	  required_argument, NULL, OPT_COLOR },
	{ "ascii",	  no_argument,	     NULL, OPT_ASCII },
	{ "print-config", no_argument,	     NULL, OPT_PRINT_CONFIG },
	{ "download",	  required_argument, NULL, OPT_DOWNLOAD },
	{ "list-keys",	  optional_argument, NULL, OPT_LIST_KEYS },
	{ "tuned",	  required_argument, NULL, OPT_TUNED },
	{ "jacobian",	  required_argument, NULL, OPT_JACOBIAN },
	{ "session",	  required_argument, NULL, OPT_SESSION },
	{ "track",	  required_argument, NULL, OPT_TRACK },
	{ "candidates",	  no_argument,	     NULL, OPT_CANDIDATES },
	{ "attribution",  no_argument,	     NULL, OPT_ATTRIBUTION },
	{ "mask-input",	  no_argument,	     NULL, OPT_MASK_INPUT },
	{ "delta",	  no_argument,	     NULL, OPT_DELTA },
	{ "metric",	  required_argument, NULL, OPT_METRIC },
	{ "compare",	  required_argument, NULL, OPT_COMPARE },
	{ "logit-diff",	  required_argument, NULL, OPT_LOGIT_DIFF },
	{ "positions",	  required_argument, NULL, OPT_POSITIONS },
	{ "patch",	  required_argument, NULL, OPT_PATCH },
	{ "target",	  required_argument, NULL, OPT_TARGET },
	{ "anti-target",  required_argument, NULL, OPT_ANTI_TARGET },
	{ "patch-direction", required_argument, NULL, OPT_PATCH_DIRECTION },
	{ "patch-metric", required_argument, NULL, OPT_PATCH_METRIC },
	{ "head-positions", no_argument,     NULL, OPT_HEAD_POSITIONS },
	{ "attention",	  no_argument,	     NULL, OPT_ATTENTION },
	{ "help",	  no_argument,	     NULL, 'h' },
	{ "version",	  no_argument,	     NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* --help's list of metrics, from metric.h, wrapped. */
static void
usage_metrics(FILE *f)
{
	const struct metric	*m;
	int			 i, col;

	col = fprintf(f, "\nMetrics (--metric, the configuration's metric):");
	for (i = 0; i < METRIC_COUNT; i++) {
		m = metric_get(i);
		if (col + (int)strlen(m->name) + 2 > 78)
			col = fprintf(f, "\n ");
		col += fprintf(f, " %s%s", m->name, i + 1 < METRIC_COUNT ?
		    "," : ".\n");
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: logitlens [OPTION]... [PROMPT]\n"
"  or:  logitlens eval [OPTION]... FILE...  (the lens over a corpus: see\n"
"       logitlens eval --help)\n"
"Watch GPT-2 form its prediction layer by layer: the logit lens.\n"
"\n"
"On a terminal, opens the interactive explorer on PROMPT. With --print, or\n"
"when standard output is not a terminal, prints the whole lens instead;\n"
"PROMPT is then read from standard input when absent.\n"
"\n"
"  -m, --model=DIR|NAME   model directory (config.json, model.safetensors,\n"
"                         vocab.json, merges.txt) or a name in the Hugging\n"
"                         Face cache (gpt2, gpt2-medium, ...)\n"
"  -p, --print            print the lens instead of opening the explorer\n"
"  -f, --format=FORMAT    text, json, tsv, yaml or svg (default text)\n"
"  -k, --top-k=K          tokens kept per cell (default 10)\n"
"  -s, --sublayers        also decode the residual after each attention\n"
"                         sub-block (rows h.N.attn)\n"
"  -t, --tokenize         print the prompt's token ids and exit\n"
"      --track=TOKENS     report these tokens' probability, logit and rank\n"
"                         in every cell: comma-separated texts of one\n"
"                         token each, or #ID (json, yaml, tsv, text)\n"
"      --candidates       json, yaml: the candidates across layers at each\n"
"                         position\n"
"      --attribution      json, yaml: each cell's top-1 logit split into\n"
"                         the embeddings' and each sub-block's share\n"
"      --mask-input       text, svg: show the best top-k token that is not\n"
"                         an input token so far\n"
"      --delta            text, svg: each value's change from the row below\n"
"      --metric=NAME      colour by NAME (the configuration's metric); svg\n"
"                         also track-prob and track-rank (of the first\n"
"                         --track token), tuned-kl (with --tuned),\n"
"                         surprisal, logit-diff, logit-diff-change,\n"
"                         compare-kl, compare-js and compare-tv\n"
"      --compare=PROMPT   compare with a second prompt B, cell by cell:\n"
"                         KL(A||B), JS, TV and the token whose probability\n"
"                         changed most (svg: --metric=compare-js, ...);\n"
"                         the explorer opens comparing\n"
"      --logit-diff=X,Y   logit(X) - logit(Y) in every cell (of A and B),\n"
"                         X and Y as for --track\n"
"      --positions=A:B    text, tsv, svg: only positions A to B (1-based,\n"
"                         inclusive; A: or :B leave an end open)\n"
"      --patch=CLEAN      activation patching: PROMPT is the corrupted\n"
"                         prompt, CLEAN the clean one (as many tokens);\n"
"                         restore each residual row, position and head\n"
"                         and measure the metric at the last position\n"
"      --target=TOKEN     the metric's target (default: the clean run's\n"
"                         top-1), a token as --track takes it\n"
"      --anti-target=TOKEN\n"
"                         its anti-target (default: the corrupted run's\n"
"                         top-1)\n"
"      --patch-direction=DIR\n"
"                         denoise (clean into corrupted, the default) or\n"
"                         noise (corrupted into clean)\n"
"      --patch-metric=NAME\n"
"                         logit_diff (target - anti-target, the default)\n"
"                         or prob (of the target)\n"
"      --head-positions   also patch each head one position at a time\n"
"      --attention        json, yaml: every head's attention weights and\n"
"                         each head's direct share of the last position's\n"
"                         target (or top-1) logit\n"
"      --tuned=FILE       decode through a tuned lens's translators (a\n"
"                         safetensors file, see logitlens(1))\n"
"      --jacobian=FILE    decode through a Jacobian lens's matrices (a\n"
"                         safetensors file; --print: not with --tuned)\n"
"      --truncate         keep the last n_ctx tokens of a longer prompt\n"
"      --threads=N        BLAS threads (default: all cores)\n"
"  -c, --config=FILE      configuration file (default\n"
"                         $XDG_CONFIG_HOME/logitlens/config.yaml)\n"
"      --print-config     print the effective configuration as YAML\n"
"      --download=NAME    fetch a model (gpt2, gpt2-medium, gpt2-large,\n"
"                         gpt2-xl, distilgpt2) into the Hugging Face cache\n"
"      --color=WHEN       always, never or auto (default; honours NO_COLOR)\n"
"      --no-mouse         do not capture the mouse in the explorer\n"
"      --list-keys        print the explorer's default key bindings\n"
"      --session=FILE     open a saved explorer session (prompt, selection,\n"
"                         tracked tokens, view); S saves it again\n"
"      --ascii            draw with ASCII characters only\n"
"  -h, --help             display this help and exit\n"
"  -V, --version          output version information and exit\n");
	usage_metrics(f);
	fprintf(f, "\n"
"Exit status: 0 if OK, 1 for a usage error, 2 for bad input (model,\n"
"prompt or configuration).\n"
"\n"
"Report bugs to the project's issue tracker.\n");
}


/*
 * One line on stderr. Messages quote names from hostile files (tensor names,
 * YAML keys, merges lines) and from servers: C0 controls, DEL, C1 controls
 * (U+0080..U+009F) and invalid UTF-8 are written as \xNN (util_escape), so
 * they can neither drive the terminal nor break the line.
 */
static void
msg(const char *s)
{
	char	*safe = util_escape(s, strlen(s));

	fprintf(stderr, "logitlens: %s\n", safe);
	free(safe);
}

/* msg() of a formatted line. */
static void __attribute__((format(printf, 1, 2)))
msgf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	msg(s);
	free(s);
}

static int dying;	/* die() said what went wrong: say nothing more */

/*
 * At exit: what went to standard output (--print, --tokenize,
 * --print-config, --list-keys, --download's path) must have been written;
 * a full disk or a closed pipe is an error, said in one line. A failed
 * stderr cannot be told, only shown in the status.
 */
static void
close_stdout(void)
{
	int	err = 0;

	if (dying)
		return;
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		err = errno != 0 ? errno : EIO;
	if (fclose(stdout) != 0 && err == 0 && errno != EBADF)
		err = errno;
	if (err != 0) {
		msgf("standard output: %s", strerror(err));
		_exit(EXIT_INPUT);
	}
	if (fflush(stderr) != 0 || ferror(stderr))
		_exit(EXIT_INPUT);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	dying = 1;
	fflush(stdout);
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	msg(s);
	free(s);
	exit(status);
}

static void __attribute__((noreturn))
die_cause(int status, char *cause)
{
	die(status, "%s", cause);
}

static int
parse_int(const char *s, int lo, int hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		die(EXIT_USAGE, "%s must be an integer from %d to %d, not '%s'",
		    what, lo, hi, s);
	return (int)v;
}

/* PROMPT words joined by single spaces. */
static void
args_prompt(struct args *a, int argc, char **argv)
{
	size_t	len = 0, n;
	int	i;

	if (argc == 0)
		return;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	a->prompt = xmalloc(len);
	len = 0;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		memcpy(a->prompt + len, argv[i], n);
		len += n;
		if (i + 1 < argc)
			a->prompt[len++] = ' ';
	}
	a->prompt_len = len;
}

static void
args_parse(struct args *a, int argc, char **argv)
{
	static char	helpbuf[1 << 16];	/* glibc sizes only its own */
	int		ch, f;

	memset(a, 0, sizeof *a);
	while ((ch = getopt_long(argc, argv, "m:pf:k:stc:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'm':
			a->model = optarg;
			break;
		case 'p':
			a->print = 1;
			break;
		case 'f':
			if ((f = report_format_parse(optarg)) < 0)
				die(EXIT_USAGE, "unknown format '%s' (text, "
				    "json, tsv, yaml or svg)", optarg);
			a->format = (enum report_format)f;
			a->format_set = 1;
			break;
		case 'k':
			a->top_k = parse_int(optarg, 1, 100, "--top-k");
			break;
		case 's':
			a->sublayers = 1;
			break;
		case 't':
			a->tokenize = 1;
			break;
		case 'c':
			a->config = optarg;
			break;
		case OPT_TRUNCATE:
			a->truncate = 1;
			break;
		case OPT_THREADS:
			a->threads = parse_int(optarg, 1, 1024, "--threads");
			break;
		case OPT_NO_MOUSE:
			a->no_mouse = 1;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0 &&
			    strcmp(optarg, "auto") != 0)
				die(EXIT_USAGE, "--color must be always, never "
				    "or auto, not '%s'", optarg);
			a->color = optarg;
			break;
		case OPT_ASCII:
			a->ascii = 1;
			break;
		case OPT_PRINT_CONFIG:
			a->print_config = 1;
			break;
		case OPT_DOWNLOAD:
			a->download = optarg;
			break;
		case OPT_TUNED:
			a->tuned = optarg;
			break;
		case OPT_JACOBIAN:
			a->jacobian = optarg;
			break;
		case OPT_SESSION:
			a->session = optarg;
			break;
		case OPT_TRACK:
			a->track = optarg;
			break;
		case OPT_CANDIDATES:
			a->candidates = 1;
			break;
		case OPT_ATTRIBUTION:
			a->attribution = 1;
			break;
		case OPT_DELTA:
			a->delta = 1;
			break;
		case OPT_METRIC:
			a->metric = optarg;
			break;
		case OPT_COMPARE:
			a->compare = optarg;
			break;
		case OPT_LOGIT_DIFF:
			a->logit_diff = optarg;
			break;
		case OPT_POSITIONS:
			a->positions = optarg;
			break;
		case OPT_PATCH:
			a->patch = optarg;
			break;
		case OPT_TARGET:
			a->target = optarg;
			break;
		case OPT_ANTI_TARGET:
			a->anti_target = optarg;
			break;
		case OPT_PATCH_DIRECTION:
			if (strcmp(optarg, "denoise") != 0 &&
			    strcmp(optarg, "noise") != 0)
				die(EXIT_USAGE, "--patch-direction must be "
				    "denoise or noise, not '%s'", optarg);
			a->patch_noise = strcmp(optarg, "noise") == 0;
			break;
		case OPT_PATCH_METRIC:
			if (strcmp(optarg, "logit_diff") != 0 &&
			    strcmp(optarg, "prob") != 0)
				die(EXIT_USAGE, "--patch-metric must be "
				    "logit_diff or prob, not '%s'", optarg);
			a->patch_prob = strcmp(optarg, "prob") == 0;
			break;
		case OPT_HEAD_POSITIONS:
			a->head_positions = 1;
			break;
		case OPT_ATTENTION:
			a->attention = 1;
			break;
		case OPT_MASK_INPUT:
			a->mask_input = 1;
			break;
		case OPT_LIST_KEYS:
			if (optarg != NULL && strcmp(optarg, "mdoc") != 0)
				die(EXIT_USAGE, "--list-keys takes no value or "
				    "'mdoc', not '%s'", optarg);
			a->list_keys = optarg != NULL ? 2 : 1;
			break;
		case 'h':
			/*
			 * The help is longer than stdio's buffer: whole, in
			 * one write at exit, a write error keeps its errno.
			 */
			setvbuf(stdout, helpbuf, _IOFBF, sizeof helpbuf);
			usage(stdout);
			exit(0);
		case 'V':
			printf("%s\n"
			    "Copyright (c) 2026 The logitlens developers.\n"
			    "License MIT: <https://opensource.org/licenses/MIT>.\n"
			    "This is free software: you are free to change and "
			    "redistribute it.\n"
			    "There is NO WARRANTY, to the extent permitted by "
			    "law.\n", PACKAGE_STRING);
			exit(0);
		default:
			fprintf(stderr, "Try 'logitlens --help' for more "
			    "information.\n");
			exit(EXIT_USAGE);
		}
	}
	args_prompt(a, argc - optind, argv + optind);
	if (a->patch == NULL && (a->anti_target != NULL || a->patch_noise ||
	    a->patch_prob || a->head_positions))
		die(EXIT_USAGE, "--anti-target, --patch-direction, "
		    "--patch-metric and --head-positions need --patch");
	if (a->target != NULL && a->patch == NULL && !a->attention)
		die(EXIT_USAGE, "--target needs --patch or --attention");
}

/* Standard input, all of it, bytes as given. */
static void
read_stdin(struct args *a)
{
	size_t	cap = 4096, len = 0, n;
	char	*buf = xmalloc(cap);

	while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += n;
		if (len > MAX_PROMPT)
			die(EXIT_INPUT, "standard input: the prompt is larger "
			    "than %d MB", MAX_PROMPT >> 20);
		if (len == cap)
			buf = xreallocarray(buf, cap *= 2, 1);
	}
	if (ferror(stdin))
		die(EXIT_INPUT, "standard input: %s", strerror(errno));
	a->prompt = buf;
	a->prompt_len = len;
}

/*
 * Which model: --model, $LOGITLENS_MODEL, the configuration, GPT-2 small in
 * the Hugging Face cache, else the bundled demo. *note says which, for the
 * status line and the output.
 */
static char *
model_choose(const struct args *a, const struct cfg *cfg, char **note)
{
	enum hub_source	 source;
	char		*dir, *cause;

	dir = setup_model_dir(a->model, cfg->model, &source, &cause);
	if (dir == NULL)
		die_cause(EXIT_INPUT, cause);
	if (source == HUB_SOURCE_BUNDLED)
		*note = xstrdup("demo model: 'logitlens --download gpt2' "
		    "fetches GPT-2");
	else if (source != HUB_SOURCE_FLAG)
		*note = xasprintf("model %s (from %s)", dir,
		    hub_source_name(source));
	else
		*note = NULL;
	return dir;
}

static struct tok *
tok_open(const char *dir)
{
	struct tok	*tok;
	char		*cause;

	if ((tok = setup_tok(dir, &cause)) == NULL)
		die_cause(EXIT_INPUT, cause);
	return tok;
}

static void
print_tokens(const struct tok *tok, const int *ids, size_t n,
    enum report_format fmt)
{
	json_t	*root, *a, *t;
	size_t	 i, len;
	char	*s;

	if (fmt != REPORT_JSON) {
		for (i = 0; i < n; i++)
			printf("%s%d", i ? " " : "", ids[i]);
		putchar('\n');
		return;
	}
	a = json_array();
	t = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(a, json_integer(ids[i]));
		s = tok_decode(tok, &ids[i], 1, &len);
		json_array_append_new(t, json_stringn(s, len));
		free(s);
	}
	root = json_pack("{s:o,s:o}", "ids", a, "tokens", t);
	json_dumpf(root, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(root);
}

/*
 * Tokenizes text, named what in messages ("the prompt"), and checks it
 * against the model's limits.
 */
static int *
text_ids(const char *what, const char *text, size_t len, int truncate,
    const struct tok *tok, const struct gpt2_config *c, int *T)
{
	size_t	 n, i;
	int	*ids;
	char	*cause;

	if (tok_encode(tok, text, len, &ids, &n, &cause) != 0)
		die_cause(EXIT_INPUT, cause);
	if (n == 0)
		die(EXIT_INPUT, "%s is empty: give at least one token", what);
	for (i = 0; i < n; i++) {
		if (ids[i] >= c->n_vocab)
			die(EXIT_INPUT, "token %d is outside the model's "
			    "vocabulary (%d): vocab.json does not match the "
			    "model", ids[i], c->n_vocab);
	}
	if (n > (size_t)c->n_ctx) {
		if (!truncate)
			die(EXIT_INPUT, "%s is %zu tokens, longer than the "
			    "model's context of %d (--truncate keeps the last "
			    "%d)", what, n, c->n_ctx, c->n_ctx);
		memmove(ids, ids + n - c->n_ctx, (size_t)c->n_ctx *
		    sizeof *ids);
		n = (size_t)c->n_ctx;
	}
	*T = (int)n;
	return ids;
}

/* Tokenizes the prompt and checks it against the model's limits. */
static int *
prompt_ids(const struct args *a, const struct tok *tok,
    const struct gpt2_config *c, int *T)
{
	return text_ids("the prompt", a->prompt, a->prompt_len, a->truncate,
	    tok, c, T);
}

static void
load_config(const struct args *a, struct cfg *cfg)
{
	char	*path, *cause;

	path = a->config != NULL ? xstrdup(a->config) : cfg_default_path();
	if (path == NULL)	/* no $HOME: no default configuration */
		return;
	if (cfg_load(cfg, path, a->config == NULL, &cause) != 0) {
		/* Bad configuration: say so, carry on with the defaults. */
		msg(cause);
		free(cause);
		if (a->config != NULL && access(a->config, R_OK) != 0)
			exit(EXIT_INPUT);
	}
	free(path);
}

/* Finite residuals can still decode to NaN through a corrupt ln_f or wte. */
static int
lens_nonfinite(const struct lens *ln, int T, int sublayers)
{
	int	i, t;

	for (i = 0; i < lens_nrows(ln, sublayers); i++) {
		for (t = 0; t < T; t++) {
			if (!isfinite(lens_cell(ln, lens_row(ln, i, sublayers),
			    t)->lse))
				return 1;
		}
	}
	return 0;
}

/*
 * The list of option opt (--track, --logit-diff): comma-separated tokens,
 * each as tok_track takes them. Dies on anything else: a usage error for
 * an empty item or a bad #ID.
 */
static int *
track_ids(const char *opt, const char *list, const struct tok *tok,
    int n_vocab, int *n)
{
	char	*copy, *s, *item, *cause, *why;
	int	*ids = NULL;

	*n = 0;
	copy = s = xstrdup(list);
	while ((item = strsep(&s, ",")) != NULL) {
		ids = xreallocarray(ids, (size_t)*n + 1, sizeof *ids);
		if (tok_track(tok, item, strlen(item), n_vocab, &ids[*n],
		    &cause) != 0) {
			why = xasprintf("%s: %s", opt, cause);
			free(cause);
			die_cause(*item == '\0' || *item == '#' ? EXIT_USAGE :
			    EXIT_INPUT, why);
		}
		(*n)++;
	}
	free(copy);
	return ids;
}

/* One token as --track takes it (a comma is #11), for option opt. */
static int
token_id(const char *opt, const char *text, const struct tok *tok,
    int n_vocab)
{
	int	*ids, n, id;

	ids = track_ids(opt, text, tok, n_vocab, &n);
	if (n != 1)
		die(EXIT_USAGE, "%s: one token, not %d ('%s'; a comma is #11)",
		    opt, n, text);
	id = ids[0];
	free(ids);
	return id;
}

/* A prompt's tokens for a message: 'The' ' Eiffel' ' Tower' (allocated). */
static char *
tokens_text(const struct tok *tok, const int *ids, int n)
{
	char	*s = xstrdup(""), *d, *t;
	size_t	 len;
	int	 i;

	for (i = 0; i < n; i++) {
		const char *b = tok_bytes(tok, ids[i], &len);

		d = b != NULL ? tok_display(b, len, 0) : xasprintf("<%d>",
		    ids[i]);
		t = xasprintf("%s%s'%s'", s, i ? " " : "", d);
		free(d);
		free(s);
		s = t;
	}
	return s;
}

/* --patch and --attention: runs, tokens and patched values. */
struct patching {
	struct patch_run	*clean, *corrupted;
	struct patch_result	*res;
	struct patch_spec	 spec;
	int			*clean_ids;
};

static void
patching_tokens(const struct args *a, const struct tok *tok, int n_vocab,
    struct patching *p)
{
	struct patch_spec	*sp = &p->spec;
	char			*t;
	size_t			 len;

	sp->target = a->target != NULL ? token_id("--target", a->target, tok,
	    n_vocab) : patch_run_top1(p->clean);
	sp->anti = a->anti_target != NULL ? token_id("--anti-target",
	    a->anti_target, tok, n_vocab) : patch_run_top1(p->corrupted);
	if (sp->metric != PATCH_LOGIT_DIFF || sp->target != sp->anti)
		return;
	t = tok_bytes(tok, sp->target, &len) != NULL ? tok_display(tok_bytes(
	    tok, sp->target, &len), len, 0) : xasprintf("<%d>", sp->target);
	die(EXIT_INPUT, "--patch: the target and the anti-target are both "
	    "'%s' (%d)%s: their logit difference is 0 whatever is patched; "
	    "name another with --target or --anti-target", t, sp->target,
	    a->target == NULL && a->anti_target == NULL ? ", the top-1 of "
	    "both runs" : "");
}

static void
patching_run(const struct args *a, const struct cfg *cfg,
    const struct gpt2 *m, const struct tok *tok, const int *ids, int T,
    struct patching *p, struct report *r)
{
	struct args	 b;
	char		*x, *y;
	int		 n_vocab = gpt2_config(m)->n_vocab, cT;

	memset(p, 0, sizeof *p);
	if (a->patch == NULL && !a->attention)
		return;
	p->corrupted = patch_run_new(m, ids, T);
	if (a->attention) {
		r->attention = p->corrupted;
		r->dla_id = a->target != NULL ? token_id("--target", a->target,
		    tok, n_vocab) : patch_run_top1(p->corrupted);
	}
	if (a->patch == NULL)
		return;
	b = *a;
	b.prompt = a->patch;
	b.prompt_len = strlen(a->patch);
	p->clean_ids = prompt_ids(&b, tok, gpt2_config(m), &cT);
	if (cT != T) {
		x = tokens_text(tok, p->clean_ids, cT);
		y = tokens_text(tok, ids, T);
		die(EXIT_INPUT, "--patch: the clean prompt is %d tokens (%s), "
		    "the corrupted prompt %d (%s): patching needs the same "
		    "number of tokens in both", cT, x, T, y);
	}
	p->clean = patch_run_new(m, p->clean_ids, T);
	p->spec.metric = a->patch_prob ? PATCH_PROB : PATCH_LOGIT_DIFF;
	p->spec.dir = a->patch_noise ? PATCH_NOISE : PATCH_DENOISE;
	p->spec.sublayers = cfg->sublayers;
	p->spec.head_pos = a->head_positions;
	patching_tokens(a, tok, n_vocab, p);
	p->res = patch_compute(m, p->clean, p->corrupted, &p->spec, NULL,
	    NULL, NULL);
	r->patching = p->res;
	r->patch_spec = &p->spec;
	r->clean_ids = p->clean_ids;
}

static void
patching_free(struct patching *p)
{
	patch_result_free(p->res);
	patch_run_free(p->clean);
	patch_run_free(p->corrupted);
	free(p->clean_ids);
}

/* --logit-diff's X,Y: two different tokens. */
static void
diff_ids(const char *list, const struct tok *tok, int n_vocab, int *x,
    int *y)
{
	int	*ids, n;

	ids = track_ids("--logit-diff", list, tok, n_vocab, &n);
	if (n != 2)
		die(EXIT_USAGE, "--logit-diff takes two tokens X,Y, not %d "
		    "('%s')", n, list);
	if (ids[0] == ids[1])
		die(EXIT_USAGE, "--logit-diff: X and Y are the same token (id "
		    "%d): their difference is 0 in every cell", ids[0]);
	*x = ids[0];
	*y = ids[1];
	free(ids);
}

/* --metric against --compare and --logit-diff (report_metric_needs). */
static void
check_metric_needs(const struct args *a)
{
	int	need;

	if (a->metric == NULL || (need = report_metric_needs(a->metric)) < 0)
		return;
	if ((need & METRIC_NEEDS_COMPARE) && a->compare == NULL)
		die(EXIT_USAGE, "--metric=%s needs --compare", a->metric);
	if ((need & METRIC_NEEDS_DIFF) && a->logit_diff == NULL)
		die(EXIT_USAGE, "--metric=%s needs --logit-diff", a->metric);
}

/* What --compare allocates (compare_start), freed by compare_done. */
struct compare_hold {
	struct compare		*cmp;
	struct gpt2_state	*sb;
	int			*idb;
};

/*
 * Prompt B, h->idb[0..Tb), run on its own state and compared with A's
 * (compare.h): fills r's comparison.
 */
static void
compare_start(const struct args *a, const struct cfg *cfg, struct gpt2 *m,
    const struct lens *ln, int Tb, struct report *r, struct compare_hold *h)
{
	struct gpt2_state	*sb;
	struct compare		*cmp;
	int			*idb = h->idb;

	sb = gpt2_state_new(m);
	if (cfg->sublayers)
		gpt2_state_keep_sublayers(sb);
	if (gpt2_forward(sb, idb, Tb, NULL, NULL, NULL) < 0)
		die(EXIT_INPUT, "the lens was interrupted");
	cmp = compare_new(m);
	if (r->logit_diff)
		compare_set_diff(cmp, r->diff_x, r->diff_y);
	if (compare_run(cmp, ln, r->state, r->ids, r->T, sb, idb, Tb,
	    cfg->sublayers, NULL) < 0)
		die(EXIT_INPUT, "the comparison was interrupted");
	r->compare = cmp;
	r->cmp_state = sb;
	r->cmp_ids = idb;
	r->cmp_T = Tb;
	r->cmp_prompt = a->compare;
	h->cmp = cmp;
	h->sb = sb;
}

static void
compare_done(struct compare_hold *h)
{
	compare_free(h->cmp);
	gpt2_state_free(h->sb);
	free(h->idb);
}

/* --jacobian's lens set on ln for --print, or NULL without one. */
static struct jacobian *
load_jacobian(const struct args *a, const struct gpt2 *m, struct lens *ln)
{
	struct jacobian	*jl;
	char		*cause;

	if (a->jacobian == NULL)
		return NULL;
	if ((jl = jacobian_load(a->jacobian, m, &cause)) == NULL)
		die_cause(EXIT_INPUT, cause);
	lens_set_jacobian(ln, jl);
	return jl;
}

static void
run_print(const struct args *a, const struct cfg *cfg, struct gpt2 *m,
    const struct tok *tok, const char *note)
{
	struct gpt2_state	*s;
	struct lens		*ln;
	struct tuned		*tuned;
	struct jacobian		*jl;
	struct report		 r;
	struct compare_hold	 h;
	struct patching		 pt;
	char			*cause, *why;
	int			*ids, T, *track = NULL, ntrack = 0, dx = -1;
	int			 dy = -1, Tb = 0;

	if (a->metric != NULL && metric_find(a->metric) >= 0 &&
	    (metric_get(metric_find(a->metric))->needs & METRIC_NEEDS_TRACK) &&
	    a->track == NULL)
		die(EXIT_USAGE, "--metric=%s needs --track", a->metric);
	if (a->metric != NULL && metric_find(a->metric) >= 0 &&
	    (metric_get(metric_find(a->metric))->needs & METRIC_NEEDS_TUNED) &&
	    a->tuned == NULL)
		die(EXIT_USAGE, "--metric=%s needs --tuned", a->metric);
	check_metric_needs(a);
	if (a->tuned != NULL && a->jacobian != NULL)
		die(EXIT_USAGE, "--tuned and --jacobian: --print decodes "
		    "through one lens at a time");
	memset(&h, 0, sizeof h);
	if (a->compare != NULL)	/* B's errors before A's work */
		h.idb = text_ids("--compare: prompt B", a->compare,
		    strlen(a->compare), a->truncate, tok, gpt2_config(m), &Tb);
	if (a->logit_diff != NULL)
		diff_ids(a->logit_diff, tok, gpt2_config(m)->n_vocab, &dx, &dy);
	if (a->track != NULL)
		track = track_ids("--track", a->track, tok,
		    gpt2_config(m)->n_vocab, &ntrack);
	ids = prompt_ids(a, tok, gpt2_config(m), &T);
	s = gpt2_state_new(m);
	ln = lens_new(m, cfg->top_k);	/* apply_args put -k there */
	tuned = NULL;
	if (a->tuned != NULL) {
		if ((tuned = tuned_load(a->tuned, m, &cause)) == NULL)
			die_cause(EXIT_INPUT, cause);
		lens_set_tuned(ln, tuned);
	}
	jl = load_jacobian(a, m, ln);
	if (a->attribution)
		gpt2_state_keep_sublayers(s);	/* the parts need every row */
	lens_set_track(ln, track, ntrack);
	if (lens_run(ln, s, ids, T, cfg->sublayers, 0, 0, NULL, NULL, NULL) < 0)
		die(EXIT_INPUT, "the lens was interrupted");
	memset(&r, 0, sizeof r);
	r.model = m;
	r.tok = tok;
	r.lens = ln;
	r.state = s;
	r.ids = ids;
	r.T = T;
	r.sublayers = cfg->sublayers;
	r.note = note;
	r.metric = a->metric != NULL ? a->metric : cfg->metric;
	r.prompt = a->prompt;
	r.prompt_len = a->prompt_len;
	r.track = track;
	r.ntrack = ntrack;
	r.candidates = a->candidates;
	r.attribution = a->attribution;
	r.mask = a->mask_input;
	r.delta = a->delta;
	r.logit_diff = dx >= 0;
	r.diff_x = dx;
	r.diff_y = dy;
	if (a->compare != NULL) {
		compare_start(a, cfg, m, ln, Tb, &r, &h);
		if (a->metric == NULL)
			r.metric = metric_get(METRIC_CMP_JS)->name;
	}
	if (a->positions != NULL && a->format_set && (a->format ==
	    REPORT_JSON || a->format == REPORT_YAML))
		die(EXIT_USAGE, "--positions: only with --format text, tsv or "
		    "svg (json and yaml give every position)");
	if (a->positions != NULL && report_positions(a->positions, T,
	    &r.pos_from, &r.pos_to, &cause) != 0) {
		why = xasprintf("--positions: %s", cause);
		free(cause);
		die_cause(EXIT_USAGE, why);
	}
	patching_run(a, cfg, m, tok, ids, T, &pt, &r);
	if (gpt2_state_nonfinite(s) >= 0)
		msgf("warning: %s: the model produced NaN or Inf values (from "
		    "row %d on); its weights may be corrupt", gpt2_dir(m),
		    gpt2_state_nonfinite(s));
	else if (lens_nonfinite(ln, T, r.sublayers))
		msgf("warning: %s: the final layer norm or the unembedding "
		    "gives NaN or Inf values; its weights may be corrupt",
		    gpt2_dir(m));
	if (report_write(stdout, &r, a->format_set ? a->format : REPORT_TEXT,
	    &cause) != 0)
		die(EXIT_INPUT, "standard output: %s", cause);
	compare_done(&h);
	patching_free(&pt);
	lens_free(ln);
	tuned_free(tuned);
	jacobian_free(jl);
	gpt2_state_free(s);
	free(track);
	free(ids);
}

static volatile sig_atomic_t download_cancel;

static void
download_signal(int sig)
{
	download_cancel = 1;
}

/* A progress bar on stderr: "model.safetensors  45% [=====     ] 248 MB". */
static void
download_progress(void *arg, const char *file, int64_t done, int64_t total)
{
	char	bar[31];
	int	pct, n;

	if (!isatty(STDERR_FILENO)) {
		if (total >= 0 && done == total)
			fprintf(stderr, "logitlens: %s: %lld bytes\n", file,
			    (long long)total);
		return;
	}
	if (total > 0) {
		pct = (int)(done * 100 / total);
		n = pct * 30 / 100;
		memset(bar, '=', (size_t)n);
		memset(bar + n, ' ', (size_t)(30 - n));
		bar[30] = '\0';
		fprintf(stderr, "\r%-20s %3d%% [%s] %lld MB", file, pct, bar,
		    (long long)(done >> 20));
	} else
		fprintf(stderr, "\r%-20s %lld MB", file, (long long)(done >> 20));
	if (total >= 0 && done == total)
		fputc('\n', stderr);
}

static void
run_download(const char *name)
{
	struct hub_progress	 cb = { download_progress, NULL,
				    &download_cancel };
	struct sigaction	 sa;
	char			*cause, *dir;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = download_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (hub_download(name, &cb, &cause) != 0) {
		if (isatty(STDERR_FILENO))
			fputc('\n', stderr);
		die_cause(EXIT_INPUT, cause);
	}
	if ((dir = hub_resolve(name, &cause)) == NULL)
		die_cause(EXIT_INPUT, cause);
	printf("%s\n", dir);
	free(dir);
}

/* $XDG_STATE_HOME/logitlens/history, else ~/.local/state/...; or NULL. */
static char *
history_path(void)
{
	const char	*state = getenv("XDG_STATE_HOME");
	const char	*home = getenv("HOME");

	if (state != NULL && *state == '/')
		return xasprintf("%s/logitlens/history", state);
	if (home != NULL && *home != '\0')
		return xasprintf("%s/.local/state/logitlens/history", home);
	return NULL;
}

static void
run_explorer(const struct args *a, const struct cfg *cfg, struct gpt2 *m,
    struct tok *tok, const char *note)
{
	struct ui_opts	 o;
	char		*cause, *hist;
	int		 rc, Tb;

	memset(&o, 0, sizeof o);
	/* Prompt B and the two tokens: checked as --print checks them. */
	o.diff_x = o.diff_y = -1;
	if (a->compare != NULL) {
		free(text_ids("--compare: prompt B", a->compare,
		    strlen(a->compare), 0, tok, gpt2_config(m), &Tb));
		o.compare = a->compare;
		o.compare_len = strlen(a->compare);
	}
	if (a->logit_diff != NULL)
		diff_ids(a->logit_diff, tok, gpt2_config(m)->n_vocab, &o.diff_x,
		    &o.diff_y);
	o.model = m;
	o.tok = tok;
	o.cfg = cfg;
	o.prompt = a->prompt;
	o.prompt_len = a->prompt_len;
	o.mouse = cfg->mouse && !a->no_mouse;
	o.color = cfg->color == CFG_COLOR_ALWAYS ? UI_COLOR_ALWAYS :
	    cfg->color == CFG_COLOR_NEVER ? UI_COLOR_NEVER : UI_COLOR_AUTO;
	o.history_path = hist = history_path();
	o.model_note = note;
	o.tuned_path = a->tuned;
	o.jacobian_path = a->jacobian;
	o.session_path = a->session;
	rc = ui_run(&o, &cause);
	free(hist);
	if (rc > 0) {
		/*
		 * A terminating signal, the terminal restored: report it, then
		 * die of it, so that a shell loop sees an interrupt as one.
		 */
		msg(cause);
		free(cause);
		signal(rc, SIG_DFL);
		raise(rc);
		exit(128 + rc);
	}
	if (rc != 0)
		die_cause(EXIT_INPUT, cause);
}

/* Whether --metric names one beyond the configuration's (metric.h). */
static int
metric_svg_only(const char *name)
{
	return (metric_find(name) >= METRIC_CONFIG);
}

/* Options given on the command line win over the configuration file. */
static void
apply_args(const struct args *a, struct cfg *cfg)
{
	int	m = a->metric != NULL ? metric_find(a->metric) : -1;

	if (m >= 0 && m < METRIC_CONFIG) {
		free(cfg->metric);
		cfg->metric = xstrdup(a->metric);
	} else if (a->metric != NULL && m == -1)
		die(EXIT_USAGE, "--metric: unknown metric '%s' (%s)",
		    a->metric, metric_list());
	if (a->top_k != 0)
		cfg->top_k = a->top_k;
	if (a->sublayers)
		cfg->sublayers = 1;
	if (a->ascii)
		cfg->ascii = 1;
	if (a->no_mouse)
		cfg->mouse = 0;
	if (a->color != NULL)
		cfg->color = strcmp(a->color, "always") == 0 ?
		    CFG_COLOR_ALWAYS : strcmp(a->color, "never") == 0 ?
		    CFG_COLOR_NEVER : CFG_COLOR_AUTO;
	if (a->model != NULL) {
		free(cfg->model);
		cfg->model = xstrdup(a->model);
	}
}

/* A warning of setup_kernels, said as main.c says them. */
static void
kernel_warn(const char *s)
{
	fprintf(stderr, "logitlens: %s\n", s);
}

int
main(int argc, char **argv)
{
	/* Static: reachable when die() exits on the way (LeakSanitizer). */
	static struct cfg *cfg;
	struct args	 a;
	struct gpt2	*m;
	struct tok	*tok;
	char		*dir, *cause, *yaml, *note;
	size_t		 nids;
	int		*ids, interactive;

	atexit(close_stdout);
	if (argc > 1 && strcmp(argv[1], "eval") == 0)
		return cmd_eval_main(argc - 1, argv + 1);
	args_parse(&a, argc, argv);
	cfg = cfg_new();
	load_config(&a, cfg);
	apply_args(&a, cfg);
	if (a.print_config) {
		if ((yaml = cfg_dump(cfg)) == NULL)
			die(EXIT_INPUT, "the configuration cannot be written as "
			    "YAML (a value is not valid UTF-8)");
		fputs(yaml, stdout);
		free(yaml);
		cfg_free(cfg);
		return 0;
	}
	if (a.list_keys) {
		yaml = ui_keys_doc(a.list_keys == 2);
		fputs(yaml, stdout);
		free(yaml);
		cfg_free(cfg);
		return 0;
	}
	if (a.download != NULL) {
		run_download(a.download);
		cfg_free(cfg);
		return 0;
	}
	if (ui_check_bindings(cfg, &cause) != 0) {
		msg(cause);
		free(cause);
	}
	ops_set_threads(a.threads);
	dir = model_choose(&a, cfg, &note);
	interactive = !a.print && !a.tokenize && isatty(STDOUT_FILENO) &&
	    isatty(STDIN_FILENO);
	if (note != NULL && !interactive)
		msgf("using the %s", note);
	tok = tok_open(dir);
	if (a.tokenize) {
		if (a.prompt == NULL)
			read_stdin(&a);
		if (tok_encode(tok, a.prompt, a.prompt_len, &ids, &nids,
		    &cause) != 0)
			die_cause(EXIT_INPUT, cause);
		print_tokens(tok, ids, nids, a.format_set ? a.format :
		    REPORT_TEXT);
		free(ids);
		goto out;
	}
	if ((m = gpt2_load(dir, &cause)) == NULL)
		die_cause(EXIT_INPUT, cause);
	setup_kernels(m, kernel_warn);
	if (setup_check_vocab(tok, m, dir, &cause) != 0) {
		/* Freed first: LeakSanitizer sees m as lost once unused. */
		gpt2_free(m);
		tok_free(tok);
		die_cause(EXIT_INPUT, cause);
	}
	if (interactive && a.metric != NULL && metric_svg_only(a.metric))
		die(EXIT_USAGE, "--metric=%s: only with --print (in the "
		    "explorer: 9, R, K)", a.metric);
	if (interactive && (a.patch != NULL || a.attention))
		die(EXIT_USAGE, "--%s: only with --print (the explorer has no "
		    "patching view yet)", a.patch != NULL ? "patch" :
		    "attention");
	if (interactive)
		run_explorer(&a, cfg, m, tok, note);
	else {
		if (!a.print && a.prompt == NULL && isatty(STDIN_FILENO))
			die(EXIT_USAGE, "standard input is a terminal but "
			    "standard output is not: give the PROMPT as an "
			    "argument, or use --print");
		if (!a.print)
			fprintf(stderr, "logitlens: standard %s is not a "
			    "terminal: printing the lens (as --print)\n",
			    isatty(STDOUT_FILENO) ? "input" : "output");
		if (a.prompt == NULL)
			read_stdin(&a);
		run_print(&a, cfg, m, tok, note);
	}
	gpt2_free(m);
out:
	tok_free(tok);
	free(dir);
	free(note);
	free(a.prompt);
	cfg_free(cfg);
	return 0;
}
