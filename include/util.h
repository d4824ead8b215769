/*
 * util.h: memory helpers that abort on exhaustion, error strings, files.
 *
 * Knows nothing of models or terminals. The x* allocators never return NULL:
 * running out of memory is the one failure the rest of the program does not
 * handle (tier 2 in STYLE.md).
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define nitems(a) (sizeof (a) / sizeof (a)[0])

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Allocated, formatted string; never NULL. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));
/* Large zeroed buffer from mmap, 64-byte aligned; pages are touched lazily. */
void	*xbigalloc(size_t);
void	 xbigfree(void *, size_t);

/* Sets *cause (if cause is not NULL) to a formatted message; returns -1. */
int	 util_fail(char **cause, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Opens a file that must be a regular one, without ever blocking on a FIFO
 * (O_NONBLOCK until fstat said what it is, then cleared); O_CLOEXEC is
 * added. flags may hold O_NOFOLLOW, O_CREAT and the like. Fills *sb (may be
 * NULL). A descriptor, or -1 and *cause ("path: not a regular file (a
 * FIFO)").
 */
struct stat;
int	 util_open_file(const char *path, int flags, int mode,
	    struct stat *sb, char **cause);

/*
 * Reads a whole file into an allocated NUL-terminated buffer (the NUL is
 * not counted in *len). At most max bytes; larger files are an error.
 */
int	 util_read_file(const char *path, size_t max, char **buf, size_t *len,
	    char **cause);

/*
 * Replaces a file atomically: util_atomic_open creates a temporary file
 * next to path (mode less the umask) and returns it open for writing, its
 * name in *tmp; util_atomic_close flushes and fsyncs it, renames it over
 * path and fsyncs the directory. On an error, or when failed is not 0 (the
 * caller's own error, *cause untouched), the temporary file is removed and
 * path is left as it was. NULL/-1 and *cause on error; util_atomic_close
 * always frees tmp. An existing path that is not a regular file (a device,
 * a FIFO) is written in place instead (*tmp is NULL then), so that a node
 * is never replaced by a file; the temporary file is never a symlink.
 */
FILE	*util_atomic_open(const char *path, int mode, char **tmp,
	    char **cause);
int	 util_atomic_close(FILE *, char *tmp, const char *path, int failed,
	    char **cause);

/* Joins a directory and a file name into an allocated path. */
char	*util_path(const char *dir, const char *name);

/* Monotonic seconds. */
double	 util_now(void);

/* IEEE half and bfloat16 to float. */
float	 util_f16_to_f32(uint16_t);
float	 util_bf16_to_f32(uint16_t);

/*
 * The program's one UTF-8 decoder. Decodes the sequence at s (avail > 0
 * bytes available): returns its length (1..4) and sets *cp; for an invalid
 * sequence *cp is UTIL_UTF8_BAD and the length is that of its maximal
 * subpart (1..3: Unicode's "best practice", which Python's
 * errors="replace" follows, one U+FFFD per subpart). Overlongs, surrogates
 * and values past U+10FFFF are invalid.
 */
#define UTIL_UTF8_BAD	0xffffffffU
size_t	 util_utf8_decode(const unsigned char *s, size_t avail,
	    uint32_t *cp);
/* Valid UTF-8? Length of the sequence at s (1..4), or 0 if invalid. */
int	 util_utf8_len(const unsigned char *s, size_t avail);
/*
 * len bytes made safe for a terminal line, allocated: C0 controls, DEL,
 * C1 controls (U+0080..U+009F) and every byte of an invalid UTF-8 sequence
 * are written as \xNN; valid printable UTF-8 is kept.
 */
char	*util_escape(const char *s, size_t len);

#endif
