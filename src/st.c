/*
 * st.c: safetensors reader. The header is JSON (parsed by jansson); every
 * tensor's dtype, shape and offsets are checked against each other and the
 * file's size before anyone may look at the data.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "st.h"
#include "util.h"

#define ST_MAX_HEADER	(100 * 1024 * 1024)

struct st_file {
	char			*path;
	void			*map;		/* NULL when parsed from memory */
	size_t			 maplen;
	struct st_tensor	*tensors;
	size_t			 ntensors;
};

static const struct {
	const char	*name;
	enum st_dtype	 dtype;
	size_t		 size;
} st_dtypes[] = {
	{ "F64", ST_F64, 8 }, { "F32", ST_F32, 4 }, { "F16", ST_F16, 2 },
	{ "BF16", ST_BF16, 2 }, { "I64", ST_I64, 8 }, { "I32", ST_I32, 4 },
	{ "I16", ST_I16, 2 }, { "I8", ST_I8, 1 }, { "U8", ST_U8, 1 },
	{ "BOOL", ST_BOOL, 1 }, { "U16", ST_U16, 2 }, { "U32", ST_U32, 4 },
	{ "U64", ST_U64, 8 }, { "F8_E4M3", ST_F8_E4M3, 1 },
	{ "F8_E5M2", ST_F8_E5M2, 1 },
};

const char *
st_dtype_name(enum st_dtype dtype)
{
	size_t	i;

	for (i = 0; i < nitems(st_dtypes); i++) {
		if (st_dtypes[i].dtype == dtype)
			return st_dtypes[i].name;
	}
	return "?";
}

size_t
st_dtype_size(enum st_dtype dtype)
{
	size_t	i;

	for (i = 0; i < nitems(st_dtypes); i++) {
		if (st_dtypes[i].dtype == dtype)
			return st_dtypes[i].size;
	}
	return 0;
}

char *
st_shape_str(const struct st_tensor *t, char *buf, size_t len)
{
	size_t	off = 0;
	int	i;

	off += (size_t)snprintf(buf, len, "[");
	for (i = 0; i < t->ndim && off < len; i++) {
		off += (size_t)snprintf(buf + off, len - off, "%s%lld",
		    i ? ", " : "", (long long)t->shape[i]);
	}
	if (off < len)
		snprintf(buf + off, len - off, "]");
	return buf;
}

static int
st_parse_dtype(const char *s, enum st_dtype *dtype)
{
	size_t	i;

	for (i = 0; i < nitems(st_dtypes); i++) {
		if (strcmp(s, st_dtypes[i].name) == 0) {
			*dtype = st_dtypes[i].dtype;
			return 0;
		}
	}
	return -1;
}

/* Reads an array of non-negative integers into out; returns its length. */
static int
st_int_array(json_t *a, int64_t *out, int max)
{
	json_t	*v;
	size_t	 i;

	if (!json_is_array(a) || json_array_size(a) > (size_t)max)
		return -1;
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return -1;
		out[i] = json_integer_value(v);
	}
	return (int)json_array_size(a);
}

