/*
 * hub.c: the Hugging Face cache (finding snapshots) and hub downloads
 * (libcurl, sha256 through OpenSSL's EVP).
 *
 * Owns the cache layout huggingface_hub writes, so that a model fetched by
 * transformers is found here and one fetched here is found there. Refuses to
 * know what is inside the files. Everything the server sends (headers, ETags,
 * commit hashes, redirects) is hostile input: values that become path
 * components are checked first.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "hub.h"
#include "util.h"

#define HUB_ENDPOINT	"https://huggingface.co"
#define HUB_REVISION	"main"
#define HUB_TIMEOUT	10	/* seconds, as huggingface_hub */
#define HUB_MAX_HOPS	5	/* relative redirects followed by HEAD */

static const struct {
	const char	*name;
	const char	*repo;
} hub_table[] = {
	{ "gpt2", "openai-community/gpt2" },
	{ "gpt2-medium", "openai-community/gpt2-medium" },
	{ "gpt2-large", "openai-community/gpt2-large" },
	{ "gpt2-xl", "openai-community/gpt2-xl" },
	{ "distilgpt2", "distilbert/distilgpt2" },
};

const char *const hub_names[] = {
	"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2", NULL
};

/* Small files first: a wrong token or repository shows up at once. */
const char *const hub_files[] = {
	"config.json", "vocab.json", "merges.txt", "model.safetensors", NULL
};

/* One half of a repository id, as huggingface_hub's validate_repo_id. */
static int
hub_valid_part(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 96 || s[0] == '-' || s[0] == '.' ||
	    s[n - 1] == '-' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
		if (i > 0 && (s[i] == '-' || s[i] == '.') && s[i - 1] == s[i])
			return 0;
	}
	return 1;
}

const char *
hub_repo(const char *name)
{
	const char	*slash;
	size_t		 i;

	for (i = 0; i < nitems(hub_table); i++) {
		if (strcmp(name, hub_table[i].name) == 0)
			return hub_table[i].repo;
	}
	if ((slash = strchr(name, '/')) == NULL || strchr(slash + 1, '/'))
		return NULL;
	if (!hub_valid_part(name, (size_t)(slash - name)) ||
	    !hub_valid_part(slash + 1, strlen(slash + 1)))
		return NULL;
	return name;
}

/* The short name whose legacy cache folder (models--gpt2) also counts. */
static const char *
hub_legacy(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(hub_table); i++) {
		if (strcmp(name, hub_table[i].name) == 0 ||
		    strcmp(name, hub_table[i].repo) == 0)
			return hub_table[i].name;
	}
	return NULL;
}

/* models--org--name */
static char *
hub_folder(const char *cache, const char *repo)
{
	const char	*slash = strchr(repo, '/');
	char		*name, *path;

	if (slash == NULL)
		name = xasprintf("models--%s", repo);
	else {
		name = xasprintf("models--%.*s--%s", (int)(slash - repo), repo,
		    slash + 1);
	}
	path = util_path(cache, name);
	free(name);
	return path;
}

/* A non-empty environment value with a leading ~/ expanded, allocated. */
static char *
hub_getenv(const char *name)
{
	const char	*v = getenv(name), *home;
	struct passwd	*pw;

	if (v == NULL || *v == '\0')
		return NULL;
	if (v[0] != '~' || (v[1] != '/' && v[1] != '\0'))
		return xstrdup(v);
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = (pw != NULL) ? pw->pw_dir : "/";
	}
	return xasprintf("%s%s", home, v + 1);
}

char *
hub_cache_dir(void)
{
	char		*v, *path;
	struct passwd	*pw;

	if ((v = hub_getenv("HF_HUB_CACHE")) != NULL ||
	    (v = hub_getenv("HUGGINGFACE_HUB_CACHE")) != NULL)
		return v;
	if ((v = hub_getenv("HF_HOME")) != NULL) {
		path = util_path(v, "hub");
		free(v);
		return path;
	}
	if ((v = hub_getenv("XDG_CACHE_HOME")) != NULL) {
		path = util_path(v, "huggingface/hub");
		free(v);
		return path;
	}
	if ((v = hub_getenv("HOME")) == NULL) {
		pw = getpwuid(getuid());
		v = xstrdup(pw != NULL ? pw->pw_dir : "/");
	}
	path = util_path(v, ".cache/huggingface/hub");
	free(v);
	return path;
}

/* Does the snapshot have the files a model needs (links resolving)? */
static int
hub_snapshot_ok(const char *dir)
{
	static const char *const need[] = { "config.json", "model.safetensors" };
	struct stat	 sb;
	char		*path;
	size_t		 i;
	int		 ok = 1;

	for (i = 0; ok && i < nitems(need); i++) {
		path = util_path(dir, need[i]);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			ok = 0;
		free(path);
	}
	return ok;
}

/* A name safe as one path component. */
static int
hub_component_ok(const char *s)
{
	return *s != '\0' && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	    strchr(s, '/') == NULL && strlen(s) <= 255;
}

