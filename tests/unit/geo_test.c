#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "geo.h"

static const struct geo_area kanto = {139.0, 35.1, 140.0, 36.3};

static int
geo_setup(void **state)
{
	char *cause = NULL;

	(void)state;
	if (geo_init("EPSG:6677", &kanto, &cause) != 0) {
		fprintf(stderr, "geo_init: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
geo_teardown(void **state)
{
	(void)state;
	geo_fini();
	return 0;
}

/* The origin of zone IX is (0, 0) by definition. */
static void
test_origin_of_zone_ix(void **state)
{
	double e, n;
	char *cause = NULL;

	(void)state;
	assert_int_equal(geo_to_plane(139.8333333333, 36.0, &e, &n, &cause), 0);
	assert_true(fabs(e) < 0.01);
	assert_true(fabs(n) < 0.01);
}

static void
test_round_trip_within_1mm(void **state)
{
	static const double pts[][2] = {{139.5519, 35.6163},
	    {139.7671, 35.6812}, {139.6455, 35.8617}, {139.0001, 35.1001}};
	double e, n, lon, lat, e2, n2;
	char *cause = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof pts / sizeof pts[0]; i++) {
		assert_int_equal(
		    geo_to_plane(pts[i][0], pts[i][1], &e, &n, &cause), 0);
		assert_int_equal(geo_from_plane(e, n, &lon, &lat, &cause), 0);
		assert_int_equal(geo_to_plane(lon, lat, &e2, &n2, &cause), 0);
		/* 1 mm on the ground, checked in metres both ways. */
		assert_true(hypot(e2 - e, n2 - n) < 0.001);
		assert_true(fabs(lon - pts[i][0]) * 91000 < 0.001);
		assert_true(fabs(lat - pts[i][1]) * 111000 < 0.001);
	}
}

/* Tama ward office to Kawasaki city hall is about 17.6 km. */
static void
test_distance_is_metric(void **state)
{
	double e1, n1, e2, n2, d;
	char *cause = NULL;

	(void)state;
	assert_int_equal(geo_to_plane(139.5503, 35.6197, &e1, &n1, &cause), 0);
	assert_int_equal(geo_to_plane(139.7029, 35.5308, &e2, &n2, &cause), 0);
	d = hypot(e2 - e1, n2 - n1);
	assert_true(d > 16500 && d < 17500);
	/* East of the origin is positive easting, north positive northing. */
	assert_true(e2 > e1);
	assert_true(n2 < n1);
}

static void
expect_refused(double lon, double lat, const char *needle)
{
	double e, n;
	char *cause = NULL;

	assert_int_equal(geo_to_plane(lon, lat, &e, &n, &cause), -1);
	fixture_cause(cause, needle);
}

static void
test_bad_coordinates_are_named(void **state)
{
	(void)state;
	expect_refused(NAN, 35.6, "lon is not a number");
	expect_refused(139.6, NAN, "lat is not a number");
	expect_refused(INFINITY, 35.6, "lon is infinite");
	expect_refused(139.6, 95.0, "lat 95 is out of range");
	expect_refused(200.0, 35.6, "lon 200 is out of range");
	/* Osaka: a real place, but not ours. */
	expect_refused(135.5, 34.7, "outside the service area");
}

static void
expect_parse(const char *lon, const char *lat, int ok, const char *needle)
{
	double x, y;
	char *cause = NULL;
	int rc = geo_parse_lonlat(lon, lat, &x, &y, &cause);

	if (ok) {
		if (rc != 0)
			fail_msg("'%s','%s' refused: %s", lon, lat, cause);
		return;
	}
	assert_int_equal(rc, -1);
	fixture_cause(cause, needle);
}

static void
test_text_input(void **state)
{
	(void)state;
	expect_parse("139.55", "35.62", 1, NULL);
	expect_parse(" 139.55 ", "+35.62", 1, NULL);
	expect_parse("140", "36", 1, NULL);
	expect_parse("139.55", "", 0, "lat is missing");
	expect_parse(NULL, "35.6", 0, "lon is missing");
	expect_parse("nan", "35.6", 0, "lon is not a decimal number");
	expect_parse("139.5", "inf", 0, "lat is not a decimal number");
	expect_parse("0x8b", "35.6", 0, "lon is not a decimal number");
	expect_parse("139.5e0", "35.6", 0, "lon is not a decimal number");
	expect_parse("139.5.1", "35.6", 0, "lon is not a decimal number");
	expect_parse("139.5abc", "35.6", 0, "lon is not a decimal number");
	expect_parse("-", "35.6", 0, "lon is not a decimal number");
	expect_parse("139.5", "-95", 0, "lat -95 is out of range");
	expect_parse("135.5", "34.7", 0, "outside the service area");
}

/* The projected CRS is configuration: Belgium's Lambert 72 works too. */
static void
test_other_crs(void **state)
{
	static const struct geo_area flanders = {2.5, 50.6, 5.9, 51.5};
	double e, n;
	char *cause = NULL;

	(void)state;
	assert_int_equal(geo_init("EPSG:31370", &flanders, &cause), 0);
	/* Brussels' Grand-Place is near (149,000, 170,000) in Lambert 72. */
	assert_int_equal(geo_to_plane(4.3524, 50.8467, &e, &n, &cause), 0);
	assert_true(fabs(e - 149500) < 2000 && fabs(n - 170500) < 2000);
	geo_fini();
	/* A service area outside the CRS's area of use is refused. */
	assert_int_equal(geo_init("EPSG:6677", &flanders, &cause), -1);
	assert_non_null(strstr(cause, "area of use"));
	free(cause);
	assert_int_equal(geo_init("EPSG:999999", &kanto, &cause), -1);
	free(cause);
	assert_int_equal(geo_init("EPSG:6677", &kanto, &cause), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_origin_of_zone_ix),
	    cmocka_unit_test(test_round_trip_within_1mm),
	    cmocka_unit_test(test_distance_is_metric),
	    cmocka_unit_test(test_bad_coordinates_are_named),
	    cmocka_unit_test(test_text_input),
	    cmocka_unit_test(test_other_crs),
	};

	return cmocka_run_group_tests(tests, geo_setup, geo_teardown);
}
