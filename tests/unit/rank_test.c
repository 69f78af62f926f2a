#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "rank.h"

static const struct rank_params params = {.speed_kmh = 20, .detour = 1.4};

/* 20 km/h with a 1.4 detour: 1 km straight is 4.2 minutes. */
static void
test_eta_is_busy_plus_travel(void **state)
{
	struct rank_crew c[1] = {
	    {.id = 1, .easting = 1000, .northing = 0, .busy_minutes = 10}};

	(void)state;
	rank_crews(0, 0, c, 1, &params);
	assert_true(c[0].distance_m > 999.9 && c[0].distance_m < 1000.1);
	assert_true(c[0].travel_minutes > 4.19 && c[0].travel_minutes < 4.21);
	assert_true(c[0].eta_minutes > 14.19 && c[0].eta_minutes < 14.21);
}

/* A near crew finishing a job can lose to a free one further away. */
static void
test_arrival_beats_distance(void **state)
{
	struct rank_crew c[3] = {
	    {.id = 1, .easting = 500, .busy_minutes = 40},
	    {.id = 2, .easting = 3000},
	    {.id = 3, .easting = -3000, .northing = 3000},
	};

	(void)state;
	rank_crews(0, 0, c, 3, &params);
	assert_int_equal(c[0].id, 2);
	assert_int_equal(c[1].id, 3);
	assert_int_equal(c[2].id, 1);
}

/* Within the same half minute, the crew with fewer jobs first. */
static void
test_load_breaks_ties(void **state)
{
	struct rank_crew c[2] = {
	    {.id = 1, .easting = 1000, .queue = 2},
	    {.id = 2, .easting = 1010, .queue = 0},
	};

	(void)state;
	rank_crews(0, 0, c, 2, &params);
	assert_int_equal(c[0].id, 2);
}

static void
test_cross_ward_is_no_penalty(void **state)
{
	struct rank_crew c[2] = {
	    {.id = 1, .easting = 5000, .cross_ward = 0},
	    {.id = 2, .easting = 800, .cross_ward = 1},
	};

	(void)state;
	rank_crews(0, 0, c, 2, &params);
	assert_int_equal(c[0].id, 2);
}

/*
 * At the same arrival, the ward's own crew goes first, even when the
 * cross-ward one is a metre nearer and has the lower id.
 */
static void
test_cross_ward_breaks_a_tie(void **state)
{
	struct rank_crew c[2] = {
	    {.id = 1, .easting = 800, .cross_ward = 1},
	    {.id = 2, .easting = 801, .cross_ward = 0},
	};

	(void)state;
	rank_crews(0, 0, c, 2, &params);
	assert_int_equal(c[0].id, 2);
	assert_int_equal(c[1].cross_ward, 1);
}

static void
test_many_stay_ordered(void **state)
{
	struct rank_crew *c = calloc(5000, sizeof *c);
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		c[i].id = (long long)i;
		c[i].easting = (double)((i * 7919) % 20000);
		c[i].northing = (double)((i * 104729) % 20000);
		c[i].busy_minutes = (double)(i % 7) * 15;
		c[i].queue = (int)(i % 3);
	}
	rank_crews(10000, 10000, c, 5000, &params);
	for (i = 1; i < 5000; i++)
		assert_true(lround(c[i - 1].eta_minutes * 2) <=
		    lround(c[i].eta_minutes * 2));
	free(c);
}

FIXTURE_MAIN(cmocka_unit_test(test_eta_is_busy_plus_travel),
    cmocka_unit_test(test_arrival_beats_distance),
    cmocka_unit_test(test_load_breaks_ties),
    cmocka_unit_test(test_cross_ward_is_no_penalty),
    cmocka_unit_test(test_cross_ward_breaks_a_tie),
    cmocka_unit_test(test_many_stay_ordered))
