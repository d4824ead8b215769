/*
 * hub-fetch.c: drives hub_download and hub_resolve for tests/hub.sh.
 *
 *	hub-fetch [-c BYTES] NAME	download NAME; with -c, cancel once
 *					BYTES of the weights have arrived
 *	hub-fetch -r NAME		print the directory NAME resolves to
 *
 * Prints "FILE DONE TOTAL" on stdout as each file completes and the error
 * on stderr; exits 0 or 1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"

struct fetch {
	int64_t			cancel_at;	/* -1: never */
	volatile sig_atomic_t	cancel;
	int64_t			calls;
};

static void
fetch_progress(void *arg, const char *file, int64_t done, int64_t total)
{
	struct fetch	*f = arg;

	f->calls++;
	if (f->cancel_at >= 0 && done >= f->cancel_at &&
	    strcmp(file, "model.safetensors") == 0)
		f->cancel = 1;
	if (total >= 0 && done == total)
		printf("%s %lld %lld\n", file, (long long)done,
		    (long long)total);
}

int
main(int argc, char **argv)
{
	struct fetch		 f = { -1, 0, 0 };
	struct hub_progress	 cb = { fetch_progress, &f, &f.cancel };
	char			*cause = NULL, *dir;
	int			 ch, resolve = 0;

	while ((ch = getopt(argc, argv, "c:r")) != -1) {
		switch (ch) {
		case 'c':
			f.cancel_at = strtoll(optarg, NULL, 10);
			break;
		case 'r':
			resolve = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	if (resolve) {
		if ((dir = hub_resolve(argv[optind], &cause)) == NULL)
			goto fail;
		printf("%s\n", dir);
		free(dir);
		return 0;
	}
	if (hub_download(argv[optind], &cb, &cause) != 0)
		goto fail;
	if (f.calls == 0) {
		fprintf(stderr, "hub-fetch: no progress reported\n");
		return 1;
	}
	return 0;
fail:
	fprintf(stderr, "hub-fetch: %s\n", cause);
	free(cause);
	return 1;
usage:
	fprintf(stderr, "usage: hub-fetch [-c bytes] [-r] name\n");
	return 2;
}
