/*
 * What the handheld decodes itself from outside besides photos: gpsd's
 * JSON lines (gps.c). patrold's HTTP answers are parsed by libevent's
 * evhttp (mobile-agent/http.c), not by our code.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
agent_strdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		abort();
	return d;
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

int64_t
agent_now_ms(void)
{
	return (int64_t)time(NULL) * 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct gps_fix fix;
	char *line;

	line = agent_alloc(len + 1);
	memcpy(line, data, len);
	if (gps_gpsd_parse(line, &fix) == 1 &&
	    (fix.lat < -90 || fix.lat > 90 || fix.t_ms <= 0))
		abort();
	free(line);
	return 0;
}
