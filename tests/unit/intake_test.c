#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "intake.h"

static const char wasp[] =
    "{\"priority\": 2, \"questions\": ["
    "{\"code\": \"nest_height\", \"datatype\": \"singlevaluelist\","
    " \"required\": true, \"values\": [{\"key\": \"eaves\"},"
    " {\"key\": \"high\"}]},"
    "{\"code\": \"near_path\", \"datatype\": \"singlevaluelist\","
    " \"required\": false, \"values\": [{\"key\": \"yes\"}, {\"key\": "
    "\"no\"}], \"raises\": {\"value\": \"yes\", \"priority\": 1}},"
    "{\"code\": \"count\", \"datatype\": \"number\"},"
    "{\"code\": \"kinds\", \"datatype\": \"multivaluelist\","
    " \"values\": [{\"key\": \"a\"}, {\"key\": \"b\"}]},"
    "{\"code\": \"note\", \"datatype\": \"text\"}]}";

static int
check(const char *answers, int *prio, char **field)
{
	json_t *cat = json_loads(wasp, 0, NULL);
	json_t *a = answers != NULL ? json_loads(answers, 0, NULL) : NULL;
	char *cause = NULL;
	int rc;

	*field = NULL;
	rc = intake_check_answers(cat, a, prio, field, &cause);
	if (rc != 0)
		assert_non_null(cause);
	free(cause);
	json_decref(a);
	json_decref(cat);
	return rc;
}

static void
expect_field(const char *answers, const char *want)
{
	char *field;
	int prio;

	assert_int_equal(check(answers, &prio, &field), -1);
	assert_string_equal(field, want);
	free(field);
}

static void
test_priority_from_answers(void **state)
{
	char *field;
	int prio;

	(void)state;
	assert_int_equal(
	    check("{\"nest_height\": \"eaves\"}", &prio, &field), 0);
	assert_int_equal(prio, 2);
	assert_int_equal(check("{\"nest_height\": \"eaves\", \"near_path\": "
	                       "\"yes\"}",
	                     &prio, &field),
	    0);
	assert_int_equal(prio, 1);
	assert_int_equal(check("{\"nest_height\": \"high\", \"near_path\": "
	                       "\"no\", \"count\": 3, \"kinds\": [\"a\", "
	                       "\"b\"], \"note\": \"x\"}",
	                     &prio, &field),
	    0);
	assert_int_equal(prio, 2);
}

static void
test_bad_answers_name_the_question(void **state)
{
	(void)state;
	expect_field(NULL, "answers.nest_height");
	expect_field("{}", "answers.nest_height");
	expect_field("{\"nest_height\": \"roof\"}", "answers.nest_height");
	expect_field("{\"nest_height\": 3}", "answers.nest_height");
	expect_field(
	    "{\"nest_height\": \"eaves\", \"count\": \"3\"}", "answers.count");
	expect_field("{\"nest_height\": \"eaves\", \"kinds\": [\"c\"]}",
	    "answers.kinds");
	expect_field(
	    "{\"nest_height\": \"eaves\", \"kinds\": \"a\"}", "answers.kinds");
	expect_field("{\"nest_height\": \"eaves\", \"colour\": \"red\"}",
	    "answers.colour");
	expect_field(
	    "{\"nest_height\": \"eaves\", \"note\": 5}", "answers.note");
}

/* The resident's availability: times with zones, ordered, not past. */
static void
test_window(void **state)
{
	const time_t now = 1782900000; /* 2026-07-01T10:00:00Z */
	static const struct {
		const char *from, *to, *field, *why;
	} refused[] = {
	    {"tomorrow", NULL, "window_from", "ISO 8601"},
	    {"2026-07-02T12:00:00+09:00", "2026-07-02T09:00:00+09:00",
	        "window_to", "after window_from"},
	    {"2026-07-02T09:00:00+09:00", "2026-07-02T09:10:00+09:00",
	        "window_to", "15 minutes"},
	    {NULL, "2026-07-01T18:00:00+09:00", "window_to", "already past"},
	    {"2026-09-01T09:00:00+09:00", NULL, "window_from", "30 days"},
	};
	const char *field;
	char *cause;
	long long t;
	size_t i;

	(void)state;
	assert_int_equal(intake_time_parse("2026-07-01T15:00:00+09:00", &t), 0);
	assert_int_equal(t, 1782885600);
	assert_int_equal(intake_time_parse("2026-07-01 06:00Z", &t), 0);
	assert_int_equal(t, 1782885600);
	assert_int_equal(
	    intake_time_parse("2026-07-01T05:30:00.25-0030", &t), 0);
	assert_int_equal(t, 1782885600);
	assert_int_equal(intake_time_parse("2028-02-29T00:00Z", &t), 0);
	assert_int_equal(intake_time_parse("2026-02-29T00:00Z", &t), -1);
	assert_int_equal(intake_time_parse("2026-07-01T15:00:00", &t), -1);
	assert_int_equal(intake_time_parse("2026-07-01T24:00Z", &t), -1);
	assert_int_equal(intake_time_parse("15時以降", &t), -1);

	/* 「15時以降」: from only; 「午前中」 of tomorrow: both. */
	assert_int_equal(intake_check_window("2026-07-01T15:00:00+09:00", NULL,
	                     now, &field, &cause),
	    0);
	assert_int_equal(intake_check_window("2026-07-02T09:00:00+09:00",
	                     "2026-07-02T12:00:00+09:00", now, &field, &cause),
	    0);
	assert_int_equal(
	    intake_check_window(NULL, NULL, now, &field, &cause), 0);

	/* Refused: the field named, and why. */
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_int_equal(intake_check_window(refused[i].from,
		                     refused[i].to, now, &field, &cause),
		    -1);
		assert_string_equal(field, refused[i].field);
		fixture_cause(cause, refused[i].why);
	}
}

FIXTURE_MAIN(cmocka_unit_test(test_priority_from_answers),
    cmocka_unit_test(test_bad_answers_name_the_question),
    cmocka_unit_test(test_window))
