/*
 * Wards: GeoJSON in, point-in-polygon out.
 *
 * Coordinates are rounded to 7 decimals (about 1 cm) as they are read, so
 * the set in memory, the rows in the database and the API's output agree
 * exactly. Lookups work in lon/lat directly: at ward scale the distortion
 * does not move a point across a boundary that matters.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "wards.h"
#include "xmalloc.h"

/* Enough for a city at full resolution; more is a mistake or an attack. */
#define WARDS_MAX_FEATURES  1000
#define WARDS_MAX_POSITIONS 2000000
#define WARDS_MAX_CODE      32
#define WARDS_MAX_NAME      200

/*
 * JSON_REAL_PRECISION counts significant digits: 10 gives 7 decimals for
 * a three-digit longitude, and values already rounded to 1e-7 print no
 * further digits when they have fewer integer digits.
 */
#define WARDS_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(10))

struct ward_ring {
	double *xy; /* lon, lat pairs; closed: the last equals the first */
	size_t n;   /* positions, the closing one included */
};

struct ward_polygon {
	struct ward_ring *rings; /* the outer ring, then the holes */
	size_t nrings;
	double lon_min, lat_min, lon_max, lat_max;
};

struct ward_entry {
	struct ward w;
	struct ward_polygon *polys;
	size_t npolys;
};

struct ward_set {
	struct ward_entry *wards;
	size_t n;
	size_t npolygons, nholes, npositions;
};

/* Where the parser is, for messages that point at the problem. */
struct wards_parse {
	struct ward_set *set;
	char **cause;
	size_t feature;
	long polygon; /* -1: not in a MultiPolygon */
	long ring;    /* -1: not in a ring yet */
	long position;
};

static int wards_fail(struct wards_parse *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
wards_fail(struct wards_parse *p, const char *fmt, ...)
{
	char *msg, *where, *t;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	where = xasprintf("features[%zu]", p->feature);
	if (p->polygon >= 0) {
		t = xasprintf("%s: polygon %ld", where, p->polygon);
		free(where);
		where = t;
	}
	if (p->ring >= 0) {
		t = xasprintf("%s%s ring %ld", where,
		    p->polygon >= 0 ? "," : ":", p->ring);
		free(where);
		where = t;
	}
	if (p->position >= 0) {
		t = xasprintf("%s, position %ld", where, p->position);
		free(where);
		where = t;
	}
	*p->cause = xasprintf("%s: %s", where, msg);
	free(where);
	free(msg);
	return -1;
}

static void
wards_polygon_free(struct ward_polygon *pg)
{
	size_t i;

	for (i = 0; i < pg->nrings; i++)
		free(pg->rings[i].xy);
	free(pg->rings);
}

void
wards_free(struct ward_set *set)
{
	struct ward_entry *e;
	size_t i, j;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		e = &set->wards[i];
		for (j = 0; j < e->npolys; j++)
			wards_polygon_free(&e->polys[j]);
		free(e->polys);
		free(e->w.code);
		free(e->w.name);
	}
	free(set->wards);
	free(set);
}

struct ward_set *
wards_new(void)
{
	return xcalloc(1, sizeof(struct ward_set));
}

static const char *
wards_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static double
wards_round(double v)
{
	return round(v * 1e7) / 1e7;
}

static int
wards_parse_position(
    struct wards_parse *p, const json_t *jp, double *lon, double *lat)
{
	const json_t *jlon, *jlat;

	if (!json_is_array(jp))
		return wards_fail(
		    p, "is %s, not a [lon, lat] array", wards_type_name(jp));
	if (json_array_size(jp) < 2 || json_array_size(jp) > 3)
		return wards_fail(p,
		    "has %zu number%s; a position is [lon, lat] or [lon, "
		    "lat, height]",
		    json_array_size(jp), json_array_size(jp) == 1 ? "" : "s");
	jlon = json_array_get(jp, 0);
	jlat = json_array_get(jp, 1);
	if (!json_is_number(jlon))
		return wards_fail(
		    p, "lon is %s, not a number", wards_type_name(jlon));
	if (!json_is_number(jlat))
		return wards_fail(
		    p, "lat is %s, not a number", wards_type_name(jlat));
	if (json_array_size(jp) == 3 && !json_is_number(json_array_get(jp, 2)))
		return wards_fail(p, "height is %s, not a number",
		    wards_type_name(json_array_get(jp, 2)));
	*lon = json_number_value(jlon);
	*lat = json_number_value(jlat);
	if (!isfinite(*lon) || !isfinite(*lat))
		return wards_fail(p, "coordinates must be finite numbers");
	if (*lon < -180 || *lon > 180)
		return wards_fail(
		    p, "lon %g is out of range (-180..180)", *lon);
	if (*lat < -90 || *lat > 90)
		return wards_fail(p, "lat %g is out of range (-90..90)", *lat);
	*lon = wards_round(*lon);
	*lat = wards_round(*lat);
	return 0;
}

