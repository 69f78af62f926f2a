#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "wards.h"

static struct ward_set *
parse_ok(const char *json)
{
	struct ward_set *set;
	char *cause = NULL;

	set = wards_parse_geojson(json, strlen(json), "name", "code", &cause);
	if (set == NULL)
		fail_msg("refused: %s", cause);
	return set;
}

static int
kawasaki_setup(void **state)
{
	*state = fixture_kawasaki();
	return 0;
}

static int
kawasaki_teardown(void **state)
{
	wards_free(*state);
	return 0;
}

static void
test_kawasaki_has_seven_wards(void **state)
{
	const struct ward_set *set = *state;
	size_t polygons, holes, positions;

	assert_int_equal(wards_count(set), 7);
	wards_totals(set, &polygons, &holes, &positions);
	/* Kawasaki-ku's islands, Asao's exclave; Tama has an enclave hole. */
	assert_int_equal(polygons, 15);
	assert_int_equal(holes, 1);
	assert_true(positions > 10000);
	assert_string_equal(wards_get(set, 0)->code, "14131");
	assert_null(wards_get(set, 7));
}

static void
expect_ward(const struct ward_set *set, double lon, double lat,
    const char *code, const char *name_part)
{
	const struct ward *w = wards_find(set, lon, lat);

	if (code == NULL) {
		if (w != NULL)
			fail_msg("(%f, %f) found in %s", lon, lat, w->code);
		return;
	}
	if (w == NULL)
		fail_msg("(%f, %f) not found, expected %s", lon, lat, code);
	assert_string_equal(w->code, code);
	if (name_part != NULL && strstr(w->name, name_part) == NULL)
		fail_msg("name '%s' lacks '%s'", w->name, name_part);
	/* The ward's box holds every point found in it. */
	assert_true(lon >= w->lon_min && lon <= w->lon_max);
	assert_true(lat >= w->lat_min && lat <= w->lat_max);
}

static void
test_kawasaki_lookups(void **state)
{
	const struct ward_set *set = *state;

	/* Tama ward office. */
	expect_ward(set, 139.5503, 35.6197, "14135", "多摩区");
	/* Ogishima, an island of Kawasaki-ku, 850 m from its shore. */
	expect_ward(set, 139.72776, 35.48231, "14131", "川崎区");
	/* Higashi-Ogishima, another one. */
	expect_ward(set, 139.74752, 35.49244, "14131", "川崎区");
	/* Asao's exclave, a separate polygon of the same ward. */
	expect_ward(set, 139.47925, 35.57615, "14137", "麻生区");
	/* The hole in Tama ward belongs to no Kawasaki ward. */
	expect_ward(set, 139.51802, 35.62957, NULL, NULL);
	/* Tokyo station, and places far away. */
	expect_ward(set, 139.7671, 35.6812, NULL, NULL);
	expect_ward(set, 0, 0, NULL, NULL);
	expect_ward(set, -180, -90, NULL, NULL);
}

static void
test_square_with_a_hole(void **state)
{
	struct ward_set *set;

	(void)state;
	set = parse_ok("{\"type\":\"FeatureCollection\",\"features\":[{"
	               "\"type\":\"Feature\",\"properties\":{\"name\":\"Sq\","
	               "\"code\":\"1\"},\"geometry\":{\"type\":\"Polygon\","
	               "\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]],"
	               "[[4,4],[6,4],[6,6],[4,6],[4,4]]]}}]}");
	expect_ward(set, 5, 5, NULL, NULL); /* in the hole */
	expect_ward(set, 2, 5, "1", "Sq");  /* in the ring */
	expect_ward(set, 9.9, 0.1, "1", NULL);
	expect_ward(set, 11, 5, NULL, NULL); /* outside */
	expect_ward(set, 5, -0.1, NULL, NULL);
	wards_free(set);
}

/* Two features with one code make one ward; an open ring is closed. */
static void
test_merge_and_close(void **state)
{
	struct ward_set *set;
	size_t polygons, positions;
	char *g;

	(void)state;
	set =
	    parse_ok("{\"type\":\"FeatureCollection\",\"features\":["
	             "{\"type\":\"Feature\",\"properties\":{\"name\":\"A\","
	             "\"code\":7},\"geometry\":{\"type\":\"Polygon\","
	             "\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}},"
	             "{\"type\":\"Feature\",\"properties\":{\"name\":\"A\","
	             "\"code\":\"7\"},\"geometry\":{\"type\":\"MultiPolygon\","
	             "\"coordinates\":[[[[2,0],[3,0],[3,1],[2,0]]]]}}]}");
	assert_int_equal(wards_count(set), 1);
	wards_totals(set, &polygons, NULL, &positions);
	assert_int_equal(polygons, 2);
	assert_int_equal(positions, 5 + 4);
	assert_true(wards_get(set, 0)->lon_max == 3);
	expect_ward(set, 0.5, 0.5, "7", "A");
	expect_ward(set, 2.9, 0.5, "7", "A");
	expect_ward(set, 1.5, 0.5, NULL, NULL);
	g = wards_geometry_json(set, 0);
	assert_string_equal(g,
	    "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0.0,0.0],[1.0,"
	    "0.0],[1.0,1.0],[0.0,1.0],[0.0,0.0]]],[[[2.0,0.0],[3.0,0.0],"
	    "[3.0,1.0],[2.0,0.0]]]]}");
	free(g);
	assert_null(wards_geometry_json(set, 1));
	wards_free(set);
}