/* The snapshot refs/main names, if complete. */
static char *
hub_find_ref(const char *folder)
{
	char	*path, *ref, *snap = NULL;
	size_t	 len;

	path = util_path(folder, "refs/" HUB_REVISION);
	if (util_read_file(path, 256, &ref, &len, NULL) != 0) {
		free(path);
		return NULL;
	}
	free(path);
	while (len > 0 && strchr(" \t\r\n", ref[len - 1]) != NULL)
		ref[--len] = '\0';
	if (hub_component_ok(ref)) {
		path = util_path(folder, "snapshots");
		snap = util_path(path, ref);
		free(path);
		if (!hub_snapshot_ok(snap)) {
			free(snap);
			snap = NULL;
		}
	}
	free(ref);
	return snap;
}

/* The complete snapshot of the repository folder, or NULL. */
static char *
hub_find(const char *folder)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		*snaps, *path, *best = NULL;
	time_t		 newest = 0;

	if ((best = hub_find_ref(folder)) != NULL)
		return best;
	snaps = util_path(folder, "snapshots");
	if ((d = opendir(snaps)) == NULL) {
		free(snaps);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = util_path(snaps, de->d_name);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    hub_snapshot_ok(path) &&
		    (best == NULL || sb.st_mtime > newest)) {
			free(best);
			best = path;
			newest = sb.st_mtime;
		} else
			free(path);
	}
	closedir(d);
	free(snaps);
	return best;
}

static char *
hub_names_list(void)
{
	char	*list = xstrdup(hub_names[0]), *next;
	size_t	 i;

	for (i = 1; hub_names[i] != NULL; i++) {
		next = xasprintf("%s, %s", list, hub_names[i]);
		free(list);
		list = next;
	}
	return list;
}

char *
hub_resolve(const char *arg, char **cause)
{
	struct stat	 sb;
	const char	*repo, *legacy;
	char		*cache, *folder, *dir = NULL, *list;
	int		 seen = 0;

	if (stat(arg, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return xstrdup(arg);
		util_fail(cause, "%s: not a directory (give the folder that "
		    "holds config.json and model.safetensors)", arg);
		return NULL;
	}
	if ((repo = hub_repo(arg)) == NULL) {
		list = hub_names_list();
		util_fail(cause, "'%s': no such directory, and not a model "
		    "name (%s) or org/name repository id", arg, list);
		free(list);
		return NULL;
	}
	cache = hub_cache_dir();
	folder = hub_folder(cache, repo);
	seen = (stat(folder, &sb) == 0);
	dir = hub_find(folder);
	if (dir == NULL && (legacy = hub_legacy(arg)) != NULL) {
		free(folder);
		folder = hub_folder(cache, legacy);
		seen = seen || (stat(folder, &sb) == 0);
		dir = hub_find(folder);
	}
	if (dir == NULL && seen) {
		util_fail(cause, "model '%s' has no complete snapshot (with "
		    "config.json and model.safetensors) in the Hugging Face "
		    "cache (%s): run 'logitlens --download %s'", arg, cache,
		    arg);
	} else if (dir == NULL) {
		util_fail(cause, "model '%s' is not in the Hugging Face cache "
		    "(%s): run 'logitlens --download %s'", arg, cache, arg);
	}
	free(folder);
	free(cache);
	return dir;
}

const char *
hub_source_name(enum hub_source source)
{
	switch (source) {
	case HUB_SOURCE_FLAG:
		return "--model";
	case HUB_SOURCE_ENV:
		return "$LOGITLENS_MODEL";
	case HUB_SOURCE_CONFIG:
		return "the config file";
	case HUB_SOURCE_CACHE:
		return "the Hugging Face cache";
	case HUB_SOURCE_BUNDLED:
		return "the bundled default";
	}
	return "?";
}

char *
hub_pick(const char *flag, const char *config, const char *bundled,
    enum hub_source *source, char **cause)
{
	const struct {
		const char	*arg;
		enum hub_source	 source;
	} given[] = {
		{ flag, HUB_SOURCE_FLAG },
		{ getenv("LOGITLENS_MODEL"), HUB_SOURCE_ENV },
		{ config, HUB_SOURCE_CONFIG },
	};
	struct stat	 sb;
	char		*dir, *why, *cache;
	size_t		 i;

	for (i = 0; i < nitems(given); i++) {
		if (given[i].arg == NULL || *given[i].arg == '\0')
			continue;
		*source = given[i].source;
		if ((dir = hub_resolve(given[i].arg, &why)) == NULL) {
			util_fail(cause, "%s: %s",
			    hub_source_name(given[i].source), why);
			free(why);
		}
		return dir;
	}
	if ((dir = hub_resolve("gpt2", NULL)) != NULL) {
		*source = HUB_SOURCE_CACHE;
		return dir;
	}
	if (bundled != NULL && stat(bundled, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		*source = HUB_SOURCE_BUNDLED;
		return xstrdup(bundled);
	}
	cache = hub_cache_dir();
	util_fail(cause, "no model found: GPT-2 is not in the Hugging Face "
	    "cache (%s) and no default model is installed; run 'logitlens "
	    "--download gpt2' or give --model DIR", cache);
	free(cache);
	return NULL;
}

/* ---- Downloads. ---- */

/* One download session: a curl handle reused for every request. */
struct hub_dl {
	CURL				*curl;
	const struct hub_progress	*cb;
	struct curl_slist		*headers;
	const char			*repo;
	char				*endpoint;
	char				*cache;
	char				*folder;
	char				*commit;	/* from the first HEAD */
	char				*origin;	/* of endpoint */
	struct curl_slist		*auth;		/* headers + token */
	long				 etag_timeout;
	long				 dl_timeout;
	char				 errbuf[CURL_ERROR_SIZE];
};

/* What one request learnt from the headers, and where a GET writes. */
struct hub_resp {
	struct hub_dl	*dl;
	const char	*file;
	long		 code;		/* of the latest response */
	char		*commit;	/* X-Repo-Commit */
	char		*etag;		/* ETag */
	char		*linked_etag;	/* X-Linked-Etag */
	char		*location;	/* Location, as sent */
	char		*message;	/* X-Error-Message, cleaned */
	char		*encoding;	/* Content-Encoding */
	int64_t		 length;	/* Content-Length, -1 */
	int64_t		 linked_size;	/* X-Linked-Size, -1 */
	int64_t		 range_start;	/* Content-Range, -1 */

	int		 fd;		/* GET only, else -1 */
	int64_t		 have;		/* bytes in the file */
	int64_t		 total;		/* expected size, -1 */
	int64_t		 shown;		/* last reported to cb */
	char		*fail;		/* set by a callback that stops */
};

static void
hub_resp_clear(struct hub_resp *r)
{
	free(r->commit);
	free(r->etag);
	free(r->linked_etag);
	free(r->location);
	free(r->message);
	free(r->encoding);
	r->commit = r->etag = r->linked_etag = r->location = NULL;
	r->message = r->encoding = NULL;
	r->code = 0;
	r->length = r->linked_size = r->range_start = -1;
}

static int64_t
hub_parse_size(const char *s)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v < 0)
		return -1;
	return v;
}

