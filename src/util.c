/*
 * util.c: allocation that aborts on exhaustion, error strings, files, and
 * the small conversions every module needs.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

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

int
util_read_file(const char *path, size_t max, char **buf, size_t *len,
    char **cause)
{
	struct stat	 sb;
	char		*p;
	size_t		 have = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return util_fail(cause, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return util_fail(cause, "%s: not a regular file", path);
	}
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

FILE *
util_atomic_open(const char *path, int mode, char **tmp, char **cause)
{
	static unsigned	 counter;
	FILE		*f;
	int		 fd = -1, i;

	for (i = 0; i < 100 && fd == -1; i++) {
		*tmp = xasprintf("%s.tmp-%ld-%u", path, (long)getpid(),
		    __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
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

int
util_atomic_close(FILE *f, char *tmp, const char *path, int failed,
    char **cause)
{
	int	err = 0;

	errno = 0;
	if (fflush(f) != 0 || ferror(f))
		err = errno != 0 ? errno : EIO;
	else if (fsync(fileno(f)) != 0)
		err = errno;
	if (fclose(f) != 0 && err == 0)
		err = errno;
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

int
util_utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t	cp;
	int		n, i;

	if (avail == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)n > avail)
		return 0;
	cp = s[0] & (0xff >> (n + 1));
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}
