/* The outlook's numbers on a small known history (issue 17's must-show). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"
#include "outlook.h"

/*
 * Two full past years (weeks 0..103) and 10 weeks of this year (104..113,
 * 113 the current, unfinished week). Past years: 2 jobs a week, except
 * weeks 30..33 of each year with 10, 20, 10, 4 (the peak in week 31).
 * This year so far: 3 a week, i.e. 1.5 times the past average of 2.
 */
static int counts[114];

static void
fill(void)
{
	int w;

	for (w = 0; w < 114; w++) {
		int in_year = w % 52;

		counts[w] = w >= 104 ? 3 : 2;
		if (w < 104 && in_year >= 30 && in_year <= 33)
			counts[w] = (int[]){10, 20, 10, 4}[in_year - 30];
	}
	counts[113] = 1; /* the current week has only just begun */
}

static void
test_known_history(void **state)
{
	struct outlook_in in = {counts, 114, 0, 10, 40, 6.0, 5};
	struct outlook_out o;
	char *cause = NULL;

	(void)state;
	fill();
	assert_int_equal(outlook_compute(&in, &o, &cause), 0);
	/* Trend: 9 complete weeks, 27 jobs against 18 in past years. */
	assert_int_equal(o.trend_measured, 1);
	assert_true(o.actual_to_date == 27 && o.baseline_to_date == 18);
	assert_true(o.trend > 1.4999 && o.trend < 1.5001);
	/* Week 114 (= week 10 of the year) averages 2 in both past years. */
	assert_true(o.baseline[114] == 2);
	assert_true(o.expected[0] > 2.999 && o.expected[0] < 3.001);
	/* Peak: week 31 of the year = index 135 = 21 weeks ahead (0-based). */
	assert_int_equal(o.peak, 135 - 114);
	assert_true(o.peak_expected > 29.999 && o.peak_expected < 30.001);
	/* 30 jobs / (6 a day * 5 days) = 1 crew; 30.0 is not rounded up. */
	assert_int_equal(o.crews_needed, 1);
	assert_int_equal(o.past_years, 2);
	outlook_out_free(&o);
	/* At 2 jobs a crew-day: 30 / 10 = 3 crews. */
	in.per_crew_day = 2.0;
	assert_int_equal(outlook_compute(&in, &o, &cause), 0);
	assert_int_equal(o.crews_needed, 3);
	outlook_out_free(&o);
}

/* No history before first_week: those weeks are not zeros. */
static void
test_missing_is_not_zero(void **state)
{
	struct outlook_in in = {counts, 114, 60, 10, 40, 6.0, 5};
	struct outlook_out o;
	char *cause = NULL;

	(void)state;
	fill();
	assert_int_equal(outlook_compute(&in, &o, &cause), 0);
	/* Week 114's past weeks: 62 (in), 10 (before the history): one year. */
	assert_true(o.baseline[114] == 2);
	/* Week 135: 83 (= 31 of year 2: 20) only. */
	assert_true(o.baseline[135] == 20);
	/* Only week 112 has a past week (60): 2 jobs, too few for a trend. */
	assert_true(o.baseline_to_date == 2);
	assert_int_equal(o.trend_measured, 0);
	assert_true(o.trend == 1.0);
	assert_int_equal(o.past_years, 1);
	outlook_out_free(&o);
}

/* Too little history to measure a trend: 1.0, said so. */
static void
test_trend_needs_enough(void **state)
{
	int c[60] = {0};
	struct outlook_in in = {c, 60, 0, 8, 10, 6.0, 5};
	struct outlook_out o;
	char *cause = NULL;

	(void)state;
	c[52] = 1;
	c[0] = 1;
	assert_int_equal(outlook_compute(&in, &o, &cause), 0);
	assert_int_equal(o.trend_measured, 0);
	assert_true(o.trend == 1.0);
	outlook_out_free(&o);
	in.per_crew_day = 0;
	assert_int_equal(outlook_compute(&in, &o, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

FIXTURE_MAIN(cmocka_unit_test(test_known_history),
    cmocka_unit_test(test_missing_is_not_zero),
    cmocka_unit_test(test_trend_needs_enough))
