/*
 * test-pack.c: the forward pass's packed weights (pack.h) and their cache
 * file as hostile input. The file holds ops_pack's layout of every matrix;
 * a second open maps it as it is; a file corrupted, truncated, of another
 * model (its modification time changed) or of other shapes is written
 * anew; a symlink or a FIFO in its place is refused and left alone; no
 * cache directory is an error. Then the tiny fixture's forward pass with
 * the packed kernel against the same pass with sgemm (which test-lens
 * holds to PyTorch's references), up to float rounding.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "model.h"
#include "ops.h"
#include "pack.h"
#include "util.h"

#define NM	3

/* Matrix 1 is in the unembedding's layout, (OC, C). */
static const int	nt[NM] = { 0, 1, 0 };

static char	 tmpl[] = "/tmp/test-pack.XXXXXX";
static char	*g_tmp;

static void
cleanup(void)
{
	char	*cmd;

	if (g_tmp == NULL)
		return;
	cmd = xasprintf("rm -rf '%s'", g_tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", g_tmp);
	free(cmd);
}

static void
put(const char *path, const void *data, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0)
		HARD("%s: cannot write", path);
}

/* pack_open of the matrices: each mapped one equal to ops_pack's. */
static struct pack *
open_ok(const char *what, const char *model, const float *const *w,
    const int *C, const int *OC)
{
	struct pack	*pk;
	const float	*wp[NM];
	float		*want;
	char		*cause = NULL;
	size_t		 len;
	int		 i;

	pk = pack_open(model, NM, w, C, OC, nt, wp, &cause);
	CHECK(pk != NULL, "%s: %s", what, cause != NULL ? cause : "NULL");
	free(cause);
	for (i = 0; pk != NULL && i < NM; i++) {
		len = ops_pack_len(C[i], OC[i]);
		want = xmalloc(len * sizeof *want);
		if (nt[i])
			ops_pack_nt(want, w[i], C[i], OC[i]);
		else
			ops_pack(want, w[i], C[i], OC[i]);
		CHECK(memcmp(want, wp[i], len * sizeof *want) == 0,
		    "%s: matrix %d packed wrong", what, i);
		free(want);
	}
	return pk;
}

static ino_t
inode(const char *path)
{
	struct stat	sb;

	return lstat(path, &sb) == 0 ? sb.st_ino : 0;
}

