#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "coverage.h"
#include "fixture.h"

static void
test_clip_parallel_and_point(void **state)
{
	double a[2] = {0, 0}, b[2] = {100, 0}, t0, t1;
	double q0[2] = {0, 10}, q1[2] = {100, 10};
	double far0[2] = {50, 30}, far1[2] = {50, 40};
	double pt[2] = {50, 15};

	(void)state;
	assert_int_equal(coverage_clip(a, b, q0, q1, 20, &t0, &t1), 1);
	assert_true(t0 == 0 && t1 == 1);
	assert_int_equal(coverage_clip(a, b, far0, far1, 20, &t0, &t1), 0);
	/* A lone fix 15 m off covers sqrt(20^2 - 15^2) = 13.23 m each way. */
	assert_int_equal(coverage_clip(a, b, pt, pt, 20, &t0, &t1), 1);
	assert_true(fabs(t0 - (50 - sqrt(175)) / 100) < 1e-9);
	assert_true(fabs(t1 - (50 + sqrt(175)) / 100) < 1e-9);
}

static void
test_clip_crossing(void **state)
{
	double a[2] = {0, 0}, b[2] = {100, 0}, t0, t1;
	double q0[2] = {50, -100}, q1[2] = {50, 100};

	(void)state;
	/* A track crossing at right angles covers 40 m of the piece. */
	assert_int_equal(coverage_clip(a, b, q0, q1, 20, &t0, &t1), 1);
	assert_true(fabs(t0 - 0.3) < 1e-9 && fabs(t1 - 0.7) < 1e-9);
}

/* A straight track at `offset` metres beside x0..x1 at `speed` m/s. */
static size_t
drive(struct coverage_fix *f, long long session, double x0, double x1,
    double offset, double speed, time_t start)
{
	size_t n = 0;
	double x;

	for (x = x0; x <= x1 + 1e-9; x += speed) {
		f[n].session = session;
		f[n].at = start + (time_t)n;
		f[n].e = x;
		f[n++].n = offset;
	}
	return n;
}

static double line[] = {0, 0, 100, 0, 200, 0};

static struct coverage_piece
piece(void)
{
	struct coverage_piece p = {.id = 1, .xy = line, .npoints = 3};

	return p;
}

/* The 200 m street of piece(), the default parameters, room for a track. */
struct street {
	struct coverage_fix f[1000];
	struct coverage_params p;
	struct coverage_piece pc;
};

/* The caller frees it. */
static struct street *
street_new(void)
{
	struct street *st = calloc(1, sizeof *st);

	assert_non_null(st);
	coverage_params_default(&st->p);
	st->pc = piece();
	return st;
}

/* coverage_compute over the street and the first n fixes of its track. */
static int
street_compute(struct street *st, size_t n)
{
	return coverage_compute(&st->pc, 1, st->f, n, &st->p);
}

static void
test_patrol_speed_inspects(void **state)
{
	struct street *st = street_new();
	size_t n;

	(void)state;
	n = drive(st->f, 7, 0, 200, 5, 3, 1000); /* ~11 km/h, 5 m off */
	assert_int_equal(street_compute(st, n), 1);
	assert_true(st->pc.covered_share > 0.999);
	assert_int_equal(st->pc.session, 7);
	assert_true(st->pc.inspected_at >= 1000 + (time_t)n - 2);

	/* 50 km/h is driving past, not inspecting. */
	n = drive(st->f, 8, 0, 200, 5, 14, 1000);
	assert_int_equal(street_compute(st, n), 0);
	assert_true(st->pc.covered_share == 0);

	/* 25 m off is another street. */
	n = drive(st->f, 9, 0, 200, 25, 3, 1000);
	assert_int_equal(street_compute(st, n), 0);
	free(st);
}

static void
test_share_threshold_per_patrol(void **state)
{
	struct street *st = street_new();
	size_t n;

	(void)state;
	/* 0..120 driven, plus 20 m of reach: 140 of 200 m is 70%. */
	n = drive(st->f, 1, 0, 120, 0, 2, 0);
	assert_int_equal(street_compute(st, n), 0);
	assert_true(fabs(st->pc.covered_share - 0.7) < 0.011);
	/* Two patrols covering halves do not make one inspection. */
	n += drive(st->f + n, 2, 100, 200, 0, 2, 5000);
	assert_int_equal(street_compute(st, n), 0);
	/* One patrol doing both halves does. */
	n = drive(st->f, 3, 0, 120, 0, 2, 0);
	n += drive(st->f + n, 3, 100, 200, 0, 2, 61);
	assert_int_equal(street_compute(st, n), 1);
	free(st);
}

static void
test_gaps_bridged_only_so_far(void **state)
{
	struct street *st = street_new();
	size_t n;

	(void)state;
	/* Fixes on 0..50 and 150..200; the 100 m between is a gap. */
	n = drive(st->f, 1, 0, 50, 0, 2, 0);
	n += drive(st->f + n, 1, 150, 200, 0, 2, (time_t)n + 30);
	assert_int_equal(street_compute(st, n), 1);
	/* The same hole after two minutes' silence is not bridged. */
	n = drive(st->f, 1, 0, 50, 0, 2, 0);
	n += drive(st->f + n, 1, 150, 200, 0, 2, (time_t)n + 120);
	assert_int_equal(street_compute(st, n), 0);
	assert_true(fabs(st->pc.covered_share - 0.7) < 0.011);
	free(st);
}

static void
test_many_pieces_only_near_ones(void **state)
{
	struct coverage_piece pcs[50];
	static double xy[50][4];
	static struct coverage_fix f[2000];
	struct coverage_params p;
	size_t i, n;

	(void)state;
	coverage_params_default(&p);
	/* Parallel streets 50 m apart; the patrol drives street 10. */
	for (i = 0; i < 50; i++) {
		xy[i][0] = 0;
		xy[i][1] = (double)i * 50;
		xy[i][2] = 100;
		xy[i][3] = (double)i * 50;
		pcs[i].id = (long long)i;
		pcs[i].xy = xy[i];
		pcs[i].npoints = 2;
	}
	n = drive(f, 1, -10, 110, 500 + 3, 2, 0);
	assert_int_equal(coverage_compute(pcs, 50, f, n, &p), 1);
	assert_true(pcs[10].inspected_at != 0);
	assert_true(pcs[9].covered_share == 0 && pcs[11].covered_share == 0);
}

FIXTURE_MAIN(cmocka_unit_test(test_clip_parallel_and_point),
    cmocka_unit_test(test_clip_crossing),
    cmocka_unit_test(test_patrol_speed_inspects),
    cmocka_unit_test(test_share_threshold_per_patrol),
    cmocka_unit_test(test_gaps_bridged_only_so_far),
    cmocka_unit_test(test_many_pieces_only_near_ones))
