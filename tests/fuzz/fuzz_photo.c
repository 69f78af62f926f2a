/*
 * The handheld's photo scaling (mobile-agent/photo.c) on any bytes: a
 * camera's file is outside input. Compiled with a small PHOTO_MIN_EDGE so
 * small seeds reach the decoding and re-encoding, not only the header.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent.h"

void *
agent_alloc(size_t n)
{
	void *p = calloc(1, n == 0 ? 1 : n);

	if (p == NULL)
		abort();
	return p;
}

char *
agent_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	return s;
}

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