static int
wards_too_complex(struct wards_parse *p)
{
	return wards_fail(p,
	    "too complex: more than %d positions in the whole file",
	    WARDS_MAX_POSITIONS);
}

static int
wards_parse_ring(struct wards_parse *p, const json_t *jr, struct ward_ring *r)
{
	size_t n, i;

	if (!json_is_array(jr))
		return wards_fail(
		    p, "is %s, not an array of positions", wards_type_name(jr));
	n = json_array_size(jr);
	if (n < 4)
		return wards_fail(p,
		    "has %zu position%s; a ring needs at least 4 (the last "
		    "repeating the first)",
		    n, n == 1 ? "" : "s");
	if (n > WARDS_MAX_POSITIONS - p->set->npositions)
		return wards_too_complex(p);
	/* One spare position in case the ring has to be closed. */
	r->xy = xreallocarray(NULL, n + 1, 2 * sizeof *r->xy);
	for (i = 0; i < n; i++) {
		p->position = (long)i;
		if (wards_parse_position(p, json_array_get(jr, i),
		        &r->xy[2 * i], &r->xy[2 * i + 1]) != 0)
			return -1;
	}
	p->position = -1;
	r->n = n;
	if (r->xy[0] != r->xy[2 * n - 2] || r->xy[1] != r->xy[2 * n - 1]) {
		r->xy[2 * n] = r->xy[0];
		r->xy[2 * n + 1] = r->xy[1];
		r->n++;
	}
	/* Counted closed, so that our own output parses back. */
	if (r->n > WARDS_MAX_POSITIONS - p->set->npositions)
		return wards_too_complex(p);
	p->set->npositions += r->n;
	return 0;
}

static int
wards_parse_polygon(
    struct wards_parse *p, const json_t *jpg, struct ward_polygon *pg)
{
	const struct ward_ring *r;
	size_t i, k, n;

	if (!json_is_array(jpg))
		return wards_fail(
		    p, "is %s, not an array of rings", wards_type_name(jpg));
	if ((n = json_array_size(jpg)) == 0)
		return wards_fail(p, "has no rings");
	pg->rings = xcalloc(n, sizeof *pg->rings);
	for (i = 0; i < n; i++) {
		p->ring = (long)i;
		pg->nrings++;
		if (wards_parse_ring(
		        p, json_array_get(jpg, i), &pg->rings[i]) != 0)
			return -1;
	}
	p->ring = -1;
	/*
	 * Every ring, not only the outer one: a stray "hole" outside it still
	 * counts under the even-odd rule, and the box must not hide it.
	 */
	pg->lon_min = pg->lon_max = pg->rings[0].xy[0];
	pg->lat_min = pg->lat_max = pg->rings[0].xy[1];
	for (k = 0; k < n; k++) {
		r = &pg->rings[k];
		for (i = 0; i < r->n; i++) {
			pg->lon_min = fmin(pg->lon_min, r->xy[2 * i]);
			pg->lon_max = fmax(pg->lon_max, r->xy[2 * i]);
			pg->lat_min = fmin(pg->lat_min, r->xy[2 * i + 1]);
			pg->lat_max = fmax(pg->lat_max, r->xy[2 * i + 1]);
		}
	}
	return 0;
}

/* Adds the geometry's polygons to the ward. */
static int
wards_parse_geometry(
    struct wards_parse *p, const json_t *jg, struct ward_entry *e)
{
	const json_t *coords, *jpg;
	const char *type;
	struct ward_polygon *pg;
	size_t i, n;
	int multi;