/* At most 7 decimals out, and the output reads back the same. */
static void
test_geometry_precision_and_round_trip(void **state)
{
	const struct ward_set *set = *state;
	struct ward_set *back;
	char *doc, *doc2, *g, *cause = NULL;
	const char *p;
	size_t i, decimals;

	g = wards_geometry_json(set, 4); /* Tama */
	assert_non_null(strstr(g, "\"type\":\"MultiPolygon\""));
	for (p = g; *p != '\0'; p++) {
		if (*p != '.')
			continue;
		for (decimals = 0;
		     p[decimals + 1] >= '0' && p[decimals + 1] <= '9';
		     decimals++)
			;
		if (decimals > 7)
			fail_msg("%zu decimals near '%.30s'", decimals, p - 5);
	}
	free(g);

	doc = wards_to_geojson(set);
	back = wards_parse_geojson(doc, strlen(doc), "name", "code", &cause);
	if (back == NULL)
		fail_msg("own output refused: %s", cause);
	assert_int_equal(wards_count(back), 7);
	for (i = 0; i < 7; i++) {
		assert_string_equal(
		    wards_get(back, i)->code, wards_get(set, i)->code);
		assert_true(
		    wards_get(back, i)->lat_max == wards_get(set, i)->lat_max);
	}
	doc2 = wards_to_geojson(back);
	assert_string_equal(doc, doc2);
	free(doc);
	free(doc2);
	wards_free(back);
}

static void
test_empty_set(void **state)
{
	struct ward_set *set = wards_new();
	char *doc;

	(void)state;
	assert_int_equal(wards_count(set), 0);
	assert_null(wards_find(set, 139.55, 35.62));
	doc = wards_to_geojson(set);
	assert_string_equal(
	    doc, "{\"type\":\"FeatureCollection\",\"features\":[]}");
	free(doc);
	wards_free(set);
}

static void
expect_refused(const char *json, const char *needle)
{
	struct ward_set *set;
	char *cause = NULL;

	set = wards_parse_geojson(json, strlen(json), "name", "code", &cause);
	if (set != NULL)
		fail_msg("accepted: %s", json);
	fixture_cause(cause, needle);
}

#define FC(features)                                                           \
	"{\"type\":\"FeatureCollection\",\"features\":[" features "]}"
#define SQUARE "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]"
#define FEATURE(props, geom)                                                   \
	"{\"type\":\"Feature\",\"properties\":" props ",\"geometry\":" geom "}"
#define PROPS        "{\"name\":\"A\",\"code\":\"1\"}"
#define POLY(coords) "{\"type\":\"Polygon\",\"coordinates\":" coords "}"

