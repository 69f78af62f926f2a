/* The ward GeoJSON parser on arbitrary bytes, and lookups on what it takes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wards.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_set *set, *back;
	const struct ward *w;
	char *cause = NULL, *doc;
	size_t i;

	set = wards_parse_geojson(
	    (const char *)data, size, "name", "code", &cause);
	if (set == NULL) {
		/* Every refusal must say why. */
		if (cause == NULL || *cause == '\0')
			abort();
		free(cause);
		return 0;
	}
	if (wards_count(set) == 0)
		abort();
	for (i = 0; i < wards_count(set); i++) {
		w = wards_get(set, i);
		if (w->lon_min > w->lon_max || w->lat_min > w->lat_max ||
		    w->lon_min < -180 || w->lon_max > 180 || w->lat_min < -90 ||
		    w->lat_max > 90)
			abort(); /* accepted values stay inside their ranges */
		/* Any answer will do: it must only not crash. */
		(void)wards_find(set, (w->lon_min + w->lon_max) / 2,
		    (w->lat_min + w->lat_max) / 2);
		free(wards_geometry_json(set, i));
	}
	/* What we write, we read back the same. */
	doc = wards_to_geojson(set);
	back = wards_parse_geojson(doc, strlen(doc), "name", "code", &cause);
	if (back == NULL || wards_count(back) != wards_count(set))
		abort();
	free(doc);
	wards_free(back);
	wards_free(set);
	return 0;
}
