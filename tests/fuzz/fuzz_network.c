/*
 * The patrol network readers on arbitrary bytes: OSM XML when the input
 * starts with '<', GeoJSON otherwise, then cutting every line read. The
 * counts must add up and every piece must be a real line.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "network.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct network_set *set;
	struct network_piece *p;
	char *cause = NULL;
	size_t i, k, n;
	double *xy;

	if (size > 0 && data[0] == '<')
		set = network_parse_osm(
		    (const char *)data, size, NETWORK_ROAD, &cause);
	else
		set = network_parse_geojson(
		    (const char *)data, size, NETWORK_PARK, NULL, &cause);
	if (set == NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (set->stats.used + set->stats.skipped + set->stats.other !=
	    set->stats.features)
		abort();
	for (i = 0; i < set->nlines; i++) {
		/* A stand-in projection: degrees as if they were km. */
		xy = malloc(set->lines[i].npoints * 2 * sizeof *xy);
		for (k = 0; k < set->lines[i].npoints * 2; k++)
			xy[k] = set->lines[i].lonlat[k] * 1000;
		n = network_cut(
		    xy, set->lines[i].lonlat, set->lines[i].npoints, 100, &p);
		for (k = 0; k < n; k++) {
			if (p[k].npoints < 2 || !isfinite(p[k].length_m))
				abort();
		}
		network_pieces_free(p, n);
		free(xy);
	}
	network_free(set);
	return 0;
}
