/*
 * Patrols over the JSON API: start, send track points, stop (the console
 * and crews without a handheld; handhelds sync theirs), and the way back:
 * overdue pieces near the straight line from a crew to its office, which
 * the crew can take on the way (also GET /agent/v1/wayback for the
 * handhelds, by device token). A crew user starts, tracks and stops only
 * its own crew's patrols (403 not_your_crew); staff any crew's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_routes.h"
#include "api_sync.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "coverage.h"
#include "db.h"
#include "geo.h"
#include "http.h"
#include "risk.h"
#include "store_insights.h"
#include "store_network.h"
#include "store_result.h"
#include "store_sync.h"
#include "wards.h"
#include "wayback.h"
#include "xmalloc.h"

#define PATROL_MAX_POINTS 10000
#define WAYBACK_MAX       20

static void
patrol_row_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;

	if (r->status != DB_OK)
		api_db_error(req, r, "patrol");
	else if (store_result_text(r->res) == NULL)
		api_error(
		    req, 404, "not_found", NULL, "no such patrol or crew");
	else
		api_reply(req, 200,
		    json_pack(
		        "{s:I}", "id", (json_int_t)store_result_ll(r->res, 0)));
	http_req_unref(req);
}

static const char *const start_keys[] = {"crew_id", "kind", NULL};

static void
patrol_start(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct auth_user *user = auth_user_of(req);
	const char *kind;
	char what[40];
	long long crew;
	json_t *body;

	if ((body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, start_keys) != 0 ||
	    api_id(req, body, "crew_id", 1, &crew) != 0 ||
	    api_str(req, body, "kind", 0, 10, &kind) != 0)
		goto out;
	if (kind == NULL)
		kind = "patrol";
	if (strcmp(kind, "patrol") != 0 && strcmp(kind, "drive") != 0) {
		api_error(req, 422, "invalid_value", "kind",
		    "kind must be patrol or drive");
		goto out;
	}
	snprintf(what, sizeof what, "crew %lld", crew);
	if (api_crew_refused(req, user, crew, what))
		goto out;
	http_req_ref(req);
	store_patrol_start(app->db, crew, kind, user->name, patrol_row_cb, req);
out:
	json_decref(body);
}

/*
 * A crew user's track points and stop go only to its own crew's patrols
 * (issue 10): the patrol's crew is read first (it never changes), then
 * the write is sent. points is NULL for a stop.
 */
struct patrol_bound {
	struct http_req *req;
	long long id;
	char *points;
};

static void track_done_cb(struct db_result *, void *);

static void
patrol_bound_cb(struct db_result *r, void *arg)
{
	struct patrol_bound *b = arg;
	struct app *app = http_req_owner(b->req);
	char what[40];

	if (http_req_done(b->req) || r->status != DB_OK ||
	    store_result_text(r->res) == NULL) {
		if (!http_req_done(b->req))
			api_reply_row(b->req, r, "patrol");
		http_req_unref(b->req);
		goto out;
	}
	snprintf(what, sizeof what, "patrol %lld", b->id);
	if (api_crew_refused(b->req, auth_user_of(b->req),
	        store_result_ll(r->res, 0), what)) {
		http_req_unref(b->req);
		goto out;
	}
	/* The request's reference goes on to the write's callback. */
	if (b->points != NULL)
		store_track_put(
		    app->db, b->id, b->points, track_done_cb, b->req);
	else
		store_patrol_stop(app->db, b->id, patrol_row_cb, b->req);
out:
	free(b->points);
	free(b);
}

/* Sends the write now for staff, after the crew check for a crew user. */
static void
patrol_write(struct http_req *req, long long id, char *points)
{
	struct app *app = http_req_owner(req);
	struct patrol_bound *b;

	http_req_ref(req);
	if (auth_user_of(req)->role & AUTH_STAFF) {
		if (points != NULL)
			store_track_put(
			    app->db, id, points, track_done_cb, req);
		else
			store_patrol_stop(app->db, id, patrol_row_cb, req);
		free(points);
		return;
	}
	b = xcalloc(1, sizeof *b);
	b->req = req;
	b->id = id;
	b->points = points;
	store_patrol_crew(app->db, id, patrol_bound_cb, b);
}

static void
patrol_stop(struct http_req *req)
{
	long long id;

	if (api_path_id(req, 0, &id) != 0)
		return;
	patrol_write(req, id, NULL);
}

static void
track_done_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct store_track_counts tc;

	if (r->status == DB_OK)
		store_track_counts_row(r->res, &tc);
	if (r->status != DB_OK)
		api_db_error(req, r, "patrol.track");
	else if (!tc.patrol_exists)
		api_error(req, 404, "not_found", NULL, "no such patrol");
	else
		/* Each point sent is stored, a duplicate, or refused. */
		api_reply(req, 200,
		    json_pack("{s:I,s:I,s:I}", "stored", (json_int_t)tc.stored,
		        "duplicates", (json_int_t)tc.duplicates,
		        "refused_same_time", (json_int_t)tc.conflicts));
	http_req_unref(req);
}