/* Binds one header entry to t; data_len is the size of the data section. */
static int
st_bind(struct st_file *sf, struct st_tensor *t, const char *name, json_t *v,
    const unsigned char *data, size_t data_len, char **cause)
{
	json_t	*dt;
	int64_t	 off[2];
	uint64_t n = 1, bytes;
	size_t	 size;
	int	 i;

	t->name = xstrdup(name);
	if (!json_is_object(v))
		return util_fail(cause, "%s: tensor '%s': entry is not an object",
		    sf->path, name);
	dt = json_object_get(v, "dtype");
	if (!json_is_string(dt))
		return util_fail(cause, "%s: tensor '%s': no dtype", sf->path,
		    name);
	if (st_parse_dtype(json_string_value(dt), &t->dtype) != 0)
		return util_fail(cause, "%s: tensor '%s': unknown dtype '%s'",
		    sf->path, name, json_string_value(dt));
	t->ndim = st_int_array(json_object_get(v, "shape"), t->shape,
	    ST_MAX_DIMS);
	if (t->ndim < 0)
		return util_fail(cause, "%s: tensor '%s': shape is not a list "
		    "of at most %d non-negative integers", sf->path, name,
		    ST_MAX_DIMS);
	if (st_int_array(json_object_get(v, "data_offsets"), off, 2) != 2)
		return util_fail(cause, "%s: tensor '%s': data_offsets is not "
		    "two non-negative integers", sf->path, name);
	for (i = 0; i < t->ndim; i++) {
		if (t->shape[i] != 0 && n > UINT64_MAX / 16 /
		    (uint64_t)t->shape[i])
			return util_fail(cause, "%s: tensor '%s': shape too "
			    "large", sf->path, name);
		n *= (uint64_t)t->shape[i];
	}
	size = st_dtype_size(t->dtype);
	bytes = n * size;
	if (off[0] > off[1] || (uint64_t)off[1] > data_len)
		return util_fail(cause, "%s: tensor '%s': data_offsets [%lld, "
		    "%lld] outside the data (%zu bytes)", sf->path, name,
		    (long long)off[0], (long long)off[1], data_len);
	if ((uint64_t)(off[1] - off[0]) != bytes)
		return util_fail(cause, "%s: tensor '%s': data_offsets span "
		    "%lld bytes, expected %llu for %s %s", sf->path, name,
		    (long long)(off[1] - off[0]), (unsigned long long)bytes,
		    st_dtype_name(t->dtype), st_shape_str(t,
		    (char[96]){ 0 }, 96));
	t->nelem = (int64_t)n;
	t->data = data + off[0];
	t->nbytes = (size_t)bytes;
	return 0;
}

static int
st_cmp_data(const void *a, const void *b)
{
	const struct st_tensor	*ta = a, *tb = b;
	const char		*da = ta->data, *db = tb->data;

	return da < db ? -1 : da > db;
}

static int
st_cmp_name(const void *a, const void *b)
{
	const struct st_tensor	*ta = a, *tb = b;

	return strcmp(ta->name, tb->name);
}

/*
 * No two tensors may share bytes: in order of their start, each non-empty
 * tensor begins at or after the end of the previous non-empty one (an empty
 * tensor in between must not hide an overlap).
 */
static int
st_check_overlap(struct st_file *sf, char **cause)
{
	const struct st_tensor	*a = NULL, *b;
	size_t			 i;

	qsort(sf->tensors, sf->ntensors, sizeof *sf->tensors, st_cmp_data);
	for (i = 0; i < sf->ntensors; i++) {
		b = &sf->tensors[i];
		if (b->nbytes == 0)
			continue;
		if (a != NULL &&
		    (const char *)a->data + a->nbytes > (const char *)b->data)
			return util_fail(cause, "%s: tensors '%s' and '%s' "
			    "overlap", sf->path, a->name, b->name);
		a = b;
	}
	qsort(sf->tensors, sf->ntensors, sizeof *sf->tensors, st_cmp_name);
	return 0;
}

