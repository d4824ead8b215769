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

/* The prompt the explorer opens on when none is given. */
#define CFG_PROMPT	"The Eiffel Tower is in the city of"

enum cfg_color { CFG_COLOR_AUTO, CFG_COLOR_ALWAYS, CFG_COLOR_NEVER };

struct cfg_binding {
	char	*action;	/* "quit", "metric-next", ... */
	char	*key;		/* "q", "C-l", "F2", "Up" */
};

struct cfg {
	char			*model;		/* NULL: search (main.c) */
	char			*prompt;	/* the explorer's example, or NULL */
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

/*
 * model is NULL or a non-empty string, kept as written (no ~ expansion).
 * Bindings: each action named under "keys:" gets exactly the keys listed
 * there (they replace what an earlier parse gave that action; the UI puts
 * them in place of its own defaults for that action). Actions the file does
 * not name are not in the array. Action names are not checked here (the UI
 * knows them); key names are checked with cfg_key_valid().
 */

/* Defaults. */
struct cfg	*cfg_new(void);
void		 cfg_free(struct cfg *);		/* NULL is fine */
/*
 * Reads path into cfg. Returns 0, or -1 with *cause "path:line:col:
 * message" (cfg then holds the defaults for every key not yet read).
 * A missing file is not an error when missing_ok is set. A file that cannot
 * be read gives "path: message" (no line or column) and changes nothing.
 * Files over 1 MiB are refused.
 */
int		 cfg_load(struct cfg *, const char *path, int missing_ok,
		    char **cause);
/*
 * Parses a YAML text; label names it in messages. On error the state of cfg
 * is: if the text is not YAML at all (syntax error, several documents,
 * top level not a mapping) nothing changed; otherwise the top-level keys
 * before the bad one, in file order, were applied, and the bad key and all
 * after it keep their previous values (the defaults on a fresh cfg). Every
 * value is range-checked before it is stored, so cfg is always usable.
 * An empty text, or one of only comments, sets nothing and returns 0.
 */
int		 cfg_parse(struct cfg *, const char *text, size_t len,
		    const char *label, char **cause);
/*
 * The default path, allocated: $XDG_CONFIG_HOME/logitlens/config.yaml if
 * that variable holds an absolute path, else $HOME/.config/logitlens/
 * config.yaml (HOME from the password database if unset); NULL if neither.
 */
char		*cfg_default_path(void);
/*
 * The effective configuration as YAML (libyaml's emitter), allocated; it
 * parses back to the same cfg. NULL only if a string is not valid UTF-8
 * (which YAML cannot carry), e.g. a model path set from the command line.
 */
char		*cfg_dump(const struct cfg *);
/*
 * Is name a key name the config accepts? One printable non-space character
 * (ASCII or one UTF-8 character), C-x (x a letter or one of @[\]^_), M-x (x
 * printable ASCII), or one of cfg_key_names. Case matters, except that C-a
 * and C-A name the same key.
 */
int		 cfg_key_valid(const char *name);

/* The palettes' names, NULL-terminated (the metrics': lens.h's). */
extern const char *const cfg_palettes[];
/* Named keys: Up ... Space, then F1 ... F12; NULL-terminated. */
extern const char *const cfg_key_names[];

#endif
