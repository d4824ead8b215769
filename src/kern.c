/*
 * kern.c: the kernel of the lens's product, measured once per machine.
 *
 * Owns the cache file of kern.h and reading /proc/cpuinfo for the machine's
 * key; refuses to know the kernels themselves (ops.c) or who prints.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kern.h"
#include "ops.h"
#include "util.h"

#define KERN_T		208	/* a lens batch: 16 of 32 positions x 13 */
#define KERN_V		6144	/* rows of w: a few ms per product */
#define KERN_ROUNDS	5
#define KERN_MAXFILE	65536
#define KERN_MAXLINES	32	/* other machines' lines kept */
#define KERN_MINC	256	/* narrower: no measuring (test models) */
#define KERN_HEADER	"# logitlens kernels: key<TAB>kernel\n"

/* The value of /proc/cpuinfo's first line starting with one of names. */
static char *
kern_cpuinfo(const char *const *names, size_t nnames)
{
	FILE	*f;
	char	 line[8192], *p, *v = NULL;
	size_t	 i;

	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return NULL;
	while (v == NULL && fgets(line, sizeof line, f) != NULL) {
		for (i = 0; i < nnames && v == NULL; i++) {
			if (strncmp(line, names[i], strlen(names[i])) != 0 ||
			    (p = strchr(line, ':')) == NULL)
				continue;
			p += strspn(p + 1, " \t") + 1;
			v = xstrndup(p, strcspn(p, "\n"));
		}
	}
	fclose(f);
	return v;
}

/* Tabs, newlines and other control bytes to spaces: one field of a line. */
static char *
kern_field(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	return s;
}

char *
kern_cpu_model(void)
{
	static const char *const names[] = { "model name", "Hardware",
	    "CPU part" };
	char	*v = kern_cpuinfo(names, nitems(names));

	return kern_field(v != NULL ? v : xstrdup("?"));
}

/* The vector features among the flags (x86) or Features (ARM). */
char *
kern_cpu_features(void)
{
	static const char *const names[] = { "flags", "Features" };
	static const char *const want[] = { "sse4_2", "avx", "fma", "amx",
	    "asimd", "sve", "neon" };
	char	*all = kern_cpuinfo(names, nitems(names)), *out, *tok, *save;
	size_t	 i, len = 0;

	if (all == NULL)
		return xstrdup("?");
	out = xcalloc(strlen(all) + 2, 1);
	for (tok = strtok_r(all, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		for (i = 0; i < nitems(want); i++) {
			if (strncmp(tok, want[i], strlen(want[i])) == 0)
				break;
		}
		if (i == nitems(want))
			continue;
		len += (size_t)sprintf(out + len, "%s%s", len ? " " : "", tok);
	}
	free(all);
	if (len == 0)
		strcpy(out, "-");
	return kern_field(out);
}

char *
kern_key(int C)
{
	char	*cpu = kern_cpu_model(), *feat = kern_cpu_features(), *k;

	k = xasprintf("cpu=%s; features=%s; blas=%s; core=%s; C=%d", cpu,
	    feat, ops_blas_config(), ops_blas_core(), C);
	free(cpu);
	free(feat);
	return kern_field(k);
}

char *
kern_cache_path(void)
{
	const char	*v;

	if ((v = getenv("XDG_CACHE_HOME")) != NULL && *v == '/')
		return util_path(v, "logitlens/kernels");
	if ((v = getenv("HOME")) != NULL && *v == '/')
		return util_path(v, ".cache/logitlens/kernels");
	return NULL;
}

/* Does the CPU run k, and is it a candidate? */
static int
kern_candidate(enum ops_nt_kernel k)
{
	if (!ops_nt_kernel_supported(k))
		return 0;
	return k != OPS_NT_PORTABLE ||
	    !ops_nt_kernel_supported(OPS_NT_AVX2);
}

void
kern_measure(double *gflops, int C)
{
	enum ops_nt_kernel	 was = ops_nt_kernel();
	float			*x, *w, *out;
	double			 t0, dt;
	size_t			 i;
	int			 k, r;

	x = xcalloc((size_t)KERN_T * C, sizeof *x);
	w = xcalloc((size_t)KERN_V * C, sizeof *w);
	out = xcalloc((size_t)KERN_T * KERN_V, sizeof *out);
	for (i = 0; i < (size_t)KERN_T * C; i++)
		x[i] = (float)(i * 7919 % 1000) / 1000.0f - 0.5f;
	for (i = 0; i < (size_t)KERN_V * C; i++)
		w[i] = (float)(i * 104729 % 1000) / 1000.0f - 0.5f;
	for (k = 0; k < OPS_NT_NKERNELS; k++)
		gflops[k] = 0;
	/* Rounds of every kernel in turn: a burst of load hits them all. */
	for (r = -1; r < KERN_ROUNDS; r++) {
		for (k = OPS_NT_AUTO + 1; k < OPS_NT_NKERNELS; k++) {
			if (!kern_candidate(k))
				continue;
			ops_nt_set_kernel(k);
			t0 = util_now();
			ops_matmul_nt(out, x, w, KERN_T, C, KERN_V);
			dt = util_now() - t0;
			if (r >= 0 && dt > 0 && 2.0 * KERN_T * C * KERN_V /
			    dt / 1e9 > gflops[k])
				gflops[k] = 2.0 * KERN_T * C * KERN_V / dt / 1e9;
		}
	}
	ops_nt_set_kernel(was);
	free(x);
	free(w);
	free(out);
}

/* The value of key's last line in buf (cut there), NULL if none. */
static char *
kern_find(char *buf, const char *key)
{
	char	*line, *tab, *save, *v = NULL;

	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((tab = strchr(line, '\t')) == NULL ||
		    (size_t)(tab - line) != strlen(key) ||
		    strncmp(line, key, (size_t)(tab - line)) != 0)
			continue;
		v = tab + 1;
	}
	return v;
}

