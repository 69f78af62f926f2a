/*
 * The weekly coverage report as an RFC 7946 FeatureCollection: one
 * LineString Feature per piece, WGS84 lon/lat with at most 7 decimals
 * (about 1 cm, more than a phone's GPS or the network's source data can
 * claim). The week, its bounds and the per-ward summary travel as foreign
 * members, which RFC 7946 section 6.1 allows and GIS readers ignore.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "export.h"
#include "xmalloc.h"

/*
 * Every number is rounded to its decimals before it is dumped, so 15
 * significant digits print it back exactly (any decimal of 15 digits or
 * fewer survives the trip through a double) and never show the binary
 * noise %.17g would.
 */
#define GEOJSON_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/*
 * What could not be written: jansson refuses text that is not UTF-8, and
 * JSON has no NaN or infinity.
 */
struct geojson_build {
	int bad;
	const char *what; /* the first member refused */
	const char *why;
};

static double
geojson_round(double v, double scale)
{
	return round(v * scale) / scale;
}

static json_t *
geojson_string(const char *s)
{
	return s == NULL ? json_null() : json_string(s);
}

static void
geojson_refuse(struct geojson_build *b, const char *what, const char *why)
{
	if (b->bad++ == 0) {
		b->what = what;
		b->why = why;
	}
}

static void
geojson_set(
    struct geojson_build *b, json_t *obj, const char *key, json_t *value)
{
	if (value == NULL) {
		geojson_refuse(b, key, "not valid UTF-8");
		return;
	}
	json_object_set_new(obj, key, value);
}

static void
geojson_set_real(struct geojson_build *b, json_t *obj, const char *key,
    double v, double scale)
{
	if (!isfinite(v)) {
		geojson_refuse(b, key, "not a finite number");
		return;
	}
	json_object_set_new(obj, key, json_real(geojson_round(v, scale)));
}

static json_t *
geojson_geometry(struct geojson_build *b, const struct report_piece *p)
{
	json_t *coords;
	size_t i;

	/*
	 * A LineString needs two positions; a piece with fewer is a
	 * broken row, kept as an unlocated Feature (RFC 7946 3.2) so the
	 * counts still match the report's.
	 */
	if (p->lonlat == NULL || p->npoints < 2)
		return json_null();
	for (i = 0; i < 2 * p->npoints; i++) {
		if (!isfinite(p->lonlat[i])) {
			geojson_refuse(b, "coordinates", "not a finite number");
			return json_null();
		}
	}
	coords = json_array();
	for (i = 0; i < p->npoints; i++) {
		json_array_append_new(coords,
		    json_pack("[ff]", geojson_round(p->lonlat[2 * i], 1e7),
		        geojson_round(p->lonlat[2 * i + 1], 1e7)));
	}
	return json_pack(
	    "{s:s,s:o}", "type", "LineString", "coordinates", coords);
}

static json_t *
geojson_feature(struct geojson_build *b, const struct report_piece *p)
{
	json_t *props, *f;

	props = json_object();
	geojson_set(b, props, "id", json_integer(p->id));
	geojson_set(b, props, "kind", geojson_string(p->kind));
	geojson_set(b, props, "class", geojson_string(p->class));
	geojson_set(b, props, "name", geojson_string(p->name));
	geojson_set(b, props, "ward_code", geojson_string(p->ward_code));
	geojson_set_real(b, props, "length_m", p->length_m, 10);
	geojson_set(b, props, "interval_days", json_integer(p->interval_days));
	geojson_set(
	    b, props, "state", json_string(report_state_name(p->state)));
	geojson_set(b, props, "due", json_boolean(p->due));
	geojson_set(
	    b, props, "last_inspected", geojson_string(p->last_inspected));
	geojson_set(b, props, "due_at", geojson_string(p->due_at));
	/* The measurement behind the state, for a check without our DB. */
	geojson_set_real(b, props, "best_share", p->best_share, 1000);

	f = json_object();
	json_object_set_new(f, "type", json_string("Feature"));
	/* The Feature id lets GDAL and Leaflet use the piece id as FID. */
	json_object_set_new(f, "id", json_integer(p->id));
	json_object_set_new(f, "geometry", geojson_geometry(b, p));
	json_object_set_new(f, "properties", props);
	return f;
}

