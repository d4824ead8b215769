/*
 * fuzz-cfg.c: cfg_parse on arbitrary bytes. Whatever it makes of them, the
 * configuration dumps to YAML that parses back to the same dump.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg	*cfg, *again;
	char		*cause = NULL, *yaml, *yaml2;

	cfg = cfg_new();
	if (cfg_parse(cfg, (const char *)data, size, "fuzz", &cause) != 0) {
		if (cause == NULL || strncmp(cause, "fuzz:", 5) != 0)
			abort();	/* errors name the file */
		free(cause);
	}
	if ((yaml = cfg_dump(cfg)) != NULL) {
		again = cfg_new();
		if (cfg_parse(again, yaml, strlen(yaml), "dump", &cause) != 0)
			abort();
		yaml2 = cfg_dump(again);
		if (yaml2 == NULL || strcmp(yaml, yaml2) != 0)
			abort();
		free(yaml2);
		free(yaml);
		cfg_free(again);
	}
	cfg_free(cfg);
	return 0;
}
