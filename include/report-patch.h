/*
 * report-patch.h: activation patching and attention written out, for
 * report.c (the report module's own; nothing else includes it).
 */
#ifndef REPORT_PATCH_H
#define REPORT_PATCH_H

#include <jansson.h>
#include <stdio.h>

#include "report.h"

/* Adds "patching", "attention" and "head_attribution" to root, as asked. */
void	report_patch_json(const struct report *, json_t *root);
/*
 * The patching grids as text, tsv or svg. Returns 0, or -1 and *cause on a
 * write error.
 */
int	report_patch_write(FILE *, const struct report *, enum report_format,
	    char **cause);

#endif