/* Printable ASCII only, at most 200 bytes: it ends up in a message. */
static char *
hub_clean(const char *s, size_t n)
{
	char	*out;
	size_t	 i, j = 0;

	if (n > 200)
		n = 200;
	out = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		out[j++] = (s[i] >= ' ' && s[i] <= '~') ? s[i] : '?';
	out[j] = '\0';
	return out;
}

static void
hub_progress_report(struct hub_resp *r, int force)
{
	const struct hub_progress	*cb = r->dl->cb;

	if (cb == NULL || cb->fn == NULL || (!force && r->have == r->shown))
		return;
	r->shown = r->have;
	cb->fn(cb->arg, r->file, r->have, r->total);
}

/* Starts the partial file again: its bytes cannot be trusted. */
static int
hub_restart(struct hub_resp *r)
{
	if (ftruncate(r->fd, 0) != 0) {
		r->fail = xasprintf("%s: %s", r->file, strerror(errno));
		return -1;
	}
	r->have = 0;
	hub_progress_report(r, 1);
	return 0;
}

/* At the end of a GET's headers: resume, restart or refuse. */
static int
hub_headers_done(struct hub_resp *r)
{
	if (r->fd == -1 || r->code < 200 || r->code >= 300)
		return 0;
	if (r->encoding != NULL && strcasecmp(r->encoding, "identity") != 0) {
		/* The ETag is of the stored bytes: never keep these. */
		if (hub_restart(r) != 0)
			return -1;
		r->fail = xasprintf("%s: the server sent a '%s'-encoded body "
		    "(identity was asked for); nothing was kept, run again",
		    r->file, r->encoding);
		return -1;
	}
	if (r->code == 206 && r->range_start != r->have) {
		if (hub_restart(r) != 0)
			return -1;
		r->fail = xasprintf("%s: the server resumed at byte %" PRId64
		    ", expected %" PRId64 "; nothing was kept, run again",
		    r->file, r->range_start, r->have);
		return -1;
	}
	if (r->code != 206 && r->have > 0)
		return hub_restart(r);	/* the server ignored Range */
	return 0;
}

