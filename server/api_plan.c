/*
 * The crews' day (issue 15): GET /api/v1/crews/{id}/plan orders a crew's
 * open jobs with arrival and finish times (server/plan.c) and stores each
 * job's expected arrival window, which Open311 gives as expected_datetime;
 * POST /api/v1/crews/{id}/plan/pin fixes a job's place in the order;
 * PUT/DELETE /api/v1/crews/{id}/break sets or clears the crew's break.
 * Distances: the road network where one is imported, else straight line
 * in the projected CRS x the detour factor (planner.c says which).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "geo.h"
#include "http.h"
#include "log.h"
#include "plan.h"
#include "planner.h"
#include "store_plan.h"
#include "xmalloc.h"

/* Plans every input of the result; stores the expected windows. */
static json_t *
plan_all(struct app *app, json_t *inputs)
{
	struct rank_params p = planner_params(app);
	json_t *out = json_array(), *in, *exp, *all = json_array();
	size_t i;
	char *text;

	json_array_foreach(inputs, i, in)
	{
		json_array_append_new(out, planner_build(&p, in, &exp));
		json_array_extend(all, exp);
		json_decref(exp);
	}
	if (json_array_size(all) > 0) {
		text = json_dumps(all, JSON_COMPACT);
		store_plan_expected(
		    app->db, text, api_db_warn_cb, "plan_store_failed");
		free(text);
	}
	json_decref(all);
	return out;
}

/*
 * The crews' planner inputs read (a non-empty array, the caller's), or
 * NULL after answering the failure, or 404 with missing when no crew.
 */
static json_t *
plan_inputs_json(
    struct http_req *req, const struct db_result *r, const char *missing)
{
	json_t *j;

	if (r->status != DB_OK) {
		api_db_error(req, r, "plan");
		return NULL;
	}
	j = api_result_json(r);
	if (json_array_size(j) == 0) {
		json_decref(j);
		api_error(req, 404, "not_found", NULL, "%s", missing);
		return NULL;
	}
	return j;
}

static void
plan_crew_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *app = http_req_owner(req);
	json_t *j, *plans;

	if ((j = plan_inputs_json(req, r, "no such crew")) != NULL) {
		plans = plan_all(app, j);
		api_reply(req, 200, json_incref(json_array_get(plans, 0)));
		json_decref(plans);
		json_decref(j);
	}
	http_req_unref(req);
}

static void
plan_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	long long id;
	char crews[32];

	if (api_path_id(req, 0, &id) != 0)
		return;
	snprintf(crews, sizeof crews, "{%lld}", id);
	http_req_ref(req);
	store_plan_inputs(app->db, crews, 0, plan_crew_cb, req);
}

static void
plan_office_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *app = http_req_owner(req);
	json_t *j;

	j = plan_inputs_json(req, r, "no such office, or it has no crews");
	if (j != NULL) {
		api_reply(
		    req, 200, json_pack("{s:o}", "crews", plan_all(app, j)));
		json_decref(j);
	}
	http_req_unref(req);
}

static void
plan_office_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	long long id;

	if (api_path_id(req, 0, &id) != 0)
		return;
	http_req_ref(req);
	store_plan_inputs(app->db, NULL, id, plan_office_cb, req);
}

static void
plan_pin(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	static const char *const keys[] = {"request_id", "position", NULL};
	long long crew, rid;
	double position;
	int present;
	char buf[16];
	json_t *body;

	if (api_path_id(req, 0, &crew) != 0 || (body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, keys) != 0 ||
	    api_id(req, body, "request_id", 1, &rid) != 0 ||
	    (!json_is_null(json_object_get(body, "position")) &&
	        api_num(req, body, "position", 0, &position, &present) != 0)) {
		json_decref(body);
		return;
	}
	present = json_is_number(json_object_get(body, "position"));
	json_decref(body);
	if (present &&
	    (position < 1 || position > 1000 || position != floor(position))) {
		api_error(req, 422, "invalid", "position",
		    "position must be a whole number from 1 (first) to 1000, "
		    "or null to unpin");
		return;
	}
	snprintf(buf, sizeof buf, "%d", present ? (int)position : 0);
	store_plan_pin(app->db, crew, rid, present ? buf : NULL,
	    api_reply_row_cb, api_reply_row_arg(req, "open job of this crew"));
}

/*
 * PUT {start, end, minutes?}: the crew's break, fixed (no minutes: the
 * whole range) or floating; DELETE: none. The planner redoes its day.
 */
static void
plan_break_put(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	static const char *const keys[] = {"start", "end", "minutes", NULL};
	const struct auth_user *user = auth_user_of(req);
	struct plan_break_spec b;
	const char *start, *end, *field;
	double minutes = 0;
	int present;
	char buf[16], *cause;
	long long crew;
	json_t *body;

	if (api_path_id(req, 0, &crew) != 0)
		return;
	if (http_req_method(req) == EVHTTP_REQ_DELETE) {
		store_plan_break_put(app->db, crew, NULL, NULL, NULL,
		    user->name, api_reply_row_cb,
		    api_reply_row_arg(req, "crew"));
		return;
	}
	if ((body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, keys) != 0 ||
	    api_str(req, body, "start", 1, 5, &start) != 0 ||
	    api_str(req, body, "end", 1, 5, &end) != 0 ||
	    api_num(req, body, "minutes", 0, &minutes, &present) != 0)
		goto out;
	if (present && (minutes != floor(minutes) || minutes < 1)) {
		api_error(req, 422, "invalid_break", "minutes",
		    "minutes must be a whole number of minutes, 5 to 240");
		goto out;
	}
	if (plan_break_check(start, end, present ? (long)fmin(minutes, 1e6) : 0,
	        &b, &field, &cause) != 0) {
		api_error(req, 422, "invalid_break", field, "%s", cause);
		free(cause);
		goto out;
	}
	snprintf(buf, sizeof buf, "%d", b.minutes);
	store_plan_break_put(app->db, crew, b.start, b.end, buf, user->name,
	    api_reply_row_cb, api_reply_row_arg(req, "crew"));
out:
	json_decref(body);
}

const struct http_route api_plan_routes[] = {
    {"crews.plan", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_VIEWER),
        "/api/v1/crews/{}/plan", 0, 0, plan_get, NULL},
    {"offices.plan",
        EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_VIEWER),
        "/api/v1/offices/{}/plan", 0, 0, plan_office_get, NULL},
    {"crews.plan.pin", EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_STAFF),
        "/api/v1/crews/{}/plan/pin", 1024, 0, plan_pin, NULL},
    {"crews.break",
        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | HTTP_ROUTE_ROLES(AUTH_STAFF),
        "/api/v1/crews/{}/break", 1024, 0, plan_break_put, NULL},
    {0},
};
