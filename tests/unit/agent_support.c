/*
 * The helpers of mobile-agent/agent.c that the agent's other files call,
 * for unit tests that link those files without agent.c (it holds main()
 * and the command table, which would pull in the network code). Same
 * behaviour as agent.c; agent_log is silent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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
	size_t len = strlen(s) + 1;
	char *p = agent_alloc(len);

	memcpy(p, s, len);
	return p;
}

char *
agent_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		abort();
	return s;
}

void
agent_log(struct agent *a, const char *fmt, ...)
{
	(void)a;
	(void)fmt;
}

char *
agent_path(struct agent *a, const char *name)
{
	return agent_printf("%s/%s", a->dir, name);
}

void
agent_random_id(char *out, size_t n)
{
	unsigned char b[32];
	size_t i;

	if (n > sizeof b)
		n = sizeof b;
	if (getrandom(b, n, 0) != (ssize_t)n)
		abort();
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int64_t
agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