/* A header of the latest response (libcurl's header API), or NULL. */
static const char *
hub_header(CURL *c, const char *name)
{
	struct curl_header	*h;

	if (curl_easy_header(c, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	return h->value;
}

static char *
hub_header_dup(CURL *c, const char *name)
{
	const char	*v = hub_header(c, name);

	return v != NULL ? xstrdup(v) : NULL;
}

/* What the latest response said, into r. */
static void
hub_resp_read(struct hub_resp *r)
{
	CURL		*c = r->dl->curl;
	const char	*v;

	hub_resp_clear(r);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
	r->commit = hub_header_dup(c, "X-Repo-Commit");
	r->etag = hub_header_dup(c, "ETag");
	r->linked_etag = hub_header_dup(c, "X-Linked-Etag");
	r->location = hub_header_dup(c, "Location");
	r->encoding = hub_header_dup(c, "Content-Encoding");
	if ((v = hub_header(c, "X-Error-Message")) != NULL)
		r->message = hub_clean(v, strlen(v));
	if ((v = hub_header(c, "Content-Length")) != NULL)
		r->length = hub_parse_size(v);
	if ((v = hub_header(c, "X-Linked-Size")) != NULL)
		r->linked_size = hub_parse_size(v);
	if ((v = hub_header(c, "Content-Range")) != NULL &&
	    strncasecmp(v, "bytes ", 6) == 0)
		r->range_start = hub_parse_size(v + 6);
}

/* Only the end of a response's headers matters here: the rest is libcurl's. */
static size_t
hub_header_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct hub_resp	*r = arg;
	size_t		 n = size * nitems;

	if (n > 2 || (n > 0 && buf[0] != '\r' && buf[0] != '\n'))
		return n;
	hub_resp_read(r);
	return hub_headers_done(r) == 0 ? n : 0;
}

static size_t
hub_write_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct hub_resp	*r = arg;
	size_t		 n = size * nitems, off = 0;
	ssize_t		 w;

	if (r->fd == -1 || r->code < 200 || r->code >= 300)
		return n;	/* an error page or a redirect's body */
	while (off < n) {
		if ((w = write(r->fd, buf + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			r->fail = xasprintf("%s: %s", r->file, strerror(errno));
			return 0;
		}
		off += (size_t)w;
	}
	r->have += (int64_t)n;
	return n;
}

static int
hub_xferinfo_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct hub_resp			*r = arg;
	const struct hub_progress	*cb = r->dl->cb;

	if (cb != NULL && cb->cancel != NULL && *cb->cancel)
		return 1;
	hub_progress_report(r, 0);
	return 0;
}

/* "scheme://host:port" of url, lowercase, allocated; NULL if unparsable. */
static char *
hub_origin(const char *url)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *port = NULL, *o = NULL, *p;

	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		o = xasprintf("%s://%s:%s", scheme, host, port);
		for (p = o; *p != '\0'; p++) {
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		}
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return o;
}

/* Is url on HF_ENDPOINT's origin, the only one HF_TOKEN goes to? */
static int
hub_trusted(struct hub_dl *dl, const char *url)
{
	char	*o;
	int	 same;

	if (dl->origin == NULL || (o = hub_origin(url)) == NULL)
		return 0;
	same = strcmp(o, dl->origin) == 0;
	free(o);
	return same;
}

/*
 * The options every request shares; url is the one to fetch. Redirects
 * are followed by hand (hub_perform), so that each hop's origin decides
 * whether the token goes with it.
 */
static void
hub_setup(struct hub_dl *dl, struct hub_resp *r, const char *url)
{
	CURL	*c = dl->curl;

	curl_easy_reset(c);
	dl->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, dl->errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, dl->auth != NULL &&
	    hub_trusted(dl, url) ? dl->auth : dl->headers);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
	    CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, dl->dl_timeout);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hub_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hub_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	hub_resp_clear(r);
}

/* A one-line message for a failed HTTP status. */
static int
hub_http_fail(struct hub_dl *dl, struct hub_resp *r, const char *url,
    char **cause)
{
	char	*say;
	int	 rc;

	say = (r->message != NULL) ? xasprintf(" (%s)", r->message) :
	    xstrdup("");
	if (r->code == 401 || r->code == 403) {
		rc = util_fail(cause, "%s: access denied (HTTP %ld) at %s%s: %s",
		    r->file, r->code, url, say, getenv("HF_TOKEN") != NULL ?
		    "HF_TOKEN was not accepted for this repository" :
		    "the repository may be gated or private; set HF_TOKEN to "
		    "an access token");
	} else if (r->code == 404) {
		rc = util_fail(cause, "%s: not found (HTTP 404) at %s%s: is "
		    "'%s' the right repository?", r->file, url, say, dl->repo);
	} else if (r->code >= 500) {
		rc = util_fail(cause, "%s: server error (HTTP %ld) at %s%s; try "
		    "again later", r->file, r->code, url, say);
	} else {
		rc = util_fail(cause, "%s: unexpected HTTP %ld at %s%s",
		    r->file, r->code, url, say);
	}
	free(say);
	return rc;
}

/* A one-line message for a failed transfer. */
static int
hub_curl_fail(struct hub_dl *dl, struct hub_resp *r, const char *url,
    CURLcode code, char **cause)
{
	const char	*why = dl->errbuf[0] != '\0' ? dl->errbuf :
			    curl_easy_strerror(code);
	char		*at;
	long		 os_errno;
	int		 rc;

	if (r->fail != NULL) {
		/* A callback said why it stopped. */
		rc = util_fail(cause, "%s", r->fail);
		free(r->fail);
		r->fail = NULL;
		return rc;
	}
	at = (r->total >= 0) ?
	    xasprintf("%" PRId64 " of %" PRId64 " bytes", r->have, r->total) :
	    xasprintf("%" PRId64 " bytes", r->have);
	switch (code) {
	case CURLE_ABORTED_BY_CALLBACK:
		rc = util_fail(cause, "%s: download cancelled after %s; run "
		    "again to resume", r->file, at);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		os_errno = 0;
		curl_easy_getinfo(dl->curl, CURLINFO_OS_ERRNO, &os_errno);
		rc = util_fail(cause, "%s: cannot connect to %s: %s%s%s%s",
		    r->file, url, why, os_errno != 0 ? " (" : "",
		    os_errno != 0 ? strerror((int)os_errno) : "",
		    os_errno != 0 ? ")" : "");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		rc = util_fail(cause, "%s: timed out at %s after %s (%s)%s",
		    r->file, url, at, why,
		    r->fd != -1 ? "; run again to resume" : "");
		break;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		rc = util_fail(cause, "%s: transfer interrupted at %s after %s "
		    "(%s); run again to resume", r->file, url, at, why);
		break;
	default:
		rc = util_fail(cause, "%s: %s: %s", r->file, url, why);
		break;
	}
	free(at);
	return rc;
}

