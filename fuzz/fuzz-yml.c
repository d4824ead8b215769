/*
 * fuzz-yml.c: yml_load on arbitrary bytes, with small bounds (8 levels, 200
 * values). An error names the input; a document it accepts is within the
 * bounds: no deeper than 8 levels and no more than 200 values when every
 * alias is walked as what it stands for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yml.h"

#define FUZZ_DEPTH	8
#define FUZZ_NODES	200

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Values under node, aliases expanded; stops counting past the bound. */
static size_t
walk(yaml_document_t *doc, yaml_node_t *node, int depth, size_t seen)
{
	yaml_node_item_t	*item;
	yaml_node_pair_t	*pair;

	if (node == NULL || seen > FUZZ_NODES)
		return seen;
	seen++;
	if (node->type != YAML_SCALAR_NODE && depth > FUZZ_DEPTH)
		abort();	/* deeper than the bound */
	if (node->type == YAML_SEQUENCE_NODE) {
		for (item = node->data.sequence.items.start;
		    item < node->data.sequence.items.top; item++)
			seen = walk(doc, yaml_document_get_node(doc, *item),
			    depth + 1, seen);
	} else if (node->type == YAML_MAPPING_NODE) {
		for (pair = node->data.mapping.pairs.start;
		    pair < node->data.mapping.pairs.top; pair++) {
			seen = walk(doc, yaml_document_get_node(doc,
			    pair->key), depth + 1, seen);
			seen = walk(doc, yaml_document_get_node(doc,
			    pair->value), depth + 1, seen);
		}
	}
	return seen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yaml_document_t	 doc;
	char		*cause = NULL;

	if (yml_load(&doc, (const char *)data, size, "fuzz", FUZZ_DEPTH,
	    FUZZ_NODES, &cause) != 0) {
		if (cause == NULL || strncmp(cause, "fuzz:", 5) != 0)
			abort();	/* errors name the input */
		free(cause);
		return 0;
	}
	if (walk(&doc, yaml_document_get_root_node(&doc), 1, 0) > FUZZ_NODES)
		abort();	/* more values than the bound */
	yaml_document_delete(&doc);
	return 0;
}
