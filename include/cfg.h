/*
 * cfg.h: the user's configuration, read from YAML with libyaml.
 *
 * $XDG_CONFIG_HOME/logitlens/config.yaml (else ~/.config/...) or --config
 * FILE. Every key is optional; absent keys keep the defaults below. Errors
 * are "file:line:col: message". Only cfg.c includes yaml.h. Knows nothing of
 * models or terminals: key bindings are kept as (action name, key name)
 * strings for the UI to interpret.
 */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>

enum cfg_color { CFG_COLOR_AUTO, CFG_COLOR_ALWAYS, CFG_COLOR_NEVER };

struct cfg_binding {
	char	*action;	/* "quit", "metric-next", ... */
	char	*key;		/* "q", "C-l", "F2", "Up" */
};

struct cfg {
	char			*model;		/* NULL: search (main.c) */
	int			 top_k;		/* 10; 1..100 */
	char			*metric;	/* "prob" */
	char			*palette;	/* "viridis" */
	int			 final_on_top;	/* 1 */
	int			 cell_width;	/* 8; 3..32 */
	int			 mouse;		/* 1 */
	int			 sublayers;	/* 0 */
	enum cfg_color		 color;		/* auto */
	int			 ascii;		/* 0: glyphs if the locale allows */
	int			 history_size;	/* 500 */
	struct cfg_binding	*bindings;
	size_t			 nbindings;
};

/* Defaults. */
struct cfg	*cfg_new(void);
void		 cfg_free(struct cfg *);
/*
 * Reads path into cfg. Returns 0, or -1 with *cause "path:line:col:
 * message" (cfg then holds the defaults for every key not yet read).
 * A missing file is not an error when missing_ok is set.
 */
int		 cfg_load(struct cfg *, const char *path, int missing_ok,
		    char **cause);
/* Parses a YAML text; label names it in messages. */
int		 cfg_parse(struct cfg *, const char *text, size_t len,
		    const char *label, char **cause);
/* The default path: $XDG_CONFIG_HOME/logitlens/config.yaml, allocated. */
char		*cfg_default_path(void);
/* The effective configuration as YAML (libyaml's emitter), allocated. */
char		*cfg_dump(const struct cfg *);

/* The names the cfg accepts for metric and palette, NULL-terminated. */
extern const char *const cfg_metrics[];
extern const char *const cfg_palettes[];

#endif
