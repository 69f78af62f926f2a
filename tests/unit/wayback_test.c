/*
 * The way back (core/wayback.c): pieces near the straight way from the crew
 * to its office, nearest first, recurring defects counting as nearer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>

#include <cmocka.h>

#include "fixture.h"
#include "risk.h"
#include "wayback.h"

/* The way: from (0, 0) to the office at (1000, 0); reach 200 m. */
static const double from[2] = {0, 0}, to[2] = {1000, 0};
static const double piece_a[] = {100, 50, 200, 50};   /* 50 m off */
static const double piece_b[] = {300, 150, 400, 150}; /* 150 m off */
static const double piece_c[] = {500, 500, 600, 500}; /* 500 m: too far */
static const double piece_d[] = {700, 100, 800, 100}; /* 100 m off */

static void
pieces_init(struct wayback_piece p[4])
{
	const double *xy[4] = {piece_a, piece_b, piece_c, piece_d};
	int i;

	for (i = 0; i < 4; i++) {
		p[i] = (struct wayback_piece){0};
		p[i].xy = xy[i];
		p[i].npoints = 2;
		p[i].row = 'a' + i;
	}
}

static void
test_nearest_first_far_ones_dropped(void **state)
{
	struct wayback_piece p[4];
	size_t kept;

	(void)state;
	pieces_init(p);
	kept = wayback_rank(from, to, 200, p, 4, NULL, 0);
	assert_int_equal(kept, 3);
	assert_int_equal(p[0].row, 'a');
	assert_int_equal(p[1].row, 'd');
	assert_int_equal(p[2].row, 'b');
	assert_true(fabs(p[0].off_route_m - 50) < 1e-9);
	assert_true(fabs(p[1].off_route_m - 100) < 1e-9);
	assert_true(fabs(p[2].off_route_m - 150) < 1e-9);
	/* Without defects the rank is the distance. */
	assert_true(fabs(p[1].rank_m - 100) < 1e-9);
	assert_int_equal(p[1].risk_reports, 0);
	/* The one out of reach follows the kept ones. */
	assert_int_equal(p[3].row, 'c');
	assert_true(isinf(p[3].off_route_m));
}

static void
test_recurring_defects_raise_a_piece(void **state)
{
	/* Three fresh potholes on D: risk 3, so 100 m ranks as 25 m. */
	static const struct risk_defect defects[] = {
	    {710, 100, 0, 0},
	    {750, 105, 0, 0},
	    {790, 95, 0, 0},
	};
	struct wayback_piece p[4];
	size_t kept;

	(void)state;
	pieces_init(p);
	kept = wayback_rank(from, to, 200, p, 4, defects, 3);
	assert_int_equal(kept, 3);
	assert_int_equal(p[0].row, 'd');
	assert_int_equal(p[0].risk_reports, 3);
	assert_true(fabs(p[0].risk - 3) < 1e-9);
	assert_true(fabs(p[0].off_route_m - 100) < 1e-9);
	assert_true(fabs(p[0].rank_m - 25) < 1e-9);
	assert_int_equal(p[1].row, 'a');
	assert_int_equal(p[2].row, 'b');
}

static void
test_ties_keep_their_order(void **state)
{
	struct wayback_piece p[3];
	static const double same[] = {100, 50, 200, 50};
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		p[i] = (struct wayback_piece){0};
		p[i].xy = same;
		p[i].npoints = 2;
		p[i].row = i;
	}
	assert_int_equal(wayback_rank(from, to, 200, p, 3, NULL, 0), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(p[i].row, i);
}

static void
test_nothing_within_reach(void **state)
{
	struct wayback_piece p[4];

	(void)state;
	pieces_init(p);
	assert_int_equal(wayback_rank(from, to, 10, p, 4, NULL, 0), 0);
	assert_int_equal(wayback_rank(from, to, 200, p, 0, NULL, 0), 0);
}

FIXTURE_MAIN(cmocka_unit_test(test_nearest_first_far_ones_dropped),
    cmocka_unit_test(test_recurring_defects_raise_a_piece),
    cmocka_unit_test(test_ties_keep_their_order),
    cmocka_unit_test(test_nothing_within_reach))