/*
 * Strips W/ and quotes. What is left must be what the hub sends and what
 * can be checked: a git blob sha1 (40 hex digits, small files) or a sha256
 * (64, LFS files). It is also a file name in blobs/.
 */
static char *
hub_etag(const char *raw)
{
	size_t	 n;

	if (strncmp(raw, "W/", 2) == 0)
		raw += 2;
	n = strlen(raw);
	if (n >= 2 && raw[0] == '"' && raw[n - 1] == '"') {
		raw++;
		n -= 2;
	}
	if ((n != 40 && n != 64) || strspn(raw, "0123456789abcdef") < n)
		return NULL;
	return xstrndup(raw, n);
}

/* A commit hash: 40 lowercase hex digits, nothing else. */
static int
hub_commit_ok(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

/*
 * The digest an ETag names, of the file at path, as hex: sha256 of the
 * bytes for a 64-digit ETag, else the git blob sha1 (of "blob SIZE\0" and
 * the bytes).
 */
static int
hub_digest(const char *path, const char *etag, char hex[65], char **cause)
{
	unsigned char	 md[EVP_MAX_MD_SIZE], *buf;
	unsigned int	 mdlen = 0, i;
	struct stat	 sb;
	EVP_MD_CTX	*ctx;
	const EVP_MD	*type;
	char		 head[32];
	ssize_t		 n;
	int		 fd, ok, len;

	type = strlen(etag) == 64 ? EVP_sha256() : EVP_sha1();
	if ((fd = util_open_file(path, O_RDONLY, 0, &sb, cause)) == -1)
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		close(fd);
		return util_fail(cause, "%s: cannot start a digest", path);
	}
	buf = xmalloc(1 << 20);
	ok = EVP_DigestInit_ex(ctx, type, NULL);
	if (ok && type == EVP_sha1()) {
		len = snprintf(head, sizeof head, "blob %jd", (intmax_t)
		    sb.st_size);
		ok = EVP_DigestUpdate(ctx, head, (size_t)len + 1);
	}
	while (ok && (n = read(fd, buf, 1 << 20)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		ok = (n > 0) && EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen * 2 ==
	    strlen(etag);
	free(buf);
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (!ok)
		return util_fail(cause, "%s: cannot compute its digest", path);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/*
 * HEAD or GET, following redirects by hand. HEAD follows only a path on
 * the same origin ("/org/name/...": a renamed repository), as
 * huggingface_hub; the hub answers an LFS file with a 302 to its CDN that
 * carries X-Linked-Etag and X-Linked-Size, and that is not followed. GET
 * follows all of them (to the CDN). The token goes only to HF_ENDPOINT's
 * origin, hop by hop. *url is replaced by the last one asked.
 */
static int
hub_perform(struct hub_dl *dl, struct hub_resp *r, char **url, int head,
    char **cause)
{
	CURLcode	 code;
	char		*next, *from, *to, range[32];
	int		 hop, same;

	for (hop = 0; ; hop++) {
		hub_setup(dl, r, *url);
		if (head) {
			curl_easy_setopt(dl->curl, CURLOPT_NOBODY, 1L);
			curl_easy_setopt(dl->curl, CURLOPT_TIMEOUT,
			    dl->etag_timeout);
		} else {
			curl_easy_setopt(dl->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
			curl_easy_setopt(dl->curl, CURLOPT_LOW_SPEED_TIME,
			    dl->dl_timeout);
			curl_easy_setopt(dl->curl, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(dl->curl, CURLOPT_XFERINFOFUNCTION,
			    hub_xferinfo_cb);
			curl_easy_setopt(dl->curl, CURLOPT_XFERINFODATA, r);
			if (r->have > 0) {
				snprintf(range, sizeof range, "%" PRId64 "-",
				    r->have);
				curl_easy_setopt(dl->curl, CURLOPT_RANGE, range);
			}
		}
		if ((code = curl_easy_perform(dl->curl)) != CURLE_OK)
			return hub_curl_fail(dl, r, *url, code, cause);
		hub_resp_read(r);
		if (r->code < 300 || r->code >= 400 || r->code == 304)
			return 0;
		next = NULL;
		curl_easy_getinfo(dl->curl, CURLINFO_REDIRECT_URL, &next);
		if (next == NULL)
			return 0;
		if (head && (r->location == NULL || r->location[0] != '/' ||
		    r->location[1] == '/' || r->location[1] == '\\'))
			return 0;	/* not a path on this server */
		if (head) {
			from = hub_origin(*url);
			to = hub_origin(next);
			same = from != NULL && to != NULL &&
			    strcmp(from, to) == 0;
			free(from);
			free(to);
			if (!same)
				return 0;
		}
		if (hop == HUB_MAX_HOPS)
			return util_fail(cause, "%s: more than %d redirects "
			    "from %s", r->file, HUB_MAX_HOPS, *url);
		next = xstrdup(next);
		free(*url);
		*url = next;
	}
}

/* HEAD: the commit, the ETag and the size the hub gives the file. */
static int
hub_head(struct hub_dl *dl, struct hub_resp *r, const char *url0,
    char **etag, char **commit, int64_t *size, char **cause)
{
	char	*url = xstrdup(url0), *raw;
	int	 rc = -1;

	if (hub_perform(dl, r, &url, 1, cause) != 0)
		goto out;
	if (r->code >= 400 || r->code < 200) {
		hub_http_fail(dl, r, url, cause);
		goto out;
	}
	if (r->code >= 300 && r->linked_etag == NULL) {
		raw = hub_clean(r->location != NULL ? r->location : "",
		    r->location != NULL ? strlen(r->location) : 0);
		util_fail(cause, "%s: HTTP %ld from %s redirects to '%s', not a "
		    "path on HF_ENDPOINT: not followed", r->file, r->code, url,
		    raw);
		free(raw);
		goto out;
	}
	if (r->commit == NULL || !hub_commit_ok(r->commit)) {
		raw = r->commit != NULL ? hub_clean(r->commit,
		    strlen(r->commit)) : NULL;
		util_fail(cause, "%s: %s X-Repo-Commit header from %s (a "
		    "commit is 40 hex digits; is HF_ENDPOINT a Hugging Face "
		    "hub?)%s%s", r->file, raw != NULL ? "a bad" : "no", url,
		    raw != NULL ? ": " : "", raw != NULL ? raw : "");
		free(raw);
		goto out;
	}
	if ((*etag = hub_etag(r->linked_etag != NULL ? r->linked_etag :
	    r->etag != NULL ? r->etag : "")) == NULL) {
		util_fail(cause, "%s: no usable ETag header from %s (a git "
		    "sha1 or a sha256, to verify the file)", r->file, url);
		goto out;
	}
	*commit = xstrdup(r->commit);
	*size = r->linked_size >= 0 ? r->linked_size :
	    (r->code < 300 ? r->length : -1);
	rc = 0;
out:
	free(url);
	return rc;
}

/* mkdir -p */
static int
hub_mkdirs(const char *dir, char **cause)
{
	char	*p = xstrdup(dir), *s;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			util_fail(cause, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		if (dir[s - p] == '\0')
			break;
		*s = '/';
	}
	free(p);
	return 0;
}

/* Checks the finished .incomplete file; a corrupted one is removed. */
static int
hub_verify(struct hub_resp *r, const char *path, const char *etag,
    char **cause)
{
	char	hex[65];

	if (r->total >= 0 && r->have > r->total) {
		unlink(path);
		return util_fail(cause, "%s: got %" PRId64 " bytes, expected %"
		    PRId64 "; removed, run again", r->file, r->have, r->total);
	}
	if (r->total >= 0 && r->have < r->total) {
		return util_fail(cause, "%s: transfer ended after %" PRId64
		    " of %" PRId64 " bytes; run again to resume", r->file,
		    r->have, r->total);
	}
	if (hub_digest(path, etag, hex, cause) != 0)
		return -1;
	if (strcmp(hex, etag) != 0) {
		unlink(path);
		return util_fail(cause, "%s: %s mismatch: got %s, expected "
		    "%s; the download was corrupted and has been removed, run "
		    "again", r->file, strlen(etag) == 64 ? "sha256" :
		    "git sha1", hex, etag);
	}
	return 0;
}

/*
 * GET into blobs/<etag>.incomplete, resuming it, then verify and move it
 * into blobs/: only verified bytes ever get there.
 */
static int
hub_get(struct hub_dl *dl, struct hub_resp *r, const char *url0,
    const char *etag, const char *blob, char **cause)
{
	struct stat	 sb;
	char		*part, *url = NULL;
	int		 rc = -1, tries;

	part = xasprintf("%s.incomplete", blob);
	if ((r->fd = util_open_file(part, O_WRONLY | O_CREAT | O_APPEND |
	    O_NOFOLLOW, 0666, &sb, cause)) == -1)
		goto out;
	r->have = sb.st_size;
	if (r->total >= 0 && r->have > r->total) {
		if (ftruncate(r->fd, 0) != 0) {
			util_fail(cause, "%s: %s", part, strerror(errno));
			goto out;
		}
		r->have = 0;
	}
	hub_progress_report(r, 1);
	for (tries = 0; r->total < 0 || r->have < r->total; tries++) {
		free(url);
		url = xstrdup(url0);
		if (hub_perform(dl, r, &url, 0, cause) != 0)
			goto out;
		if (r->code == 416 && r->have > 0 && tries == 0) {
			/* Our part is not a prefix of theirs: start again. */
			if (ftruncate(r->fd, 0) != 0) {
				util_fail(cause, "%s: %s", part,
				    strerror(errno));
				goto out;
			}
			r->have = 0;
			continue;
		}
		if (r->code < 200 || r->code >= 300) {
			hub_http_fail(dl, r, url, cause);
			goto out;
		}
		break;
	}
	if (close(r->fd) != 0) {
		r->fd = -1;
		util_fail(cause, "%s: %s", part, strerror(errno));
		goto out;
	}
	r->fd = -1;
	if (hub_verify(r, part, etag, cause) != 0)
		goto out;
	if (rename(part, blob) != 0) {
		util_fail(cause, "%s: %s", blob, strerror(errno));
		goto out;
	}
	if (r->total < 0)
		r->total = r->have;
	hub_progress_report(r, 1);
	rc = 0;
out:
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
	free(url);
	free(part);
	return rc;
}

/* snapshots/<commit>/<file> -> ../../blobs/<etag>, replaced atomically. */
static int
hub_link(struct hub_dl *dl, const char *file, const char *etag, char **cause)
{
	char	*snap, *path, *target, *tmp, got[256];
	ssize_t	 n;
	int	 rc = -1;

	snap = xasprintf("%s/snapshots/%s", dl->folder, dl->commit);
	path = util_path(snap, file);
	target = xasprintf("../../blobs/%s", etag);
	tmp = xasprintf("%s.%ld.link", path, (long)getpid());
	if (hub_mkdirs(snap, cause) != 0)
		goto out;
	n = readlink(path, got, sizeof got - 1);
	if (n >= 0 && (size_t)n == strlen(target) &&
	    memcmp(got, target, (size_t)n) == 0) {
		rc = 0;
		goto out;
	}
	unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, path) != 0) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(target);
	free(path);
	free(snap);
	return rc;
}

/* refs/main holds the commit, without a newline, as huggingface_hub. */
static int
hub_write_ref(struct hub_dl *dl, char **cause)
{
	struct stat	 sb;
	FILE		*f;
	char		*dir, *path, *tmp, *old = NULL;
	size_t		 len;
	int		 rc = -1;

	dir = util_path(dl->folder, "refs");
	path = util_path(dir, HUB_REVISION);
	if (util_read_file(path, 256, &old, &len, NULL) == 0 &&
	    strcmp(old, dl->commit) == 0) {
		rc = 0;
		goto out;
	}
	if (hub_mkdirs(dir, cause) != 0)
		goto out;
	/* Not ours to write through (a FIFO, a device): replaced. */
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode) &&
	    !S_ISDIR(sb.st_mode) && unlink(path) != 0) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((f = util_atomic_open(path, 0666, &tmp, cause)) == NULL)
		goto out;
	fputs(dl->commit, f);
	rc = util_atomic_close(f, tmp, path, 0, cause);
out:
	free(old);
	free(path);
	free(dir);
	return rc;
}

/*
 * The lock huggingface_hub takes (filelock: flock on
 * .locks/<folder>/<etag>.lock), so that we never write the blob it writes.
 */
static int
hub_lock(struct hub_dl *dl, const char *file, const char *etag, char **cause)
{
	const char	*base = strrchr(dl->folder, '/');
	char		*dir, *path;
	int		 fd;

	dir = xasprintf("%s/.locks/%s", dl->cache,
	    base != NULL ? base + 1 : dl->folder);
	path = xasprintf("%s/%s.lock", dir, etag);
	fd = -1;
	if (hub_mkdirs(dir, cause) != 0)
		goto out;
	if ((fd = util_open_file(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0666,
	    NULL, cause)) == -1)
		goto out;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		util_fail(cause, "%s: %s (%s)", file, errno == EWOULDBLOCK ?
		    "another process is downloading it" : strerror(errno),
		    path);
		close(fd);
		fd = -1;
	}
out:
	free(path);
	free(dir);
	return fd;
}

