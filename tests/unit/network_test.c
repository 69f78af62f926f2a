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

/* 280 m of line makes three equal pieces, joined end to start. */
static void
test_cut_equal_pieces(void **state)
{
	double xy[] = {0, 0, 250, 0, 250, 30};
	double ll[] = {139.0, 35.0, 139.0025, 35.0, 139.0025, 35.0003};
	struct network_piece *p;
	size_t n, i;

	(void)state;
	n = network_cut(xy, ll, 3, 100, &p);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_true(fabs(p[i].length_m - 280.0 / 3) < 1e-6);
		assert_int_equal(p[i].seq, (int)i);
	}
	/* Piece 1 ends where piece 2 starts. */
	assert_true(p[1].xy[2 * (p[1].npoints - 1)] == p[2].xy[0]);
	/* The corner stays in the piece that turns it. */
	assert_int_equal(p[2].npoints, 3);
	network_pieces_free(p, n);
	/* Shorter than half a piece: one piece anyway. */
	n = network_cut(xy, ll, 2, 1000, &p);
	assert_int_equal(n, 1);
	network_pieces_free(p, n);
}

static void
test_osm_missing_nodes_cut_lines(void **state)
{
	static const char osm[] =
	    "<osm><node id='1' lat='35.6' lon='139.5'/>"
	    "<node id='2' lat='35.601' lon='139.5'/>"
	    "<node id='3' lat='35.602' lon='139.5'/>"
	    "<node id='4' lat='35.603' lon='139.5'/>"
	    "<way id='7'><nd ref='1'/><nd ref='2'/><nd ref='99'/><nd ref='3'/>"
	    "<nd ref='4'/><tag k='highway' v='primary'/></way>"
	    "<way id='8'><nd ref='98'/><nd ref='1'/>"
	    "<tag k='highway' v='service'/></way>"
	    "<way id='9'><nd ref='1'/><nd ref='2'/>"
	    "<tag k='building' v='yes'/></way></osm>";
	struct network_set *s;
	char *cause = NULL;

	(void)state;
	s = network_parse_osm(osm, sizeof osm - 1, NETWORK_ROAD, &cause);
	assert_non_null(s);
	assert_int_equal(s->stats.features, 3);
	assert_int_equal(s->stats.used, 1);
	assert_int_equal(s->stats.partial, 1);
	assert_int_equal(s->stats.skipped, 1);
	assert_int_equal(s->stats.other, 1);
	assert_int_equal(s->stats.missing_nodes, 2);
	assert_int_equal(s->nlines, 2); /* 1-2 and 3-4 */
	assert_string_equal(s->lines[0].ref, "w7");
	assert_string_equal(s->lines[1].ref, "w7.1");
	assert_string_equal(s->lines[0].class, "primary");
	network_free(s);
	assert_null(network_parse_osm("<osm><way", 9, NETWORK_ROAD, &cause));
	free(cause);
}

static void
test_geojson_lines_and_parks(void **state)
{
	static const char gj[] =
	    "{\"type\":\"FeatureCollection\",\"features\":["
	    "{\"type\":\"Feature\",\"properties\":{\"rdCtg\":\"都道府県道\"},"
	    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
	    "[[139.5,35.6],[139.51,35.6]]}},"
	    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
	    "\"Polygon\",\"coordinates\":[[[139.5,35.6],[139.51,35.6],"
	    "[139.51,35.61],[139.5,35.6]],[[139.502,35.601],[139.503,35.601],"
	    "[139.503,35.602],[139.502,35.601]]]}},"
	    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
	    "\"LineString\",\"coordinates\":[[139.5,95],[139.5,35]]}}]}";
	struct network_set *s;
	char *cause = NULL;

	(void)state;
	s = network_parse_geojson(
	    gj, sizeof gj - 1, NETWORK_ROAD, NULL, &cause);
	assert_int_equal(s->nlines, 1);
	assert_string_equal(s->lines[0].class, "都道府県道");
	assert_int_equal(s->stats.other, 1);   /* a polygon is no road */
	assert_int_equal(s->stats.skipped, 1); /* latitude 95 */
	network_free(s);
	/* A park walks its outline, not its hole. */
	s = network_parse_geojson(
	    gj, sizeof gj - 1, NETWORK_PARK, NULL, &cause);
	assert_int_equal(s->nlines, 2);
	network_free(s);
	assert_null(network_parse_geojson("[]", 2, NETWORK_ROAD, NULL, &cause));
	assert_non_null(strstr(cause, "FeatureCollection"));
	free(cause);
}

FIXTURE_MAIN(cmocka_unit_test(test_cut_equal_pieces),
    cmocka_unit_test(test_osm_missing_nodes_cut_lines),
    cmocka_unit_test(test_geojson_lines_and_parks))