static void
patrol_track(struct http_req *req)
{
	json_t *body, *points, *pt, *rows;
	double lat, lon, at, e, n;
	char field[48], *cause, *s;
	long long id;
	size_t i;

	if (api_path_id(req, 0, &id) != 0 || (body = api_body(req)) == NULL)
		return;
	points = json_object_get(body, "points");
	if (!json_is_array(points) || json_array_size(points) == 0 ||
	    json_array_size(points) > PATROL_MAX_POINTS) {
		api_error(req, 422, "wrong_type", "points",
		    "points must be an array of 1..%d {at, lat, lon}",
		    PATROL_MAX_POINTS);
		json_decref(body);
		return;
	}
	rows = json_array();
	json_array_foreach(points, i, pt)
	{
		snprintf(field, sizeof field, "points[%zu]", i);
		/* at: seconds since the epoch, fractions kept to the ms. */
		if (!json_is_number(json_object_get(pt, "at")) ||
		    !json_is_number(json_object_get(pt, "lat")) ||
		    !json_is_number(json_object_get(pt, "lon"))) {
			api_error(req, 422, "wrong_type", field,
			    "%s needs numbers at (epoch seconds), lat, lon",
			    field);
			goto fail;
		}
		at = json_number_value(json_object_get(pt, "at"));
		lat = json_number_value(json_object_get(pt, "lat"));
		lon = json_number_value(json_object_get(pt, "lon"));
		if (!isfinite(at) || at < 946684800 || at > 4102444800.0) {
			api_error(req, 422, "invalid_time", field,
			    "%s: at is not a time between 2000 and 2100",
			    field);
			goto fail;
		}
		if (geo_to_plane(lon, lat, &e, &n, &cause) != 0) {
			api_error(req, 422, "invalid_location", field, "%s: %s",
			    field, cause);
			free(cause);
			goto fail;
		}
		json_array_append_new(rows,
		    json_pack("{s:f,s:f,s:f,s:f,s:f}", "at", at, "lon", lon,
		        "lat", lat, "e", e, "n", n));
	}
	if ((s = json_dumps(rows, JSON_COMPACT)) == NULL)
		api_error(req, 500, "internal", NULL, "out of memory");
	else
		patrol_write(req, id, s);
fail:
	json_decref(rows);
	json_decref(body);
}

/* The ward's name for a code, or NULL: crews read names, not codes. */
static const char *
wayback_ward_name(struct app *app, const char *code)
{
	const struct ward_set *set = app->wards;
	size_t i;

	for (i = 0; code != NULL && set != NULL && i < wards_count(set); i++) {
		if (strcmp(wards_get(set, i)->code, code) == 0)
			return wards_get(set, i)->name;
	}
	return NULL;
}

struct wayback {
	struct http_req *req;
	int has_from;
	double lon, lat;
	PGresult *candidates; /* kept while the defects are read */
};

/*
 * Answers the suggestions from store_wayback_candidates()'s rows, from
 * (lon, lat) when has_from, else from the crew's last fix. Both the API
 * (crews.wayback) and the handhelds (agent.wayback) answer with it; the
 * order is wayback_rank()'s (core/wayback.c).
 */
static void
wayback_reply(struct http_req *req, struct db_result *r, int has_from,
    double lon, double lat, const struct risk_defect *def, size_t ndef)
{
	struct app *app = http_req_owner(req);
	struct wayback_piece *pieces;
	struct store_wayback_from at;
	struct store_wayback_piece wp;
	double from[2], to[2], d = app->cfg->wayback_m;
	double flon, flat;
	json_t *out, *item;
	char *cause;
	size_t n = 0, kept, i;
	int row, got;

	if (r->status != DB_OK) {
		api_db_error(req, r, "wayback");
		return;
	}
	if (!store_wayback_from(r->res, &at)) {
		api_error(req, 404, "not_found", NULL, "no such crew");
		return;
	}
	/* From where the crew says it is, else its last fix. */
	flon = has_from ? lon : at.crew_lon;
	flat = has_from ? lat : at.crew_lat;
	if ((!has_from && !at.has_crew) ||
	    geo_to_plane(flon, flat, &from[0], &from[1], &cause) != 0 ||
	    geo_to_plane(
	        at.office_lon, at.office_lat, &to[0], &to[1], &cause) != 0) {
		if (!(!has_from && !at.has_crew))
			free(cause);
		api_error(req, 422, "no_position", "lat",
		    "the crew has no usable position: give lat and lon");
		return;
	}
	pieces = xcalloc((size_t)store_result_rows(r->res) + 1, sizeof *pieces);
	for (row = 0; (got = store_wayback_row(r->res, row, &wp)) != 0; row++) {
		if (got != 1)
			continue;
		pieces[n].xy =
		    store_result_float8_array(wp.plane, &pieces[n].npoints);
		pieces[n].npoints /= 2;
		pieces[n++].row = row;
	}
	kept = wayback_rank(from, to, d, pieces, n, def, ndef);
	out = json_array();
	for (i = 0; i < kept && i < WAYBACK_MAX; i++) {
		store_wayback_row(r->res, (int)pieces[i].row, &wp);
		item = json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:s?,s:f,"
		                 "s:f,s:s?,s:o}",
		    "piece_id", (json_int_t)wp.id, "kind", wp.kind, "class",
		    wp.klass, "name", wp.name, "ward_code", wp.ward_code,
		    "ward_name", wayback_ward_name(app, wp.ward_code),
		    "length_m", wp.length_m, "off_route_m",
		    pieces[i].off_route_m, "last_inspected", wp.last_inspected,
		    "lonlat", json_loads(wp.lonlat, 0, NULL));
		json_object_set_new(item, "risk", json_real(pieces[i].risk));
		json_object_set_new(
		    item, "risk_reports", json_integer(pieces[i].risk_reports));
		json_object_set_new(
		    item, "rank_m", json_real(pieces[i].rank_m));
		json_array_append_new(out, item);
	}
	for (i = 0; i < n; i++)
		free((double *)pieces[i].xy);
	free(pieces);
	api_reply(
	    req, 200, json_pack("{s:f,s:o}", "within_m", d, "pieces", out));
}