/*
 * May a blob already in the cache be used? Small files (a git sha1 ETag)
 * are checked again, cheaply: one written before files were verified, or
 * damaged since, is removed and fetched again. A blob named by its sha256
 * got there verified and is too large to hash on every run.
 */
static int
hub_blob_ok(const char *blob, const struct stat *sb, const char *etag)
{
	char	hex[65], *why;

	if (!S_ISREG(sb->st_mode))
		return 0;
	if (strlen(etag) == 64)
		return 1;
	if (hub_digest(blob, etag, hex, &why) != 0) {
		free(why);
		return 0;
	}
	if (strcmp(hex, etag) == 0)
		return 1;
	unlink(blob);
	return 0;
}

static int
hub_fetch(struct hub_dl *dl, const char *file, char **cause)
{
	struct hub_resp	 r;
	struct stat	 sb;
	char		*url, *etag = NULL, *commit = NULL, *blob = NULL;
	int		 rc = -1, lock = -1;

	memset(&r, 0, sizeof r);
	r.dl = dl;
	r.file = file;
	r.fd = -1;
	r.total = r.shown = -1;
	url = xasprintf("%s/%s/resolve/%s/%s", dl->endpoint, dl->repo,
	    HUB_REVISION, file);
	if (hub_head(dl, &r, url, &etag, &commit, &r.total, cause) != 0)
		goto out;
	if (dl->commit == NULL)
		dl->commit = xstrdup(commit);
	else if (strcmp(dl->commit, commit) != 0) {
		util_fail(cause, "%s: the repository changed during the "
		    "download (commit %s, then %s); run again", file,
		    dl->commit, commit);
		goto out;
	}
	blob = xasprintf("%s/blobs/%s", dl->folder, etag);
	if (stat(blob, &sb) == 0 && hub_blob_ok(blob, &sb, etag)) {
		r.have = r.total = sb.st_size;
		hub_progress_report(&r, 1);
	} else {
		if ((lock = hub_lock(dl, file, etag, cause)) == -1)
			goto out;
		if (hub_get(dl, &r, url, etag, blob, cause) != 0)
			goto out;
	}
	rc = hub_link(dl, file, etag, cause);
out:
	if (lock != -1)
		close(lock);
	hub_resp_clear(&r);
	free(r.fail);
	free(blob);
	free(commit);
	free(etag);
	free(url);
	return rc;
}

