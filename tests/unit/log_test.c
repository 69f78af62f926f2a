#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"

static void
test_plain_values_stay_bare(void **state)
{
	(void)state;
	assert_string_equal(log_q("db_conn_up"), "db_conn_up");
	assert_string_equal(log_q(NULL), "-");
	assert_string_equal(log_q(""), "\"\"");
}

static void
test_values_that_would_break_a_line_are_quoted(void **state)
{
	(void)state;
	assert_string_equal(log_q("two words"), "\"two words\"");
	assert_string_equal(log_q("a=b"), "\"a=b\"");
	assert_string_equal(log_q("say \"hi\""), "\"say \\\"hi\\\"\"");
	assert_string_equal(log_q("line1\nline2"), "\"line1\\nline2\"");
	assert_string_equal(log_q("tab\there"), "\"tab?here\"");
}

static void
test_long_values_are_cut(void **state)
{
	char big[1000];
	const char *q;

	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	q = log_q(big);
	assert_true(strlen(q) <= 203);
	assert_string_equal(q + strlen(q) - 3, "...");
	big[10] = ' ';
	q = log_q(big);
	assert_true(strlen(q) <= 206);
	assert_string_equal(q + strlen(q) - 4, "...\"");
}

/* Lines are key=value with a timestamp and level first. */
static void
test_line_format(void **state)
{
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof buf - 1, "w");

	(void)state;
	log_init(LOG_LEVEL_INFO, f);
	log_debug("event=hidden");
	log_info("event=shown n=%d", 3);
	fflush(f);
	assert_null(strstr(buf, "hidden"));
	assert_non_null(strstr(buf, "level=info event=shown n=3\n"));
	assert_int_equal(strncmp(buf, "ts=", 3), 0);
	fclose(f);
	log_init(LOG_LEVEL_INFO, NULL);
}

static void
test_level_names(void **state)
{
	enum log_level l;

	(void)state;
	assert_int_equal(log_level_parse("warn", &l), 0);
	assert_int_equal(l, LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("verbose", &l), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_values_stay_bare),
	    cmocka_unit_test(test_values_that_would_break_a_line_are_quoted),
	    cmocka_unit_test(test_long_values_are_cut),
	    cmocka_unit_test(test_line_format),
	    cmocka_unit_test(test_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