/* The defect reports of the last year, then the answer. */
static void
wayback_risk_cb(struct db_result *r, void *arg)
{
	struct wayback *w = arg;
	struct db_result cand = {DB_OK, w->candidates, NULL, NULL};
	struct store_risk_defect dr;
	struct risk_defect *def = NULL;
	size_t nd = 0;

	/* Without them the suggestions still stand, only unranked by risk. */
	if (r->status == DB_OK) {
		def =
		    xcalloc((size_t)store_result_rows(r->res) + 1, sizeof *def);
		for (; store_risk_defect_row(r->res, (int)nd, &dr); nd++) {
			def[nd].category = 0;
			def[nd].e = dr.e;
			def[nd].n = dr.n;
			def[nd].age_days = dr.age_days;
		}
	}
	if (!http_req_done(w->req))
		wayback_reply(
		    w->req, &cand, w->has_from, w->lon, w->lat, def, nd);
	free(def);
	PQclear(w->candidates);
	http_req_unref(w->req);
	free(w);
}

static void
wayback_cb(struct db_result *r, void *arg)
{
	struct wayback *w = arg;
	struct app *app = http_req_owner(w->req);

	if (r->status == DB_OK && !http_req_done(w->req)) {
		w->candidates = r->res;
		r->res = NULL;
		store_risk_defects(app->db, wayback_risk_cb, w);
		return;
	}
	if (!http_req_done(w->req))
		wayback_reply(w->req, r, w->has_from, w->lon, w->lat, NULL, 0);
	http_req_unref(w->req);
	free(w);
}

/* ?lat&lon, both or neither: a new struct wayback, or NULL after 422. */
static struct wayback *
wayback_new(struct http_req *req)
{
	struct wayback *w;
	int has;

	w = xcalloc(1, sizeof *w);
	if ((has = api_query_point(req, &w->lon, &w->lat, NULL, NULL)) < 0) {
		free(w);
		return NULL;
	}
	w->has_from = has;
	w->req = req;
	return w;
}

static void
wayback_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct wayback *w;
	long long id;

	if (api_path_id(req, 0, &id) != 0 || (w = wayback_new(req)) == NULL)
		return;
	http_req_ref(req);
	store_wayback_candidates(
	    app->db, id, app->cfg->coverage_share_pct / 100.0, wayback_cb, w);
}

/* GET /agent/v1/wayback: the same, for the crew of the device's token. */
static void
agent_wayback_device_cb(struct db_result *r, void *arg)
{
	struct wayback *w = arg;
	struct app *app = http_req_owner(w->req);
	struct store_sync_device dev;

	if (api_db_failed(w->req, r, "wayback.device", api_db_error))
		goto out;
	if (!store_sync_device_row(r->res, &dev))
		api_sync_unauthorized(w->req, "unknown_token");
	else {
		store_wayback_candidates(app->db, dev.crew_id,
		    app->cfg->coverage_share_pct / 100.0, wayback_cb, w);
		return;
	}
out:
	http_req_unref(w->req);
	free(w);
}

static void
agent_wayback_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct wayback *w;
	char hash[65];

	if (api_sync_token_hash(req, hash) != 0 ||
	    (w = wayback_new(req)) == NULL)
		return;
	http_req_ref(req);
	store_sync_device(app->db, hash, 0, agent_wayback_device_cb, w);
}

const struct http_route api_patrols_routes[] = {
    {"patrols.start",
        EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_CREW),
        "/api/v1/patrols", 4096, 0, patrol_start, NULL},
    {"patrols.track",
        EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_CREW),
        "/api/v1/patrols/{}/track", 4 << 20, 30000, patrol_track, NULL},
    {"patrols.stop", EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_CREW),
        "/api/v1/patrols/{}/stop", 4096, 0, patrol_stop, NULL},
    {"crews.wayback", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/crews/{}/wayback", 0, 0, wayback_get, NULL},
    {"agent.wayback", EVHTTP_REQ_GET, "/agent/v1/wayback", 0, 0,
        agent_wayback_get, NULL},
    {0},
};