static void
test_cache(void)
{
	static const int	 C[NM] = { 5, 70, 33 }, OC[NM] = { 48, 101, 7 };
	int			 C2[NM] = { 5, 70, 32 };	/* within w */
	float			*w[NM];
	struct pack		*pk;
	struct timespec		 ts[2];
	const float		*wp[NM];
	char			*model, *path, *cause = NULL, junk[4096];
	ino_t			 ino;
	size_t			 j;
	int			 i;

	model = util_path(g_tmp, "model.safetensors");
	put(model, "weights", 7);
	for (i = 0; i < NM; i++) {
		w[i] = xmalloc((size_t)C[i] * OC[i] * sizeof *w[i]);
		for (j = 0; j < (size_t)C[i] * OC[i]; j++)
			w[i][j] = (float)((j * 7919 + (size_t)i) % 1001) /
			    100.0f - 5.0f;
	}
	path = pack_path(model, &cause);
	CHECK(path != NULL && strncmp(path, g_tmp, strlen(g_tmp)) == 0,
	    "path %s", path != NULL ? path : cause);
	if (path == NULL)
		HARD("no path");

	/* Written, then mapped as it is. */
	pack_close(open_ok("first", model, (const float *const *)w, C, OC));
	CHECK((ino = inode(path)) != 0, "%s not written", path);
	pack_close(open_ok("again", model, (const float *const *)w, C, OC));
	CHECK(inode(path) == ino, "a valid file was written anew");

	/* Corrupted: the data (every value) or the header. */
	memset(junk, 0x5a, sizeof junk);
	{
		FILE	*f = fopen(path, "r+");

		if (f == NULL || fseek(f, 4096, SEEK_SET) != 0 ||
		    fwrite(junk, 1, sizeof junk, f) != sizeof junk ||
		    fclose(f) != 0)
			HARD("%s: cannot corrupt", path);
	}
	pack_close(open_ok("data corrupted", model, (const float *const *)w,
	    C, OC));
	{
		FILE	*f = fopen(path, "r+");

		/* The format before (version 1): written anew. */
		if (f == NULL || fwrite("LLPACK\0\1", 1, 8, f) != 8 ||
		    fclose(f) != 0)
			HARD("%s: cannot corrupt", path);
	}
	pack_close(open_ok("header corrupted", model,
	    (const float *const *)w, C, OC));
	CHECK(truncate(path, 5000) == 0, "truncate: %s", strerror(errno));
	pack_close(open_ok("truncated", model, (const float *const *)w, C,
	    OC));

	/* Another model file (modified), other shapes. */
	ino = inode(path);
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	CHECK(utimensat(AT_FDCWD, model, ts, 0) == 0, "utimensat");
	pack_close(open_ok("model modified", model, (const float *const *)w,
	    C, OC));
	CHECK(inode(path) != ino, "a stale file was kept");
	ino = inode(path);
	pk = pack_open(model, NM, (const float *const *)w, C2, OC, nt, wp,
	    &cause);
	CHECK(pk != NULL && inode(path) != ino, "other shapes: %s",
	    pk == NULL ? cause : "kept");
	pack_close(pk);

	/* A symlink or a FIFO in its place: refused, left alone. */
	CHECK(unlink(path) == 0 && symlink(model, path) == 0, "symlink");
	cause = NULL;
	pk = pack_open(model, NM, (const float *const *)w, C, OC, nt, wp,
	    &cause);
	CHECK(pk == NULL && cause != NULL &&
	    strstr(cause, "not a regular file") != NULL, "symlink: %s",
	    cause != NULL ? cause : "accepted");
	free(cause);
	CHECK(inode(path) != 0 && unlink(path) == 0, "symlink replaced");
	CHECK(mkfifo(path, 0600) == 0, "mkfifo: %s", strerror(errno));
	cause = NULL;
	pk = pack_open(model, NM, (const float *const *)w, C, OC, nt, wp,
	    &cause);
	CHECK(pk == NULL && cause != NULL &&
	    strstr(cause, "not a regular file") != NULL, "FIFO: %s",
	    cause != NULL ? cause : "accepted");
	free(cause);
	CHECK(unlink(path) == 0, "FIFO replaced");

	/* No cache directory. */
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	cause = NULL;
	pk = pack_open(model, NM, (const float *const *)w, C, OC, nt, wp,
	    &cause);
	CHECK(pk == NULL && cause != NULL, "no cache directory: accepted");
	free(cause);
	setenv("XDG_CACHE_HOME", g_tmp, 1);

	for (i = 0; i < NM; i++)
		free(w[i]);
	free(path);
	free(model);
}

/*
 * Logits a and b of x (T rows) both within float rounding of the product
 * in double: 1e-5 of the sum of the terms' magnitudes. The count of those
 * that are not.
 */
static int
logits_ok(const struct gpt2 *m, const float *x, const float *a,
    const float *b, int T)
{
	const struct gpt2_config	*c = gpt2_config(m);
	const float			*w = gpt2_wte(m);
	double				 acc, mag, tol;
	size_t				 i;
	int				 t, v, k, bad = 0;

	for (t = 0; t < T; t++) {
		for (v = 0; v < c->n_vocab; v++) {
			acc = mag = 0;
			for (k = 0; k < c->n_embd; k++) {
				acc += (double)x[t * c->n_embd + k] *
				    w[(size_t)v * c->n_embd + k];
				mag += fabs((double)x[t * c->n_embd + k] *
				    w[(size_t)v * c->n_embd + k]);
			}
			i = (size_t)t * c->n_vocab + v;
			tol = 1e-5 * mag + 1e-7;
			if ((fabs(a[i] - acc) > tol || fabs(b[i] - acc) >
			    tol) && bad++ < 5)
				fprintf(stderr, "logit [%d,%d]: %g, not packed "
				    "%g, in double %g\n", t, v, b[i], a[i],
				    acc);
		}
	}
	return bad;
}

