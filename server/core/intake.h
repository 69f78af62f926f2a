/*
 * Intake rules shared by every way a call comes in (console, JSON API,
 * Open311, patrol findings): answers checked against the category's
 * questions, and the priority they lead to.
 */
#ifndef PATROL_INTAKE_H
#define PATROL_INTAKE_H

#include <time.h>

#include <jansson.h>

#include "compiler.h"

/*
 * category is the JSON of store_category_get; answers an object or NULL.
 * On success *priority is the category's, raised by answers that make a
 * call more urgent. On failure returns -1 with *field ("answers.CODE")
 * and *cause, both for the caller to free.
 */
PATROL_MUSTCHECK int intake_check_answers(json_t *category, json_t *answers,
    int *priority, char **field, char **cause);

/*
 * An ISO 8601 time with a zone (YYYY-MM-DDTHH:MM[:SS[.f]] then Z or
 * +HH[:]MM) as seconds since the epoch in *out; -1 when it is not one or
 * names no real date.
 */
PATROL_MUSTCHECK int intake_time_parse(const char *s, long long *out);

/* The longest a resident's availability may reach ahead, in days. */
#define INTAKE_WINDOW_AHEAD_DAYS 30
/* The shortest window a crew can be asked to keep, in minutes. */
#define INTAKE_WINDOW_MIN_MINUTES 15

/*
 * The resident's availability at intake: from and to are ISO 8601 times
 * or NULL (open at that end). Refused: a time that is not one, to not
 * after from, a window shorter than INTAKE_WINDOW_MIN_MINUTES, to already
 * past at now, from more than INTAKE_WINDOW_AHEAD_DAYS ahead. On failure
 * returns -1 with *field ("window_from" or "window_to", static) and
 * *cause (for the caller to free).
 */
PATROL_MUSTCHECK int intake_check_window(const char *from, const char *to,
    time_t now, const char **field, char **cause);

#endif
