/*
 * patrolctl's patrol commands: "import network", "patrol replay" (a
 * recorded GPS trace as a patrol: GPX or barefoot-style JSON) and
 * "coverage export".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libxml/xmlreader.h>

#include "config.h"
#include "coverage.h"
#include "ctl.h"
#include "ctl_network.h"
#include "db.h"
#include "geo.h"
#include "network.h"
#include "store_network.h"
#include "store_wards.h"
#include "wards.h"
#include "xmalloc.h"

#define CTL_NETWORK_MAX_FILE (512L << 20)

/*
 * What import network and patrol replay start with: PROJ for the
 * configured CRS (the caller calls geo_fini) and the whole input file
 * (caller frees); NULL with *cause.
 */
static char *
ctl_network_open(struct ctl *c, const char *path, size_t *len, char **cause)
{
	if (ctl_geo_init(c, cause) != 0)
		return NULL;
	return ctl_read_file(path, CTL_NETWORK_MAX_FILE, len, cause);
}

struct ctl_network_intervals {
	struct store_interval *v;
	size_t n;
};

/* Interval for a class: its own, else the kind's "*", else 30 days. */
static int
ctl_network_interval(
    const struct ctl_network_intervals *iv, const char *kind, const char *class)
{
	size_t i;
	int fallback = 30;

	for (i = 0; i < iv->n; i++) {
		if (strcmp(iv->v[i].kind, kind) != 0)
			continue;
		if (strcmp(iv->v[i].class_, class) == 0)
			return iv->v[i].days;
		if (strcmp(iv->v[i].class_, "*") == 0)
			fallback = iv->v[i].days;
	}
	return fallback;
}

/*
 * Projects a line; points outside the service area cut it like missing
 * nodes do. Appends the usable runs' pieces to the JSON array.
 */
/*
 * The ward a piece belongs to. With only_ward, the pieces of that ward and
 * those within CTL_NETWORK_BORDER_M of its boundary (a river on the ward
 * line is patrolled from our side) belong to it; the others are left out
 * (*left counts them).
 */
#define CTL_NETWORK_BORDER_M 200

static const struct ward *
ctl_network_ward(const struct ward_set *wards, const char *only_ward,
    const double *mid, int *keep)
{
	const struct ward *w, *near;
	double m;

	w = wards != NULL ? wards_find(wards, mid[0], mid[1]) : NULL;
	*keep = 1;
	if (only_ward == NULL)
		return w;
	if (w != NULL && strcmp(w->code, only_ward) == 0)
		return w;
	/* The nearest ward line of our ward, measured from outside it. */
	for (size_t i = 0; wards != NULL && i < wards_count(wards); i++) {
		if (strcmp(wards_get(wards, i)->code, only_ward) != 0)
			continue;
		near = wards_get(wards, i);
		if (wards_distance(wards, i, mid[0], mid[1], &m) == 0 &&
		    m <= CTL_NETWORK_BORDER_M)
			return near;
	}
	*keep = 0;
	return NULL;
}

