#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "roadnet.h"
#include "wards.h"

char *
fixture_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long size;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

void
fixture_cause(char *cause, const char *needle)
{
	assert_non_null(cause);
	if (strstr(cause, needle) == NULL)
		fail_msg("cause '%s' does not contain '%s'", cause, needle);
	free(cause);
}

char *
fixture_output(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

struct ward_set *
fixture_kawasaki(void)
{
	struct ward_set *set;
	char *buf, *cause = NULL;
	size_t len;

	buf = fixture_read(FIXTURE_KAWASAKI, &len);
	set = wards_parse_geojson(buf, len, "name", "code", &cause);
	free(buf);
	if (set == NULL)
		fail_msg("%s: %s", FIXTURE_KAWASAKI, cause);
	return set;
}

struct roadnet *
fixture_river_town(double bridge, double end)
{
	double south[] = {0, -100, bridge, -100, end, -100};
	double north[] = {0, 100, bridge, 100, end, 100};
	double span[] = {bridge, -100, bridge, 100};
	struct roadnet *r = roadnet_new(200);

	/* The bridge meets the banks' roads at a point of each. */
	roadnet_add_line(r, south, 3);
	roadnet_add_line(r, north, 3);
	roadnet_add_line(r, span, 2);
	roadnet_build(r, 0);
	return r;
}
