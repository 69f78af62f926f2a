/*
 * What the handheld reads from outside besides photos: patrold's HTTP
 * answers (mobile-agent/http.c's parser) and gpsd's JSON lines (gps.c).
 * The first byte picks the decoder and the parser's flags.
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
	struct http_resp r = {0};
	struct gps_fix fix;
	char *cause = NULL, *line;
	int rc;

	if (len == 0)
		return 0;
	if (data[0] & 1) {
		line = agent_alloc(len);
		memcpy(line, data + 1, len - 1);
		if (gps_gpsd_parse(line, &fix) == 1 &&
		    (fix.lat < -90 || fix.lat > 90 || fix.t_ms <= 0))
			abort();
		free(line);
		return 0;
	}
	rc = http_resp_parse(
	    data + 1, len - 1, data[0] & 2, data[0] & 4, 4096, &r, &cause);
	if (rc == 1 &&
	    (r.status < 200 || r.status > 599 || r.len > 4096 ||
	        (r.body != NULL && r.body[r.len] != '\0')))
		abort();
	if (rc == -1 && cause == NULL)
		abort();
	http_resp_free(&r);
	free(cause);
	return 0;
}
