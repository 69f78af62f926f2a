/*
 * GET /api/v1/geocode?q=TEXT[&near=lat,lon][&limit=N]: candidates for what
 * a caller said: addresses from the in-memory index (geocoder.c), then
 * offices, patrol network names and past cases from the database, merged
 * by score. GET /api/v1/geocode/reverse?lat=&lon=: the nearest town.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "addr.h"
#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "geo.h"
#include "geocoder.h"
#include "http.h"
#include "log.h"
#include "store_addresses.h"
#include "utf8.h"
#include "wards.h"
#include "xmalloc.h"

#define GEOCODE_LIMIT_MAX 20
#define GEOCODE_Q_MAX     200 /* characters */

struct lookup {
	struct http_req *req;
	char *q;
	int has_near;
	struct addr_near near;
	int limit;
	json_t *out; /* candidates so far */
};

static void
lookup_free(struct lookup *l)
{
	http_req_unref(l->req);
	json_decref(l->out);
	free(l->q);
	free(l);
}

static const char *const level_names[] = {"block", "town"};
static const char *const match_names[] = {
    "exact", "prefix", "fuzzy", "partial"};

/*
 * The ward from the polygons when the point is in one, else as given: the
 * code, and the name as the polygons name them (神奈川県川崎市多摩区),
 * pref and city (NULL: none).
 */
static void
geocode_ward(struct app *app, json_t *c, double lat, double lon,
    const char *code, const char *pref, const char *city)
{
	const struct ward *w = NULL;
	char *name = NULL;

	if (app->wards != NULL)
		w = wards_find(app->wards, lon, lat);
	if (w == NULL && pref != NULL)
		name = xasprintf("%s%s", pref, city);
	json_object_set_new(c, "ward_code",
	    w != NULL          ? json_string(w->code)
	        : code != NULL ? json_string(code)
	                       : json_null());
	json_object_set_new(c, "ward_name",
	    w != NULL          ? json_string(w->name)
	        : name != NULL ? json_string(name)
	                       : json_null());
	free(name);
}

static json_t *
geocode_candidate_json(struct app *app, const struct addr_candidate *a)
{
	json_t *c = json_pack("{s:s, s:s, s:f, s:f, s:s, s:f, s:s, s:s, s:f}",
	    "kind", "address", "label", a->label, "lat", a->lat, "lon", a->lon,
	    "level", level_names[a->level], "accuracy_m", a->accuracy_m,
	    "unmatched", a->unmatched, "match", match_names[a->match], "score",
	    a->score);
	geocode_ward(app, c, a->lat, a->lon, a->city_code, a->pref, a->city);
	return c;
}

static int
lookup_score_cmp(const void *a, const void *b)
{
	double x =
	    json_real_value(json_object_get(*(json_t *const *)a, "score"));
	double y =
	    json_real_value(json_object_get(*(json_t *const *)b, "score"));

	return x > y ? -1 : x < y;
}

static void
lookup_places_cb(struct db_result *r, void *arg)
{
	struct lookup *l = arg;
	struct app *app = http_req_owner(l->req);
	json_t *places, *p, *all[2 * GEOCODE_LIMIT_MAX + 1], *res;
	const char *kind;
	size_t i, n = 0;
	double s;

	if (r->status != DB_OK) {
		api_db_error(l->req, r, "geocode.places");
		lookup_free(l);
		return;
	}
	places = api_result_json(r);
	json_array_foreach(l->out, i, p)
	{
		if (n < 2 * GEOCODE_LIMIT_MAX)
			all[n++] = json_incref(p);
	}
	json_array_foreach(places, i, p)
	{
		if (n >= 2 * GEOCODE_LIMIT_MAX)
			break;
		kind = json_string_value(json_object_get(p, "kind"));
		s = json_number_value(json_object_get(p, "similarity"));
		json_object_set_new(p, "level",
		    json_string(strcmp(kind, "case") == 0 ? "case" : "place"));
		json_object_set_new(
		    p, "match", json_string(s >= 0.99 ? "exact" : "fuzzy"));
		json_object_set_new(p, "unmatched", json_string(""));
		json_object_set_new(p, "score",
		    json_real((strcmp(kind, "case") == 0 ? 95 : 90) * s));
		json_object_del(p, "similarity");
		if (json_is_null(json_object_get(p, "request_id")))
			json_object_del(p, "request_id");
		geocode_ward(app, p,
		    json_number_value(json_object_get(p, "lat")),
		    json_number_value(json_object_get(p, "lon")),
		    json_string_value(json_object_get(p, "ward_code")), NULL,
		    NULL);
		all[n++] = json_incref(p);
	}
	json_decref(places);
	qsort(all, n, sizeof all[0], lookup_score_cmp);
	res = json_array();
	for (i = 0; i < n; i++) {
		if ((int)i < l->limit)
			json_array_append(res, all[i]);
		json_decref(all[i]);
	}
	api_reply(l->req, 200,
	    json_pack("{s:s, s:o}", "query", l->q, "candidates", res));
	lookup_free(l);
}

/* "#123", "123" or "No.123" alone: a request number. */
static long long
lookup_case_id(const char *q)
{
	char *s = addr_normalize(q, NULL), *p, *end;
	long long id = 0;

	if (s == NULL)
		return 0;
	p = s;
	if (*p == '#')
		p++;
	else if (strncasecmp(p, "No.", 3) == 0)
		p += 3;
	if (*p >= '1' && *p <= '9') {
		id = strtoll(p, &end, 10);
		if (*end != '\0' || id <= 0)
			id = 0;
	}
	free(s);
	return id;
}

