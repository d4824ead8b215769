/*
 * fuzz-model-config.c: gpt2_load with a fuzzed config.json next to a small
 * valid model.safetensors (1 layer, 2 heads, n_embd 4, 8 tokens, 4
 * positions) written once at start. A model that loads must run.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	*dir, *config_path;

static const struct {
	const char	*name;
	int		 d0, d1;	/* d1 0: one dimension */
} tensors[] = {
	{ "wte.weight", 8, 4 }, { "wpe.weight", 4, 4 },
	{ "h.0.ln_1.weight", 4, 0 }, { "h.0.ln_1.bias", 4, 0 },
	{ "h.0.attn.c_attn.weight", 4, 12 }, { "h.0.attn.c_attn.bias", 12, 0 },
	{ "h.0.attn.c_proj.weight", 4, 4 }, { "h.0.attn.c_proj.bias", 4, 0 },
	{ "h.0.ln_2.weight", 4, 0 }, { "h.0.ln_2.bias", 4, 0 },
	{ "h.0.mlp.c_fc.weight", 4, 16 }, { "h.0.mlp.c_fc.bias", 16, 0 },
	{ "h.0.mlp.c_proj.weight", 16, 4 }, { "h.0.mlp.c_proj.bias", 4, 0 },
	{ "ln_f.weight", 4, 0 }, { "ln_f.bias", 4, 0 },
};

static void
write_model(const char *path)
{
	char	 hdr[4096];
	size_t	 i, off = 0, n, len = 1, total = 0;
	float	 v;
	FILE	*f;

	hdr[0] = '{';
	for (i = 0; i < nitems(tensors); i++) {
		n = (size_t)tensors[i].d0 * (tensors[i].d1 ? tensors[i].d1 : 1);
		if (tensors[i].d1)
			len += (size_t)snprintf(hdr + len, sizeof hdr - len,
			    "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%d,%d],"
			    "\"data_offsets\":[%zu,%zu]}", i ? "," : "",
			    tensors[i].name, tensors[i].d0, tensors[i].d1,
			    off, off + 4 * n);
		else
			len += (size_t)snprintf(hdr + len, sizeof hdr - len,
			    "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%d],"
			    "\"data_offsets\":[%zu,%zu]}", i ? "," : "",
			    tensors[i].name, tensors[i].d0, off, off + 4 * n);
		off += 4 * n;
	}
	len += (size_t)snprintf(hdr + len, sizeof hdr - len, "}");
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	for (i = 0; i < 8; i++)
		fputc((int)((uint64_t)len >> (8 * i) & 0xff), f);
	fwrite(hdr, 1, len, f);
	for (total = 0; total < off / 4; total++) {
		v = (float)((total * 7919) % 17) / 17.0f - 0.5f;
		fwrite(&v, sizeof v, 1, f);
	}
	if (fclose(f) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*t = getenv("TMPDIR");
	char		*path;

	dir = xasprintf("%s/fuzz-model.XXXXXX", t != NULL ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	path = util_path(dir, "model.safetensors");
	write_model(path);
	free(path);
	config_path = util_path(dir, "config.json");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpt2_state	*s;
	struct gpt2		*m;
	FILE			*f;
	char			*cause = NULL;
	static const int	 ids[] = { 1, 7, 0, 3 };

	if ((f = fopen(config_path, "wb")) == NULL ||
	    fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if ((m = gpt2_load(dir, &cause)) == NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	s = gpt2_state_new(m);
	if (gpt2_forward(s, ids, 4, NULL, NULL, NULL) != 0)
		abort();
	gpt2_state_free(s);
	gpt2_free(m);
	return 0;
}
