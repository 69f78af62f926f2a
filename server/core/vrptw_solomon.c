/*
 * Solomon's VRPTW text format: a name line, a VEHICLE section whose first
 * line of two numbers is the fleet size and capacity, then a CUSTOMER
 * section of rows "no x y demand ready due service"; row 0 is the depot.
 * Header words are skipped; any other line that is not such a row is an
 * error naming its line number.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vrptw.h"
#include "xmalloc.h"

/* Reads up to max numbers from one line; returns how many, or -1 if the
 * line holds something that is not a number. */
static int
solomon_numbers(const char *s, const char *end, double *out, int max)
{
	char buf[64];
	const char *t;
	char *e;
	int n = 0;
	size_t len;

	for (;;) {
		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s == end)
			return n;
		t = s;
		while (t < end && !isspace((unsigned char)*t))
			t++;
		len = (size_t)(t - s);
		if (len >= sizeof buf || n == max)
			return -1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		out[n] = strtod(buf, &e);
		if (*e != '\0' || errno != 0 || !isfinite(out[n]))
			return -1;
		n++;
		s = t;
	}
}

static int
solomon_fail(char **cause, int line, const char *what)
{
	*cause = xasprintf("line %d: %s", line, what);
	return -1;
}

int
vrptw_solomon_parse(
    const char *text, size_t len, struct vrptw_problem *p, char **cause)
{
	const char *s = text, *end = text + len, *eol;
	double v[8], x = 0, y = 0, ready = 0, due = 0, cap = 0;
	int line = 0, n, section = 0, fleet = 0, rows = 0, i, nonblank;
	size_t alloc = 0;

	memset(p, 0, sizeof *p);
	p->time_per_unit = 1;
	p->minimise_vehicles = 1;
	while (s < end) {
		eol = memchr(s, '\n', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
		line++;
		n = solomon_numbers(s, eol, v, 8);
		nonblank = 0;
		for (const char *q = s; q < eol; q++)
			if (!isspace((unsigned char)*q))
				nonblank = 1;
		if (memchr(s, '\0', (size_t)(eol - s)) != NULL) {
			vrptw_problem_free(p);
			return solomon_fail(cause, line, "NUL byte");
		}
		if (n < 0 && nonblank) {
			/* Words: a section title or a header line. */
			if (eol - s >= 7 && strncmp(s, "VEHICLE", 7) == 0)
				section = 1;
			else if (eol - s >= 8 && strncmp(s, "CUSTOMER", 8) == 0)
				section = 2;
			else if (rows > 0) {
				vrptw_problem_free(p);
				return solomon_fail(cause, line,
				    "expected a customer row of 7 numbers");
			}
		} else if (n > 0 && section == 1 && fleet == 0) {
			if (n != 2 || v[0] < 1 || v[0] > VRPTW_MAX_VEHICLES ||
			    v[1] <= 0 || v[1] > 1e9) {
				vrptw_problem_free(p);
				return solomon_fail(cause, line,
				    "expected vehicle number (1-5000) and "
				    "capacity > 0");
			}
			fleet = (int)v[0];
			cap = v[1];
		} else if (n > 0 && section == 2) {
			if (n != 7) {
				vrptw_problem_free(p);
				return solomon_fail(cause, line,
				    "expected a customer row of 7 numbers");
			}
			for (i = 1; i < 7; i++) {
				if (fabs(v[i]) > 1e9) {
					vrptw_problem_free(p);
					return solomon_fail(
					    cause, line, "a value beyond 1e9");
				}
			}
			if (v[3] < 0 || v[6] < 0 || v[5] < v[4]) {
				vrptw_problem_free(p);
				return solomon_fail(cause, line,
				    "negative demand or service, or due date "
				    "before ready time");
			}
			if (rows == 0) {
				x = v[1];
				y = v[2];
				ready = v[4];
				due = v[5];
			} else {
				if (p->njobs >= VRPTW_MAX_JOBS) {
					vrptw_problem_free(p);
					return solomon_fail(cause, line,
					    "too many customers (limit 20000)");
				}
				if ((size_t)p->njobs == alloc) {
					alloc = alloc ? alloc * 2 : 128;
					p->jobs = xreallocarray(
					    p->jobs, alloc, sizeof *p->jobs);
				}
				p->jobs[p->njobs] = (struct vrptw_job){v[1],
				    v[2], v[3], v[4], v[5], v[6], 0, 1, -1};
				p->njobs++;
			}
			rows++;
		} else if (n > 0 && section == 0 && line > 1) {
			vrptw_problem_free(p);
			return solomon_fail(
			    cause, line, "numbers before the VEHICLE section");
		}
		s = eol < end ? eol + 1 : end;
	}
	if (fleet == 0) {
		vrptw_problem_free(p);
		return solomon_fail(
		    cause, line, "no VEHICLE number and capacity");
	}
	if (rows == 0) {
		vrptw_problem_free(p);
		return solomon_fail(
		    cause, line, "no CUSTOMER rows (depot first)");
	}
	p->nvehicles = fleet;
	p->vehicles = xcalloc(fleet, sizeof *p->vehicles);
	for (i = 0; i < fleet; i++)
		p->vehicles[i] = (struct vrptw_vehicle){
		    x, y, x, y, ready, due, cap, 0, 0, 0, 0};
	return 0;
}

void
vrptw_problem_free(struct vrptw_problem *p)
{
	free(p->jobs);
	free(p->vehicles);
	p->jobs = NULL;
	p->vehicles = NULL;
	p->njobs = p->nvehicles = 0;
}