/*
 * The fixture's residuals after every block, sgemm then packed; then the
 * logits of the last one, ops_matmul_nt and gpt2_unembed over packed wte.
 */
static void
test_forward(const char *fix)
{
	const struct gpt2_config	*c;
	struct gpt2			*m;
	struct gpt2_state		*s;
	float				*ref, *lref, *lg;
	const float			*x;
	char				*cause = NULL;
	double				 d, tol;
	size_t				 n, j;
	int				 ids[40], T = 40, r, pass, bad = 0;

	if ((m = gpt2_load(fix, &cause)) == NULL)
		HARD("fixture: %s", cause);
	c = gpt2_config(m);
	for (j = 0; j < (size_t)T; j++)
		ids[j] = (int)(j * 4099 % 50257);
	n = (size_t)T * c->n_embd;
	ref = xmalloc((size_t)GPT2_NROWS(c) * n * sizeof *ref);
	lref = xmalloc((size_t)T * c->n_vocab * sizeof *lref);
	lg = xmalloc((size_t)T * c->n_vocab * sizeof *lg);
	s = gpt2_state_new(m);
	/*
	 * 40 rows: tiles of 8 and one row on appending. Pass 0 sgemm, then
	 * each packed kernel the CPU runs (AVX2 on an AVX-512 CPU too).
	 */
	for (pass = 0; pass < 3; pass++) {
		if (pass == 2 && (strcmp(ops_packed_kernel(), "avx512") != 0 ||
		    ops_packed_set("avx2") != 0))
			break;
		gpt2_state_reset(s);
		CHECK(gpt2_forward(s, ids, T - 1, NULL, NULL, NULL) == 0 &&
		    gpt2_forward(s, ids, T, NULL, NULL, NULL) == T - 1,
		    "forward");
		for (r = 0; r < GPT2_NROWS(c); r += 2) {
			for (j = 0; j < n; j++) {
				if (pass == 0) {
					ref[r * n + j] = gpt2_resid(s, r)[j];
					continue;
				}
				d = gpt2_resid(s, r)[j] - ref[r * n + j];
				tol = 1e-5 * (1 + fabs(ref[r * n + j]));
				if (fabs(d) > tol && bad++ < 5)
					fprintf(stderr, "row %d [%zu]: %g, "
					    "sgemm %g\n", r, j,
					    gpt2_resid(s, r)[j],
					    ref[r * n + j]);
			}
		}
		if (pass > 0) {
			x = gpt2_resid(s, GPT2_NROWS(c) - 1);
			ops_matmul_nt(lref, x, gpt2_wte(m), T, c->n_embd,
			    c->n_vocab);
			gpt2_unembed(m, lg, x, T);
			bad += logits_ok(m, x, lref, lg, T);
		}
		if (pass == 0 && !ops_packed_supported()) {
			CHECK(gpt2_pack(m, INT_MAX, 1, &cause) == -1,
			    "packed without a kernel");
			free(cause);
			break;
		}
		if (pass == 0)
			CHECK(gpt2_pack(m, INT_MAX, 1, &cause) == 0 &&
			    gpt2_unembed_packed(m), "gpt2_pack: %s", cause);
	}
	ops_packed_set(NULL);
	CHECK(bad == 0, "%d residuals or logits differ from sgemm's", bad);
	gpt2_state_free(s);
	gpt2_free(m);
	free(ref);
	free(lref);
	free(lg);
}

int
main(void)
{
	char	*fix;

	if ((g_tmp = mkdtemp(tmpl)) == NULL)
		HARD("mkdtemp: %s", strerror(errno));
	atexit(cleanup);
	setenv("XDG_CACHE_HOME", g_tmp, 1);
	ops_set_threads(2);
	test_cache();
	if ((fix = harness_fixture("tiny-gpt2")) == NULL)
		SKIP("fixture tiny-gpt2 not found");
	test_forward(fix);
	free(fix);
	return harness_done();
}
