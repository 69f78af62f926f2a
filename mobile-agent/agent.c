/*
 * The helpers every file of patrol-agent uses: the state directory's
 * paths, random ids, times, back-off, command options and usage (allocation and
 * formatting that exit on failure are common/xmalloc.c's). main() and the
 * command table are in main.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "agent.h"

void
agent_log(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	if (a == NULL || !a->verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "patrol-agent: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

char *
agent_path(struct agent *a, const char *name)
{
	return xasprintf("%s/%s", a->dir, name);
}

void
agent_random_id(char *out, size_t n)
{
	unsigned char b[32];
	size_t i;

	if (n > sizeof b)
		n = sizeof b;
	if (getrandom(b, n, 0) != (ssize_t)n) {
		fprintf(stderr, "patrol-agent: no randomness: %s\n",
		    strerror(errno));
		exit(AGENT_EXIT_FAIL);
	}
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int64_t
agent_backoff_ms(int failures, int64_t base_ms, int64_t max_ms)
{
	int64_t d = base_ms;
	uint32_t r = 0;

	while (--failures > 0 && d < max_ms)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint32_t)rand();
	return d / 2 + (int64_t)(r % (uint32_t)(d / 2 + 1));
}

int64_t
agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
agent_usage(const struct agent *a, const char *name)
{
	size_t i, len = strcspn(name, " ");

	for (i = 0; i < a->ncommands; i++) {
		if (strlen(a->commands[i].name) == len &&
		    strncmp(a->commands[i].name, name, len) == 0) {
			fprintf(stderr, "usage: patrol-agent %s%s%s\n",
			    a->commands[i].name,
			    *a->commands[i].usage != '\0' ? " " : "",
			    a->commands[i].usage);
			return AGENT_EXIT_USAGE;
		}
	}
	fprintf(stderr, "usage: patrol-agent %.*s ...\n", (int)len, name);
	return AGENT_EXIT_USAGE;
}

int
agent_args(const char *cmd, int argc, char **argv, struct args_opt *opts,
    const char **pos, int npos)
{
	char *cause;
	int n;

	if ((n = args_parse(argc, argv, opts, pos, npos, &cause)) < 0) {
		fprintf(stderr, "patrol-agent: %s: %s\n", cmd, cause);
		free(cause);
	}
	return n;
}
