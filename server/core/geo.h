/*
 * Coordinates: WGS84 on every wire, a projected metric CRS (default
 * JGD2011 / Japan Plane Rectangular CS IX, EPSG:6677) for every distance.
 * One PROJ context for the process and transformations made once at
 * start-up: creating them opens proj.db, which is slow.
 */
#ifndef PATROL_GEO_H
#define PATROL_GEO_H

#include <stddef.h>

#include "compiler.h"

struct geo_area {
	double lon_min, lat_min, lon_max, lat_max;
};

/*
 * Creates the context and the WGS84 <-> crs transformation, checks that the
 * service area lies inside the CRS's area of use. Returns -1 with *cause.
 */
PATROL_MUSTCHECK int geo_init(
    const char *crs, const struct geo_area *, char **cause);
void geo_fini(void);
/* The configured projected CRS, as given (e.g. "EPSG:6677"). */
const char *geo_crs(void);

/*
 * Checks a WGS84 point: finite, in range, inside the service area. On
 * failure returns -1 with *cause naming the field and the reason.
 */
PATROL_MUSTCHECK int geo_check_wgs84(double lon, double lat, char **cause);
/*
 * Parses text input ("139.7", " 35.6") for lon and lat strictly: a whole
 * decimal number, no trailing junk, then geo_check_wgs84. For query
 * parameters and form fields.
 */
PATROL_MUSTCHECK int geo_parse_lonlat(
    const char *lon, const char *lat, double *lonp, double *latp, char **cause);

/* WGS84 lon/lat -> easting/northing in metres; checks the input first. */
PATROL_MUSTCHECK int geo_to_plane(
    double lon, double lat, double *easting, double *northing, char **cause);
/* Easting/northing -> WGS84 lon/lat. */
PATROL_MUSTCHECK int geo_from_plane(
    double easting, double northing, double *lon, double *lat, char **cause);

/*
 * The length in metres of a polyline of npoints easting/northing pairs
 * (xy[2 * i], xy[2 * i + 1]); 0 for fewer than two points.
 */
double geo_length(const double *xy, size_t npoints);

#endif
