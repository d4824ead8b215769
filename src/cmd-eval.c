/*
 * cmd-eval.c: `logitlens eval`, the lens over a corpus, and `--merge`.
 *
 * The corpus is streamed: each document (a text file, a JSON Lines line's
 * "text", standard input) is tokenized alone and its ids pushed onto the
 * stream, documents joined by <|endoftext|>; every ctx ids make a window,
 * run at once (eval.h), so memory does not grow with the corpus. A last
 * window of 2 ids or more is kept. With --shard K/N only the windows whose
 * index is K mod N run; every shard still reads the whole stream, whose
 * fingerprint (eval-report.h) says which shards belong together.
 *
 * SIGINT and SIGTERM stop the run after the window in progress is dropped:
 * what is done is written (marked incomplete) and saved to --checkpoint,
 * which a rerun with the same arguments resumes from. Like main.c, this
 * file prints and exits: 0 ok, 1 usage, 2 bad input, 130 interrupted.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-eval.h"
#include "eval-report.h"
#include "eval.h"
#include "hub.h"
#include "jacobian.h"
#include "model.h"
#include "ops.h"
#include "setup.h"
#include "tok.h"
#include "tuned.h"
#include "util.h"

#define EXIT_USAGE	1
#define EXIT_INPUT	2
#define EXIT_SIGINT	130
#define MAX_DOC		((size_t)1 << 31)	/* bytes in one document */
#define SAVE_EVERY	4			/* windows between checkpoints */

enum {
	OPT_TUNED = 256, OPT_JACOBIAN, OPT_CTX, OPT_MAX_TOKENS, OPT_SHARD,
	OPT_CHECKPOINT, OPT_MERGE, OPT_THREADS, OPT_ASCII
};

enum eval_format { FMT_TEXT, FMT_JSON, FMT_SVG };

struct eval_args {
	const char		*model;
	const char		*lens_file[EVAL_NLENS];
	int			 ctx;		/* 0: the model's n_ctx */
	int64_t			 max_tokens;	/* 0: all */
	int			 shard_k, shard_n;
	int			 sublayers;
	const char		*output;
	const char		*checkpoint;
	enum eval_format	 format;
	int			 merge;
	int			 threads;
	int			 ascii;
	char			**files;
	int			 nfiles;
};

/* The run in progress: the stream, the window, the sums. */
struct eval_ctx {
	const struct eval_args	*a;
	struct tok		*tok;
	struct gpt2		*m;
	struct eval		*ev;
	struct eval_run		 run;
	struct eval_sums	*sums;
	int			 eot;
	int			*win;		/* (ctx) */
	int			 nwin;
	int64_t			 stream;	/* ids pushed */
	int64_t			 windows;	/* windows emitted */
	uint64_t		 fp;		/* of the ids pushed */
	int64_t			 done_windows;	/* at the last boundary */
	uint64_t		 done_fp;
	int			 ndocs;
	int			 since_save;
	int			 stopped;	/* cancelled */
	/* Progress. */
	int			 tty;
	double			 t0, last_draw;
	int64_t			 tokens0;	/* scored when started */
	int64_t			 in_bytes, in_total;	/* read, all (0: ?) */
	int64_t			 doc_tokens;	/* ids of documents read */
};

static atomic_int	eval_cancel;