static void
lookup_index_cb(const struct addr_index *idx, void *arg)
{
	struct lookup *l = arg;
	struct app *app = http_req_owner(l->req);
	struct store_place_query pq = {0};
	struct addr_result r;
	size_t i;

	l->out = json_array();
	if (idx != NULL) {
		addr_search(idx, l->q, l->has_near ? &l->near : NULL,
		    (size_t)l->limit, &r);
		for (i = 0; i < r.n; i++)
			json_array_append_new(
			    l->out, geocode_candidate_json(app, &r.c[i]));
		addr_result_free(&r);
	}
	pq.q = l->q;
	pq.case_id = lookup_case_id(l->q);
	pq.has_near = l->has_near;
	pq.lat = l->near.lat;
	pq.lon = l->near.lon;
	pq.limit = l->limit;
	store_places_search(app->db, &pq, lookup_places_cb, l);
}

static int
geocode_parse_near(const char *s, struct addr_near *near)
{
	char lat[40], *comma;
	double lo, la;
	char *cause;

	if (strlen(s) >= sizeof lat || (comma = strchr(s, ',')) == NULL)
		return -1;
	memcpy(lat, s, (size_t)(comma - s));
	lat[comma - s] = '\0';
	if (geo_parse_lonlat(comma + 1, lat, &lo, &la, &cause) != 0) {
		free(cause);
		return -1;
	}
	near->lat = la;
	near->lon = lo;
	return 0;
}

static void
geocode_search(struct http_req *req)
{
	const char *q = http_req_query(req, "q");
	const char *near = http_req_query(req, "near");
	const char *limit = http_req_query(req, "limit");
	struct lookup *l;
	char *end;
	long n = 8;

	if (q == NULL || *q == '\0' || !utf8_valid(q) ||
	    utf8_len(q) > GEOCODE_Q_MAX) {
		api_error(req, 400, "invalid_value", "q",
		    "q must be an address, a place name or a case number: "
		    "UTF-8 text of 1..%d characters",
		    GEOCODE_Q_MAX);
		return;
	}
	if (limit != NULL) {
		n = strtol(limit, &end, 10);
		if (*limit == '\0' || *end != '\0' || n < 1 ||
		    n > GEOCODE_LIMIT_MAX) {
			api_error(req, 400, "invalid_value", "limit",
			    "limit must be 1..%d", GEOCODE_LIMIT_MAX);
			return;
		}
	}
	l = xcalloc(1, sizeof *l);
	if (near != NULL && geocode_parse_near(near, &l->near) != 0) {
		free(l);
		api_error(req, 400, "invalid_value", "near",
		    "near must be lat,lon in WGS84 degrees, e.g. "
		    "35.6208,139.5638");
		return;
	}
	l->has_near = near != NULL;
	l->req = req;
	l->q = xstrdup(q);
	l->limit = (int)n;
	http_req_ref(req);
	geocoder_with_index(
	    ((struct app *)http_req_owner(req))->db, lookup_index_cb, l);
}

struct rev {
	struct http_req *req;
	double lat, lon;
};

static void
reverse_index_cb(const struct addr_index *idx, void *arg)
{
	struct rev *v = arg;
	struct app *app = http_req_owner(v->req);
	struct addr_place p;
	json_t *j;

	if (idx == NULL) {
		api_error(v->req, 503, "unavailable", NULL,
		    "the address table cannot be read now");
	} else if (addr_reverse(idx, v->lat, v->lon, &p) != 0) {
		api_error(v->req, 404, "not_found", NULL,
		    "no town of the address table is near this point");
	} else {
		j = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:f, s:f, s:f}",
		    "label", p.label, "pref", p.pref, "city", p.city, "town",
		    p.town, "block", p.block, "level",
		    p.block != NULL ? "block" : "town", "distance_m",
		    (double)(long)(p.distance_m + 0.5), "lat", v->lat, "lon",
		    v->lon);
		geocode_ward(
		    app, j, v->lat, v->lon, p.city_code, p.pref, p.city);
		api_reply(v->req, 200, j);
		addr_place_free(&p);
	}
	http_req_unref(v->req);
	free(v);
}

static void
geocode_reverse(struct http_req *req)
{
	struct rev *v;
	double lo, la;
	char *cause;

	if (geo_parse_lonlat(http_req_query(req, "lon"),
	        http_req_query(req, "lat"), &lo, &la, &cause) != 0) {
		api_location_error(req, 400, cause);
		return;
	}
	v = xcalloc(1, sizeof *v);
	v->req = req;
	v->lat = la;
	v->lon = lo;
	http_req_ref(req);
	geocoder_with_index(
	    ((struct app *)http_req_owner(req))->db, reverse_index_cb, v);
}

const struct http_route api_geocode_routes[] = {
    {"geocode", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/geocode",
        0, 0, geocode_search, NULL},
    {"geocode.reverse", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/geocode/reverse", 0, 0, geocode_reverse, NULL},
    {0},
};

void
api_geocode_start(struct app *a)
{
	char *cause;
	if (geocoder_start(a->db, &cause) != 0)
		fatalx("event=geocoder_start_failed reason=%s", log_q(cause));
}
