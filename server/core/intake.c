#include <string.h>

#include "field_limits.h"
#include "intake.h"
#include "utf8.h"
#include "xmalloc.h"

static int
intake_in_values(json_t *values, json_t *v)
{
	json_t *opt;
	size_t i;

	json_array_foreach(values, i, opt)
	{
		if (json_equal(json_object_get(opt, "key"), v))
			return 1;
	}
	return 0;
}

static int
intake_check_one(json_t *q, json_t *v, int *priority, char **cause)
{
	const char *code = json_string_value(json_object_get(q, "code"));
	const char *type = json_string_value(json_object_get(q, "datatype"));
	json_t *values = json_object_get(q, "values"), *item, *raises;
	size_t i;

	if (type == NULL)
		type = "string";
	if (strcmp(type, "singlevaluelist") == 0) {
		if (!json_is_string(v))
			goto wrong;
		if (!intake_in_values(values, v)) {
			*cause = xasprintf("'%s' is not one of the answers to "
			                   "%s",
			    json_string_value(v), code);
			return -1;
		}
	} else if (strcmp(type, "multivaluelist") == 0) {
		if (!json_is_array(v))
			goto wrong;
		json_array_foreach(v, i, item)
		{
			if (!intake_in_values(values, item)) {
				*cause = xasprintf("an answer to %s is not "
				                   "one of its values",
				    code);
				return -1;
			}
		}
	} else if (strcmp(type, "number") == 0) {
		if (!json_is_number(v))
			goto wrong;
	} else if (!json_is_string(v) ||
	    utf8_len(json_string_value(v)) > LIMIT_ANSWER)
		goto wrong;
	/* Some answers make a call more urgent (deep pothole, school path). */
	raises = json_object_get(q, "raises");
	if (raises != NULL && json_equal(json_object_get(raises, "value"), v) &&
	    json_integer_value(json_object_get(raises, "priority")) < *priority)
		*priority = (int)json_integer_value(
		    json_object_get(raises, "priority"));
	return 0;
wrong:
	*cause = xasprintf("the answer to %s has the wrong type for a %s "
	                   "question",
	    code, type);
	return -1;
}

int
intake_check_answers(json_t *category, json_t *answers, int *priority,
    char **field, char **cause)
{
	json_t *questions = json_object_get(category, "questions"), *q, *v;
	const char *code, *k;
	size_t i;
	int known;

	*priority =
	    (int)json_integer_value(json_object_get(category, "priority"));
	json_array_foreach(questions, i, q)
	{
		code = json_string_value(json_object_get(q, "code"));
		v = answers != NULL ? json_object_get(answers, code) : NULL;
		if (v == NULL || json_is_null(v)) {
			if (json_is_true(json_object_get(q, "required"))) {
				*field = xasprintf("answers.%s", code);
				*cause = xasprintf("the category asks %s: "
				                   "please answer it",
				    code);
				return -1;
			}
			continue;
		}
		if (intake_check_one(q, v, priority, cause) != 0) {
			*field = xasprintf("answers.%s", code);
			return -1;
		}
	}
	if (answers == NULL)
		return 0;
	json_object_foreach(answers, k, v)
	{
		known = 0;
		json_array_foreach(questions, i, q)
		{
			if (strcmp(
			        json_string_value(json_object_get(q, "code")),
			        k) == 0)
				known = 1;
		}
		if (!known) {
			*field = xasprintf("answers.%s", k);
			*cause =
			    xasprintf("the category has no question %s", k);
			return -1;
		}
	}
	return 0;
}

/* n digits at *p into *v; -1 if they are not there. */
static int
intake_digits(const char **p, int n, int *v)
{
	*v = 0;
	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (*(*p)++ - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static long long
intake_days(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
intake_time_parse(const char *s, long long *out)
{
	static const int mdays[] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 0;

	if (intake_digits(&p, 4, &y) || *p++ != '-' ||
	    intake_digits(&p, 2, &mo) || *p++ != '-' ||
	    intake_digits(&p, 2, &d) || (*p != 'T' && *p != ' ') ||
	    (p++, intake_digits(&p, 2, &h)) || *p++ != ':' ||
	    intake_digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (intake_digits(&p, 2, &sec))
			return -1;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (intake_digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (intake_digits(&p, 2, &om))
			return -1;
	} else
		return -1;
	if (*p != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 &&
	        !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) ||
	    h > 23 || mi > 59 || sec > 59 || oh > 14 || om > 59)
		return -1;
	*out = intake_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return 0;
}

int
intake_check_window(const char *from, const char *to, time_t now,
    const char **field, char **cause)
{
	long long f = 0, t = 0;

	if (from != NULL && intake_time_parse(from, &f) != 0) {
		*field = "window_from";
		goto bad_time;
	}
	if (to != NULL && intake_time_parse(to, &t) != 0) {
		*field = "window_to";
		goto bad_time;
	}
	if (from != NULL && to != NULL && t <= f) {
		*field = "window_to";
		*cause = xasprintf("window_to (%s) must be after window_from "
		                   "(%s)",
		    to, from);
		return -1;
	}
	if (from != NULL && to != NULL &&
	    t - f < INTAKE_WINDOW_MIN_MINUTES * 60) {
		*field = "window_to";
		*cause = xasprintf("the resident's window must be at least %d "
		                   "minutes long",
		    INTAKE_WINDOW_MIN_MINUTES);
		return -1;
	}
	if (to != NULL && t <= (long long)now) {
		*field = "window_to";
		*cause = xasprintf("window_to (%s) is already past", to);
		return -1;
	}
	if (from != NULL &&
	    f > (long long)now + INTAKE_WINDOW_AHEAD_DAYS * 86400LL) {
		*field = "window_from";
		*cause = xasprintf("window_from (%s) is more than %d days "
		                   "ahead",
		    from, INTAKE_WINDOW_AHEAD_DAYS);
		return -1;
	}
	return 0;
bad_time:
	*cause = xasprintf("%s must be an ISO 8601 time with a zone, e.g. "
	                   "2026-07-01T15:00:00+09:00",
	    *field);
	return -1;
}
