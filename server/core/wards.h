/*
 * Wards: administrative polygons imported from GeoJSON, kept in memory in
 * patrold for point-in-polygon lookups (a ward office's city has a handful
 * to a few dozen wards). Multipolygons (islands) and holes are handled.
 */
#ifndef PATROL_WARDS_H
#define PATROL_WARDS_H

#include <stddef.h>

#include "compiler.h"

struct ward_set;

struct ward {
	char *code; /* JIS code, e.g. "14135" */
	char *name; /* e.g. "神奈川県川崎市多摩区" */
	double lon_min, lat_min, lon_max, lat_max;
};

/*
 * Parses a GeoJSON FeatureCollection of Polygon/MultiPolygon features,
 * taking each ward's name and code from the named properties. Features
 * with the same code are merged (a ward in several parts). Returns NULL
 * with *cause naming the feature and the problem on bad input.
 */
struct ward_set *wards_parse_geojson(const char *buf, size_t len,
    const char *name_field, const char *code_field, char **cause);
void wards_free(struct ward_set *);
size_t wards_count(const struct ward_set *);
const struct ward *wards_get(const struct ward_set *, size_t i);
/* The ward containing the WGS84 point, or NULL (outside all, or a hole). */
const struct ward *wards_find(const struct ward_set *, double lon, double lat);
/*
 * For a point outside every ward: the ward whose boundary is nearest and
 * the distance to it in metres (*metres; may be NULL), or NULL for an
 * empty set.
 */
const struct ward *wards_nearest(
    const struct ward_set *, double lon, double lat, double *metres);
/* Metres from the point to ward i's boundary; -1 for a bad index. */
PATROL_MUSTCHECK int wards_distance(
    const struct ward_set *, size_t i, double lon, double lat, double *metres);
/* The ward's geometry as a GeoJSON MultiPolygon (caller frees). */
char *wards_geometry_json(const struct ward_set *, size_t i);

/* An empty set: a database where no wards have been imported yet. */
struct ward_set *wards_new(void);
/* Totals over the whole set, for import reports. */
void wards_totals(const struct ward_set *, size_t *polygons, size_t *holes,
    size_t *positions);
/*
 * The set as a GeoJSON FeatureCollection, one Feature per ward with a bbox,
 * properties "code" and "name" and a MultiPolygon geometry; coordinates
 * have at most 7 decimals (about 1 cm). wards_parse_geojson(..., "name",
 * "code", ...) reads it back unchanged. Caller frees.
 */
char *wards_to_geojson(const struct ward_set *);

#endif
