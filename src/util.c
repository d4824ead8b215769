/*
 * util.c: allocation that aborts on exhaustion, error strings, files, and
 * the small conversions every module needs.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void __attribute__((noreturn))
util_oom(size_t n)
{
	/* The one place outside main.c that prints: there is no way back. */
	fprintf(stderr, "logitlens: out of memory (%zu bytes)\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		util_oom(n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size)) == NULL)
		util_oom(nmemb * size);
	return p;
}

void *
xreallocarray(void *old, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		util_oom(SIZE_MAX);
	if ((p = realloc(old, nmemb * size == 0 ? 1 : nmemb * size)) == NULL)
		util_oom(nmemb * size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list	 aq;
	char	*p;
	int	 n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		util_oom(0);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void *
xbigalloc(size_t n)
{
	void	*p;

	if (n == 0)
		n = 1;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		util_oom(n);
	return p;
}

void
xbigfree(void *p, size_t n)
{
	if (p != NULL)
		munmap(p, n == 0 ? 1 : n);
}

int
util_fail(char **cause, const char *fmt, ...)
{
	va_list	 ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "a FIFO", "a directory", ... for a message. */
static const char *
util_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

int
util_open_file(const char *path, int flags, int mode, struct stat *sb,
    char **cause)
{
	struct stat	 st;
	int		 fd, fl;

	if (sb == NULL)
		sb = &st;
	/* A FIFO would block open() until a writer comes: never wait. */
	fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
	if (fd == -1) {
		/* E.g. ENXIO: a FIFO opened for writing, with no reader. */
		if (errno != ELOOP && stat(path, &st) == 0 &&
		    !S_ISREG(st.st_mode))
			return util_fail(cause, "%s: not a regular file (%s)",
			    path, util_kind(st.st_mode));
		if (errno == ELOOP && (flags & O_NOFOLLOW))
			return util_fail(cause, "%s: a symbolic link, refused",
			    path);
		return util_fail(cause, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, sb) == -1) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb->st_mode)) {
		util_fail(cause, "%s: not a regular file (%s)", path,
		    util_kind(sb->st_mode));
		close(fd);
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
util_read_file(const char *path, size_t max, char **buf, size_t *len,
    char **cause)
{
	struct stat	 sb;
	char		*p;
	size_t		 have = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = util_open_file(path, O_RDONLY, 0, &sb, cause)) == -1)
		return -1;
	if ((uintmax_t)sb.st_size > max) {
		close(fd);
		return util_fail(cause, "%s: too large (%jd bytes, at most %zu)",
		    path, (intmax_t)sb.st_size, max);
	}
	p = xmalloc((size_t)sb.st_size + 1);
	while (have < (size_t)sb.st_size) {
		n = read(fd, p + have, (size_t)sb.st_size - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(p);
			close(fd);
			return util_fail(cause, "%s: %s", path,
			    n == 0 ? "file shrank while reading" :
			    strerror(errno));
		}
		have += (size_t)n;
	}
	close(fd);
	p[have] = '\0';
	*buf = p;
	*len = have;
	return 0;
}

/*
 * An existing path that is not a regular file (a device, a FIFO) is
 * written in place: a rename would replace the node with a file. *tmp is
 * then NULL.
 */
static FILE *
util_inplace_open(const char *path, const struct stat *sb, char **cause)
{
	FILE	*f;
	int	 fd, fl;

	if (S_ISDIR(sb->st_mode)) {
		util_fail(cause, "%s: %s", path, strerror(EISDIR));
		return NULL;
	}
	/* O_NONBLOCK: a FIFO without a reader fails (ENXIO), never waits. */
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		util_fail(cause, "%s: %s", path, errno == ENXIO ?
		    "a FIFO with no reader" : strerror(errno));
		return NULL;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	return f;
}

FILE *
util_atomic_open(const char *path, int mode, char **tmp, char **cause)
{
	static unsigned	 counter;
	struct stat	 sb;
	FILE		*f;
	int		 fd = -1, i;

	*tmp = NULL;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return util_inplace_open(path, &sb, cause);
	for (i = 0; i < 100 && fd == -1; i++) {
		*tmp = xasprintf("%s.tmp-%ld-%u", path, (long)getpid(),
		    __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST)
			break;
		if (fd == -1) {
			free(*tmp);
			*tmp = NULL;
		}
	}
	if (fd == -1) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return f;
}

/* Makes a rename in path's directory durable; best effort. */
static void
util_sync_dir(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*dir;
	int		 fd;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Flushes and closes an in-place write (util_inplace_open). */
static int
util_inplace_close(FILE *f, const char *path, int failed, char **cause)
{
	int	err = 0;

	errno = 0;
	if (fflush(f) != 0 || ferror(f))
		err = errno != 0 ? errno : EIO;
	if (fclose(f) != 0 && err == 0)
		err = errno;
	if (failed)
		return -1;
	if (err != 0)
		return util_fail(cause, "%s: %s", path, strerror(err));
	return 0;
}

int
util_atomic_close(FILE *f, char *tmp, const char *path, int failed,
    char **cause)
{
	struct stat	sb;
	int		err = 0;

	if (tmp == NULL)
		return util_inplace_close(f, path, failed, cause);
	errno = 0;
	if (fflush(f) != 0 || ferror(f))
		err = errno != 0 ? errno : EIO;
	else if (fsync(fileno(f)) != 0)
		err = errno;
	if (fclose(f) != 0 && err == 0)
		err = errno;
	/* Never rename over something that became a device or a FIFO. */
	if (err == 0 && !failed && lstat(path, &sb) == 0 &&
	    !S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
		unlink(tmp);
		free(tmp);
		return util_fail(cause, "%s: not a regular file (%s), not "
		    "replaced", path, util_kind(sb.st_mode));
	}
	if (err == 0 && !failed && rename(tmp, path) != 0)
		err = errno;
	if (err != 0 || failed) {
		unlink(tmp);
		free(tmp);
		if (!failed)
			util_fail(cause, "%s: %s", path, strerror(err));
		return -1;
	}
	free(tmp);
	util_sync_dir(path);
	return 0;
}

char *
util_path(const char *dir, const char *name)
{
	size_t	n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

double
util_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

float
util_f16_to_f32(uint16_t h)
{
	uint32_t	sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t	exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
	float		f;

	if (exp == 0x1f)			/* inf, nan */
		bits = sign | 0x7f800000 | (mant << 13);
	else if (exp != 0)			/* normal */
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	else if (mant == 0)			/* zero */
		bits = sign;
	else {					/* subnormal: renormalise */
		exp = 113;
		while ((mant & 0x400) == 0) {
			mant <<= 1;
			exp--;
		}
		bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
	}
	memcpy(&f, &bits, sizeof f);
	return f;
}

float
util_bf16_to_f32(uint16_t h)
{
	uint32_t	bits = (uint32_t)h << 16;
	float		f;

	memcpy(&f, &bits, sizeof f);
	return f;
}

size_t
util_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		need, i;
	uint32_t	c;

	assert(avail > 0);
	*cp = UTIL_UTF8_BAD;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 1;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 2;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 3;
	else
		return 1;
	/* The second byte's range excludes overlongs, surrogates, > U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	c = s[0] & (0x3f >> need);
	for (i = 1; i <= need; i++) {
		if (i >= avail || s[i] < lo || s[i] > hi)
			return i;
		c = (c << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need + 1;
}

int
util_utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t	cp;
	size_t		n;

	if (avail == 0)
		return 0;
	n = util_utf8_decode(s, avail, &cp);
	return cp == UTIL_UTF8_BAD ? 0 : (int)n;
}

char *
util_escape(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*out;
	size_t			 i, o = 0, n, k;
	uint32_t		 cp;

	out = xmalloc(4 * len + 1);	/* \xNN for every byte at most */
	for (i = 0; i < len; i += n) {
		n = util_utf8_decode(u + i, len - i, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == UTIL_UTF8_BAD) {
			for (k = 0; k < n; k++) {
				snprintf(out + o, 5, "\\x%02X", u[i + k]);
				o += 4;
			}
		} else {
			memcpy(out + o, u + i, n);
			o += n;
		}
	}
	out[o] = '\0';
	return out;
}