static void
ctl_network_line(const struct network_line *l, enum network_kind kind,
    double piece_m, const struct ward_set *wards, const char *only_ward,
    const struct ctl_network_intervals *iv, json_t *out, int *outside,
    int *left, double *km)
{
	double *xy = xreallocarray(NULL, l->npoints, 2 * sizeof *xy);
	size_t k, start = 0, n, np, i, j;
	struct network_piece *pc;
	const struct ward *w;
	json_t *ll, *pl;
	char *cause, ref[96];
	int ok, run = 0, keep;

	for (k = 0; k <= l->npoints; k++) {
		ok = k < l->npoints &&
		    geo_to_plane(l->lonlat[2 * k], l->lonlat[2 * k + 1],
		        &xy[2 * k], &xy[2 * k + 1], &cause) == 0;
		if (k < l->npoints && !ok) {
			free(cause);
			(*outside)++;
		}
		if (ok)
			continue;
		n = k - start;
		if (n >= 2) {
			np = network_cut(xy + 2 * start, l->lonlat + 2 * start,
			    n, piece_m, &pc);
			for (i = 0; i < np; i++) {
				double *mid =
				    pc[i].lonlat + 2 * (pc[i].npoints / 2);

				w = ctl_network_ward(
				    wards, only_ward, mid, &keep);
				if (!keep) {
					(*left)++;
					continue;
				}
				ll = json_array();
				pl = json_array();
				for (j = 0; j < pc[i].npoints; j++) {
					json_array_append_new(ll,
					    json_pack("[f,f]",
					        round(
					            pc[i].lonlat[2 * j] * 1e7) /
					            1e7,
					        round(pc[i].lonlat[2 * j + 1] *
					            1e7) /
					            1e7));
					json_array_append_new(pl,
					    json_real(
					        round(pc[i].xy[2 * j] * 1000) /
					        1000));
					json_array_append_new(pl,
					    json_real(
					        round(pc[i].xy[2 * j + 1] *
					            1000) /
					        1000));
				}
				snprintf(ref, sizeof ref,
				    run == 0 ? "%s" : "%s#%d", l->ref, run);
				json_array_append_new(out,
				    json_pack("{s:s,s:i,s:s,s:s?,s:s?,s:i,s:f,"
				              "s:o,s:o}",
				        "ref", ref, "seq", pc[i].seq, "class",
				        l->class, "name", l->name, "ward_code",
				        w != NULL ? w->code : NULL,
				        "interval_days",
				        ctl_network_interval(iv,
				            network_kind_name(kind), l->class),
				        "length_m", pc[i].length_m, "lonlat",
				        ll, "plane", pl));
				*km += pc[i].length_m / 1000;
			}
			network_pieces_free(pc, np);
			run++;
		}
		start = k + 1;
	}
	free(xy);
}

/* OSM XML starts with '<'; anything else must be GeoJSON. */
static struct network_set *
ctl_network_parse(const char *path, const char *buf, size_t len,
    enum network_kind kind, const char *class_field, char **cause)
{
	struct network_set *set;
	char *why;

	set = buf[strspn(buf, " \t\r\n\xef\xbb\xbf")] == '<'
	    ? network_parse_osm(buf, len, kind, &why)
	    : network_parse_geojson(buf, len, kind, class_field, &why);
	if (set == NULL) {
		*cause = xasprintf("%s: %s", path, why);
		free(why);
	}
	return set;
}

static int
ctl_network_ward_known(const struct ward_set *wards, const char *code)
{
	size_t i;

	for (i = 0; i < wards_count(wards); i++) {
		if (strcmp(wards_get(wards, i)->code, code) == 0)
			return 1;
	}
	return 0;
}

/* What was read, kept and left out: every feature is accounted for. */
static void
ctl_network_import_report(const struct network_set *set,
    const struct store_network_import *im,
    const struct store_network_saved *saved, double km, const char *ward,
    int left)
{
	printf("imported %lld pieces (%.1f km) of %s from %s\n", saved->saved,
	    km, im->kind, im->source);
	printf("read %zu features: %zu used (%zu in part), %zu skipped, "
	       "%zu not %s; %zu node references missing, %d points outside "
	       "the service area; %lld old pieces removed\n",
	    set->stats.features, set->stats.used, set->stats.partial,
	    set->stats.skipped, set->stats.other, im->kind,
	    set->stats.missing_nodes, im->outside_area, saved->removed);
	if (ward != NULL)
		printf("kept the pieces of ward %s and within %d m of it; %d "
		       "pieces of other places left out\n",
		    ward, CTL_NETWORK_BORDER_M, left);
}

