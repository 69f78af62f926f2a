#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "network.h"
#include "roadnet.h"

/*
 * The river town of fixture.h, 2 km long, its bridge at x = 1800. From one bank
 * to the house just across the water (240 m as the crow flies) the road goes
 * round by the bridge: 20 + 1600 + 200 + 1600 + 20 = 3440 m.
 */
static struct roadnet *
river_town(void)
{
	return fixture_river_town(1800, 2000);
}

static void
test_river_with_one_bridge(void **state)
{
	struct roadnet *r = river_town();
	struct roadnet_stats s;
	double d;

	(void)state;
	d = roadnet_distance(r, 200, -120, 200, 120);
	assert_true(fabs(d - 3440) < 0.01);
	/* The straight line is 240 m: the road is 14 times longer. */
	assert_true(d > 14 * hypot(0, 240));
	/* Both ways the same; the second answer comes from the kept tree. */
	assert_true(fabs(roadnet_distance(r, 200, 120, 200, -120) - d) < 0.01);
	roadnet_stats(r, &s);
	/* Segments are cut into steps of at most 100 m (snap / 2). */
	assert_int_equal(s.vertices, 43);
	assert_int_equal(s.edges, 42);
	assert_int_equal(s.components, 1);
	assert_int_equal(s.trees, 1);
	assert_true(s.cache_hit >= 1);
	assert_true(fabs(s.km - 4.2) < 1e-9);
	/* Along one bank the road is as straight as the line. */
	d = roadnet_distance(r, 0, -100, 2000, -100);
	assert_true(fabs(d - 2000) < 0.01);
	/* Near the bridge, crossing it is short. */
	d = roadnet_distance(r, 1800, -130, 1800, 130);
	assert_true(fabs(d - 260) < 0.01);
	roadnet_free(r);
}

static void
test_off_the_network(void **state)
{
	struct roadnet *r = river_town();
	double island[] = {5000, 5000, 5100, 5000};
	struct roadnet_stats s;

	(void)state;
	/* 400 m from every vertex: off the network, nothing guessed. */
	assert_true(roadnet_distance(r, 500, 500, 200, 120) < 0);
	assert_true(roadnet_snap(r, 500, 500) < 0);
	assert_true(fabs(roadnet_snap(r, 1000, 130) - 30) < 1e-9);
	/* Far outside the grid. */
	assert_true(roadnet_distance(r, -1e6, 3e7, 200, 120) < 0);
	assert_true(roadnet_distance(r, NAN, 0, 200, 120) < 0);
	/* Lines after the build are ignored and counted. */
	roadnet_add_line(r, island, 2);
	roadnet_stats(r, &s);
	assert_int_equal(s.late, 1);
	assert_int_equal(s.vertices, 43);
	roadnet_free(r);
}

static void
test_parts_that_do_not_meet(void **state)
{
	double a[] = {0, 0, 1000, 0};
	double b[] = {0, 50, 1000, 50}; /* parallel, never joined */
	struct roadnet *r = roadnet_new(100);
	struct roadnet_stats s;

	(void)state;
	roadnet_add_line(r, a, 2);
	roadnet_add_line(r, b, 2);
	roadnet_build(r, 0);
	roadnet_stats(r, &s);
	assert_int_equal(s.components, 2);
	assert_true(roadnet_distance(r, 1000, 0, 1000, 50) < 0);
	/* Both beside the same vertex: the straight line between them. */
	assert_true(fabs(roadnet_distance(r, 990, 0, 1010, 0) - 20) < 1e-9);
	roadnet_free(r);
}

/*
 * Lines as the import stores them: cut into pieces (network_cut). The
 * pieces of a line meet at their cut points, and two lines meet where
 * they share a point: an L of two streets is one way round the corner.
 */
static void
test_pieces_join_up(void **state)
{
	double l1[] = {0, 0, 1000, 0}, l2[] = {1000, 0, 1000, 1000};
	double ll[] = {0, 0, 0, 0};
	struct network_piece *p;
	struct roadnet *r = roadnet_new(100);
	struct roadnet_stats s;
	size_t n, i;

	(void)state;
	n = network_cut(l1, ll, 2, 300, &p);
	for (i = 0; i < n; i++)
		roadnet_add_line(r, p[i].xy, p[i].npoints);
	network_pieces_free(p, n);
	n = network_cut(l2, ll, 2, 300, &p);
	for (i = 0; i < n; i++)
		roadnet_add_line(r, p[i].xy, p[i].npoints);
	network_pieces_free(p, n);
	roadnet_build(r, 0);
	roadnet_stats(r, &s);
	assert_int_equal(s.components, 1);
	assert_true(fabs(roadnet_distance(r, 0, 0, 1000, 1000) - 2000) < 0.01);
	roadnet_free(r);
}

/* A small cache still answers right when trees are thrown out. */
static void
test_small_cache(void **state)
{
	struct roadnet *r = roadnet_new(60);
	struct roadnet_stats s;
	int x, y;
	double d;

	(void)state;
	for (y = 0; y <= 10; y++) {
		for (x = 0; x < 10; x++) {
			double seg[] = {
			    x * 100, y * 100, x * 100 + 100, y * 100};

			roadnet_add_line(r, seg, 2);
		}
	}
	for (x = 0; x <= 10; x++)
		for (y = 0; y < 10; y++) {
			double seg[] = {
			    x * 100, y * 100, x * 100, y * 100 + 100};

			roadnet_add_line(r, seg, 2);
		}
	roadnet_build(r, 1); /* the minimum: 4 trees */
	for (x = 0; x <= 10; x++) {
		/* Manhattan distance on the grid. */
		d = roadnet_distance(r, x * 100, 0, 1000, 1000);
		assert_true(fabs(d - ((1000 - x * 100) + 1000)) < 0.01);
		d = roadnet_distance(r, 0, x * 100, x * 100, 0);
		assert_true(fabs(d - 2 * x * 100) < 0.01);
	}
	roadnet_stats(r, &s);
	/* 121 corners and 3 more points on each of the 220 blocks. */
	assert_int_equal(s.vertices, 121 + 3 * 220);
	assert_int_equal(s.edges, 4 * 220);
	assert_true(s.trees > 4);
	roadnet_free(r);
}

FIXTURE_MAIN(cmocka_unit_test(test_river_with_one_bridge),
    cmocka_unit_test(test_off_the_network),
    cmocka_unit_test(test_parts_that_do_not_meet),
    cmocka_unit_test(test_pieces_join_up), cmocka_unit_test(test_small_cache))
