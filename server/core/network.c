#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/xmlreader.h>

#include "geo.h"
#include "network.h"
#include "xmalloc.h"

#define NETWORK_MAX_POINTS 20000000 /* far beyond a city; refuse worse */

static const char *network_kinds[] = {"road", "river", "park"};

int
network_kind_parse(const char *s, enum network_kind *k)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (strcmp(s, network_kinds[i]) == 0) {
			*k = (enum network_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *
network_kind_name(enum network_kind k)
{
	return network_kinds[k];
}

static void
network_add(struct network_set *set, const char *ref, const char *class,
    const char *name, const double *lonlat, size_t n)
{
	struct network_line *l;

	set->lines =
	    xreallocarray(set->lines, set->nlines + 1, sizeof *set->lines);
	l = &set->lines[set->nlines++];
	l->ref = xstrdup(ref);
	l->class = xstrdup(class);
	l->name = name != NULL ? xstrdup(name) : NULL;
	l->lonlat = xreallocarray(NULL, n, 2 * sizeof *l->lonlat);
	memcpy(l->lonlat, lonlat, n * 2 * sizeof *lonlat);
	l->npoints = n;
}

void
network_free(struct network_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nlines; i++) {
		free(set->lines[i].ref);
		free(set->lines[i].class);
		free(set->lines[i].name);
		free(set->lines[i].lonlat);
	}
	free(set->lines);
	free(set);
}

static int
network_point_ok(double lon, double lat)
{
	return isfinite(lon) && isfinite(lat) && lon >= -180 && lon <= 180 &&
	    lat >= -90 && lat <= 90;
}

/* --- OSM XML ------------------------------------------------------------ */

struct osm_node {
	long long id;
	double lon, lat;
};

struct osm_way {
	long long id;
	long long *refs;
	size_t nrefs;
	char *highway, *waterway, *leisure, *name;
};

static int
osm_node_cmp(const void *a, const void *b)
{
	const struct osm_node *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct osm_node *
osm_node_find(const struct osm_node *nodes, size_t n, long long id)
{
	struct osm_node key = {.id = id};

	if (n == 0)
		return NULL; /* a file without one usable node */
	return bsearch(&key, nodes, n, sizeof *nodes, osm_node_cmp);
}

static char *
osm_attr(xmlTextReaderPtr r, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	char *s;

	if (v == NULL)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

/* Which kind a way is, and its class; NULL when not of this kind. */
static const char *
osm_way_class(const struct osm_way *w, enum network_kind kind)
{
	switch (kind) {
	case NETWORK_ROAD:
		if (w->highway == NULL || strcmp(w->highway, "proposed") == 0 ||
		    strcmp(w->highway, "construction") == 0)
			return NULL;
		return w->highway;
	case NETWORK_RIVER:
		return w->waterway;
	case NETWORK_PARK:
		return w->leisure != NULL && strcmp(w->leisure, "park") == 0
		    ? "park"
		    : NULL;
	}
	return NULL;
}

static void
osm_way_free(struct osm_way *w)
{
	free(w->refs);
	free(w->highway);
	free(w->waterway);
	free(w->leisure);
	free(w->name);
	memset(w, 0, sizeof *w);
}

static void
osm_use_way(struct network_set *set, const struct osm_way *w,
    const struct osm_node *nodes, size_t nnodes, enum network_kind kind)
{
	const char *class = osm_way_class(w, kind);
	const struct osm_node *nd;
	double *run = xreallocarray(NULL, w->nrefs + 1, 2 * sizeof *run);
	size_t i, n = 0, missing = 0, runs = 0;
	char ref[64];

	set->stats.features++;
	if (class == NULL) {
		set->stats.other++;
		free(run);
		return;
	}
	/* Each stretch of known nodes is usable; a missing one cuts it. */
	for (i = 0; i <= w->nrefs; i++) {
		nd = i < w->nrefs ? osm_node_find(nodes, nnodes, w->refs[i])
		                  : NULL;
		if (nd != NULL) {
			run[2 * n] = nd->lon;
			run[2 * n + 1] = nd->lat;
			n++;
			continue;
		}
		if (i < w->nrefs)
			missing++;
		if (n >= 2) {
			snprintf(ref, sizeof ref,
			    runs == 0 ? "w%lld" : "w%lld.%zu", w->id, runs);
			network_add(set, ref, class, w->name, run, n);
			runs++;
		}
		n = 0;
	}
	set->stats.missing_nodes += missing;
	if (runs == 0)
		set->stats.skipped++;
	else {
		set->stats.used++;
		if (missing > 0)
			set->stats.partial++;
	}
	free(run);
}

/* What a read of an OSM file has gathered so far. */
struct osm_read {
	struct osm_node *nodes;
	size_t nnodes;
	struct osm_way *ways;
	size_t nways;
	struct osm_way *w; /* the way whose <nd> and <tag> come now */
};

static void
osm_read_node(struct osm_read *rd, xmlTextReaderPtr r)
{
	struct osm_node nd;
	char *a = osm_attr(r, "lon"), *b = osm_attr(r, "lat");
	char *id = osm_attr(r, "id");

	nd.lon = a != NULL ? strtod(a, NULL) : NAN;
	nd.lat = b != NULL ? strtod(b, NULL) : NAN;
	nd.id = id != NULL ? strtoll(id, NULL, 10) : 0;
	free(a);
	free(b);
	free(id);
	if (!network_point_ok(nd.lon, nd.lat))
		return; /* counted as missing where used */
	if (rd->nnodes % 4096 == 0)
		rd->nodes = xreallocarray(
		    rd->nodes, rd->nnodes + 4096, sizeof *rd->nodes);
	rd->nodes[rd->nnodes++] = nd;
}

static void
osm_read_way(struct osm_read *rd, xmlTextReaderPtr r)
{
	struct osm_way *w;
	char *a;

	rd->ways = xreallocarray(rd->ways, rd->nways + 1, sizeof *rd->ways);
	w = &rd->ways[rd->nways++];
	memset(w, 0, sizeof *w);
	a = osm_attr(r, "id");
	w->id = a != NULL ? strtoll(a, NULL, 10) : 0;
	free(a);
	rd->w = xmlTextReaderIsEmptyElement(r) ? NULL : w;
}

static void
osm_read_nd(struct osm_way *w, xmlTextReaderPtr r)
{
	char *a = osm_attr(r, "ref");

	if (a != NULL && w->nrefs < NETWORK_MAX_POINTS) {
		w->refs = xreallocarray(w->refs, w->nrefs + 1, sizeof *w->refs);
		w->refs[w->nrefs++] = strtoll(a, NULL, 10);
	}
	free(a);
}

static void
osm_read_tag(struct osm_way *w, xmlTextReaderPtr r)
{
	char *a = osm_attr(r, "k"), *b = osm_attr(r, "v");

	if (a != NULL && b != NULL) {
		char **slot = strcmp(a, "highway") == 0 ? &w->highway
		    : strcmp(a, "waterway") == 0        ? &w->waterway
		    : strcmp(a, "leisure") == 0         ? &w->leisure
		    : strcmp(a, "name") == 0            ? &w->name
		                                        : NULL;

		if (slot != NULL) {
			free(*slot);
			*slot = b;
			b = NULL;
		}
	}
	free(a);
	free(b);
}

/* One element: nodes and ways are kept, a way's <nd> and <tag> added. */
static void
osm_read_element(struct osm_read *rd, xmlTextReaderPtr r)
{
	const char *name = (const char *)xmlTextReaderConstName(r);

	if (strcmp(name, "node") == 0)
		osm_read_node(rd, r);
	else if (strcmp(name, "way") == 0)
		osm_read_way(rd, r);
	else if (strcmp(name, "nd") == 0 && rd->w != NULL)
		osm_read_nd(rd->w, r);
	else if (strcmp(name, "tag") == 0 && rd->w != NULL)
		osm_read_tag(rd->w, r);
	else if (strcmp(name, "relation") == 0)
		rd->w = NULL;
}

struct network_set *
network_parse_osm(
    const char *buf, size_t len, enum network_kind kind, char **cause)
{
	struct network_set *set = xcalloc(1, sizeof *set);
	struct osm_read rd = {0};
	xmlTextReaderPtr r;
	size_t i;
	int rc;

	set->credit = "osm";
	if (len > INT32_MAX) {
		*cause = xstrdup("file too large");
		free(set);
		return NULL;
	}
	/* No network, no entities: the file is data, not a program. */
	r = xmlReaderForMemory(buf, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (r == NULL) {
		*cause = xstrdup("not XML");
		free(set);
		return NULL;
	}
	while ((rc = xmlTextReaderRead(r)) == 1) {
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT)
			osm_read_element(&rd, r);
	}
	xmlFreeTextReader(r);
	if (rc != 0) {
		*cause = xstrdup("malformed OSM XML");
		network_free(set);
		set = NULL;
	} else if (rd.nnodes > 0)
		qsort(rd.nodes, rd.nnodes, sizeof *rd.nodes, osm_node_cmp);
	for (i = 0; i < rd.nways; i++) {
		if (set != NULL)
			osm_use_way(
			    set, &rd.ways[i], rd.nodes, rd.nnodes, kind);
		osm_way_free(&rd.ways[i]);
	}
	free(rd.ways);
	free(rd.nodes);
	return set;
}

/* --- GeoJSON ----------------------------------------------------------- */

/* Adds one [[lon,lat],...] array; 0 if it was not a usable line. */
static int
geojson_line(struct network_set *set, json_t *coords, const char *ref,
    const char *class, const char *name)
{
	size_t i, n = json_array_size(coords);
	double *ll;
	json_t *p;

	if (n < 2 || n > NETWORK_MAX_POINTS)
		return 0;
	ll = xreallocarray(NULL, n, 2 * sizeof *ll);
	json_array_foreach(coords, i, p)
	{
		ll[2 * i] = json_number_value(json_array_get(p, 0));
		ll[2 * i + 1] = json_number_value(json_array_get(p, 1));
		if (!json_is_number(json_array_get(p, 0)) ||
		    !json_is_number(json_array_get(p, 1)) ||
		    !network_point_ok(ll[2 * i], ll[2 * i + 1])) {
			free(ll);
			return 0;
		}
	}
	network_add(set, ref, class, name, ll, n);
	free(ll);
	return 1;
}

static const char *
geojson_prop(json_t *props, const char *key)
{
	json_t *v = json_object_get(props, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The published source a feature's properties show, or NULL. */
static const char *
geojson_credit(json_t *props)
{
	const char *k;
	json_t *v;

	if (json_object_get(props, "rdCtg") != NULL)
		return "gsi";
	if (json_object_get(props, "osm_id") != NULL ||
	    json_object_get(props, "highway") != NULL ||
	    json_object_get(props, "waterway") != NULL)
		return "osm";
	json_object_foreach(props, k, v)
	{
		if (strncmp(k, "W05_", 4) == 0)
			return "mlit_rivers";
	}
	return NULL;
}

/* The class a feature's lines take: class_field's value, or without a
 * class_field the first of the usual fields, or else the kind's name. */
static const char *
geojson_class(json_t *props, enum network_kind kind, const char *class_field)
{
	static const char *fallback[] = {"highway", "rdCtg", "class", NULL};
	const char *class;
	int j;

	class = class_field != NULL ? geojson_prop(props, class_field) : NULL;
	for (j = 0; class == NULL && class_field == NULL && fallback[j] != NULL;
	     j++)
		class = geojson_prop(props, fallback[j]);
	if (class == NULL)
		class = network_kind_name(kind);
	return class;
}

/* The i-th feature f: its lines into set (a park's outer rings), and
 * whether it was used, skipped or of another geometry into set->stats. */
static void
geojson_feature(struct network_set *set, json_t *f, size_t i,
    enum network_kind kind, const char *class_field)
{
	json_t *g, *props, *parts, *part;
	const char *type, *class, *name;
	char ref[64];
	size_t k;
	int used;

	set->stats.features++;
	g = json_object_get(f, "geometry");
	type = json_string_value(json_object_get(g, "type"));
	props = json_object_get(f, "properties");
	if (set->credit == NULL)
		set->credit = geojson_credit(props);
	class = geojson_class(props, kind, class_field);
	name = geojson_prop(props, "name");
	if (name == NULL)
		name = geojson_prop(props, "layer");
	used = 0;
	snprintf(ref, sizeof ref, "f%zu", i);
	if (type == NULL) {
		set->stats.skipped++;
		return;
	}
	if (strcmp(type, "LineString") == 0)
		used = geojson_line(
		    set, json_object_get(g, "coordinates"), ref, class, name);
	else if (strcmp(type, "MultiLineString") == 0 ||
	    (kind == NETWORK_PARK &&
	        (strcmp(type, "Polygon") == 0 ||
	            strcmp(type, "MultiPolygon") == 0))) {
		parts = json_object_get(g, "coordinates");
		json_array_foreach(parts, k, part)
		{
			/* Parks walk their outline: outer rings only. */
			if (strcmp(type, "Polygon") == 0 && k > 0)
				break;
			if (strcmp(type, "MultiPolygon") == 0)
				part = json_array_get(part, 0);
			snprintf(ref, sizeof ref, "f%zu.%zu", i, k);
			used += geojson_line(set, part, ref, class, name);
		}
	} else {
		set->stats.other++;
		return;
	}
	if (used > 0)
		set->stats.used++;
	else
		set->stats.skipped++;
}

struct network_set *
network_parse_geojson(const char *buf, size_t len, enum network_kind kind,
    const char *class_field, char **cause)
{
	struct network_set *set;
	json_t *root, *features, *f;
	json_error_t err;
	size_t i;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		*cause =
		    xasprintf("not JSON (line %d: %s)", err.line, err.text);
		return NULL;
	}
	features = json_object_get(root, "features");
	if (!json_is_array(features)) {
		*cause = xstrdup("not a GeoJSON FeatureCollection");
		json_decref(root);
		return NULL;
	}
	set = xcalloc(1, sizeof *set);
	json_array_foreach(features, i, f)
	    geojson_feature(set, f, i, kind, class_field);
	json_decref(root);
	return set;
}

/* --- cutting ------------------------------------------------------------ */

void
network_pieces_free(struct network_piece *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].xy);
		free(p[i].lonlat);
	}
	free(p);
}

/* Appends point k of xy/lonlat, or a point t of the way from k to k+1. */
static void
network_piece_add(struct network_piece *p, const double *xy, const double *ll,
    size_t k, double t)
{
	size_t n = p->npoints++;

	p->xy = xreallocarray(p->xy, n + 1, 2 * sizeof *p->xy);
	p->lonlat = xreallocarray(p->lonlat, n + 1, 2 * sizeof *p->lonlat);
	if (t <= 0) {
		p->xy[2 * n] = xy[2 * k];
		p->xy[2 * n + 1] = xy[2 * k + 1];
		p->lonlat[2 * n] = ll[2 * k];
		p->lonlat[2 * n + 1] = ll[2 * k + 1];
		return;
	}
	/* Linear in both: fine over metres; the CRS is conformal. */
	p->xy[2 * n] = xy[2 * k] + t * (xy[2 * k + 2] - xy[2 * k]);
	p->xy[2 * n + 1] = xy[2 * k + 1] + t * (xy[2 * k + 3] - xy[2 * k + 1]);
	p->lonlat[2 * n] = ll[2 * k] + t * (ll[2 * k + 2] - ll[2 * k]);
	p->lonlat[2 * n + 1] =
	    ll[2 * k + 1] + t * (ll[2 * k + 3] - ll[2 * k + 1]);
}

size_t
network_cut(const double *xy, const double *ll, size_t npoints, double piece_m,
    struct network_piece **out)
{
	struct network_piece *p;
	double total = geo_length(xy, npoints), step, walked = 0, seg, cut;
	size_t pieces, cur = 0, k, i;

	*out = NULL;
	if (npoints < 2 || total <= 0)
		return 0;
	/* Equal pieces close to piece_m: no sliver left at the end. */
	pieces = (size_t)floor(total / piece_m + 0.5);
	if (pieces < 1)
		pieces = 1;
	step = total / (double)pieces;
	p = xcalloc(pieces, sizeof *p);
	network_piece_add(&p[0], xy, ll, 0, 0);
	for (k = 0; k + 1 < npoints; k++) {
		seg = hypot(
		    xy[2 * k + 2] - xy[2 * k], xy[2 * k + 3] - xy[2 * k + 1]);
		if (seg == 0)
			continue;
		while (cur + 1 < pieces &&
		    (cut = (double)(cur + 1) * step) < walked + seg) {
			network_piece_add(
			    &p[cur], xy, ll, k, (cut - walked) / seg);
			cur++;
			p[cur].seq = (int)cur;
			network_piece_add(
			    &p[cur], xy, ll, k, (cut - walked) / seg);
		}
		network_piece_add(&p[cur], xy, ll, k + 1, 0);
		walked += seg;
	}
	for (i = 0; i < pieces; i++)
		p[i].length_m = geo_length(p[i].xy, p[i].npoints);
	*out = p;
	return pieces;
}
