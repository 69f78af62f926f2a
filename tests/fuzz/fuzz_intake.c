/*
 * A request's body as it reaches intake: arbitrary bytes parsed as JSON,
 * then the answers checked against a category's questions. Whatever is
 * accepted must leave a priority in range; every refusal names a field.
 * The resident's availability (window_from, window_to) goes through the
 * same time parser as the JSON API and Open311: an accepted window is
 * ordered and not past.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "intake.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char category[] =
    "{\"priority\": 3, \"questions\": ["
    "{\"code\": \"nest_height\", \"datatype\": \"singlevaluelist\","
    " \"required\": true, \"values\": [{\"key\": \"eaves\"},"
    " {\"key\": \"high\"}]},"
    "{\"code\": \"near_path\", \"datatype\": \"singlevaluelist\","
    " \"values\": [{\"key\": \"yes\"}, {\"key\": \"no\"}],"
    " \"raises\": {\"value\": \"yes\", \"priority\": 1}},"
    "{\"code\": \"count\", \"datatype\": \"number\"},"
    "{\"code\": \"kinds\", \"datatype\": \"multivaluelist\","
    " \"values\": [{\"key\": \"a\"}, {\"key\": \"b\"}]},"
    "{\"code\": \"note\", \"datatype\": \"text\"}]}";

static void
intake_window(json_t *body)
{
	const char *from =
	    json_string_value(json_object_get(body, "window_from"));
	const char *to = json_string_value(json_object_get(body, "window_to"));
	const char *field = NULL;
	char *cause = NULL;
	long long f, t;
	time_t now = 1782900000; /* 2026-07-01 */

	if (intake_check_window(from, to, now, &field, &cause) == 0) {
		if (from != NULL && intake_time_parse(from, &f) != 0)
			abort();
		if (to != NULL && (intake_time_parse(to, &t) != 0 || t <= now))
			abort();
		if (from != NULL && to != NULL && t <= f)
			abort();
	} else {
		if (field == NULL || cause == NULL ||
		    (strcmp(field, "window_from") != 0 &&
		        strcmp(field, "window_to") != 0))
			abort();
		free(cause);
	}
}

/* A crew's break as the console sends it (PUT /api/v1/crews/{id}/break):
 * accepted means a normalised range the break fits in. */
static void
intake_break(json_t *body)
{
	struct plan_break_spec b;
	const char *field;
	char *cause;
	json_t *m = json_object_get(body, "minutes");
	long minutes = json_is_integer(m) ? (long)json_integer_value(m) : 0;

	if (plan_break_check(json_string_value(json_object_get(body, "start")),
	        json_string_value(json_object_get(body, "end")), minutes, &b,
	        &field, &cause) == 0) {
		if (strlen(b.start) != 5 || strlen(b.end) != 5 ||
		    strcmp(b.start, b.end) >= 0 || b.minutes < 5 ||
		    b.minutes > 240 || cause != NULL)
			abort();
	} else {
		if (field == NULL || cause == NULL)
			abort();
		free(cause);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *cat;
	json_t *body;
	char *field = NULL, *cause = NULL;
	int prio;

	if (cat == NULL)
		cat = json_loads(category, 0, NULL);
	body =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body == NULL)
		return 0;
	if (intake_check_answers(cat,
	        json_is_object(body) ? json_object_get(body, "answers") : NULL,
	        &prio, &field, &cause) == 0) {
		if (prio < 1 || prio > 3)
			abort();
	} else {
		if (field == NULL || strncmp(field, "answers.", 8) != 0 ||
		    cause == NULL)
			abort();
		free(field);
		free(cause);
	}
	intake_window(body);
	intake_break(body);
	json_decref(body);
	return 0;
}