static long
hub_timeout(const char *name)
{
	const char	*v = getenv(name);
	char		*end;
	double		 t;

	if (v == NULL || *v == '\0')
		return HUB_TIMEOUT;
	t = strtod(v, &end);
	if (*end != '\0' || !(t >= 1) || t > 86400)
		return HUB_TIMEOUT;
	return (long)t;
}

/* huggingface_hub's truth values for HF_HUB_OFFLINE. */
static int
hub_offline(void)
{
	static const char *const yes[] = { "1", "ON", "YES", "TRUE" };
	const char	*v = getenv("HF_HUB_OFFLINE");
	size_t		 i;

	for (i = 0; v != NULL && i < nitems(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	}
	return 0;
}

int
hub_download(const char *name, const struct hub_progress *cb, char **cause)
{
	struct hub_dl	 dl;
	const char	*token;
	char		*list, *auth, *blobs;
	size_t		 i, n;
	int		 rc = -1;

	memset(&dl, 0, sizeof dl);
	if ((dl.repo = hub_repo(name)) == NULL) {
		list = hub_names_list();
		util_fail(cause, "'%s' is not a model name (%s) or org/name "
		    "repository id", name, list);
		free(list);
		return -1;
	}
	if (hub_offline()) {
		return util_fail(cause, "cannot download %s: HF_HUB_OFFLINE is "
		    "set", dl.repo);
	}
	dl.cb = cb;
	if ((dl.endpoint = hub_getenv("HF_ENDPOINT")) == NULL)
		dl.endpoint = xstrdup(HUB_ENDPOINT);
	n = strlen(dl.endpoint);
	while (n > 0 && dl.endpoint[n - 1] == '/')
		dl.endpoint[--n] = '\0';
	dl.etag_timeout = hub_timeout("HF_HUB_ETAG_TIMEOUT");
	dl.dl_timeout = hub_timeout("HF_HUB_DOWNLOAD_TIMEOUT");
	dl.cache = hub_cache_dir();
	dl.folder = hub_folder(dl.cache, dl.repo);
	blobs = util_path(dl.folder, "blobs");
	if (hub_mkdirs(blobs, cause) != 0) {
		free(blobs);
		goto out;
	}
	free(blobs);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		util_fail(cause, "cannot start libcurl");
		goto out;
	}
	if ((dl.curl = curl_easy_init()) == NULL) {
		curl_global_cleanup();
		util_fail(cause, "cannot start libcurl");
		goto out;
	}
	/* The ETag is of the bytes as stored: no compression. */
	dl.headers = curl_slist_append(NULL, "Accept-Encoding: identity");
	if ((token = getenv("HF_TOKEN")) != NULL && *token != '\0') {
		/* Only ever sent to HF_ENDPOINT's origin (hub_setup). */
		dl.origin = hub_origin(dl.endpoint);
		auth = xasprintf("Authorization: Bearer %s", token);
		dl.auth = curl_slist_append(NULL, "Accept-Encoding: identity");
		if (dl.auth != NULL)
			dl.auth = curl_slist_append(dl.auth, auth);
		free(auth);
		if (dl.auth == NULL || dl.origin == NULL) {
			util_fail(cause, "HF_ENDPOINT: '%s' is not a URL",
			    dl.endpoint);
			goto out;
		}
	}
	if (dl.headers == NULL) {
		util_fail(cause, "cannot start libcurl");
		goto out;
	}
	for (i = 0; hub_files[i] != NULL; i++) {
		if (cb != NULL && cb->cancel != NULL && *cb->cancel) {
			util_fail(cause, "download cancelled");
			goto out;
		}
		if (hub_fetch(&dl, hub_files[i], cause) != 0)
			goto out;
	}
	rc = hub_write_ref(&dl, cause);
out:
	if (dl.curl != NULL) {
		curl_easy_cleanup(dl.curl);
		curl_global_cleanup();
	}
	curl_slist_free_all(dl.headers);
	curl_slist_free_all(dl.auth);
	free(dl.origin);
	free(dl.commit);
	free(dl.folder);
	free(dl.cache);
	free(dl.endpoint);
	return rc;
}
