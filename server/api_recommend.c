/*
 * GET /api/v1/requests/{id}/recommendations: eligible crews, best first,
 * each with the reasons a dispatcher needs to trust the order. The
 * database filters (skill, shift, duty) and counts load; ranking happens
 * here, in the projected CRS.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "geo.h"
#include "http.h"
#include "rank.h"
#include "store_requests.h"
#include "xmalloc.h"

static struct app *recommend_app;

/* Where a crew is: its last fix if it has one we can use, else its office. */
static int
recommend_position(json_t *crew, double *e, double *n, int *from_gps)
{
	json_t *office = json_object_get(crew, "office");
	char *cause;

	*from_gps = 0;
	if (json_is_number(json_object_get(crew, "lat")) &&
	    json_is_number(json_object_get(crew, "lon"))) {
		if (geo_to_plane(
		        json_number_value(json_object_get(crew, "lon")),
		        json_number_value(json_object_get(crew, "lat")), e, n,
		        &cause) == 0) {
			*from_gps = 1;
			return 0;
		}
		free(cause); /* a fix outside the area: use the office */
	}
	if (geo_to_plane(json_number_value(json_object_get(office, "lon")),
	        json_number_value(json_object_get(office, "lat")), e, n,
	        &cause) != 0) {
		free(cause);
		return -1;
	}
	return 0;
}

static json_t *
recommend_entry(const struct rank_crew *c, int rank)
{
	json_t *crew = c->data, *office = json_object_get(crew, "office");
	int gps = json_is_true(json_object_get(crew, "from_gps"));
	json_t *reasons = json_array();
	char buf[160];

	snprintf(buf, sizeof buf, "%.1f km %s", c->distance_m / 1000,
	    gps ? "from its last position" : "from its office");
	json_array_append_new(reasons,
	    json_pack("{s:s,s:f,s:s}", "code", "distance", "value",
	        round(c->distance_m), "text", buf));
	snprintf(buf, sizeof buf, "arrives in about %ld min",
	    lround(c->eta_minutes));
	json_array_append_new(reasons,
	    json_pack("{s:s,s:f,s:s}", "code", "eta", "value",
	        round(c->eta_minutes * 10) / 10, "text", buf));
	snprintf(buf, sizeof buf,
	    c->queue == 0 ? "no other jobs"
	                  : "%d job(s) first, about %.0f min of work",
	    c->queue, ceil(c->busy_minutes));
	json_array_append_new(reasons,
	    json_pack("{s:s,s:i,s:s}", "code", "queue", "value", c->queue,
	        "text", buf));
	if (c->cross_ward) {
		snprintf(buf, sizeof buf, "from another ward's office (%s)",
		    json_string_value(json_object_get(office, "name_en")));
		json_array_append_new(reasons,
		    json_pack("{s:s,s:b,s:s}", "code", "cross_ward", "value", 1,
		        "text", buf));
	}
	json_object_del(crew, "from_gps");
	return json_pack("{s:i,s:O,s:f,s:f,s:f,s:i,s:f,s:b,s:s,s:o}", "rank",
	    rank, "crew", crew, "distance_m", round(c->distance_m),
	    "travel_minutes", round(c->travel_minutes * 10) / 10, "eta_minutes",
	    round(c->eta_minutes * 10) / 10, "queue", c->queue, "busy_minutes",
	    round(c->busy_minutes), "cross_ward", c->cross_ward, "position",
	    gps ? "gps" : "office", "reasons", reasons);
}

static void
recommend_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *a = recommend_app;
	struct rank_params p = {a->cfg->speed_kmh, a->cfg->detour_pct / 100.0};
	struct rank_crew *rc;
	json_t *j, *rq, *crews, *crew, *out;
	size_t i, n = 0;
	int gps;

	if (r->status != DB_OK) {
		api_db_error(req, r, "recommendations");
		goto out;
	}
	if ((j = api_result_json(r)) == NULL) {
		api_error(req, 404, "not_found", NULL, "no such request");
		goto out;
	}
	rq = json_object_get(j, "request");
	crews = json_object_get(j, "crews");
	rc = xcalloc(json_array_size(crews) + 1, sizeof *rc);
	json_array_foreach(crews, i, crew)
	{
		if (recommend_position(
		        crew, &rc[n].easting, &rc[n].northing, &gps) != 0)
			continue; /* nowhere we can measure from */
		json_object_set_new(crew, "from_gps", json_boolean(gps));
		rc[n].id = json_integer_value(json_object_get(crew, "id"));
		rc[n].busy_minutes =
		    json_number_value(json_object_get(crew, "busy_minutes"));
		rc[n].queue =
		    (int)json_integer_value(json_object_get(crew, "queue"));
		rc[n].cross_ward =
		    !json_is_true(json_object_get(crew, "home_ward"));
		json_object_del(crew, "home_ward");
		json_object_del(crew, "busy_minutes");
		json_object_del(crew, "queue");
		rc[n].data = crew;
		n++;
	}
	rank_crews(json_number_value(json_object_get(rq, "easting")),
	    json_number_value(json_object_get(rq, "northing")), rc, n, &p);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(out, recommend_entry(&rc[i], (int)i + 1));
	api_reply(req, 200,
	    json_pack("{s:I,s:O,s:O,s:o}", "request_id",
	        json_integer_value(json_object_get(rq, "id")), "state",
	        json_object_get(rq, "state"), "skills",
	        json_object_get(rq, "skills"), "crews", out));
	free(rc);
	json_decref(j);
out:
	http_req_unref(req);
}

static void
recommend_auth_cb(struct http_req *req, const struct auth_user *user, void *arg)
{
	long long id;

	(void)user;
	(void)arg;
	if (api_path_id(req, 0, &id) != 0)
		return;
	http_req_ref(req);
	store_recommend_candidates(recommend_app->db, id,
	    recommend_app->cfg->timezone, recommend_cb, req);
}

static void
recommend_get(struct http_req *req)
{
	auth_require(recommend_app, req, AUTH_STAFF | AUTH_VIEWER,
	    recommend_auth_cb, NULL);
}

static const struct http_route recommend_routes[] = {
    {"requests.recommendations", EVHTTP_REQ_GET,
        "/api/v1/requests/{}/recommendations", 0, 0, recommend_get, NULL},
};

void
api_recommend_register(struct app *a)
{
	recommend_app = a;
	http_add_routes(a->http, recommend_routes,
	    sizeof recommend_routes / sizeof recommend_routes[0]);
}
