/*
 * /api/v1/requests: take a call (create), the queue (list), one request in
 * full (get). Creating checks everything it can before the database sees
 * it: fields, the point, the category's questions; the ward comes from the
 * in-memory ward polygons, duplicates from the same statement that stores
 * the request.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "category_cache.h"
#include "config.h"
#include "db.h"
#include "field_limits.h"
#include "geo.h"
#include "http.h"
#include "idempotency.h"
#include "intake.h"
#include "lifecycle.h"
#include "outside.h"
#include "store_requests.h"
#include "store_result.h"
#include "wards.h"
#include "xmalloc.h"

struct create {
	struct http_req *req;
	struct auth_user user;
	json_t *body;
	double lon, lat, easting, northing;
	char *ward_code, *ward_name;
	json_t *outside; /* the point is outside every ward, or NULL */
	char *outside_json;
	char *answers;
	int priority;
};

static void
create_free(struct create *c)
{
	http_req_unref(c->req);
	json_decref(c->body);
	free(c->ward_code);
	free(c->ward_name);
	json_decref(c->outside);
	free(c->outside_json);
	free(c->answers);
	free(c);
}

static void
create_done_cb(struct db_result *r, void *arg)
{
	struct create *c = arg;
	char loc[64];
	const char *json;
	long long id;

	if (r->status != DB_OK)
		api_db_error(c->req, r, "request.create");
	else if (!store_request_created_row(r->res, &id, &json))
		api_error(c->req, 422, "unknown_category", "category",
		    "no such category");
	else {
		/*
		 * PostgreSQL's JSON goes out as it is (ward_name and
		 * outside_wards in it): parsing and writing it again was two
		 * thirds of patrold's own work per call (issue 19).
		 */
		snprintf(loc, sizeof loc, "/api/v1/requests/%lld", id);
		http_req_set_header(c->req, "Location", loc);
		api_reply_text(c->req, 201, json);
	}
	create_free(c);
}

static void
create_category_cb(const struct db_result *err, json_t *cat, void *arg)
{
	struct create *c = arg;
	struct app *a = http_req_owner(c->req);
	struct store_new_request n = {0};
	json_t *answers, *caller;
	char *field, *cause;

	if (err != NULL) {
		api_db_error(c->req, err, "category.get");
		goto fail;
	}
	if (cat == NULL) {
		api_error(c->req, 422, "unknown_category", "category",
		    "no such category: %s",
		    json_string_value(json_object_get(c->body, "category")));
		goto fail;
	}
	answers = json_object_get(c->body, "answers");
	if (intake_check_answers(cat, answers, &c->priority, &field, &cause) !=
	    0) {
		api_error(c->req, 422, "invalid_answer", field, "%s", cause);
		free(field);
		free(cause);
		json_decref(cat);
		goto fail;
	}
	json_decref(cat);
	if (answers != NULL)
		c->answers = json_dumps(answers, JSON_COMPACT);
	caller = json_object_get(c->body, "caller");
	n.category = json_string_value(json_object_get(c->body, "category"));
	n.channel = json_string_value(json_object_get(c->body, "channel"));
	if (n.channel == NULL)
		n.channel = "phone";
	n.lon = c->lon;
	n.lat = c->lat;
	n.easting = c->easting;
	n.northing = c->northing;
	n.address = json_string_value(json_object_get(c->body, "address"));
	n.ward_code = c->ward_code;
	n.description =
	    json_string_value(json_object_get(c->body, "description"));
	n.answers_json = c->answers != NULL ? c->answers : "{}";
	n.priority = c->priority;
	n.callback_at =
	    json_string_value(json_object_get(c->body, "callback_at"));
	n.actor = c->user.name;
	n.caller_name = json_string_value(json_object_get(caller, "name"));
	n.caller_phone = json_string_value(json_object_get(caller, "phone"));
	n.caller_address =
	    json_string_value(json_object_get(caller, "address"));
	n.location_text =
	    json_string_value(json_object_get(c->body, "location_text"));
	n.location_level =
	    json_string_value(json_object_get(c->body, "location_level"));
	/* Consent to future contact: the words read out are recorded. */
	if (json_is_true(json_object_get(caller, "consent")))
		n.caller_consent_text = a->cfg->consent_text;
	n.window_from =
	    json_string_value(json_object_get(c->body, "window_from"));
	n.window_to = json_string_value(json_object_get(c->body, "window_to"));
	n.dup_radius_m = a->cfg->dup_radius_m;
	n.dup_window_h = a->cfg->dup_window_h;
	n.survey_hours = a->cfg->petition_survey_hours;
	n.ward_name = c->ward_name;
	/* A call from over the city line: say so, to pass it on. */
	if (c->outside != NULL)
		c->outside_json = json_dumps(
		    c->outside, JSON_COMPACT | JSON_REAL_PRECISION(10));
	n.outside_json = c->outside_json;
	store_request_create(a->db, &n, create_done_cb, c);
	return;
fail:
	create_free(c);
}

