/*
 * The handheld's NMEA 0183 decoder (mobile-agent/nmea.c): RMC sentences
 * with a valid fix and a good checksum become fixes stamped with their own
 * UTC time; everything else is refused, including positions off the globe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"
#include "fixture.h"

static void
test_a_real_sentence(void **state)
{
	struct gps_fix fix = {0};

	(void)state;
	/* From the i.Trek log (tests/data/nmea), Anpachi, Gifu, 2005. */
	assert_int_equal(
	    gps_nmea_parse("$GPRMC,045849.000,A,3519.9048,N,"
	                   "13640.2631,E,0.10,92.17,270705,,*31\r\n",
	        &fix),
	    1);
	assert_float_equal(fix.lat, 35.3317467, 1e-6);
	assert_float_equal(fix.lon, 136.6710517, 1e-6);
	assert_int_equal(fix.t_ms, 1122440329000LL);
}

static void
test_any_talker_hemispheres_and_milliseconds(void **state)
{
	struct gps_fix fix = {0};

	(void)state;
	assert_int_equal(gps_nmea_parse("$GNRMC,235959.999,A,3536.3000,N,"
	                                "13933.6000,E,0.0,0.0,311299,,,A*74",
	                     &fix),
	    1);
	assert_int_equal(fix.t_ms, 946684799999LL);
	assert_int_equal(gps_nmea_parse("$GPRMC,120000.00,A,3352.0000,S,"
	                                "15112.0000,W,0.0,0.0,010126,,,A*57",
	                     &fix),
	    1);
	assert_float_equal(fix.lat, -33.8666667, 1e-6);
	assert_float_equal(fix.lon, -151.2, 1e-6);
	assert_int_equal(fix.t_ms, 1767268800000LL);
	/* The edge of the globe is on it. */
	assert_int_equal(gps_nmea_parse("$GPRMC,120000.00,A,8959.9999,N,"
	                                "18000.0000,W,0.0,0.0,010126,,,A*4F",
	                     &fix),
	    1);
	assert_float_equal(fix.lon, -180, 1e-9);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
	    /* no fix (status V) */
	    "$GPRMC,120000.00,V,3352.0000,S,15112.0000,W,0.0,0.0,010126,,,A*40",
	    /* checksum off by one, or missing */
	    "$GPRMC,120000.00,A,3352.0000,S,15112.0000,W,0.0,0.0,010126,,,A*58",
	    "$GPRMC,120000.00,A,3352.0000,S,15112.0000,W,0.0,0.0,010126,,,A",
	    /* 90 degrees 30 minutes north, 180 degrees 30 minutes west */
	    "$GPRMC,120000.00,A,9030.0000,N,00000.0000,E,0.0,0.0,010126,,,A*53",
	    "$GPRMC,120000.00,A,3352.0000,S,18030.0000,W,0.0,0.0,010126,,,A*5B",
	    /* not RMC, not a sentence */
	    "$GPGGA,045849.000,3519.9048,N,13640.2631,E,1,04,2.0,48.0,M,,,,*3C",
	    "GPRMC,045849.000,A,3519.9048,N,13640.2631,E,0.10,92.17,270705,,*"
	    "31",
	    "",
	    "$*00",
	};
	struct gps_fix fix = {.t_ms = 7};
	size_t i;
	char longer[400];

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (gps_nmea_parse(bad[i], &fix) != 0)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(fix.t_ms, 7);
	}
	/* Longer than any sentence may be (82): refused, not cut. */
	memset(longer, 'A', sizeof longer - 1);
	longer[0] = '$';
	longer[sizeof longer - 1] = '\0';
	assert_int_equal(gps_nmea_parse(longer, &fix), 0);
}

FIXTURE_MAIN(cmocka_unit_test(test_a_real_sentence),
    cmocka_unit_test(test_any_talker_hemispheres_and_milliseconds),
    cmocka_unit_test(test_refused))