int
ctl_network_import(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "kind"}, {.name = "class-field"},
	    {.name = "ward"}, {.name = NULL}};
	struct store_network_import im = {0};
	struct store_network_saved saved;
	struct ctl_network_intervals iv = {0};
	struct network_set *set = NULL;
	struct ward_set *wards = NULL;
	enum network_kind kind;
	const char *pos[1], *base;
	json_t *pieces;
	char *buf = NULL, *cause, *json;
	size_t len, i;
	double km = 0;
	int rc = 1, outside = 0, left = 0;

	if (ctl_args("import network", argc, argv, opts, pos, 1) != 1 ||
	    opts[0].value == NULL ||
	    network_kind_parse(opts[0].value, &kind) != 0) {
		return ctl_usage(c, "import network");
	}
	if ((buf = ctl_network_open(c, pos[0], &len, &cause)) == NULL) {
		rc = ctl_fail("import network", cause);
		goto out;
	}
	if ((set = ctl_network_parse(
	         pos[0], buf, len, kind, opts[1].value, &cause)) == NULL) {
		rc = ctl_fail("import network", cause);
		goto out;
	}
	if (store_wards_load_sync(ctl_db(c), &wards, &cause) != 0 ||
	    store_intervals_list(ctl_db(c), &iv.v, &iv.n, &cause) != 0) {
		rc = ctl_fail("import network", cause);
		goto out;
	}
	if (opts[2].value != NULL &&
	    !ctl_network_ward_known(wards, opts[2].value)) {
		fprintf(stderr, "patrolctl: import network: no ward %s\n",
		    opts[2].value);
		goto out;
	}
	pieces = json_array();
	for (i = 0; i < set->nlines; i++)
		ctl_network_line(&set->lines[i], kind, c->cfg->piece_m, wards,
		    opts[2].value, &iv, pieces, &outside, &left, &km);
	json = json_dumps(pieces, JSON_COMPACT);
	json_decref(pieces);
	base = strrchr(pos[0], '/') != NULL ? strrchr(pos[0], '/') + 1 : pos[0];
	im.kind = network_kind_name(kind);
	im.source = base;
	im.crs = c->cfg->crs;
	im.actor = "patrolctl";
	im.pieces_json = json;
	im.credit = set->credit;
	im.features = (int)set->stats.features;
	im.used = (int)set->stats.used;
	im.skipped = (int)set->stats.skipped;
	im.partial = (int)set->stats.partial;
	im.missing_nodes = (int)set->stats.missing_nodes;
	im.outside_area = outside;
	rc = store_network_put_sync(ctl_db(c), &im, &saved, &cause);
	free(json);
	if (rc != 0) {
		rc = ctl_fail("import network", cause);
		goto out;
	}
	ctl_network_import_report(set, &im, &saved, km, opts[2].value, left);
	rc = 0;
out:
	store_intervals_free(iv.v, iv.n);
	wards_free(wards);
	network_free(set);
	free(buf);
	geo_fini();
	return rc;
}

/*
 * "2014-09-10 06:54:07+0200", "2014-09-10T06:54:07.755Z", ... -> epoch
 * seconds with the fraction kept to the millisecond (1 Hz receivers
 * often put two fixes in one second).
 */