	if (jg == NULL || json_is_null(jg))
		return wards_fail(p, "has no geometry");
	if (!json_is_object(jg))
		return wards_fail(
		    p, "geometry is %s, not an object", wards_type_name(jg));
	if ((type = json_string_value(json_object_get(jg, "type"))) == NULL)
		return wards_fail(p, "geometry has no type");
	if (strcmp(type, "Polygon") == 0)
		multi = 0;
	else if (strcmp(type, "MultiPolygon") == 0)
		multi = 1;
	else
		return wards_fail(p,
		    "geometry type '%.40s' is not accepted: only Polygon and "
		    "MultiPolygon are",
		    type);
	coords = json_object_get(jg, "coordinates");
	if (!json_is_array(coords))
		return wards_fail(p, "%s has no coordinates array", type);
	n = multi ? json_array_size(coords) : 1;
	if (n == 0)
		return wards_fail(p, "MultiPolygon has no polygons");
	for (i = 0; i < n; i++) {
		p->polygon = multi ? (long)i : -1;
		jpg = multi ? json_array_get(coords, i) : coords;
		e->polys = xreallocarray(e->polys, e->npolys + 1, sizeof *pg);
		pg = &e->polys[e->npolys++];
		memset(pg, 0, sizeof *pg);
		if (wards_parse_polygon(p, jpg, pg) != 0)
			return -1;
		p->set->npolygons++;
		p->set->nholes += pg->nrings - 1;
		if (e->npolys == 1) {
			e->w.lon_min = pg->lon_min;
			e->w.lat_min = pg->lat_min;
			e->w.lon_max = pg->lon_max;
			e->w.lat_max = pg->lat_max;
		} else {
			e->w.lon_min = fmin(e->w.lon_min, pg->lon_min);
			e->w.lat_min = fmin(e->w.lat_min, pg->lat_min);
			e->w.lon_max = fmax(e->w.lon_max, pg->lon_max);
			e->w.lat_max = fmax(e->w.lat_max, pg->lat_max);
		}
	}
	p->polygon = -1;
	return 0;
}

/* A code goes into URLs, logs and SQL parameters: keep it plain. */
static int
wards_code_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > WARDS_MAX_CODE)
		return 0;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' ||
		        s[i] == '_' || s[i] == '.'))
			return 0;
	}
	return 1;
}

static int
wards_name_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > WARDS_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	}
	return 1;
}

/* The ward a feature belongs to, created if its code is new. */
static struct ward_entry *
wards_feature_ward(struct wards_parse *p, const json_t *props,
    const char *name_field, const char *code_field)
{
	struct ward_set *set = p->set;
	const json_t *jcode, *jname;
	struct ward_entry *e;
	const char *name;
	char *code;
	size_t i;

	if (!json_is_object(props)) {
		wards_fail(p, "has no properties (needs '%s' and '%s')",
		    name_field, code_field);
		return NULL;
	}
	jcode = json_object_get(props, code_field);
	jname = json_object_get(props, name_field);
	if (jcode == NULL || json_is_null(jcode)) {
		wards_fail(
		    p, "property '%s' (the code) is missing", code_field);
		return NULL;
	}
	if (json_is_integer(jcode) && json_integer_value(jcode) >= 0)
		code = xasprintf(
		    "%" JSON_INTEGER_FORMAT, json_integer_value(jcode));
	else if (json_is_string(jcode))
		code = xstrdup(json_string_value(jcode));
	else {
		wards_fail(p, "property '%s' (the code) is %s, not a string",
		    code_field, wards_type_name(jcode));
		return NULL;
	}
	if (!wards_code_ok(code)) {
		free(code);
		wards_fail(p,
		    "property '%s' (the code) must be 1 to %d letters, digits, "
		    "'-', '_' or '.'",
		    code_field, WARDS_MAX_CODE);
		return NULL;
	}
	if (jname == NULL || json_is_null(jname)) {
		free(code);
		wards_fail(
		    p, "property '%s' (the name) is missing", name_field);
		return NULL;
	}
	if ((name = json_string_value(jname)) == NULL || !wards_name_ok(name)) {
		free(code);
		wards_fail(p,
		    "property '%s' (the name) must be a string of 1 to %d "
		    "bytes without control characters",
		    name_field, WARDS_MAX_NAME);
		return NULL;
	}

	for (i = 0; i < set->n; i++) {
		e = &set->wards[i];
		if (strcmp(e->w.code, code) != 0)
			continue;
		free(code);
		if (strcmp(e->w.name, name) != 0) {
			wards_fail(p,
			    "code %s is named '%s' here but '%s' in an "
			    "earlier feature",
			    e->w.code, name, e->w.name);
			return NULL;
		}
		return e;
	}
	set->wards = xreallocarray(set->wards, set->n + 1, sizeof *set->wards);
	e = &set->wards[set->n++];
	memset(e, 0, sizeof *e);
	e->w.code = code;
	e->w.name = xstrdup(name);
	return e;
}

