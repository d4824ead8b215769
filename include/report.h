/*
 * report.h: the lens written out for people and programs.
 *
 * Formats: text (a readable grid), json (the documented contract), tsv (one
 * line per cell), yaml (libyaml's emitter), svg (the grid as a picture).
 * Writes to a stream the caller opened (main.c's stdout, or a file the
 * explorer exports to); returns 0, or -1 and *cause on a write error.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "lens.h"
#include "model.h"
#include "tok.h"

enum report_format {
	REPORT_TEXT, REPORT_JSON, REPORT_TSV, REPORT_YAML, REPORT_SVG
};

struct report {
	const struct gpt2	*model;
	const struct tok	*tok;
	const struct lens	*lens;
	const struct gpt2_state	*state;
	const int		*ids;
	int			 T;
	int			 sublayers;
	const char		*prompt;	/* for titles; may be NULL */
	const char		*metric;	/* svg colouring; NULL: "prob" */
	const char		*note;		/* e.g. the demo-model notice */
};

/* "json" -> REPORT_JSON; -1 if unknown. */
int	report_format_parse(const char *);
int	report_write(FILE *, const struct report *, enum report_format,
	    char **cause);

#endif