static int
ctl_network_time(const char *s, double *out)
{
	struct tm tm = {0};
	const char *p;
	int off = 0, hh, mm, sign;
	double frac = 0, scale = 0.1;

	p = strptime(s, "%Y-%m-%d", &tm);
	if (p == NULL || (*p != 'T' && *p != ' '))
		return -1;
	if ((p = strptime(p + 1, "%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.' || *p == ',') {
		while (*++p >= '0' && *p <= '9') {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d", &hh) != 1)
			return -1;
		p += 3;
		if (*p == ':')
			p++;
		mm = 0;
		if (sscanf(p, "%2d", &mm) == 1)
			p += 2;
		off = sign * (hh * 3600 + mm * 60);
	}
	*out = (double)timegm(&tm) - off + round(frac * 1000) / 1000;
	return 0;
}

struct ctl_trace {
	double *at, *lon, *lat;
	size_t n;
	size_t seen; /* points in the file, with or without a time */
};

static void
ctl_trace_add(struct ctl_trace *t, double at, double lon, double lat)
{
	t->at = xreallocarray(t->at, t->n + 1, sizeof *t->at);
	t->lon = xreallocarray(t->lon, t->n + 1, sizeof *t->lon);
	t->lat = xreallocarray(t->lat, t->n + 1, sizeof *t->lat);
	t->at[t->n] = at;
	t->lon[t->n] = lon;
	t->lat[t->n++] = lat;
}

static int
ctl_trace_gpx(const char *buf, size_t len, struct ctl_trace *t)
{
	xmlTextReaderPtr r = xmlReaderForMemory(buf, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	double lat = NAN, lon = NAN, at;
	const char *name;
	int in_time = 0, rc;
	xmlChar *v;

	if (r == NULL)
		return -1;
	while ((rc = xmlTextReaderRead(r)) == 1) {
		name = (const char *)xmlTextReaderConstName(r);
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
		    strcmp(name, "trkpt") == 0) {
			t->seen++;
			v = xmlTextReaderGetAttribute(r, BAD_CAST "lat");
			lat = v != NULL ? strtod((char *)v, NULL) : NAN;
			xmlFree(v);
			v = xmlTextReaderGetAttribute(r, BAD_CAST "lon");
			lon = v != NULL ? strtod((char *)v, NULL) : NAN;
			xmlFree(v);
		} else if (xmlTextReaderNodeType(r) ==
		        XML_READER_TYPE_ELEMENT &&
		    strcmp(name, "time") == 0)
			in_time = 1;
		else if (in_time &&
		    xmlTextReaderNodeType(r) == XML_READER_TYPE_TEXT) {
			v = xmlTextReaderValue(r);
			if (v != NULL && !isnan(lat) && !isnan(lon) &&
			    ctl_network_time((char *)v, &at) == 0)
				ctl_trace_add(t, at, lon, lat);
			xmlFree(v);
			in_time = 0;
			lat = NAN;
		}
	}
	xmlFreeTextReader(r);
	return rc == 0 ? 0 : -1;
}

/* [{"point": "POINT(lon lat)", "time": "..."}] as barefoot writes them. */
static int
ctl_trace_json(const char *buf, size_t len, struct ctl_trace *t)
{
	json_t *root = json_loadb(buf, len, 0, NULL), *e;
	double lon, lat, at;
	const char *pt, *tm;
	size_t i;

	if (!json_is_array(root)) {
		json_decref(root);
		return -1;
	}
	t->seen = json_array_size(root);
	json_array_foreach(root, i, e)
	{
		pt = json_string_value(json_object_get(e, "point"));
		tm = json_string_value(json_object_get(e, "time"));
		if (pt != NULL && tm != NULL &&
		    sscanf(pt, "POINT(%lf %lf)", &lon, &lat) == 2 &&
		    ctl_network_time(tm, &at) == 0)
			ctl_trace_add(t, at, lon, lat);
	}
	json_decref(root);
	return 0;
}

/* What became of a replayed trace's points. */
struct ctl_replay_counts {
	size_t stored, dup, clash, outside;
};

/* One batch of fixes (a JSON array) stored, and counted. */
static int
ctl_replay_batch(struct ctl *c, long long patrol, json_t *batch,
    struct ctl_replay_counts *k, char **cause)
{
	struct store_track_counts tc;
	char *json = json_dumps(batch, JSON_COMPACT);
	int rc = store_track_put_sync(ctl_db(c), patrol, json, &tc, cause);

	free(json);
	json_array_clear(batch);
	if (rc != 0)
		return -1;
	k->stored += (size_t)tc.stored;
	k->dup += (size_t)tc.duplicates;
	k->clash += (size_t)tc.conflicts;
	return 0;
}

/* The trace's points, moved by shift seconds, as fixes of the patrol. */
static int
ctl_replay_store(struct ctl *c, long long patrol, const struct ctl_trace *t,
    double shift, struct ctl_replay_counts *k, char **cause)
{
	json_t *batch = json_array();
	double e, n;
	char *why;
	size_t i;
	int rc = 0;

	for (i = 0; i < t->n && rc == 0; i++) {
		if (geo_to_plane(t->lon[i], t->lat[i], &e, &n, &why) != 0) {
			free(why);
			k->outside++;
			continue;
		}
		json_array_append_new(batch,
		    json_pack("{s:f,s:f,s:f,s:f,s:f}", "at", t->at[i] + shift,
		        "lon", t->lon[i], "lat", t->lat[i], "e", e, "n", n));
		if (json_array_size(batch) == 5000)
			rc = ctl_replay_batch(c, patrol, batch, k, cause);
	}
	if (rc == 0 && json_array_size(batch) > 0)
		rc = ctl_replay_batch(c, patrol, batch, k, cause);
	json_decref(batch);
	return rc;
}

/* Every point of the file is accounted for, whatever became of it. */
static void
ctl_replay_report(long long patrol, const struct ctl_trace *t,
    const struct ctl_replay_counts *k)
{
	printf("patrol %lld: %zu points read: %zu fixes stored, %zu "
	       "duplicates, %zu refused\n",
	    patrol, t->seen, k->stored, k->dup,
	    k->outside + k->clash + (t->seen - t->n));
	if (k->outside > 0)
		printf("  refused: %zu outside the service area\n", k->outside);
	if (k->clash > 0)
		printf("  refused: %zu at the time of another fix with another "
		       "position\n",
		    k->clash);
	if (t->seen > t->n)
		printf("  refused: %zu without a usable time or position\n",
		    t->seen - t->n);
}

/* A GPX or barefoot JSON file's points with times; -1 if it has none. */
static int
ctl_trace_read(const char *buf, size_t len, struct ctl_trace *t)
{
	size_t i = strspn(buf, " \t\r\n\xef\xbb\xbf");

	if ((buf[i] == '<' ? ctl_trace_gpx(buf, len, t)
	                   : ctl_trace_json(buf, len, t)) != 0 ||
	    t->n < 2)
		return -1;
	return 0;
}

int
ctl_network_replay(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {
	    {.name = "crew"}, {.name = "start"}, {.name = NULL}};
	struct ctl_trace t = {0};
	struct ctl_replay_counts k = {0};
	const char *pos[1];
	double shift = 0, start;
	char *buf = NULL, *cause;
	long long patrol;
	size_t len;
	int rc = 1;

	if (ctl_args("patrol replay", argc, argv, opts, pos, 1) != 1 ||
	    opts[0].value == NULL) {
		return ctl_usage(c, "patrol replay");
	}
	if ((buf = ctl_network_open(c, pos[0], &len, &cause)) == NULL) {
		rc = ctl_fail("patrol replay", cause);
		goto out;
	}
	if (ctl_trace_read(buf, len, &t) != 0) {
		fprintf(stderr,
		    "patrolctl: patrol replay: %s: no track with "
		    "times in it\n",
		    pos[0]);
		goto out;
	}
	/* --start moves the whole trace in time, keeping its rhythm. */
	if (opts[1].value != NULL) {
		if (ctl_network_time(opts[1].value, &start) != 0) {
			fprintf(stderr,
			    "patrolctl: patrol replay: --start "
			    "must be an ISO 8601 time\n");
			goto out;
		}
		shift = start - t.at[0];
	}
	if (store_patrol_replay_sync(ctl_db(c), opts[0].value, t.at[0] + shift,
	        t.at[t.n - 1] + shift, "patrolctl", &patrol, &cause) != 0 ||
	    ctl_replay_store(c, patrol, &t, shift, &k, &cause) != 0) {
		rc = ctl_fail("patrol replay", cause);
		goto out;
	}
	ctl_replay_report(patrol, &t, &k);
	rc = 0;
out:
	free(t.at);
	free(t.lon);
	free(t.lat);
	free(buf);
	geo_fini();
	return rc;
}
