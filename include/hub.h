/*
 * hub.h: finding GPT-2 checkpoints in the Hugging Face cache and fetching
 * them into it.
 *
 * The cache is the one transformers users already have ($HF_HUB_CACHE, else
 * $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 * ~/.cache/huggingface/hub), laid out as huggingface_hub writes it:
 *
 *	models--openai-community--gpt2/
 *	    blobs/<etag>		file contents, named by ETag
 *	    snapshots/<commit>/config.json -> ../../blobs/<etag>
 *	    refs/main			the commit hash, no newline
 *
 * Downloads use libcurl against $HF_ENDPOINT (default https://huggingface.co)
 * with $HF_TOKEN as a bearer token; $HF_HUB_OFFLINE forbids them, and
 * $HF_HUB_ETAG_TIMEOUT and $HF_HUB_DOWNLOAD_TIMEOUT (seconds, default 10)
 * bound them. Knows nothing of the model format beyond the four file names
 * it needs; never prints.
 */
#ifndef HUB_H
#define HUB_H

#include <signal.h>
#include <stdint.h>

/* The short names known to the hub module, NULL-terminated. */
extern const char *const hub_names[];

/*
 * The repository id for a short name ("gpt2" -> "openai-community/gpt2"),
 * name itself if it already looks like "org/name", or NULL if it is neither.
 * The result is static or borrowed from name.
 */
const char	*hub_repo(const char *name);

/* The cache directory from the environment, allocated. */
char		*hub_cache_dir(void);

/*
 * An existing directory is returned as it is; a known name or repo id is
 * looked up in the cache: the snapshot refs/main names if it has
 * config.json and model.safetensors, else the newest snapshot that does
 * (the legacy folder models--gpt2 counts for gpt2). Returns an allocated
 * path without a trailing slash, or NULL and *cause, e.g.
 * "model 'gpt2' is not in the Hugging Face cache (DIR): run
 * 'logitlens --download gpt2'". cause may be NULL.
 */
char		*hub_resolve(const char *name_or_path, char **cause);

/* Where hub_pick found the model. */
enum hub_source {
	HUB_SOURCE_FLAG,	/* --model */
	HUB_SOURCE_ENV,		/* $LOGITLENS_MODEL */
	HUB_SOURCE_CONFIG,	/* the config file */
	HUB_SOURCE_CACHE,	/* GPT-2 small in the Hugging Face cache */
	HUB_SOURCE_BUNDLED	/* the default model installed with logitlens */
};

/* "--model", "$LOGITLENS_MODEL", "the config file", ... */
const char	*hub_source_name(enum hub_source);

/*
 * Chooses the model: flag (--model, may be NULL), $LOGITLENS_MODEL, config
 * (the config file's model key, may be NULL), gpt2 in the cache, then
 * bundled (a directory, may be NULL). The first one given is resolved and
 * an error there is not passed over. Returns an allocated directory and sets
 * *source, or NULL and *cause.
 */
char		*hub_pick(const char *flag, const char *config,
		    const char *bundled, enum hub_source *source, char **cause);

/*
 * Progress for hub_download. fn (may be NULL) is called with the file name
 * as each file starts (done is what is already there, non-zero on resume),
 * as bytes arrive, and when it is complete (done == total). total is -1
 * when the size is unknown. For a file already in the cache it is called
 * once with done == total. Setting *cancel (may be NULL) to non-zero, for
 * instance from a SIGINT handler, stops the transfer; what was fetched is
 * kept and the next run resumes it.
 */
struct hub_progress {
	void			 (*fn)(void *arg, const char *file, int64_t done,
				     int64_t total);
	void			  *arg;
	volatile sig_atomic_t	  *cancel;
};

/* The files hub_download fetches, in order, NULL-terminated. */
extern const char *const hub_files[];

/*
 * Fetches hub_files of a known name or repo id (revision main) into the
 * cache, resuming an interrupted transfer and checking the weights'
 * sha256 against the ETag. Files already in the cache are not fetched
 * again. cb may be NULL. Returns 0, or -1 and a one-line *cause naming the
 * file or URL.
 */
int		 hub_download(const char *name, const struct hub_progress *cb,
		    char **cause);

#endif
