#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_priority_from_answers),
	    cmocka_unit_test(test_bad_answers_name_the_question),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
