/* The recurring-site rule on known data (issue 17's must-show). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"
#include "recurring.h"

/*
 * Three places: A (eaves of one house, 2024, 2025, 2026: recurring),
 * B (two calls about the same nest in one week of 2026: a cluster, not
 * recurring), C (a lone call). D: a chain 25 m apart links three points
 * into one cluster although the ends are 50 m apart (single linkage, as
 * ST_ClusterDBSCAN does).
 */
static const struct recurring_point pts[] = {
    {1000, 1000, 2024}, /* A */
    {5000, 5000, 2026}, /* B */
    {1010, 1005, 2025}, /* A, 11 m away */
    {9000, 9000, 2025}, /* C */
    {5003, 4998, 2026}, /* B */
    {995, 1020, 2026},  /* A, 21 m from the first */
    {2000, 2000, 2023}, /* D */
    {2025, 2000, 2024}, /* D */
    {2050, 2000, 2024}, /* D */
    {1100, 1000, 2026}, /* 100 m from A: not part of it */
};
#define NPTS (sizeof pts / sizeof pts[0])

static void
test_clusters_at_30m(void **state)
{
	int label[NPTS];

	(void)state;
	assert_int_equal(recurring_cluster(pts, NPTS, 30, label), 3);
	assert_int_equal(label[0], 0);
	assert_int_equal(label[2], 0);
	assert_int_equal(label[5], 0);
	assert_int_equal(label[1], 1);
	assert_int_equal(label[4], 1);
	assert_int_equal(label[3], -1);
	assert_int_equal(label[6], 2);
	assert_int_equal(label[7], 2);
	assert_int_equal(label[8], 2);
	assert_int_equal(label[9], -1);
}

static void
test_recurring_needs_two_seasons(void **state)
{
	struct recurring_site *s;
	int label[NPTS], nc;
	size_t n;

	(void)state;
	nc = recurring_cluster(pts, NPTS, 30, label);
	n = recurring_sites(pts, NPTS, label, nc, 2, &s);
	/* A (3 calls, 3 seasons) then D (3 calls, 2 seasons); B is one season.
	 */
	assert_int_equal(n, 2);
	assert_int_equal(s[0].count, 3);
	assert_int_equal(s[0].seasons, 3);
	assert_int_equal(s[0].members[0], 0);
	assert_int_equal(s[0].members[2], 5);
	assert_int_equal(s[0].first_season, 2024);
	assert_int_equal(s[0].last_season, 2026);
	assert_true(s[0].e > 1001 && s[0].e < 1002);
	assert_int_equal(s[1].members[0], 6);
	assert_int_equal(s[1].seasons, 2);
	recurring_sites_free(s, n);
	/* Three seasons wanted: only A. */
	n = recurring_sites(pts, NPTS, label, nc, 3, &s);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].members[0], 0);
	recurring_sites_free(s, n);
}

static void
test_smaller_radius_splits(void **state)
{
	int label[NPTS];

	(void)state;
	/* At 20 m the chain D breaks (25 m gaps) and A keeps 0-2 only. */
	assert_int_equal(recurring_cluster(pts, NPTS, 20, label), 2);
	assert_int_equal(label[0], 0);
	assert_int_equal(label[2], 0);
	assert_int_equal(label[5], -1);
	assert_int_equal(label[6], -1);
	assert_int_equal(recurring_cluster(pts, NPTS, 0, label), -1);
	assert_int_equal(recurring_cluster(pts, 0, 30, label), 0);
}

/* Many points on one spot and a grid of lone points: bounded, exact. */
static void
test_dense_and_sparse(void **state)
{
	enum { N = 20000 };
	struct recurring_point *p = calloc(N, sizeof *p);
	int *label = calloc(N, sizeof *label), nc;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		p[i].e =
		    i < 100 ? 0.5 * (double)(i % 7) : 100.0 * (double)(i % 141);
		p[i].n = i < 100 ? 0 : 100.0 * (double)(i / 141) + 1000;
		p[i].season = 2020 + (int)(i % 5);
	}
	nc = recurring_cluster(p, N, 30, label);
	assert_int_equal(nc, 1);
	for (i = 100; i < N; i++)
		assert_int_equal(label[i], -1);
	free(p);
	free(label);
}

FIXTURE_MAIN(cmocka_unit_test(test_clusters_at_30m),
    cmocka_unit_test(test_recurring_needs_two_seasons),
    cmocka_unit_test(test_smaller_radius_splits),
    cmocka_unit_test(test_dense_and_sparse))