/* One line on stderr, made safe as main.c's messages are (util_escape). */
static void
eval_msg(const char *s)
{
	char	*safe = util_escape(s, strlen(s));

	fprintf(stderr, "logitlens eval: %s\n", safe);
	free(safe);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
eval_die(int status, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	fflush(stdout);
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	eval_msg(s);
	free(s);
	exit(status);
}

static void
eval_usage(FILE *f)
{
	fprintf(f,
"Usage: logitlens eval [OPTION]... FILE...\n"
"  or:  logitlens eval --merge [OPTION]... SHARD.json...\n"
"The lens over a corpus: per row and lens, the mean cross-entropy, KL to\n"
"the model's output, entropy and top-1 accuracy.\n"
"\n"
"FILEs are UTF-8 text (each file one document), JSON Lines with a \"text\"\n"
"field per line (.jsonl), or - for standard input. Documents are joined\n"
"by <|endoftext|> and cut into windows of --ctx tokens, each run alone.\n"
"\n"
"  -m, --model=DIR|NAME   model directory or Hugging Face cache name\n"
"      --tuned=FILE       also the tuned lens (safetensors translators)\n"
"      --jacobian=FILE    also the Jacobian lens (safetensors matrices)\n"
"      --ctx=N            tokens per window (default the model's n_ctx)\n"
"      --max-tokens=N     only the first N tokens of the corpus\n"
"      --shard=K/N        only the windows whose index is K mod N\n"
"  -s, --sublayers        also the rows h.N.attn\n"
"  -o, --output=FILE      write the result as JSON to FILE\n"
"  -f, --format=FORMAT    standard output as text, json or svg (default\n"
"                         text: a table and a curve per metric)\n"
"      --checkpoint=FILE  save the running sums to FILE every few windows\n"
"                         and resume from it\n"
"      --merge            add the shards' JSON results into the whole run's\n"
"      --threads=N        threads (default: OPENBLAS_NUM_THREADS or cores)\n"
"      --ascii            curves without block characters\n"
"  -h, --help             show this help and exit\n"
"\n"
"Exit status: 0 if OK, 1 for a usage error, 2 for bad input, 130 when\n"
"interrupted (what was done is written, marked incomplete).\n");
}

static const struct option eval_longopts[] = {
	{ "model",	required_argument, NULL, 'm' },
	{ "tuned",	required_argument, NULL, OPT_TUNED },
	{ "jacobian",	required_argument, NULL, OPT_JACOBIAN },
	{ "ctx",	required_argument, NULL, OPT_CTX },
	{ "max-tokens",	required_argument, NULL, OPT_MAX_TOKENS },
	{ "shard",	required_argument, NULL, OPT_SHARD },
	{ "sublayers",	no_argument,	   NULL, 's' },
	{ "output",	required_argument, NULL, 'o' },
	{ "format",	required_argument, NULL, 'f' },
	{ "checkpoint",	required_argument, NULL, OPT_CHECKPOINT },
	{ "merge",	no_argument,	   NULL, OPT_MERGE },
	{ "threads",	required_argument, NULL, OPT_THREADS },
	{ "ascii",	no_argument,	   NULL, OPT_ASCII },
	{ "help",	no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int64_t
eval_parse_int(const char *s, int64_t lo, int64_t hi, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		eval_die(EXIT_USAGE, "%s must be an integer from %lld to %lld, "
		    "not '%s'", what, (long long)lo, (long long)hi, s);
	return v;
}

static void
eval_parse_shard(struct eval_args *a, const char *s)
{
	int	k, n, used;

	if (sscanf(s, "%d/%d%n", &k, &n, &used) != 2 || s[used] != '\0' ||
	    n < 1 || k < 0 || k >= n)
		eval_die(EXIT_USAGE, "--shard must be K/N with 0 <= K < N, "
		    "not '%s'", s);
	a->shard_k = k;
	a->shard_n = n;
}

static void
eval_args_parse(struct eval_args *a, int argc, char **argv)
{
	int	ch;

	memset(a, 0, sizeof *a);
	a->shard_n = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:so:f:h", eval_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'm':
			a->model = optarg;
			break;
		case OPT_TUNED:
			a->lens_file[EVAL_TUNED] = optarg;
			break;
		case OPT_JACOBIAN:
			a->lens_file[EVAL_JACOBIAN] = optarg;
			break;
		case OPT_CTX:
			/* Checked against the model once it is loaded. */
			a->ctx = (int)eval_parse_int(optarg, INT32_MIN,
			    INT32_MAX, "--ctx");
			if (a->ctx == 0)
				eval_die(EXIT_INPUT, "--ctx=0: a window needs 2 "
				    "tokens or more");
			break;
		case OPT_MAX_TOKENS:
			a->max_tokens = eval_parse_int(optarg, 1, INT64_MAX,
			    "--max-tokens");
			break;
		case OPT_SHARD:
			eval_parse_shard(a, optarg);
			break;
		case 's':
			a->sublayers = 1;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				a->format = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				a->format = FMT_JSON;
			else if (strcmp(optarg, "svg") == 0)
				a->format = FMT_SVG;
			else
				eval_die(EXIT_USAGE, "--format must be text, "
				    "json or svg, not '%s'", optarg);
			break;
		case OPT_CHECKPOINT:
			a->checkpoint = optarg;
			break;
		case OPT_MERGE:
			a->merge = 1;
			break;
		case OPT_THREADS:
			a->threads = (int)eval_parse_int(optarg, 1,
			    OPS_MAXTHREADS, "--threads");
			break;
		case OPT_ASCII:
			a->ascii = 1;
			break;
		case 'h':
			eval_usage(stdout);
			exit(0);
		default:
			eval_usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	a->files = argv + optind;
	a->nfiles = argc - optind;
	if (a->nfiles == 0)
		eval_die(EXIT_USAGE, "no FILE given (- for standard input); "
		    "see 'logitlens eval --help'");
}

/* Writes text to path atomically, or dies leaving path as it was. */
static void
eval_write(const char *path, const char *text)
{
	FILE	*f;
	char	*tmp, *cause;
	int	 failed;

	if ((f = util_atomic_open(path, 0666, &tmp, &cause)) == NULL)
		eval_die(EXIT_INPUT, "%s", cause);
	failed = fputs(text, f) == EOF;
	if (util_atomic_close(f, tmp, path, failed, &cause) != 0)
		eval_die(EXIT_INPUT, "%s", cause);
	if (failed)
		eval_die(EXIT_INPUT, "%s: %s", path, strerror(errno));
}

/* The result: -o as JSON, standard output as --format says. */
static void
eval_output(const struct eval_args *a, const struct eval_run *r,
    const struct eval_sums *s)
{
	char	*text;

	if (a->output != NULL) {
		if ((text = eval_report_json(r, s, 0)) == NULL)
			eval_die(EXIT_INPUT, "the result cannot be written as "
			    "JSON");
		eval_write(a->output, text);
		free(text);
	}
	switch (a->format) {
	case FMT_JSON:
		text = eval_report_json(r, s, 0);
		break;
	case FMT_SVG:
		text = eval_report_svg(r, s);
		break;
	default:
		text = eval_report_text(r, s, a->ascii);
		break;
	}
	if (text == NULL)
		eval_die(EXIT_INPUT, "the result cannot be written");
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) == EOF)
		eval_die(EXIT_INPUT, "standard output: %s", strerror(errno));
}

static int
eval_merge(const struct eval_args *a)
{
	struct eval_run		 r;
	struct eval_sums	*s;
	char			*cause;

	if (eval_report_merge((const char *const *)a->files, a->nfiles, &r, &s,
	    &cause) != 0)
		eval_die(EXIT_INPUT, "%s", cause);
	eval_output(a, &r, s);
	eval_run_clear(&r);
	eval_sums_free(s);
	return 0;
}

/* A fingerprint of the first C floats of p, as hex. */
static char *
eval_fp_floats(const float *p, size_t n)
{
	return eval_fp_hex(eval_fp(EVAL_FP_INIT, p, n * sizeof *p));
}

/* The model's and the lenses' fingerprints, the inputs' names and sizes. */
static void
eval_run_init(struct eval_ctx *x, const char *dir, struct tuned *tl,
    struct jacobian *jl)
{
	const struct gpt2_config	*c = gpt2_config(x->m);
	const struct eval_args		*a = x->a;
	struct eval_run			*r = &x->run;
	struct stat			 sb;
	const float			*w, *b;
	uint64_t			 h = EVAL_FP_INIT;
	size_t				 C = (size_t)c->n_embd;
	int				 i;

	r->model = xstrdup(dir);
	/* ln_f and the first and last token's embedding. */
	h = eval_fp(h, gpt2_lnf_g(x->m), C * sizeof (float));
	h = eval_fp(h, gpt2_lnf_b(x->m), C * sizeof (float));
	h = eval_fp(h, gpt2_wte(x->m), C * sizeof (float));
	h = eval_fp(h, gpt2_wte(x->m) + (size_t)(c->n_vocab - 1) * C,
	    C * sizeof (float));
	r->model_fp = eval_fp_hex(h);
	r->n_layer = c->n_layer;
	r->n_embd = c->n_embd;
	r->n_vocab = c->n_vocab;
	r->n_ctx = c->n_ctx;
	if (tl != NULL) {
		r->lens_file[EVAL_TUNED] = xstrdup(a->lens_file[EVAL_TUNED]);
		tuned_translator(tl, 0, &w, &b);
		r->lens_fp[EVAL_TUNED] = eval_fp_floats(w, C * C);
	}
	if (jl != NULL) {
		r->lens_file[EVAL_JACOBIAN] =
		    xstrdup(a->lens_file[EVAL_JACOBIAN]);
		r->lens_fp[EVAL_JACOBIAN] = eval_fp_floats(jacobian_matrix(jl,
		    0), C * C);
	}
	r->ctx = x->a->ctx;
	r->sublayers = a->sublayers;
	r->shard_k = a->shard_k;
	r->shard_n = a->shard_n;
	r->max_tokens = a->max_tokens;
	h = EVAL_FP_INIT;
	for (i = 0; i < a->nfiles; i++) {
		h = eval_fp(h, a->files[i], strlen(a->files[i]) + 1);
		if (strcmp(a->files[i], "-") != 0 && stat(a->files[i], &sb) == 0)
			h = eval_fp(h, &sb.st_size, sizeof sb.st_size);
	}
	h = eval_fp(h, &r->ctx, sizeof r->ctx);
	r->inputs_fp = eval_fp_hex(h);
}

static void
eval_save(struct eval_ctx *x)
{
	char	*text;

	if (x->a->checkpoint == NULL)
		return;
	free(x->run.resume_fp);
	x->run.resume_window = x->done_windows;
	x->run.resume_fp = eval_fp_hex(x->done_fp);
	if ((text = eval_report_json(&x->run, x->sums, 1)) == NULL)
		eval_die(EXIT_INPUT, "the checkpoint cannot be written");
	eval_write(x->a->checkpoint, text);
	free(text);
	x->since_save = 0;
}

/* Resumes from --checkpoint if it is there and of this run. */
static void
eval_resume(struct eval_ctx *x)
{
	struct eval_run		 r;
	struct eval_sums	*s;
	const char		*path = x->a->checkpoint;
	char			*cause;
	int			 l;

	if (path == NULL || access(path, F_OK) != 0)
		return;
	if (eval_report_load(path, &r, &s, &cause) != 0)
		eval_die(EXIT_INPUT, "%s", cause);
	for (l = 0; l < EVAL_NLENS; l++) {
		if ((r.lens_fp[l] == NULL) != (x->run.lens_fp[l] == NULL) ||
		    (r.lens_fp[l] != NULL && strcmp(r.lens_fp[l],
		    x->run.lens_fp[l]) != 0))
			break;
	}
	if (r.inputs_fp == NULL || r.resume_fp == NULL || r.model_fp == NULL ||
	    strcmp(r.inputs_fp, x->run.inputs_fp) != 0 ||
	    strcmp(r.model_fp, x->run.model_fp) != 0 || l < EVAL_NLENS ||
	    r.ctx != x->run.ctx || r.sublayers != x->run.sublayers ||
	    r.shard_k != x->run.shard_k || r.shard_n != x->run.shard_n ||
	    r.max_tokens != x->run.max_tokens || s->lenses != x->sums->lenses)
		eval_die(EXIT_INPUT, "%s: a checkpoint of another run (model, "
		    "lenses, ctx, shard or input files differ): remove it or "
		    "name another", path);
	eval_sums_free(x->sums);
	x->sums = s;
	x->run.resume_window = r.resume_window;
	x->run.resume_fp = r.resume_fp;
	r.resume_fp = NULL;
	eval_run_clear(&r);
}

static void
eval_progress(struct eval_ctx *x, int last)
{
	double	 now = util_now(), dt = now - x->t0, rate, est, left;
	int64_t	 done = x->sums->tokens - x->tokens0;
	char	 eta[32] = "";

	if (!x->tty || (!last && now - x->last_draw < 0.2))
		return;
	x->last_draw = now;
	rate = dt > 0 ? (double)done / dt : 0;
	/* Tokens still to come, from the bytes not yet read. */
	if (x->in_total > 0 && x->in_bytes > 0 && rate > 0) {
		est = (double)x->doc_tokens + (double)(x->in_total -
		    x->in_bytes) * (double)x->doc_tokens / (double)x->in_bytes;
		if (x->a->max_tokens > 0 && est > (double)x->a->max_tokens)
			est = (double)x->a->max_tokens;
		left = (est - (double)x->stream) / x->a->shard_n / rate;
		left = left < 0 ? 0 : left;
		snprintf(eta, sizeof eta, ", ETA %dm%02ds", (int)(left / 60),
		    (int)fmod(left, 60));
	}
	fprintf(stderr, "\r\033[K%" PRId64 " windows, %" PRId64 " tokens, "
	    "%.0f tokens/s%s", x->sums->windows, x->sums->tokens, rate, eta);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Runs or skips the window in x->win; the window's index is x->windows. */
static void
eval_emit(struct eval_ctx *x)
{
	const char	*b;
	size_t		 len;
	int64_t		 w = x->windows++, bytes = 0;
	char		*cause, *want;
	int		 t, rc;

	if (w < x->run.resume_window || w % x->a->shard_n != x->a->shard_k) {
		/* Done before this run, or another shard's. */
	} else {
		rc = eval_window(x->ev, x->win, x->nwin, x->sums, &eval_cancel,
		    &cause);
		if (rc < 0)
			eval_die(EXIT_INPUT, "%s: %s", x->run.model, cause);
		if (rc > 0) {
			x->stopped = 1;
			return;
		}
		for (t = 1; t < x->nwin; t++) {
			if (x->win[t] == x->eot)
				continue;
			if ((b = tok_bytes(x->tok, x->win[t], &len)) != NULL)
				bytes += (int64_t)len;
		}
		x->sums->bytes += bytes;
		x->since_save++;
	}
	x->done_windows = x->windows;
	x->done_fp = x->fp;
	if (x->run.resume_window > 0 && x->windows == x->run.resume_window) {
		want = eval_fp_hex(x->fp);
		if (strcmp(want, x->run.resume_fp) != 0)
			eval_die(EXIT_INPUT, "%s: the corpus is not the one the "
			    "checkpoint was made on: remove it or name another",
			    x->a->checkpoint);
		free(want);
	}
	if (x->since_save >= SAVE_EVERY)
		eval_save(x);
	eval_progress(x, 0);
}

/* Pushes one id onto the stream; 0, or -1 once --max-tokens is reached. */
static int
eval_push(struct eval_ctx *x, int id)
{
	if (x->a->max_tokens > 0 && x->stream >= x->a->max_tokens)
		return -1;
	x->win[x->nwin++] = id;
	x->stream++;
	x->fp = eval_fp(x->fp, &id, sizeof id);
	if (x->nwin == x->a->ctx) {
		eval_emit(x);
		x->nwin = 0;
	}
	return 0;
}

/* Tokenizes one document and pushes it, after a separator. */
static int
eval_doc(struct eval_ctx *x, const char *text, size_t len, const char *where)
{
	size_t	 n, i;
	int	*ids, rc = 0;
	char	*cause;

	if (tok_encode(x->tok, text, len, &ids, &n, &cause) != 0)
		eval_die(EXIT_INPUT, "%s: %s", where, cause);
	x->doc_tokens += (int64_t)n;
	if (x->ndocs++ > 0)
		rc = eval_push(x, x->eot);
	for (i = 0; i < n && rc == 0 && !x->stopped; i++)
		rc = eval_push(x, ids[i]);
	free(ids);
	return x->stopped ? -1 : rc;
}

/* Dies naming line and column of the first invalid UTF-8 in text. */
static void
eval_check_utf8(const char *path, const char *text, size_t len)
{
	const unsigned char	*u = (const unsigned char *)text;
	size_t			 i = 0, line = 1, col = 1;
	int			 n;

	while (i < len) {
		if ((n = util_utf8_len(u + i, len - i)) == 0)
			eval_die(EXIT_INPUT, "%s:%zu:%zu: invalid UTF-8 (byte "
			    "0x%02X at offset %zu)", path, line, col, u[i], i);
		if (u[i] == '\n') {
			line++;
			col = 0;
		}
		i += (size_t)n;
		col++;
	}
}

/* Reads all of standard input. */
static char *
eval_read_stdin(size_t *len)
{
	char	*buf = NULL;
	size_t	 have = 0, cap = 0, n;

	for (;;) {
		if (have == cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		n = fread(buf + have, 1, cap - have, stdin);
		have += n;
		if (n == 0)
			break;
	}
	if (ferror(stdin))
		eval_die(EXIT_INPUT, "standard input: %s", strerror(errno));
	buf[have] = '\0';
	*len = have;
	return buf;
}

/* A JSON Lines file: one document per line's "text". */
static int
eval_jsonl(struct eval_ctx *x, const char *path)
{
	json_error_t	 je;
	json_t		*o, *t;
	FILE		*f;
	char		*line = NULL, *where;
	size_t		 cap = 0;
	ssize_t		 n;
	long		 lineno = 0;
	int		 rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		eval_die(EXIT_INPUT, "%s: %s", path, strerror(errno));
	while (rc == 0 && (n = getline(&line, &cap, f)) != -1) {
		lineno++;
		x->in_bytes += n;
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		if ((o = json_loadb(line, (size_t)n, JSON_DISABLE_EOF_CHECK,
		    &je)) == NULL)
			eval_die(EXIT_INPUT, "%s:%ld:%d: %s", path, lineno,
			    je.column, je.text);
		t = json_object_get(o, "text");
		if (!json_is_object(o) || !json_is_string(t))
			eval_die(EXIT_INPUT, "%s:%ld: no \"text\" string in "
			    "this line", path, lineno);
		where = xasprintf("%s:%ld", path, lineno);
		rc = eval_doc(x, json_string_value(t), json_string_length(t),
		    where);
		free(where);
		json_decref(o);
	}
	if (ferror(f))
		eval_die(EXIT_INPUT, "%s: %s", path, strerror(errno));
	free(line);
	fclose(f);
	return rc;
}

static int
eval_file(struct eval_ctx *x, const char *path)
{
	size_t	 len, n = strlen(path);
	char	*text, *cause;
	int	 rc;

	if (n > 6 && strcmp(path + n - 6, ".jsonl") == 0)
		return eval_jsonl(x, path);
	if (strcmp(path, "-") == 0)
		text = eval_read_stdin(&len);
	else if (util_read_file(path, MAX_DOC, &text, &len, &cause) != 0)
		eval_die(EXIT_INPUT, "%s", cause);
	x->in_bytes += (int64_t)len;
	eval_check_utf8(strcmp(path, "-") == 0 ? "standard input" : path, text,
	    len);
	rc = eval_doc(x, text, len, path);
	free(text);
	return rc;
}

static void
eval_on_signal(int sig)
{
	(void)sig;
	atomic_store(&eval_cancel, 1);
}

/* Dies unless path's directory is writable: found before a long run. */
static void
eval_check_writable(const char *path)
{
	const char	*slash;
	char		*dir;

	if (path == NULL)
		return;
	slash = strrchr(path, '/');
	dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	if (access(dir, W_OK) != 0)
		eval_die(EXIT_INPUT, "%s: cannot write there (%s: %s)", path,
		    dir, strerror(errno));
	free(dir);
}

/* Unreadable inputs are found before the model is loaded. */
static void
eval_check_inputs(struct eval_ctx *x)
{
	struct stat	sb;
	int		i;

	eval_check_writable(x->a->output);
	eval_check_writable(x->a->checkpoint);

	for (i = 0; i < x->a->nfiles; i++) {
		if (strcmp(x->a->files[i], "-") == 0)
			continue;
		if (access(x->a->files[i], R_OK) != 0)
			eval_die(EXIT_INPUT, "%s: %s", x->a->files[i],
			    strerror(errno));
		if (stat(x->a->files[i], &sb) == 0 && S_ISREG(sb.st_mode))
			x->in_total += sb.st_size;
		else
			x->in_total = -1;
	}
	if (x->in_total < 0)
		x->in_total = 0;
}

static void
eval_load(struct eval_ctx *x, struct eval_args *a, struct tuned **tl,
    struct jacobian **jl)
{
	enum hub_source	 source;
	char		*dir, *cause;

	if ((dir = setup_model_dir(a->model, NULL, &source, &cause)) == NULL)
		eval_die(EXIT_INPUT, "%s", cause);
	if ((x->tok = setup_tok(dir, &cause)) == NULL)
		eval_die(EXIT_INPUT, "%s", cause);
	if ((x->eot = tok_eot(x->tok)) < 0)
		eval_die(EXIT_INPUT, "%s/vocab.json: no <|endoftext|> token to "
		    "join the documents with", dir);
	if ((x->m = gpt2_load(dir, &cause)) == NULL)
		eval_die(EXIT_INPUT, "%s", cause);
	if (setup_check_vocab(x->tok, x->m, dir, &cause) != 0)
		eval_die(EXIT_INPUT, "%s", cause);
	if (a->ctx == 0)
		a->ctx = gpt2_config(x->m)->n_ctx;
	if (a->ctx < 2 || a->ctx > gpt2_config(x->m)->n_ctx)
		eval_die(EXIT_INPUT, "--ctx=%d: a window is 2 to %d tokens "
		    "(the model's n_ctx) long", a->ctx,
		    gpt2_config(x->m)->n_ctx);
	setup_kernels(x->m, eval_msg);
	if (a->lens_file[EVAL_TUNED] != NULL && (*tl = tuned_load(
	    a->lens_file[EVAL_TUNED], x->m, &cause)) == NULL)
		eval_die(EXIT_INPUT, "%s", cause);
	if (a->lens_file[EVAL_JACOBIAN] != NULL && (*jl = jacobian_load(
	    a->lens_file[EVAL_JACOBIAN], x->m, &cause)) == NULL)
		eval_die(EXIT_INPUT, "%s", cause);
	if (source != HUB_SOURCE_FLAG)
		fprintf(stderr, "logitlens eval: model %s (from %s)\n", dir,
		    hub_source_name(source));
	eval_run_init(x, dir, *tl, *jl);
	free(dir);
}

static void
eval_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = eval_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
cmd_eval_main(int argc, char **argv)
{
	struct eval_args	 a;
	struct eval_ctx		 x;
	struct tuned		*tl = NULL;
	struct jacobian		*jl = NULL;
	int			 i, rc = 0;

	eval_args_parse(&a, argc, argv);
	if (a.merge)
		return eval_merge(&a);
	memset(&x, 0, sizeof x);
	x.a = &a;
	eval_check_inputs(&x);
	ops_set_threads(a.threads);
	eval_load(&x, &a, &tl, &jl);
	x.ev = eval_new(x.m, tl, jl, a.sublayers);
	x.sums = eval_sums_new(eval_nrows(x.ev), eval_lenses(x.ev));
	x.win = xcalloc((size_t)a.ctx, sizeof *x.win);
	x.fp = EVAL_FP_INIT;
	eval_resume(&x);
	x.tty = isatty(STDERR_FILENO);
	x.t0 = util_now();
	x.tokens0 = x.sums->tokens;
	eval_signals();
	for (i = 0; i < a.nfiles && rc == 0 && !x.stopped; i++)
		rc = eval_file(&x, a.files[i]);
	if (!x.stopped && x.nwin >= 2)
		eval_emit(&x);
	eval_progress(&x, 1);
	x.run.seconds = util_now() - x.t0;
	x.run.complete = !x.stopped;
	if (x.run.complete) {
		x.run.corpus_fp = eval_fp_hex(x.fp);
		x.run.corpus_windows = x.windows;
	} else {
		eval_save(&x);
		fprintf(stderr, "logitlens eval: interrupted after %" PRId64
		    " windows%s\n", x.sums->windows, a.checkpoint != NULL ?
		    "; run again with the same arguments to resume" : "");
	}
	eval_output(&a, &x.run, x.sums);
	/* The result is out: the checkpoint has served. */
	if (x.run.complete && a.checkpoint != NULL)
		unlink(a.checkpoint);
	eval_sums_free(x.sums);
	eval_free(x.ev);
	free(x.win);
	eval_run_clear(&x.run);
	tuned_free(tl);
	jacobian_free(jl);
	gpt2_free(x.m);
	tok_free(x.tok);
	return x.stopped ? EXIT_SIGINT : 0;
}
