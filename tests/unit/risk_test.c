/* The risk score raises a piece with repeated defects (issue 17). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>

#include <cmocka.h>

#include "fixture.h"
#include "risk.h"

/* Two 100 m pieces along the x axis, 500 m apart. */
static const double piece_a[] = {0, 0, 100, 0};
static const double piece_b[] = {600, 0, 700, 0};

/* Three potholes by piece A this year, one old one by B. */
static const struct risk_defect defects[] = {
    {10, 20, 30, 0},   /* 20 m off A, a month ago */
    {50, -45, 120, 0}, /* 45 m off A */
    {90, 5, 300, 0},   /* 5 m off A, ten months ago */
    {150, 0, 10, 0},   /* 50 m past A's end: counts (<= 50 m) */
    {40, 80, 5, 0},    /* 80 m off A: not counted */
    {650, 10, 400, 0}, /* by B, but over a year ago */
    {650, 10, 20, 1},  /* by B, another category */
};
#define ND (sizeof defects / sizeof defects[0])

static void
test_repeated_defects_raise_a_piece(void **state)
{
	struct risk_result a, b;

	(void)state;
	risk_score(piece_a, 2, 30, defects, ND, &a);
	risk_score(piece_b, 2, 30, defects, ND, &b);
	assert_int_equal(a.count, 4);
	assert_int_equal(a.by_category[0], 4);
	assert_int_equal(b.count, 1);
	assert_int_equal(b.by_category[0], 0);
	assert_int_equal(b.by_category[1], 1);
	assert_true(a.score > b.score);
	/* 2^(-30/180) + 2^(-120/180) + 2^(-300/180) + 2^(-10/180) */
	assert_true(fabs(a.score - 2.7981) < 0.001);
	/* 30 days / (1 + 2.8) = 8 days: inspected nearly four times as often.
	 */
	assert_int_equal(a.interval_days, 8);
	assert_true(b.interval_days < 30 && b.interval_days > a.interval_days);
}

static void
test_no_defects_keeps_interval(void **state)
{
	struct risk_result r;

	(void)state;
	risk_score(piece_a, 2, 30, NULL, 0, &r);
	assert_int_equal(r.count, 0);
	assert_true(r.score == 0);
	assert_int_equal(r.interval_days, 30);
	assert_true(fabs(risk_distance(piece_a, 2, 50, 30) - 30) < 1e-9);
	assert_true(fabs(risk_distance(piece_a, 2, -30, 40) - 50) < 1e-9);
}

FIXTURE_MAIN(cmocka_unit_test(test_repeated_defects_raise_a_piece),
    cmocka_unit_test(test_no_defects_keeps_interval))
