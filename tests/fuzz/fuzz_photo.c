/*
 * The handheld's photo scaling (mobile-agent/photo.c) on any bytes: a
 * camera's file is outside input. Compiled with a small PHOTO_MIN_EDGE so
 * small seeds reach the decoding and re-encoding, not only the header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *out = NULL, *cause = NULL;
	size_t outlen = 0;
	FILE *in, *o;
	int r;

	if (len == 0 || (in = fmemopen((void *)data, len, "rb")) == NULL)
		return 0;
	if ((o = open_memstream(&out, &outlen)) == NULL)
		abort();
	r = photo_shrink(in, len, 1, o, &cause);
	fclose(o);
	/* Smaller means something was written. */
	if (r == 1 && (outlen == 0 || outlen >= len))
		abort();
	fclose(in);
	free(out);
	free(cause);
	return 0;
}
