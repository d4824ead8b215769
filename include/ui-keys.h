/*
 * ui-keys.h: the key table: every action, its name, its default keys and
 * its help text.
 *
 * The help screen, the man page's KEY BINDINGS and the config file's key
 * bindings all come from this one table. Keys are curses key codes (as
 * wget_wch returns them) folded into one int: a character is its code
 * point, a function key is KEY_* | UI_KEY_FN.
 */
#ifndef UI_KEYS_H
#define UI_KEYS_H

#include <stddef.h>

#define UI_KEY_FN	0x40000000
#define UI_KEY_META	0x20000000	/* Esc then a character: M-x */
#define UI_KEY_CTRL(c)	((c) & 0x1f)

enum ui_action {
	UI_A_NONE,
	UI_A_QUIT,
	UI_A_HELP,
	UI_A_CANCEL,
	UI_A_LEFT,
	UI_A_RIGHT,
	UI_A_UP,
	UI_A_DOWN,
	UI_A_PAGE_UP,
	UI_A_PAGE_DOWN,
	UI_A_HALF_UP,
	UI_A_HALF_DOWN,
	UI_A_FIRST_LAYER,
	UI_A_LAST_LAYER,
	UI_A_FIRST_POS,
	UI_A_LAST_POS,
	UI_A_SEARCH,
	UI_A_SEARCH_NEXT,
	UI_A_SEARCH_PREV,
	UI_A_METRIC_NEXT,
	UI_A_METRIC_PREV,
	UI_A_METRIC_0,		/* + enum ui_metric */
	UI_A_METRIC_LAST = UI_A_METRIC_0 + 16,	/* METRIC_COUNT - 1 */
	UI_A_PALETTE,
	UI_A_FLIP,
	UI_A_SUBLAYERS,
	UI_A_ASCII,
	UI_A_FOCUS,
	UI_A_EDIT,
	UI_A_REDRAW,
	UI_A_DELTA,
	UI_A_MASK,
	UI_A_VIEW,
	UI_A_TRACK,
	UI_A_TRACK_TYPE,
	UI_A_UNTRACK,
	UI_A_TRACK_NEXT,
	UI_A_STEP,
	UI_A_TUNED,
	UI_A_SAVE,
	UI_A_OPEN,
	UI_A_EXPORT,
	UI_A_COMPARE,
	UI_A_COMPARE_SIDE,
	UI_A_PATCH,
	UI_A_PATCH_PROMPT,
	UI_A_PATCH_DIR,
	UI_A_PATCH_HEADS,
	UI_A_PATCH_TARGET,
	UI_A_PATCH_ANTI,
	UI_A_PATCH_METRIC,
	UI_A_COUNT
};

struct ui_keys;

/* The default bindings. */
struct ui_keys	*ui_keys_new(void);
void		 ui_keys_free(struct ui_keys *);
/* Binds key (a name as in the config file) to the named action. */
int		 ui_keys_bind(struct ui_keys *, const char *action,
		    const char *key, char **cause);
/* Removes every key of an action (the config replaces them). */
void		 ui_keys_clear(struct ui_keys *, int action);
/* The action of a key, UI_A_NONE if unbound. */
int		 ui_keys_action(const struct ui_keys *, int key);

/* The i-th action of the table, in help order; -1 past the end. */
int		 ui_keys_nth(size_t i);
/* "quit", "metric-kl", ...; -1 if unknown. */
int		 ui_keys_find(const char *name);
const char	*ui_keys_name(int action);
const char	*ui_keys_help(int action);
/*
 * "q", "C-l", "M-x", "F2", "Up", "PgDn", "Space", "é"... (cfg.h's key
 * names) to a key; -1 if unknown.
 */
int		 ui_keys_parse(const char *name);
/* A key's name into buf ("C-l", "Up", "j"). */
const char	*ui_keys_key_name(int key, char *buf, size_t len);
/* The keys bound to action, as "j Down", into buf. */
const char	*ui_keys_keys(const struct ui_keys *, int action, char *buf,
		    size_t len);

/*
 * The default key table as text for people ("j Down  layer below") or as
 * mdoc list items for the man page (mdoc non-zero). Allocated.
 */
char		*ui_keys_doc(int mdoc);

#endif