static void
test_bad_inputs_are_named(void **state)
{
	(void)state;
	expect_refused("", "not JSON");
	expect_refused("{\"type\":", "not JSON");
	expect_refused("[1,2]", "top level is an array");
	expect_refused("{\"type\":\"Feature\"}",
	    "not a GeoJSON "
	    "FeatureCollection: its "
	    "type is 'Feature'");
	expect_refused("{\"type\":\"FeatureCollection\"}",
	    "no features "
	    "array");
	expect_refused(FC(""), "has no features");
	expect_refused(FC(FEATURE(PROPS, POLY(SQUARE)) ",[]"),
	    "features[1]: is an array, not a Feature object");
	expect_refused(FC(FEATURE("{\"name\":\"A\"}", POLY(SQUARE))),
	    "features[0]: property 'code' (the code) is missing");
	expect_refused(FC(FEATURE(PROPS, POLY(SQUARE)) "," FEATURE(
	                   "{\"code\":\"2\"}", POLY(SQUARE))),
	    "features[1]: property 'name' (the name) is missing");
	expect_refused(FC(FEATURE("null", POLY(SQUARE))),
	    "features[0]: has no properties");
	expect_refused(
	    FC(FEATURE("{\"name\":\"A\",\"code\":\"a b\"}", POLY(SQUARE))),
	    "must be 1 to 32 letters");
	expect_refused(FC(FEATURE(PROPS, POLY(SQUARE)) "," FEATURE(
	                   "{\"name\":\"B\",\"code\":\"1\"}", POLY(SQUARE))),
	    "features[1]: code 1 is named 'B' here but 'A'");
	expect_refused(FC(FEATURE(PROPS, POLY("[[[0,0],[1,0],[0,0]]]"))),
	    "features[0]: ring 0: has 3 positions; a ring needs at least 4");
	expect_refused(FC(FEATURE(PROPS,
	                   POLY("[[[0,0],[1,0],[1,1],[0,1],[0,0]],"
	                        "[[0,0],[1,0],[0,0]]]"))),
	    "features[0]: ring 1: has 3 positions");
	expect_refused(
	    FC(FEATURE(PROPS, POLY("[[[0,0],[1,0],[NaN,1],[0,0]]]"))),
	    "not JSON");
	expect_refused(
	    FC(FEATURE(PROPS, POLY("[[[0,0],[1,0],[\"1\",1],[0,0]]]"))),
	    "features[0]: ring 0, position 2: lon is a string, not a number");
	expect_refused(
	    FC(FEATURE(PROPS, POLY("[[[0,0],[1,0],[1,null],[0,0]]]"))),
	    "position 2: lat is null, not a number");
	expect_refused(FC(FEATURE(PROPS, POLY("[[[0,0],[1,0],[1,95],[0,0]]]"))),
	    "features[0]: ring 0, position 2: lat 95 is out of range "
	    "(-90..90)");
	expect_refused(
	    FC(FEATURE(PROPS, POLY("[[[0,0],[1,0],[-180.5,1],[0,0]]]"))),
	    "lon -180.5 is out of range (-180..180)");
	expect_refused(FC(FEATURE(PROPS, POLY("[[[0,0],[1],[1,1],[0,0]]]"))),
	    "position 1: has 1 number; a position is [lon, lat]");
	expect_refused(
	    FC(FEATURE(PROPS, POLY("[[[0,0],[1,0],[1,1],[0,0]]]")) "," FEATURE(
	        PROPS,
	        "{\"type\":\"LineString\","
	        "\"coordinates\":[[0,0],[1,1]]}")),
	    "features[1]: geometry type 'LineString' is not accepted: only "
	    "Polygon and MultiPolygon are");
	expect_refused(FC(FEATURE(PROPS, "null")),
	    "features[0]: has no "
	    "geometry");
	expect_refused(FC(FEATURE(PROPS,
	                   "{\"type\":\"MultiPolygon\","
	                   "\"coordinates\":[" SQUARE ",[]]}")),
	    "features[0]: polygon 1: has no rings");
	expect_refused(FC(FEATURE(PROPS,
	                   "{\"type\":\"MultiPolygon\","
	                   "\"coordinates\":[[[[0,0],[1,0],[1,"
	                   "1],[0,1],[0,0]],[[0,0],[1,0],[1,"
	                   "1],[0,0],[0,0],[7,99]]]]}")),
	    "features[0]: polygon 0, ring 1, position 5: lat 99 is out");
	expect_refused(FC(FEATURE(PROPS, POLY(SQUARE)) "," FEATURE(
	                   PROPS, "{\"type\":\"Polygon\",\"coordinates\":{}}")),
	    "features[1]: Polygon has no coordinates array");
	expect_refused(
	    "{\"type\":\"FeatureCollection\",\"type\":\"x\"}", "duplicate");
}

/* The caps hold before the work is done. */
static void
test_size_caps(void **state)
{
	size_t i, len, cap = 1001 * 200 + 100;
	char *buf = malloc(cap);

	(void)state;
	len = (size_t)snprintf(buf, cap,
	    "{\"type\":\"FeatureCollection\","
	    "\"features\":[");
	for (i = 0; i < 1001; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
		    i ? "," : "", FEATURE(PROPS, POLY(SQUARE)));
	snprintf(buf + len, cap - len, "]}");
	expect_refused(buf, "1001 features: at most 1000");
	free(buf);
}

static void
test_other_property_names(void **state)
{
	static const char json[] = FC(
	    FEATURE("{\"N03_004\":\"X\",\"N03_007\":\"14135\"}", POLY(SQUARE)));
	struct ward_set *set;
	char *cause = NULL;

	(void)state;
	set = wards_parse_geojson(
	    json, sizeof json - 1, "N03_004", "N03_007", &cause);
	assert_non_null(set);
	assert_string_equal(wards_get(set, 0)->code, "14135");
	assert_string_equal(wards_get(set, 0)->name, "X");
	wards_free(set);
	expect_refused(json, "property 'code' (the code) is missing");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kawasaki_has_seven_wards),
	    cmocka_unit_test(test_kawasaki_lookups),
	    cmocka_unit_test(test_geometry_precision_and_round_trip),
	    cmocka_unit_test(test_square_with_a_hole),
	    cmocka_unit_test(test_merge_and_close),
	    cmocka_unit_test(test_empty_set),
	    cmocka_unit_test(test_bad_inputs_are_named),
	    cmocka_unit_test(test_size_caps),
	    cmocka_unit_test(test_other_property_names),
	};

	return cmocka_run_group_tests(tests, kawasaki_setup, kawasaki_teardown);
}
