#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
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

static time_t fake_now = 1000;

static time_t
fake_clock(void)
{
	return fake_now;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* An outage's warning per request: a few shown, the rest counted. */
static void
test_repeated_lines_are_counted_not_shown(void **state)
{
	static char buf[16384];
	FILE *f = fmemopen(buf, sizeof buf - 1, "w");
	int i;

	(void)state;
	memset(buf, 0, sizeof buf);
	log_clock_set(fake_clock);
	log_repeat_set(10, 3);
	log_init(LOG_LEVEL_INFO, f);
	for (i = 0; i < 100; i++)
		log_warnx("event=auth_lookup_failed status=%d", 2);
	log_info("event=other n=1");
	fflush(f);
	assert_int_equal(count(buf, "event=auth_lookup_failed status=2"), 3);
	assert_null(strstr(buf, "suppressed="));
	/* The window ends: the next one says how many were not shown. */
	fake_now += 10;
	log_warnx("event=auth_lookup_failed status=%d", 2);
	fflush(f);
	assert_non_null(
	    strstr(buf, "event=auth_lookup_failed status=2 suppressed=97\n"));
	/* A line that stops repeating is reported by the next other line. */
	for (i = 0; i < 10; i++)
		log_warnx("event=gone n=%d", 7);
	fake_now += 11;
	log_info("event=resumed");
	fflush(f);
	assert_non_null(strstr(buf,
	    "event=log_suppressed line=\"event=gone n=7\" "
	    "suppressed=7\n"));
	assert_non_null(strstr(buf, "event=resumed"));
	assert_int_equal(count(buf, "suppressed="), 2);
	/* Lines that differ are not limited. */
	for (i = 0; i < 20; i++)
		log_info("event=step n=%d", i);
	fflush(f);
	assert_non_null(strstr(buf, "event=step n=19\n"));
	fclose(f);
	log_init(LOG_LEVEL_INFO, NULL);
	log_repeat_set(10, 5);
	log_clock_set(NULL);
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

FIXTURE_MAIN(cmocka_unit_test(test_plain_values_stay_bare),
    cmocka_unit_test(test_values_that_would_break_a_line_are_quoted),
    cmocka_unit_test(test_long_values_are_cut),
    cmocka_unit_test(test_line_format), cmocka_unit_test(test_level_names),
    cmocka_unit_test(test_repeated_lines_are_counted_not_shown))