static int
st_parse_header(struct st_file *sf, const unsigned char *buf, size_t len,
    char **cause)
{
	json_t		*root, *v;
	json_error_t	 jerr;
	const char	*name;
	uint64_t	 n = 0;
	size_t		 i = 0;
	int		 rc = -1;

	if (len < 8)
		return util_fail(cause, "%s: too short for a safetensors file "
		    "(%zu bytes)", sf->path, len);
	for (i = 0; i < 8; i++)
		n |= (uint64_t)buf[i] << (8 * i);
	if (n > len - 8 || n > ST_MAX_HEADER)
		return util_fail(cause, "%s: header length %llu is larger than "
		    "the file (%zu bytes) allows", sf->path,
		    (unsigned long long)n, len);
	root = json_loadb((const char *)buf + 8, (size_t)n,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return util_fail(cause, "%s: header is not valid JSON: %s",
		    sf->path, jerr.text);
	if (!json_is_object(root)) {
		util_fail(cause, "%s: header is not a JSON object", sf->path);
		goto out;
	}
	sf->tensors = xcalloc(json_object_size(root), sizeof *sf->tensors);
	json_object_foreach(root, name, v) {
		if (strcmp(name, "__metadata__") == 0)
			continue;
		if (st_bind(sf, &sf->tensors[sf->ntensors++], name, v,
		    buf + 8 + n, len - 8 - (size_t)n, cause) != 0)
			goto out;
	}
	rc = st_check_overlap(sf, cause);
out:
	json_decref(root);
	return rc;
}

struct st_file *
st_parse(const void *buf, size_t len, const char *label, char **cause)
{
	struct st_file	*sf;

	sf = xcalloc(1, sizeof *sf);
	sf->path = xstrdup(label);
	if (st_parse_header(sf, buf, len, cause) != 0) {
		st_close(sf);
		return NULL;
	}
	return sf;
}

struct st_file *
st_open(const char *path, char **cause)
{
	struct st_file	*sf;
	struct stat	 sb;
	void		*map;
	int		 fd;

	if ((fd = util_open_file(path, O_RDONLY, 0, &sb, cause)) == -1)
		return NULL;
	if (sb.st_size < 8) {
		close(fd);
		util_fail(cause, "%s: too short for a safetensors file "
		    "(%jd bytes)", path, (intmax_t)sb.st_size);
		return NULL;
	}
	/*
	 * Not populated here: a checkpoint may hold tensors the model never
	 * reads (the hub's GPT-2 carries 48 MB of attention masks); the
	 * caller brings in what it uses (st_load).
	 */
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((sf = st_parse(map, (size_t)sb.st_size, path, cause)) == NULL) {
		munmap(map, (size_t)sb.st_size);
		return NULL;
	}
	sf->map = map;
	sf->maplen = (size_t)sb.st_size;
	return sf;
}

void
st_load(const struct st_file *sf, const struct st_tensor *t)
{
	uintptr_t		 page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t		 a, b;
	volatile const char	*p;

	if (sf->map == NULL || t->nbytes == 0)
		return;
	a = (uintptr_t)t->data & ~(page - 1);
	b = (uintptr_t)t->data + t->nbytes;
	/* Page faults are slow: one call maps the pages, if the kernel can. */
#ifdef MADV_POPULATE_READ
	if (madvise((void *)a, b - a, MADV_POPULATE_READ) == 0)
		return;
#endif
	madvise((void *)a, b - a, MADV_WILLNEED);
	for (p = (const char *)a; (uintptr_t)p < b; p += page)
		(void)*p;
}

void
st_unload(const struct st_file *sf, const struct st_tensor *t)
{
	uintptr_t	page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t	a, b;

	if (sf->map == NULL || t->nbytes == 0)
		return;
	/* Only the pages wholly inside the tensor: neighbours may be used. */
	a = ((uintptr_t)t->data + page - 1) & ~(page - 1);
	b = ((uintptr_t)t->data + t->nbytes) & ~(page - 1);
	if (a < b)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

void
st_close(struct st_file *sf)
{
	size_t	i;

	if (sf == NULL)
		return;
	for (i = 0; i < sf->ntensors; i++)
		free(sf->tensors[i].name);
	free(sf->tensors);
	if (sf->map != NULL)
		munmap(sf->map, sf->maplen);
	free(sf->path);
	free(sf);
}

size_t
st_count(const struct st_file *sf)
{
	return sf->ntensors;
}

const struct st_tensor *
st_tensor(const struct st_file *sf, size_t i)
{
	return i < sf->ntensors ? &sf->tensors[i] : NULL;
}

const struct st_tensor *
st_find(const struct st_file *sf, const char *name)
{
	struct st_tensor	key;

	key.name = (char *)(uintptr_t)name;
	return bsearch(&key, sf->tensors, sf->ntensors, sizeof *sf->tensors,
	    st_cmp_name);
}

const char *
st_path(const struct st_file *sf)
{
	return sf->path;
}

int
st_to_f32(const struct st_file *sf, const struct st_tensor *t, float *out,
    char **cause)
{
	const unsigned char	*p = t->data;
	uint16_t		 h;
	size_t			 i, n = (size_t)t->nelem;

	switch (t->dtype) {
	case ST_F32:
		memcpy(out, t->data, t->nbytes);
		break;
	case ST_F16:
	case ST_BF16:
		for (i = 0; i < n; i++) {
			memcpy(&h, p + 2 * i, 2);
			out[i] = t->dtype == ST_F16 ? util_f16_to_f32(h) :
			    util_bf16_to_f32(h);
		}
		break;
	default:
		return util_fail(cause, "%s: tensor '%s' has dtype %s, "
		    "expected F32, F16 or BF16", sf->path, t->name,
		    st_dtype_name(t->dtype));
	}
	for (i = 0; i < n; i++) {
		if (!isfinite(out[i]))
			return util_fail(cause, "%s: tensor '%s' holds a "
			    "non-finite value at index %zu", sf->path, t->name,
			    i);
	}
	return 0;
}
