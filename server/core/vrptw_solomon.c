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

/* Where the parse is: the section, the fleet line once read, the customer
 * rows so far and the depot (row 0), whose place and hours the vehicles
 * take. */
struct solomon {
	int section; /* 0 before VEHICLE, 1 in it, 2 in CUSTOMER */
	int fleet, rows;
	double cap, x, y, ready, due;
	size_t alloc;
};

/* A customer row of n numbers: checked, then kept as the depot (the first
 * row) or as a job of p. */
static int
solomon_customer(struct solomon *st, struct vrptw_problem *p, const double *v,
    int n, int line, char **cause)
{
	int i;

	if (n != 7)
		return solomon_fail(
		    cause, line, "expected a customer row of 7 numbers");
	for (i = 1; i < 7; i++) {
		if (fabs(v[i]) > 1e9)
			return solomon_fail(cause, line, "a value beyond 1e9");
	}
	if (v[3] < 0 || v[6] < 0 || v[5] < v[4])
		return solomon_fail(cause, line,
		    "negative demand or service, or due date before ready "
		    "time");
	if (st->rows == 0) {
		st->x = v[1];
		st->y = v[2];
		st->ready = v[4];
		st->due = v[5];
	} else {
		if (p->njobs >= VRPTW_MAX_JOBS)
			return solomon_fail(
			    cause, line, "too many customers (limit 20000)");
		if ((size_t)p->njobs == st->alloc) {
			st->alloc = st->alloc ? st->alloc * 2 : 128;
			p->jobs =
			    xreallocarray(p->jobs, st->alloc, sizeof *p->jobs);
		}
		p->jobs[p->njobs] = (struct vrptw_job){
		    v[1], v[2], v[3], v[4], v[5], v[6], 0, 1, -1};
		p->njobs++;
	}
	st->rows++;
	return 0;
}

/* One line, s to eol (the line-th): a section title or header words, the
 * fleet line, a customer row, or blank. */
static int
solomon_line(struct solomon *st, struct vrptw_problem *p, const char *s,
    const char *eol, int line, char **cause)
{
	double v[8];
	int n = solomon_numbers(s, eol, v, 8), nonblank = 0;

	for (const char *q = s; q < eol; q++)
		if (!isspace((unsigned char)*q))
			nonblank = 1;
	if (memchr(s, '\0', (size_t)(eol - s)) != NULL)
		return solomon_fail(cause, line, "NUL byte");
	if (n < 0 && nonblank) {
		/* Words: a section title or a header line. */
		if (eol - s >= 7 && strncmp(s, "VEHICLE", 7) == 0)
			st->section = 1;
		else if (eol - s >= 8 && strncmp(s, "CUSTOMER", 8) == 0)
			st->section = 2;
		else if (st->rows > 0)
			return solomon_fail(cause, line,
			    "expected a customer row of 7 numbers");
	} else if (n > 0 && st->section == 1 && st->fleet == 0) {
		if (n != 2 || v[0] < 1 || v[0] > VRPTW_MAX_VEHICLES ||
		    v[1] <= 0 || v[1] > 1e9)
			return solomon_fail(cause, line,
			    "expected vehicle number (1-5000) and "
			    "capacity > 0");
		st->fleet = (int)v[0];
		st->cap = v[1];
	} else if (n > 0 && st->section == 2) {
		return solomon_customer(st, p, v, n, line, cause);
	} else if (n > 0 && st->section == 0 && line > 1) {
		return solomon_fail(
		    cause, line, "numbers before the VEHICLE section");
	}
	return 0;
}

int
vrptw_solomon_parse(
    const char *text, size_t len, struct vrptw_problem *p, char **cause)
{
	const char *s = text, *end = text + len, *eol;
	struct solomon st = {0};
	int line = 0, i;

	memset(p, 0, sizeof *p);
	p->time_per_unit = 1;
	p->minimise_vehicles = 1;
	while (s < end) {
		eol = memchr(s, '\n', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
		line++;
		if (solomon_line(&st, p, s, eol, line, cause) != 0) {
			vrptw_problem_free(p);
			return -1;
		}
		s = eol < end ? eol + 1 : end;
	}
	if (st.fleet == 0) {
		vrptw_problem_free(p);
		return solomon_fail(
		    cause, line, "no VEHICLE number and capacity");
	}
	if (st.rows == 0) {
		vrptw_problem_free(p);
		return solomon_fail(
		    cause, line, "no CUSTOMER rows (depot first)");
	}
	p->nvehicles = st.fleet;
	p->vehicles = xcalloc(st.fleet, sizeof *p->vehicles);
	for (i = 0; i < st.fleet; i++)
		p->vehicles[i] = (struct vrptw_vehicle){st.x, st.y, st.x, st.y,
		    st.ready, st.due, st.cap, 0, 0, 0, 0};
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