/* The kernel of key's line in buf, OPS_NT_AUTO if none is valid. */
static enum ops_nt_kernel
kern_lookup(char *buf, const char *key)
{
	enum ops_nt_kernel	 k = OPS_NT_AUTO;
	char			*v = kern_find(buf, key);

	if (v != NULL)
		k = ops_nt_kernel_byname(v);
	if (k != OPS_NT_AUTO && !kern_candidate(k))
		k = OPS_NT_AUTO;
	return k;
}

/* mkdir -p of path's directory, 0700. */
static void
kern_mkdirs(const char *path)
{
	char	*dir = xstrdup(path), *p;

	for (p = strchr(dir + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		(void)mkdir(dir, 0700);
		*p = '/';
	}
	free(dir);
}

/*
 * Writes old's lines of other machines (those of the right form, at most
 * KERN_MAXLINES) and key's new line.
 */
static int
kern_store(const char *path, const char *old, const char *key,
    const char *value, char **cause)
{
	FILE		*f;
	const char	*p, *e;
	char		*tmp;
	int		 n = 0;

	kern_mkdirs(path);
	if ((f = util_atomic_open(path, 0644, &tmp, cause)) == NULL)
		return -1;
	fputs(KERN_HEADER, f);
	for (p = old; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (memchr(p, '\t', (size_t)(e - p)) == NULL ||
		    (strncmp(p, key, strlen(key)) == 0 &&
		    p[strlen(key)] == '\t') || n++ >= KERN_MAXLINES)
			continue;
		fwrite(p, 1, (size_t)(e - p), f);
		fputc('\n', f);
	}
	fprintf(f, "%s\t%s\n", key, value);
	return util_atomic_close(f, tmp, path, 0, cause);
}

/* The fastest measured. */
static enum ops_nt_kernel
kern_best(const double *gflops)
{
	enum ops_nt_kernel	best = OPS_NT_AUTO;
	int			k;

	for (k = OPS_NT_AUTO + 1; k < OPS_NT_NKERNELS; k++) {
		if (gflops[k] > 0 && (best == OPS_NT_AUTO ||
		    gflops[k] > gflops[best]))
			best = k;
	}
	return best;
}

int
kern_choose(struct kern_choice *ch, int C, char **cause)
{
	const char	*env = getenv("LOGITLENS_KERNEL");
	char		*path, *key, *buf = NULL, *copy, *err;
	size_t		 len;
	int		 rc = 0;

	memset(ch, 0, sizeof *ch);
	if (env != NULL && *env != '\0' && strcmp(env, "auto") != 0) {
		ch->how = "LOGITLENS_KERNEL";
		ch->kernel = ops_nt_kernel_byname(env);
		if (strcmp(env, "cpu") == 0)
			ch->how = "CPU features";
		else if (ch->kernel == OPS_NT_AUTO ||
		    ops_nt_set_kernel(ch->kernel) != 0)
			rc = util_fail(cause, "LOGITLENS_KERNEL=%s: not a "
			    "kernel this CPU runs (portable, avx2, avx512, "
			    "blas or cpu)", env);
		if (ch->kernel == OPS_NT_AUTO || rc != 0)
			ops_nt_set_kernel(OPS_NT_AUTO);
		ch->kernel = ops_nt_kernel();
		return rc;
	}
	if (C < KERN_MINC || (path = kern_cache_path()) == NULL) {
		ops_nt_set_kernel(OPS_NT_AUTO);
		ch->kernel = ops_nt_kernel();
		ch->how = C < KERN_MINC ? "CPU features (a narrow model)" :
		    "CPU features (no cache directory)";
		return 0;
	}
	key = kern_key(C);
	(void)util_read_file(path, KERN_MAXFILE, &buf, &len, NULL);
	copy = buf != NULL ? xstrdup(buf) : NULL;
	ch->kernel = copy != NULL ? kern_lookup(copy, key) : OPS_NT_AUTO;
	free(copy);
	ch->how = "cache";
	if (ch->kernel == OPS_NT_AUTO) {
		kern_measure(ch->gflops, C);
		ch->kernel = kern_best(ch->gflops);
		ch->how = "measured";
		if (kern_store(path, buf, key, ops_nt_kernel_name(ch->kernel),
		    &err) != 0) {
			/* Measured again next time: slower, not wrong. */
			ch->how = "measured (not cached)";
			free(err);
		}
	}
	ops_nt_set_kernel(ch->kernel);
	ch->kernel = ops_nt_kernel();
	free(buf);
	free(key);
	free(path);
	return rc;
}

/*
 * ms[0][i], ms[1][i]: the best of KERN_ROUNDS of sgemm and of the packed
 * kernel on T = kern_fwd_T[i] rows x C x 3C, in turn; lens_ms: the lens's
 * product on KERN_T x C x KERN_V, the kernel set and the packed one.
 */
static const int kern_fwd_T[KERN_NFWD] = { 16, 64, 256 };
#define KERN_XROWS	(256 > KERN_T ? 256 : KERN_T)

void
kern_forward_measure(double ms[2][KERN_NFWD], double lens_ms[2], int C)
{
	float	*x, *w, *wp, *bias, *out, *lw, *lwp;
	double	 t0, dt;
	size_t	 i, nw = (size_t)C * 3 * C, nl = (size_t)C * KERN_V;
	int	 r, j, k, T, OC = 3 * C;

	/* Rows for the largest T measured and for a lens batch. */
	x = xcalloc((size_t)KERN_XROWS * C, sizeof *x);
	w = xcalloc(nw, sizeof *w);
	wp = xcalloc(ops_pack_len(C, OC), sizeof *wp);
	lw = xcalloc(nl, sizeof *lw);
	lwp = xcalloc(ops_pack_len(C, KERN_V), sizeof *lwp);
	bias = xcalloc((size_t)OC, sizeof *bias);
	out = xcalloc((size_t)KERN_T * KERN_V, sizeof *out);
	for (i = 0; i < (size_t)KERN_XROWS * C; i++)
		x[i] = (float)(i * 7919 % 1000) / 1000.0f - 0.5f;
	for (i = 0; i < nw; i++)
		w[i] = (float)(i * 104729 % 1000) / 1000.0f - 0.5f;
	for (i = 0; i < nl; i++)
		lw[i] = (float)(i * 104729 % 1000) / 1000.0f - 0.5f;
	ops_pack(wp, w, C, OC);
	ops_pack_nt(lwp, lw, C, KERN_V);
	for (k = 0; k < 2; k++) {
		for (j = 0; j < KERN_NFWD; j++)
			ms[k][j] = 0;
		lens_ms[k] = 0;
	}
	for (r = -1; r < KERN_ROUNDS; r++) {
		for (j = 0; j <= KERN_NFWD; j++) {
			T = j < KERN_NFWD ? kern_fwd_T[j] : KERN_T;
			for (k = 0; k < 2; k++) {
				t0 = util_now();
				if (j == KERN_NFWD && k == 0)
					ops_matmul_nt(out, x, lw, T, C,
					    KERN_V);
				else if (j == KERN_NFWD)
					ops_matmul_packed(out, x, lwp, NULL,
					    T, C, KERN_V);
				else if (k == 0)
					ops_matmul(out, x, w, bias, T, C, OC);
				else
					ops_matmul_packed(out, x, wp, bias, T,
					    C, OC);
				dt = (util_now() - t0) * 1e3;
				if (r < 0)
					continue;
				if (j == KERN_NFWD && (lens_ms[k] == 0 ||
				    dt < lens_ms[k]))
					lens_ms[k] = dt;
				else if (j < KERN_NFWD && (ms[k][j] == 0 ||
				    dt < ms[k][j]))
					ms[k][j] = dt;
			}
		}
	}
	free(x);
	free(w);
	free(wp);
	free(lw);
	free(lwp);
	free(bias);
	free(out);
}

int
kern_forward(struct kern_forward *fw, int C, char **cause)
{
	const char	*env = getenv("LOGITLENS_FORWARD");
	const char	*kenv = getenv("LOGITLENS_KERNEL");
	int		 pinned = kenv != NULL && *kenv != '\0';
	char		*path, *key, *base, *buf = NULL, *v, *err;
	double		 sum[2];
	size_t		 len;
	int		 j;

	memset(fw, 0, sizeof *fw);
	if (env != NULL && *env != '\0' && strcmp(env, "auto") != 0) {
		fw->how = "LOGITLENS_FORWARD";
		if (strcmp(env, "blas") == 0)
			return 0;
		if (strcmp(env, "packed") == 0 && ops_packed_supported()) {
			fw->tmax = INT_MAX;
			fw->lens = 1;
			return 0;
		}
		return util_fail(cause, "LOGITLENS_FORWARD=%s: not a kernel "
		    "this CPU runs (packed, blas or auto)", env);
	}
	if (!ops_packed_supported()) {
		fw->how = "CPU features (no packed kernel)";
		return 0;
	}
	if (C < KERN_MINC || (path = kern_cache_path()) == NULL) {
		fw->how = C < KERN_MINC ? "CPU features (a narrow model)" :
		    "CPU features (no cache directory)";
		return 0;
	}
	base = kern_key(C);
	key = xasprintf("%s; forward", base);
	free(base);
	(void)util_read_file(path, KERN_MAXFILE, &buf, &len, NULL);
	fw->how = "cache";
	fw->tmax = -1;
	if (buf != NULL) {
		v = xstrdup(buf);
		base = kern_find(v, key);
		if (base != NULL && strcmp(base, "blas") == 0)
			fw->tmax = 0;
		else if (base != NULL && strcmp(base, "packed") == 0)
			fw->tmax = INT_MAX;
		else if (base != NULL && strcmp(base, "packed+lens") == 0) {
			fw->tmax = INT_MAX;
			fw->lens = 1;
		}
		free(v);
	}
	if (fw->tmax < 0) {
		kern_forward_measure(fw->ms, fw->lens_ms, C);
		for (j = 0; j < 2; j++)
			sum[j] = fw->ms[j][0] + fw->ms[j][1] + fw->ms[j][2];
		fw->tmax = fw->ms[1][0] < fw->ms[0][0] && sum[1] <= sum[0] ?
		    INT_MAX : 0;
		fw->lens = fw->tmax != 0 && fw->lens_ms[1] < fw->lens_ms[0];
		fw->how = "measured";
		/* Against a kernel the user set, the lens's answer is not kept. */
		if (pinned)
			fw->how = "measured (not cached: LOGITLENS_KERNEL)";
		else if (kern_store(path, buf, key, fw->tmax == 0 ? "blas" :
		    fw->lens ? "packed+lens" : "packed", &err) != 0) {
			fw->how = "measured (not cached)";
			free(err);
		}
	}
	/* LOGITLENS_KERNEL names the lens's kernel: it runs the product. */
	if (pinned)
		fw->lens = 0;
	free(buf);
	free(key);
	free(path);
	return 0;
}