static int
wards_parse_feature(struct wards_parse *p, const json_t *jf,
    const char *name_field, const char *code_field)
{
	struct ward_entry *e;
	const char *type;

	if (!json_is_object(jf))
		return wards_fail(
		    p, "is %s, not a Feature object", wards_type_name(jf));
	type = json_string_value(json_object_get(jf, "type"));
	if (type == NULL || strcmp(type, "Feature") != 0)
		return wards_fail(p, "is not a Feature (its type is '%.40s')",
		    type != NULL ? type : "missing");
	e = wards_feature_ward(
	    p, json_object_get(jf, "properties"), name_field, code_field);
	if (e == NULL)
		return -1;
	return wards_parse_geometry(p, json_object_get(jf, "geometry"), e);
}

struct ward_set *
wards_parse_geojson(const char *buf, size_t len, const char *name_field,
    const char *code_field, char **cause)
{
	struct wards_parse p = {NULL, cause, 0, -1, -1, -1};
	const json_t *features;
	json_error_t err;
	const char *type;
	json_t *root;
	size_t i, n;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		*cause = xasprintf("not JSON: %s (line %d, column %d)",
		    err.text, err.line, err.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		*cause = xasprintf("not a GeoJSON FeatureCollection: the top "
		                   "level is %s",
		    wards_type_name(root));
		goto fail;
	}
	type = json_string_value(json_object_get(root, "type"));
	if (type == NULL || strcmp(type, "FeatureCollection") != 0) {
		*cause = xasprintf("not a GeoJSON FeatureCollection: its type "
		                   "is '%.40s'",
		    type != NULL ? type : "missing");
		goto fail;
	}
	features = json_object_get(root, "features");
	if (!json_is_array(features)) {
		*cause = xasprintf("FeatureCollection has no features array");
		goto fail;
	}
	if ((n = json_array_size(features)) == 0) {
		*cause = xasprintf("FeatureCollection has no features");
		goto fail;
	}
	if (n > WARDS_MAX_FEATURES) {
		*cause = xasprintf("%zu features: at most %d are accepted", n,
		    WARDS_MAX_FEATURES);
		goto fail;
	}
	p.set = wards_new();
	for (i = 0; i < n; i++) {
		p.feature = i;
		if (wards_parse_feature(&p, json_array_get(features, i),
		        name_field, code_field) != 0)
			goto fail;
	}
	json_decref(root);
	return p.set;
fail:
	wards_free(p.set);
	json_decref(root);
	return NULL;
}

size_t
wards_count(const struct ward_set *set)
{
	return set->n;
}

const struct ward *
wards_get(const struct ward_set *set, size_t i)
{
	if (i >= set->n)
		return NULL;
	return &set->wards[i].w;
}

void
wards_totals(const struct ward_set *set, size_t *polygons, size_t *holes,
    size_t *positions)
{
	if (polygons != NULL)
		*polygons = set->npolygons;
	if (holes != NULL)
		*holes = set->nholes;
	if (positions != NULL)
		*positions = set->npositions;
}

/*
 * Even-odd rule over every ring of the polygon: a point in a hole crosses
 * the outer ring and the hole's, so it counts as outside.
 */
static int
wards_polygon_contains(const struct ward_polygon *pg, double x, double y)
{
	const struct ward_ring *r;
	const double *a, *b;
	size_t i, k;
	int in = 0;

	if (x < pg->lon_min || x > pg->lon_max || y < pg->lat_min ||
	    y > pg->lat_max)
		return 0;
	for (k = 0; k < pg->nrings; k++) {
		r = &pg->rings[k];
		for (i = 1; i < r->n; i++) {
			a = &r->xy[2 * (i - 1)];
			b = &r->xy[2 * i];
			/* Edges straddling y; the test rules out a[1] == b[1].
			 */
			if ((a[1] > y) != (b[1] > y) &&
			    x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) +
			            a[0])
				in = !in;
		}
	}
	return in;
}

const struct ward *
wards_find(const struct ward_set *set, double lon, double lat)
{
	const struct ward_entry *e;
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		e = &set->wards[i];
		if (lon < e->w.lon_min || lon > e->w.lon_max ||
		    lat < e->w.lat_min || lat > e->w.lat_max)
			continue;
		/* Parts of a ward are separate polygons: any one will do. */
		for (j = 0; j < e->npolys; j++) {
			if (wards_polygon_contains(&e->polys[j], lon, lat))
				return &e->w;
		}
	}
	return NULL;
}

