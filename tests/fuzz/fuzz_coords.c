/*
 * Coordinate input: "lon\nlat" text as it arrives in query strings and
 * forms. Whatever is accepted must be inside the service area and survive
 * a round trip through the projected CRS within a millimetre.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"
#include "log.h"
#include "xmalloc.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct geo_area area = {139.0, 35.1, 140.0, 36.3};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cause;

	(void)argc;
	(void)argv;
	log_init(LOG_LEVEL_ERROR, NULL);
	if (geo_init("EPSG:6677", &area, &cause) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *lat, *cause = NULL;
	double lon, la, e, n, lon2, lat2;

	if ((lat = strchr(text, '\n')) != NULL)
		*lat++ = '\0';
	if (geo_parse_lonlat(text, lat, &lon, &la, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		free(text);
		return 0;
	}
	if (!(lon >= area.lon_min && lon <= area.lon_max &&
	        la >= area.lat_min && la <= area.lat_max))
		abort();
	if (geo_to_plane(lon, la, &e, &n, &cause) != 0 ||
	    geo_from_plane(e, n, &lon2, &lat2, &cause) != 0)
		abort();
	if (fabs(lon2 - lon) * 91000 > 0.001 ||
	    fabs(lat2 - la) * 111000 > 0.001)
		abort();
	free(text);
	return 0;
}
