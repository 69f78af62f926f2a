/*
 * What several unit tests load the same way (tests/unit/fixture.c, linked
 * into each by patrol_unit_test). On any failure the calling test fails
 * (cmocka), naming the file.
 */
#ifndef PATROL_TEST_FIXTURE_H
#define PATROL_TEST_FIXTURE_H

#include <stddef.h>
#include <stdio.h>

/*
 * A unit test program's main(): runs the cmocka tests given
 * (cmocka_unit_test(name), ...) in order as one group, and exits non-zero
 * when any fails.
 */
#define FIXTURE_MAIN(...)                                                      \
	int main(void)                                                         \
	{                                                                      \
		const struct CMUnitTest tests[] = {__VA_ARGS__};               \
                                                                               \
		return cmocka_run_group_tests(tests, NULL, NULL);              \
	}

/* PATROL_DATA_DIR is the source tree's data/ (CMake defines it). */
#define FIXTURE_KAWASAKI PATROL_DATA_DIR "/kawasaki_wards_N03-22.geojson"

/* The whole file at path, NUL-terminated, *len its bytes; caller frees. */
char *fixture_read(const char *path, size_t *len);

/*
 * A refusal's cause names the problem: it contains needle, or the test
 * fails showing it. Frees cause.
 */
void fixture_cause(char *cause, const char *needle);

/* All that fn writes to the stream it is given, NUL-terminated; caller frees.
 */
char *fixture_output(void (*fn)(FILE *));

/*
 * The shipped Kawasaki wards (FIXTURE_KAWASAKI, properties name and code);
 * the caller wards_free()s it.
 */
struct ward_set *fixture_kawasaki(void);

/*
 * A river along y = 0 with a road on each bank (y = -100 and y = +100,
 * x 0..end) and one bridge across it at x = bridge, built with a 200 m
 * snap; the caller roadnet_free()s it.
 */
struct roadnet *fixture_river_town(double bridge, double end);

#endif
