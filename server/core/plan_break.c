/*
 * A crew's break as a dispatcher or patrolctl gives it: a start and an
 * end in local time (HH:MM, the same day) and, for a floating break, its
 * length. One check for the JSON API and patrolctl (schema 0140's rule).
 */
#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "xmalloc.h"

/* "HH:MM" (one or two hour digits) to minutes after midnight, or -1. */
static int
plan_break_clock(const char *s)
{
	int h = 0, m, i = 0;

	if (s == NULL)
		return -1;
	while (i < 2 && s[i] >= '0' && s[i] <= '9')
		h = h * 10 + (s[i++] - '0');
	if (i == 0 || s[i] != ':' || s[i + 1] < '0' || s[i + 1] > '5' ||
	    s[i + 2] < '0' || s[i + 2] > '9' || s[i + 3] != '\0' || h > 23)
		return -1;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	return h * 60 + m;
}

int
plan_break_check(const char *start, const char *end, long minutes,
    struct plan_break_spec *out, const char **field, char **cause)
{
	int a = plan_break_clock(start), b = plan_break_clock(end);
	long len;

	*field = NULL;
	*cause = NULL;
	if (a < 0 || b < 0) {
		*field = a < 0 ? "start" : "end";
		*cause = xasprintf(
		    "%s must be a time of day as HH:MM (00:00 to 23:59)",
		    *field);
		return -1;
	}
	if (b <= a) {
		*field = "end";
		*cause = xasprintf("end must be after start (a break does not "
		                   "cross midnight)");
		return -1;
	}
	len = minutes > 0 ? minutes : b - a;
	if (minutes < 0 || len < 5 || len > 240 || len > b - a) {
		*field = minutes != 0 ? "minutes" : "end";
		*cause = xasprintf("the break must be 5 to 240 minutes and fit "
		                   "between start and end (%d minutes)",
		    b - a);
		return -1;
	}
	snprintf(out->start, sizeof out->start, "%02d:%02d", a / 60, a % 60);
	snprintf(out->end, sizeof out->end, "%02d:%02d", b / 60, b % 60);
	out->minutes = (int)len;
	return 0;
}