/* Metres from (x, y) to segment a-b, all in a local plane (metres). */
static double
wards_segment_distance(
    double x, double y, double ax, double ay, double bx, double by)
{
	double dx = bx - ax, dy = by - ay, t, l2 = dx * dx + dy * dy;

	t = l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return hypot(x - ax - t * dx, y - ay - t * dy);
}

/* Metres from the point to the entry's nearest boundary segment. */
static double
wards_entry_distance(const struct ward_entry *e, double lon, double lat)
{
	/* A local equirectangular plane: a few metres off at city scale. */
	const double ky = 6371008.8 * M_PI / 180,
	             kx = ky * cos(lat * M_PI / 180);
	const struct ward_ring *r;
	double d, best = INFINITY;
	size_t j, k, m;

	for (j = 0; j < e->npolys; j++) {
		for (k = 0; k < e->polys[j].nrings; k++) {
			r = &e->polys[j].rings[k];
			for (m = 0; m + 1 < r->n; m++) {
				d = wards_segment_distance(0, 0,
				    (r->xy[2 * m] - lon) * kx,
				    (r->xy[2 * m + 1] - lat) * ky,
				    (r->xy[2 * m + 2] - lon) * kx,
				    (r->xy[2 * m + 3] - lat) * ky);
				if (d < best)
					best = d;
			}
		}
	}
	return best;
}

int
wards_distance(const struct ward_set *set, size_t i, double lon, double lat,
    double *metres)
{
	if (i >= set->n)
		return -1;
	*metres = wards_entry_distance(&set->wards[i], lon, lat);
	return isfinite(*metres) ? 0 : -1;
}

const struct ward *
wards_nearest(
    const struct ward_set *set, double lon, double lat, double *metres)
{
	const struct ward *best = NULL;
	double d, bestd = INFINITY;
	size_t i;

	for (i = 0; i < set->n; i++) {
		d = wards_entry_distance(&set->wards[i], lon, lat);
		if (d < bestd) {
			bestd = d;
			best = &set->wards[i].w;
		}
	}
	if (metres != NULL)
		*metres = best != NULL ? bestd : 0;
	return best;
}

static json_t *
wards_geometry_value(const struct ward_entry *e)
{
	json_t *coords = json_array(), *jpg, *jr;
	const struct ward_polygon *pg;
	const struct ward_ring *r;
	size_t i, k, m;

	for (i = 0; i < e->npolys; i++) {
		pg = &e->polys[i];
		jpg = json_array();
		for (k = 0; k < pg->nrings; k++) {
			r = &pg->rings[k];
			jr = json_array();
			for (m = 0; m < r->n; m++)
				json_array_append_new(jr,
				    json_pack("[ff]", r->xy[2 * m],
				        r->xy[2 * m + 1]));
			json_array_append_new(jpg, jr);
		}
		json_array_append_new(coords, jpg);
	}
	return json_pack(
	    "{s:s,s:o}", "type", "MultiPolygon", "coordinates", coords);
}

static char *
wards_dump(json_t *j)
{
	char *s;

	/* Every value was checked on the way in: only memory can run out. */
	if (j == NULL || (s = json_dumps(j, WARDS_DUMP_FLAGS)) == NULL)
		fatalx("event=oom reason=wards_json");
	json_decref(j);
	return s;
}

char *
wards_geometry_json(const struct ward_set *set, size_t i)
{
	if (i >= set->n)
		return NULL;
	return wards_dump(wards_geometry_value(&set->wards[i]));
}

char *
wards_to_geojson(const struct ward_set *set)
{
	json_t *features = json_array();
	const struct ward_entry *e;
	size_t i;

	for (i = 0; i < set->n; i++) {
		e = &set->wards[i];
		json_array_append_new(features,
		    json_pack("{s:s,s:[ffff],s:{s:s,s:s},s:o}", "type",
		        "Feature", "bbox", e->w.lon_min, e->w.lat_min,
		        e->w.lon_max, e->w.lat_max, "properties", "code",
		        e->w.code, "name", e->w.name, "geometry",
		        wards_geometry_value(e)));
	}
	return wards_dump(json_pack(
	    "{s:s,s:o}", "type", "FeatureCollection", "features", features));
}
