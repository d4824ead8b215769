/*
 * yml.h: the YAML the program reads and writes (the configuration and
 * sessions), over libyaml.
 *
 * Reading: yml_load builds a document only after libyaml's event parser
 * has seen the whole text within bounds: nesting at most max_depth levels,
 * at most max_nodes values counting what every alias expands to (so that
 * no walk of the document is larger), one document. Errors are
 * "label:line:col: message". Writing: an emitter into a growing buffer
 * that remembers its first failure. Knows nothing of what the keys mean.
 * Only cfg.c and session.c include this header (and yaml.h).
 */
#ifndef YML_H
#define YML_H

#include <stddef.h>

#include <yaml.h>

/*
 * Parses text into *doc (to be freed with yaml_document_delete). An empty
 * text gives a document without a root node. 0, or -1 and *cause.
 */
int	 yml_load(yaml_document_t *doc, const char *text, size_t len,
	    const char *label, int max_depth, size_t max_nodes, char **cause);

/* An emitter into memory; every call after a failure does nothing. */
struct yml_out {
	yaml_emitter_t	 emitter;
	int		 failed;
	char		*buf;
	size_t		 len;
	size_t		 size;
};

/*
 * Starts the stream and one document. unicode 0 writes every character
 * past ASCII as an escape.
 */
void	 yml_out_init(struct yml_out *, int unicode);
void	 yml_out_scalar(struct yml_out *, const char *s, size_t len,
	    yaml_scalar_style_t);
void	 yml_out_seq(struct yml_out *, int start);	/* flow style */
void	 yml_out_map(struct yml_out *, int start, yaml_mapping_style_t);
/*
 * Ends the document and the stream and frees the emitter: the text,
 * allocated and NUL-terminated (*len bytes, len may be NULL), or NULL if
 * any event failed (a string that is not valid UTF-8).
 */
char	*yml_out_finish(struct yml_out *, size_t *len);

#endif