static json_t *
geojson_summary(struct geojson_build *b, const struct report_summary *s)
{
	json_t *o = json_object();

	geojson_set(b, o, "ward_code", geojson_string(s->ward_code));
	geojson_set(b, o, "ward_name", geojson_string(s->ward_name));
	geojson_set(b, o, "kind", geojson_string(s->kind));
	geojson_set(b, o, "class", geojson_string(s->class));
	geojson_set(b, o, "pieces", json_integer(s->pieces));
	geojson_set(b, o, "due", json_integer(s->due));
	geojson_set(b, o, "on_time", json_integer(s->on_time));
	geojson_set(b, o, "overdue", json_integer(s->overdue));
	/* No share when nothing was due: 0% would read as a failure. */
	if (s->due > 0) {
		geojson_set_real(
		    b, o, "share_on_time", (double)s->on_time / s->due, 1e4);
	} else
		geojson_set(b, o, "share_on_time", json_null());
	geojson_set_real(b, o, "km", s->km, 1e3);
	geojson_set_real(b, o, "km_due", s->km_due, 1e3);
	geojson_set_real(b, o, "km_on_time", s->km_on_time, 1e3);
	return o;
}

int
export_geojson(const struct coverage_report *r, FILE *out, char **cause)
{
	struct geojson_build b = {0, NULL, NULL};
	json_t *root, *features, *summary;
	size_t i;
	int bad_piece = -1, bad_summary = -1;

	features = json_array();
	for (i = 0; i < r->npieces; i++) {
		json_array_append_new(
		    features, geojson_feature(&b, &r->pieces[i]));
		if (b.bad != 0 && bad_piece == -1)
			bad_piece = (int)i;
	}
	summary = json_array();
	for (i = 0; i < r->nsummary; i++) {
		json_array_append_new(
		    summary, geojson_summary(&b, &r->summary[i]));
		if (b.bad != 0 && bad_piece == -1 && bad_summary == -1)
			bad_summary = (int)i;
	}

	root = json_object();
	json_object_set_new(root, "type", json_string("FeatureCollection"));
	geojson_set(&b, root, "week", json_string(r->week));
	geojson_set(&b, root, "ward_code", geojson_string(r->ward_code));
	geojson_set(&b, root, "ward_name", geojson_string(r->ward_name));
	geojson_set(&b, root, "start", geojson_string(r->start));
	geojson_set(&b, root, "end", geojson_string(r->end));
	/*
	 * Not "crs": that member meant the coordinates' CRS in the 2008
	 * format and GDAL still reads it so; this one only says where the
	 * lengths were measured.
	 */
	geojson_set(&b, root, "length_crs", geojson_string(r->crs));
	json_object_set_new(root, "summary", summary);
	json_object_set_new(root, "features", features);

	if (b.bad != 0) {
		if (bad_piece >= 0) {
			*cause = xasprintf("piece %lld: %s: %s",
			    r->pieces[bad_piece].id, b.what, b.why);
		} else if (bad_summary >= 0) {
			*cause = xasprintf("summary row %d: %s: %s",
			    bad_summary, b.what, b.why);
		} else
			*cause = xasprintf("%s: %s", b.what, b.why);
		json_decref(root);
		return -1;
	}
	if (json_dumpf(root, out, GEOJSON_DUMP_FLAGS) != 0 ||
	    fputc('\n', out) == EOF || fflush(out) != 0 || ferror(out)) {
		*cause = xstrdup("cannot write the GeoJSON");
		json_decref(root);
		return -1;
	}
	json_decref(root);
	return 0;
}
