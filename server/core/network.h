/*
 * The patrol network: road, river-bank and park lines read from OSM XML or
 * GeoJSON, cut into pieces of about the same length in the projected CRS.
 * Real data is dirty (ways that reference nodes outside the extract,
 * broken geometries): what cannot be used is skipped and counted, never
 * guessed.
 */
#ifndef PATROL_NETWORK_H
#define PATROL_NETWORK_H

#include <stddef.h>

#include "compiler.h"

enum network_kind { NETWORK_ROAD, NETWORK_RIVER, NETWORK_PARK };

struct network_line {
	char *ref;   /* source id: OSM way id, or feature index */
	char *class; /* highway=*, waterway=*, rdCtg, ... or the kind */
	char *name;
	double *lonlat; /* pairs, WGS84 */
	size_t npoints;
};

struct network_stats {
	size_t features;      /* ways or features read */
	size_t used;          /* lines kept (whole or in part) */
	size_t skipped;       /* nothing usable */
	size_t partial;       /* some nodes missing: usable runs kept */
	size_t missing_nodes; /* node references not in the file */
	size_t other;         /* not of the kind asked for */
};

struct network_set {
	struct network_line *lines;
	size_t nlines;
	struct network_stats stats;
	/*
	 * The published source the file is from, as the data shows it:
	 * "osm" (OSM XML, or GeoJSON with osm_id/highway), "gsi" (rdCtg),
	 * "mlit_rivers" (W05_* properties), or NULL (not known). Static.
	 */
	const char *credit;
};

PATROL_MUSTCHECK int network_kind_parse(const char *, enum network_kind *);
const char *network_kind_name(enum network_kind);

/*
 * OSM XML 0.6: highways (road), waterways (river) or leisure=park outlines
 * and paths inside (park). A way cut by missing nodes keeps each run of two
 * or more known nodes as a line of its own.
 */
struct network_set *network_parse_osm(
    const char *buf, size_t len, enum network_kind, char **cause);
/*
 * GeoJSON FeatureCollection of LineString / MultiLineString (and Polygon /
 * MultiPolygon outlines for parks). class_field names the property that
 * gives the class (NULL: "highway", "rdCtg", "class", then the kind).
 */
struct network_set *network_parse_geojson(const char *buf, size_t len,
    enum network_kind, const char *class_field, char **cause);
void network_free(struct network_set *);

struct network_piece {
	size_t line; /* index in the set */
	int seq;     /* piece number along the line */
	double *xy;  /* easting, northing pairs */
	double *lonlat;
	size_t npoints;
	double length_m;
};

/*
 * Cuts a line (already projected: xy pairs) into pieces of piece_m; a last
 * bit shorter than half a piece joins the one before. Returns the count
 * and the pieces in *out (free with network_pieces_free).
 */
size_t network_cut(const double *xy, const double *lonlat, size_t npoints,
    double piece_m, struct network_piece **out);
void network_pieces_free(struct network_piece *, size_t);

#endif
