/*
 * st.h: read-only view of a safetensors file.
 *
 * Layout: 8 bytes little-endian header length N, then N bytes of JSON
 * {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 *  "__metadata__": {str: str}}, then the data; offsets are relative to the
 * first byte after the header. The file is mapped, never copied, and every
 * field is checked: the file is hostile input. Knows nothing of GPT-2.
 */
#ifndef ST_H
#define ST_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8

enum st_dtype {
	ST_F64, ST_F32, ST_F16, ST_BF16,
	ST_I64, ST_I32, ST_I16, ST_I8, ST_U8, ST_BOOL,
	ST_U16, ST_U32, ST_U64, ST_F8_E4M3, ST_F8_E5M2
};

struct st_tensor {
	char		*name;
	enum st_dtype	 dtype;
	int		 ndim;
	int64_t		 shape[ST_MAX_DIMS];
	int64_t		 nelem;
	const void	*data;		/* into the mapping */
	size_t		 nbytes;
};

struct st_file;

/* Maps path; NULL and *cause ("path: problem") on error. */
struct st_file	*st_open(const char *path, char **cause);
/* Parses an in-memory file; label names it in messages. buf must outlive it. */
struct st_file	*st_parse(const void *buf, size_t len, const char *label,
		    char **cause);
void		 st_close(struct st_file *);
/* Brings a mapped tensor's pages into memory (they fault in otherwise). */
void		 st_load(const struct st_file *, const struct st_tensor *);
/* Lets them go again (a converted copy is used instead). */
void		 st_unload(const struct st_file *, const struct st_tensor *);

size_t			 st_count(const struct st_file *);
const struct st_tensor	*st_tensor(const struct st_file *, size_t);
const struct st_tensor	*st_find(const struct st_file *, const char *name);
const char		*st_path(const struct st_file *);
const char		*st_dtype_name(enum st_dtype);
size_t			 st_dtype_size(enum st_dtype);
/*
 * Converts an F32, F16 or BF16 tensor into out (t->nelem floats, through
 * util.h's converters, as ops.h's do); -1 and *cause on another dtype or a
 * non-finite value.
 */
int			 st_to_f32(const struct st_file *,
			    const struct st_tensor *, float *out, char **cause);
/* "[768, 2304]" into buf. */
char			*st_shape_str(const struct st_tensor *, char *buf,
			    size_t len);

#endif