static const char *const create_keys[] = {"category", "channel", "lat", "lon",
    "address", "description", "answers", "caller", "callback_at",
    "location_text", "location_level", "window_from", "window_to", NULL};
static const char *const location_levels[] = {
    "block", "town", "place", "case", "pin", NULL};
static const char *const caller_keys[] = {
    "name", "phone", "address", "consent", NULL};
static const char *const channels[] = {
    "phone", "counter", "patrol", "app", "petition", NULL};

/*
 * The resident's availability, window_from and window_to: each an ISO
 * 8601 time, null or absent (open at that end). -1 after replying.
 */
static int
requests_window_check(struct http_req *req, json_t *body)
{
	const char *from, *to, *field;
	char *cause;

	if (api_str(req, body, "window_from", 0, 40, &from) != 0 ||
	    api_str(req, body, "window_to", 0, 40, &to) != 0)
		return -1;
	if (intake_check_window(from, to, time(NULL), &field, &cause) != 0) {
		api_error(req, 422, "invalid_window", field, "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* The request's own fields: known keys, each string within its limit, the
 * location level, channel and times from their sets, answers an object.
 * -1 after replying. */
static int
create_fields_check(struct http_req *req, json_t *body)
{
	const char *s, *channel;
	json_t *answers = json_object_get(body, "answers");

	if (api_only_keys(req, body, create_keys) != 0 ||
	    api_str(req, body, "category", 1, 40, &s) != 0 ||
	    api_str(req, body, "channel", 0, 20, &channel) != 0 ||
	    api_str(req, body, "address", 0, LIMIT_ADDRESS, &s) != 0 ||
	    api_str(req, body, "description", 0, LIMIT_DESCRIPTION, &s) != 0 ||
	    api_str(req, body, "location_text", 0, 500, &s) != 0 ||
	    api_str(req, body, "location_level", 0, 10, &s) != 0)
		return -1;
	if (api_one_of(req, "location_level", s, location_levels,
	        "location_level must be block, town, place, case or pin") != 0)
		return -1;
	if (api_str(req, body, "callback_at", 0, 40, &s) != 0)
		return -1;
	if (s != NULL && !api_is_iso8601(s)) {
		api_error(req, 422, "invalid_time", "callback_at",
		    "callback_at must be an ISO 8601 time with a zone, e.g. "
		    "2026-07-01T15:00:00+09:00");
		return -1;
	}
	if (requests_window_check(req, body) != 0)
		return -1;
	if (api_one_of(req, "channel", channel, channels,
	        "channel must be phone, counter, patrol or app") != 0)
		return -1;
	if (answers != NULL && !json_is_object(answers)) {
		api_error(req, 422, "wrong_type", "answers",
		    "answers must be an object of question code to answer");
		return -1;
	}
	return 0;
}

/* The caller, absent, null or an object of known keys within their limits
 * whose consent (a boolean) has a way to contact. -1 after replying. */
static int
create_caller_check(struct http_req *req, json_t *caller)
{
	const char *s;

	if (caller == NULL || json_is_null(caller))
		return 0;
	if (!json_is_object(caller)) {
		api_error(req, 422, "wrong_type", "caller",
		    "caller must be an object");
		return -1;
	}
	if (api_only_keys(req, caller, caller_keys) != 0 ||
	    api_str(req, caller, "name", 0, LIMIT_CALLER_NAME, &s) != 0 ||
	    api_str(req, caller, "phone", 0, LIMIT_PHONE, &s) != 0 ||
	    api_str(req, caller, "address", 0, LIMIT_ADDRESS, &s) != 0)
		return -1;
	if (json_object_get(caller, "consent") != NULL &&
	    !json_is_boolean(json_object_get(caller, "consent"))) {
		api_error(req, 422, "wrong_type", "consent",
		    "consent must be true or false");
		return -1;
	}
	if (json_is_true(json_object_get(caller, "consent")) &&
	    json_object_get(caller, "name") == NULL &&
	    json_object_get(caller, "phone") == NULL &&
	    json_object_get(caller, "address") == NULL) {
		api_error(req, 422, "missing_field", "consent",
		    "consent needs the caller's name, phone or address to "
		    "contact");
		return -1;
	}
	return 0;
}

/* The point: lat and lon, on the plane, and the ward it falls in or, over
 * the city line, what it is near. -1 after replying. */
static int
create_place(struct app *a, struct create *c)
{
	const struct ward *w;
	char *cause;

	if (api_num(c->req, c->body, "lat", 1, &c->lat, NULL) != 0 ||
	    api_num(c->req, c->body, "lon", 1, &c->lon, NULL) != 0)
		return -1;
	if (geo_to_plane(c->lon, c->lat, &c->easting, &c->northing, &cause) !=
	    0) {
		api_location_error(c->req, 422, cause);
		return -1;
	}
	if (a->wards != NULL &&
	    (w = wards_find(a->wards, c->lon, c->lat)) != NULL) {
		c->ward_code = xstrdup(w->code);
		c->ward_name = xstrdup(w->name);
	} else
		c->outside = outside_describe(a->wards, c->lon, c->lat);
	return 0;
}

static void
create_auth_cb(struct http_req *req, const struct auth_user *user, void *arg)
{
	struct app *a = arg;
	struct create *c;
	json_t *body;

	if ((body = api_body(req)) == NULL)
		return;
	c = xcalloc(1, sizeof *c);
	c->req = req;
	http_req_ref(req);
	c->user = *user;
	c->body = body;
	if (create_fields_check(req, body) != 0 ||
	    create_caller_check(req, json_object_get(body, "caller")) != 0 ||
	    create_place(a, c) != 0) {
		create_free(c);
		return;
	}
	/* Kept by each patrold until changed (category_cache.h). */
	category_cache_get(a->categories,
	    json_string_value(json_object_get(body, "category")),
	    create_category_cb, c);
}

/* Between the route's roles (the guard) and the Idempotency-Key check. */
struct create_idem {
	struct http_req *req;
	struct auth_user user;
};

static void
create_idem_go(void *arg)
{
	struct create_idem *ci = arg;
	struct app *app = http_req_owner(ci->req);

	create_auth_cb(ci->req, &ci->user, app);
	free(ci);
}

static void
requests_create(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct create_idem *ci = xmalloc(sizeof *ci);
	char scope[32];

	ci->req = req;
	ci->user = *auth_user_of(req);
	snprintf(scope, sizeof scope, "user:%lld", ci->user.id);
	idem_begin(app, req, scope, create_idem_go, free, ci);
}

static void
requests_list(struct http_req *req)
{
	struct app *a = http_req_owner(req);
	struct store_queue_filter f = {0};
	const char *state = http_req_query(req, "state");
	const char *limit = http_req_query(req, "limit");

	if (state == NULL || strcmp(state, "open") == 0)
		f.set = lifecycle_set_name(LC_SET_OPEN);
	else if (strcmp(state, "closed") == 0)
		f.set = lifecycle_set_name(LC_SET_CLOSED);
	else if (strcmp(state, "all") == 0)
		f.set = "all";
	else {
		api_error(req, 400, "invalid_value", "state",
		    "state must be open, closed or all");
		return;
	}
	f.category = http_req_query(req, "category");
	f.ward_code = http_req_query(req, "ward");
	f.limit = limit != NULL ? atoi(limit) : 200;
	if (f.limit < 1 || f.limit > 1000) {
		api_error(req, 400, "invalid_value", "limit",
		    "limit must be 1..1000");
		return;
	}
	store_request_list(
	    a->db, &f, api_reply_row_cb, api_reply_row_arg(req, "request"));
}

/* One request, with where it lies when that is outside every ward. */
static void
get_done_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *app = http_req_owner(req);
	json_t *j, *lon, *lat, *out;

	if (r->status != DB_OK || (j = api_result_json(r)) == NULL) {
		api_reply_row(req, r, "request");
		http_req_unref(req);
		return;
	}
	lon = json_object_get(j, "lon");
	lat = json_object_get(j, "lat");
	out = json_is_null(json_object_get(j, "ward_code")) &&
	        json_is_number(lon) && json_is_number(lat)
	    ? outside_describe(
	          app->wards, json_number_value(lon), json_number_value(lat))
	    : NULL;
	json_object_set_new(
	    j, "outside_wards", out != NULL ? out : json_false());
	api_reply(req, 200, j);
	http_req_unref(req);
}

static void
requests_get(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct app *a = http_req_owner(req);
	long long id;

	if (api_path_id(req, 0, &id) != 0)
		return;
	http_req_ref(req);
	/* Personal data only for the roles that need it, and audited. */
	store_request_get(a->db, id, user->name,
	    (user->role & AUTH_PERSONAL_DATA) != 0, get_done_cb, req);
}

static void
patch_done_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;

	if (r->status == DB_OK && store_result_rows(r->res) == 0)
		api_error(req, 409, "not_open", NULL,
		    "no open request with this id: the availability of a "
		    "closed or unknown request cannot change");
	else
		api_reply_row(req, r, "request.window");
	http_req_unref(req);
}

static const char *const patch_keys[] = {"window_from", "window_to", NULL};

/*
 * PATCH /api/v1/requests/{id}: what a resident says later about when
 * they are in. Both ends are set as sent (absent or null: open).
 */
static void
requests_patch(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct app *a = http_req_owner(req);
	json_t *body;
	long long id;

	if (api_path_id(req, 0, &id) != 0 || (body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, patch_keys) == 0 &&
	    requests_window_check(req, body) == 0) {
		http_req_ref(req);
		store_request_window(a->db, id, user->name,
		    json_string_value(json_object_get(body, "window_from")),
		    json_string_value(json_object_get(body, "window_to")),
		    patch_done_cb, req);
	}
	json_decref(body);
}

static void
callbacks_list(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct app *a = http_req_owner(req);
	struct store_callbacks_query q = {0};
	const char *brief = http_req_query(req, "brief");

	q.status = http_req_query(req, "status");
	if (q.status != NULL && strcmp(q.status, "overdue") != 0 &&
	    strcmp(q.status, "due") != 0 && strcmp(q.status, "all") != 0) {
		api_error(req, 400, "invalid_value", "status",
		    "status must be all, due or overdue");
		return;
	}
	if (brief != NULL && strcmp(brief, "1") != 0) {
		api_error(req, 400, "invalid_value", "brief",
		    "brief must be 1 (no names or phone numbers) or absent");
		return;
	}
	q.actor = user->name;
	q.outcome_minutes = a->cfg->callback_outcome_minutes;
	/* The console's reminder polls brief: no personal data, no audit. */
	q.with_callers = brief == NULL;
	store_callbacks_list(
	    a->db, &q, api_reply_row_cb, api_reply_row_arg(req, "request"));
}

const struct http_route api_requests_routes[] = {
    {"requests.create",
        EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_CREW),
        "/api/v1/requests", 64 * 1024, 0, requests_create, NULL},
    {"requests.list", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/requests", 0, 0, requests_list, NULL},
    {"requests.get", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/requests/{}", 0, 0, requests_get, NULL},
    {"requests.patch", EVHTTP_REQ_PATCH | HTTP_ROUTE_ROLES(AUTH_STAFF),
        "/api/v1/requests/{}", 4096, 0, requests_patch, NULL},
    {"callbacks.list", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_PERSONAL_DATA),
        "/api/v1/callbacks", 0, 0, callbacks_list, NULL},
    {0},
};
