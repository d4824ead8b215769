/*
 * pack.c: the cache file of packed weights (pack.h).
 *
 * Owns the file's format: a header of PACK_HDR bytes (struct pack_header,
 * then the n shapes and layouts as triplets of uint32 C, OC, nt, zeros to
 * the end), then the n packed matrices in turn, each ops_pack_len(C, OC) floats, in the
 * machine's byte order (the header says which). Refuses to know who packs
 * (ops.c) or why (kern.c measures it against sgemm).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"
#include "pack.h"
#include "util.h"

#define PACK_HDR	4096		/* the data starts page-aligned */
#define PACK_MAXN	((PACK_HDR - (int)sizeof(struct pack_header)) / 12)
#define PACK_MAGIC	"LLPACK\0\2"
#define PACK_SAMPLES	64		/* values compared per matrix */

struct pack_header {
	char		magic[8];
	uint32_t	order;		/* 0x01020304 in the writer's order */
	uint32_t	width;		/* OPS_PACK_W */
	uint32_t	n;		/* matrices */
	uint32_t	pad;
	uint64_t	dev, ino, size, mtime_s, mtime_ns;	/* the model */
	uint64_t	total;		/* the file's size */
};

struct pack {
	void	*map;
	size_t	 len;
};

char *
pack_path(const char *model, char **cause)
{
	const char	*v;
	struct stat	 sb;
	char		 name[64];

	if (stat(model, &sb) != 0) {
		util_fail(cause, "%s: %s", model, strerror(errno));
		return NULL;
	}
	snprintf(name, sizeof name, "logitlens/packed/%llx-%llx.pack",
	    (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
	if ((v = getenv("XDG_CACHE_HOME")) != NULL && *v == '/')
		return util_path(v, name);
	if ((v = getenv("HOME")) != NULL && *v == '/') {
		char	*dir = util_path(v, ".cache"), *p;

		p = util_path(dir, name);
		free(dir);
		return p;
	}
	util_fail(cause, "no cache directory (HOME or XDG_CACHE_HOME)");
	return NULL;
}

/* The header expected for these weights, PACK_HDR bytes; 0 or -1. */
static int
pack_header(unsigned char *hdr, const char *model, int n, const int *C,
    const int *OC, const int *nt, char **cause)
{
	struct pack_header	h;
	struct stat		sb;
	uint32_t		shape[3];
	int			i;

	if (n < 1 || n > PACK_MAXN)
		return util_fail(cause, "%s: %d matrices to pack", model, n);
	if (stat(model, &sb) != 0)
		return util_fail(cause, "%s: %s", model, strerror(errno));
	memset(&h, 0, sizeof h);
	memcpy(h.magic, PACK_MAGIC, sizeof h.magic);
	h.order = 0x01020304;
	h.width = OPS_PACK_W;
	h.n = (uint32_t)n;
	h.dev = (uint64_t)sb.st_dev;
	h.ino = (uint64_t)sb.st_ino;
	h.size = (uint64_t)sb.st_size;
	h.mtime_s = (uint64_t)sb.st_mtim.tv_sec;
	h.mtime_ns = (uint64_t)sb.st_mtim.tv_nsec;
	h.total = PACK_HDR;
	for (i = 0; i < n; i++)
		h.total += ops_pack_len(C[i], OC[i]) * sizeof(float);
	memset(hdr, 0, PACK_HDR);
	memcpy(hdr, &h, sizeof h);
	for (i = 0; i < n; i++) {
		shape[0] = (uint32_t)C[i];
		shape[1] = (uint32_t)OC[i];
		shape[2] = nt != NULL && nt[i];
		memcpy(hdr + sizeof h + 12 * (size_t)i, shape, sizeof shape);
	}
	return 0;
}

/*
 * Do samples of every packed matrix (spread over it, its padding included)
 * hold w's values, bit for bit?
 */
static int
pack_samples_ok(const unsigned char *data, int n, const float *const *w,
    const int *C, const int *OC, const int *nt)
{
	const float	*wp = (const float *)(const void *)data;
	uint64_t	 r = 0x9e3779b97f4a7c15ULL;
	float		 want;
	int		 i, s, k, o;

	for (i = 0; i < n; i++) {
		for (s = 0; s < PACK_SAMPLES; s++) {
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			k = (int)((r >> 33) % (uint64_t)C[i]);
			o = (int)((r >> 13) % (uint64_t)((OC[i] + OPS_PACK_W -
			    1) / OPS_PACK_W * OPS_PACK_W));
			if (s == 0)
				o = OC[i] - 1;	/* the last column */
			want = o >= OC[i] ? 0.0f : nt != NULL && nt[i] ?
			    w[i][(size_t)o * C[i] + k] :
			    w[i][(size_t)k * OC[i] + o];
			if (memcmp(&want, wp + ((size_t)(o / OPS_PACK_W) *
			    C[i] + k) * OPS_PACK_W + o % OPS_PACK_W,
			    sizeof want) != 0)
				return 0;
		}
		wp += ops_pack_len(C[i], OC[i]);
	}
	return 1;
}

/* mkdir -p of path's directory, 0700. */
static void
pack_mkdirs(const char *path)
{
	char	*dir = xstrdup(path), *p;

	for (p = strchr(dir + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		(void)mkdir(dir, 0700);
		*p = '/';
	}
	free(dir);
}

/* Writes the file anew: the header, then each matrix packed. */
static int
pack_write(const char *path, const unsigned char *hdr, int n,
    const float *const *w, const int *C, const int *OC, const int *nt,
    char **cause)
{
	FILE	*f;
	float	*buf;
	char	*tmp;
	size_t	 len;
	int	 i, failed = 0;

	pack_mkdirs(path);
	if ((f = util_atomic_open(path, 0644, &tmp, cause)) == NULL)
		return -1;
	if (tmp == NULL) {
		/* Not a regular file: never written in place. */
		util_atomic_close(f, tmp, path, 1, NULL);
		return util_fail(cause, "%s: not a regular file", path);
	}
	if (fwrite(hdr, 1, PACK_HDR, f) != PACK_HDR)
		failed = 1;
	for (i = 0; i < n && !failed; i++) {
		len = ops_pack_len(C[i], OC[i]);
		buf = xmalloc(len * sizeof *buf);
		if (nt != NULL && nt[i])
			ops_pack_nt(buf, w[i], C[i], OC[i]);
		else
			ops_pack(buf, w[i], C[i], OC[i]);
		if (fwrite(buf, sizeof *buf, len, f) != len)
			failed = 1;
		free(buf);
	}
	if (failed) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		util_atomic_close(f, tmp, path, 1, NULL);
		return -1;
	}
	return util_atomic_close(f, tmp, path, 0, cause);
}

/* Maps path if it is the file hdr describes; NULL (no cause) if not. */
static struct pack *
pack_map(const char *path, const unsigned char *hdr, int n,
    const float *const *w, const int *C, const int *OC, const int *nt)
{
	struct pack_header	 h;
	struct pack		*pk;
	struct stat		 sb;
	void			*map;
	char			*err = NULL;
	int			 fd;

	memcpy(&h, hdr, sizeof h);
	if ((fd = util_open_file(path, O_RDONLY | O_NOFOLLOW, 0, &sb,
	    &err)) == -1) {
		free(err);
		return NULL;
	}
	if ((uint64_t)sb.st_size != h.total) {
		close(fd);
		return NULL;
	}
	map = mmap(NULL, (size_t)h.total, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	if (memcmp(map, hdr, PACK_HDR) != 0 || !pack_samples_ok(
	    (const unsigned char *)map + PACK_HDR, n, w, C, OC, nt)) {
		munmap(map, (size_t)h.total);
		return NULL;
	}
	pk = xcalloc(1, sizeof *pk);
	pk->map = map;
	pk->len = (size_t)h.total;
	return pk;
}

struct pack *
pack_open(const char *model, int n, const float *const *w, const int *C,
    const int *OC, const int *nt, const float **wp, char **cause)
{
	unsigned char	*hdr;
	struct pack	*pk = NULL;
	struct stat	 sb;
	char		*path;
	const float	*p;
	int		 i;

	if ((path = pack_path(model, cause)) == NULL)
		return NULL;
	hdr = xmalloc(PACK_HDR);
	if (pack_header(hdr, model, n, C, OC, nt, cause) != 0)
		goto out;
	if ((pk = pack_map(path, hdr, n, w, C, OC, nt)) == NULL) {
		/* A symlink, a FIFO or a device is refused, not replaced. */
		if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
			util_fail(cause, "%s: not a regular file", path);
			goto out;
		}
		if (pack_write(path, hdr, n, w, C, OC, nt, cause) != 0)
			goto out;
		if ((pk = pack_map(path, hdr, n, w, C, OC, nt)) == NULL) {
			util_fail(cause, "%s: written, but not as expected",
			    path);
			goto out;
		}
	}
	p = (const float *)(const void *)((const unsigned char *)pk->map +
	    PACK_HDR);
	for (i = 0; i < n; i++) {
		wp[i] = p;
		p += ops_pack_len(C[i], OC[i]);
	}
out:
	free(hdr);
	free(path);
	return pk;
}

void
pack_close(struct pack *pk)
{
	if (pk == NULL)
		return;
	munmap(pk->map, pk->len);
	free(pk);
}
