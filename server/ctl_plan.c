/*
 * "patrolctl plan solomon FILE": solves one instance in Solomon's format
 * with the crews' planner and prints one line "vehicles N distance D
 * time_ms T" (distance unrounded, Euclidean), then one line per route with
 * the customer numbers in order (as numbered by their rows, depot 0).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_plan.h"
#include "db.h"
#include "store_plan.h"
#include "store_wait.h"
#include "vrptw.h"
#include "xmalloc.h"

#define CTL_PLAN_MAX_FILE (64 * 1024 * 1024)

static int
ctl_plan_read(const char *path, char **out, size_t *len, char **cause)
{
	FILE *f;
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
		if (n > CTL_PLAN_MAX_FILE) {
			fclose(f);
			free(buf);
			*cause = xasprintf("%s: larger than 64 MiB", path);
			return -1;
		}
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int
ctl_plan_number(const char *what, const char *s, long lo, long hi, long *out)
{
	char *e;

	errno = 0;
	*out = strtol(s, &e, 10);
	if (*s == '\0' || *e != '\0' || errno != 0 || *out < lo || *out > hi) {
		fprintf(stderr,
		    "patrolctl: plan: %s must be a number from %ld to "
		    "%ld\n",
		    what, lo, hi);
		return -1;
	}
	return 0;
}

int
ctl_plan_solomon(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {
	    {.name = "time-ms"}, {.name = "seed"}, {.name = NULL}};
	const char *pos[1];
	struct vrptw_problem p;
	struct vrptw_params prm = {1000, 0, 1};
	struct vrptw_solution s;
	char *text, *cause;
	size_t len;
	long n;
	int v, k, r = 0;

	if (ctl_args("plan solomon", argc, argv, opts, pos, 1) != 1) {
		return ctl_usage(c, "plan solomon");
	}
	if (opts[0].value != NULL) {
		if (ctl_plan_number(
		        "--time-ms", opts[0].value, 1, 3600000, &n) != 0)
			return 2;
		prm.time_ms = (int)n;
	}
	if (opts[1].value != NULL) {
		if (ctl_plan_number(
		        "--seed", opts[1].value, 0, 2147483647, &n) != 0)
			return 2;
		prm.seed = (unsigned)n;
	}
	if (ctl_plan_read(pos[0], &text, &len, &cause) != 0)
		return ctl_fail("plan solomon", cause);
	if (vrptw_solomon_parse(text, len, &p, &cause) != 0) {
		char *msg = xasprintf("%s: %s", pos[0], cause);

		free(cause);
		free(text);
		return ctl_fail("plan solomon", msg);
	}
	free(text);
	vrptw_solve(&p, &prm, &s);
	printf("vehicles %d distance %.4f time_ms %.0f\n", s.vehicles_used,
	    s.distance, s.elapsed_ms);
	if (s.time_bound)
		fprintf(stderr,
		    "patrolctl: plan solomon: the CPU time ran out "
		    "before the search's work budget: the result "
		    "depends on this machine's speed\n");
	for (v = 0; v < s.nvehicles; v++) {
		if (s.routes[v].n == 0)
			continue;
		printf("route %d:", ++r);
		for (k = 0; k < s.routes[v].n; k++)
			printf(" %d", s.routes[v].jobs[k] + 1);
		printf("\n");
	}
	if (s.nunplanned > 0) {
		printf("unplanned:");
		for (k = 0; k < s.nunplanned; k++)
			printf(" %d", s.unplanned[k] + 1);
		printf("\n");
	}
	vrptw_solution_free(&s);
	vrptw_problem_free(&p);
	return 0;
}

/* "HH:MM" at s into minutes of the day; the end of it in *end. */
static int
ctl_plan_clock(const char *s, const char **end, int *min)
{
	if (s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[2] != ':' || s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	*min = ((s[0] - '0') * 10 + s[1] - '0') * 60 + (s[3] - '0') * 10 +
	    s[4] - '0';
	*end = s + 5;
	return *min < 24 * 60 ? 0 : -1;
}

int
ctl_plan_break_set(struct ctl *c, const char *crew, const char *spec)
{
	struct db_wait w = {0};
	const char *p;
	char start[16], end[16], minutes[16];
	int a, b, len;
	long n;

	if (strcmp(spec, "none") == 0) {
		store_plan_break_set(
		    ctl_db(c), crew, NULL, NULL, NULL, db_wait_cb, &w);
		goto wait;
	}
	if (ctl_plan_clock(spec, &p, &a) != 0 || *p++ != '-' ||
	    ctl_plan_clock(p, &p, &b) != 0 || (*p != '\0' && *p != '/')) {
		fprintf(stderr,
		    "patrolctl: plan break: %s: not HH:MM-HH:MM[/MINUTES] "
		    "or none\n",
		    spec);
		return 2;
	}
	if (b <= a) {
		fprintf(stderr,
		    "patrolctl: plan break: %s: the end must be after the "
		    "start (a break does not cross midnight)\n",
		    spec);
		return 2;
	}
	len = b - a;
	if (*p == '/') {
		if (ctl_plan_number("MINUTES", p + 1, 5, 240, &n) != 0)
			return 2;
		len = (int)n;
	}
	if (len < 5 || len > 240 || len > b - a) {
		fprintf(stderr,
		    "patrolctl: plan break: %s: the break must be 5 to 240 "
		    "minutes and fit in its range (%d minutes)\n",
		    spec, b - a);
		return 2;
	}
	snprintf(start, sizeof start, "%02d:%02d", a / 60, a % 60);
	snprintf(end, sizeof end, "%02d:%02d", b / 60, b % 60);
	snprintf(minutes, sizeof minutes, "%d", len);
	store_plan_break_set(
	    ctl_db(c), crew, start, end, minutes, db_wait_cb, &w);
wait:
	return ctl_wait_one(c, &w, "plan break", "no crew %s", crew);
}

int
ctl_plan_break(struct ctl *c, int argc, char **argv)
{
	const char *pos[2];
	int rc;

	if (ctl_args("plan break", argc, argv, NULL, pos, 2) != 2) {
		return ctl_usage(c, "plan break");
	}
	if ((rc = ctl_plan_break_set(c, pos[0], pos[1])) == 0)
		printf("crew %s: break %s\n", pos[0], pos[1]);
	return rc;
}
