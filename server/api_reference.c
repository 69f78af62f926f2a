/*
 * Reference data over the JSON API: categories (with their questions and
 * outcomes), offices, crews; crews' status and position can be set.
 * Also /api/v1/cases, the past-case search for call-takers.
 */
#include <stdlib.h>
#include <string.h>

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
#include "store_reference.h"
#include "store_requests.h"
#include "utf8.h"
#include "xmalloc.h"

/* The reference lists every role reads: categories, offices, crews. */
static void
ref_list(struct http_req *req, void (*list)(struct db *, db_cb, void *))
{
	struct app *app = http_req_owner(req);

	list(app->db, api_reply_row_cb, api_reply_row_arg(req, "crew"));
}

static void
ref_categories(struct http_req *req)
{
	ref_list(req, store_categories_list);
}

static void
ref_offices(struct http_req *req)
{
	ref_list(req, store_offices_list);
}

static void
ref_crews(struct http_req *req)
{
	ref_list(req, store_crews_list);
}

static const char *const crew_keys[] = {"status", "lat", "lon", NULL};

static void
ref_crew_patch(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct auth_user *user = auth_user_of(req);
	const char *status;
	double lat = 0, lon = 0, e, n;
	int has_lat, has_lon;
	long long id;
	json_t *body;

	if (api_path_id(req, 0, &id) != 0)
		return;
	/* A crew user sets its own crew's status and position only. */
	if (!auth_may_act_for_crew(user, id)) {
		api_error(req, 403,
		    user->crew_id == 0 ? "no_crew" : "not_your_crew", NULL,
		    "crew %lld is not your crew: a crew user may change only "
		    "its "
		    "own crew's status and position",
		    id);
		return;
	}
	if ((body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, crew_keys) != 0 ||
	    api_str(req, body, "status", 0, 20, &status) != 0 ||
	    api_num(req, body, "lat", 0, &lat, &has_lat) != 0 ||
	    api_num(req, body, "lon", 0, &lon, &has_lon) != 0)
		goto out;
	if (status != NULL && strcmp(status, "available") != 0 &&
	    strcmp(status, "break") != 0 && strcmp(status, "off_duty") != 0) {
		api_error(req, 422, "invalid_value", "status",
		    "status must be available, break or off_duty");
		goto out;
	}
	if (api_body_point(req, has_lat, has_lon, lon, lat, &e, &n) < 0)
		goto out;
	store_crew_update(app->db, id, status, has_lat, lon, lat, user->name,
	    api_reply_row_cb, api_reply_row_arg(req, "crew"));
out:
	json_decref(body);
}

/* ILIKE pattern for free text: %, _ and \ are literal. */
static char *
cases_pattern(const char *q)
{
	char *p = xmalloc(strlen(q) * 2 + 3), *o = p;

	*o++ = '%';
	for (; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

/* 1 for "YYYY-MM-DD" (a real date is left to PostgreSQL). */
static int
cases_date_ok(const char *s)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	}
	return s[10] == '\0';
}

/* ward, outcome, place, from, to: checked; *place is the place pattern. */
static int
cases_filters(struct http_req *req, struct store_case_query *q, char **place)
{
	const char *pl = http_req_query(req, "place");
	const char *from = http_req_query(req, "from");
	const char *to = http_req_query(req, "to");

	if ((q->ward_code != NULL && strlen(q->ward_code) > 40) ||
	    (q->outcome != NULL && strlen(q->outcome) > 40)) {
		api_error(req, 400, "invalid_value",
		    q->outcome != NULL && strlen(q->outcome) > 40 ? "outcome"
		                                                  : "ward",
		    "ward and outcome are codes of at most 40 characters");
		return -1;
	}
	if (q->ward_code != NULL && *q->ward_code == '\0')
		q->ward_code = NULL;
	if (q->outcome != NULL && *q->outcome == '\0')
		q->outcome = NULL;
	if ((from != NULL && *from != '\0' && !cases_date_ok(from)) ||
	    (to != NULL && *to != '\0' && !cases_date_ok(to))) {
		api_error(req, 400, "invalid_value",
		    from != NULL && *from != '\0' && !cases_date_ok(from)
		        ? "from"
		        : "to",
		    "from and to are dates, YYYY-MM-DD");
		return -1;
	}
	q->from = from != NULL && *from != '\0' ? from : NULL;
	q->to = to != NULL && *to != '\0' ? to : NULL;
	if (pl != NULL && *pl != '\0') {
		if (!utf8_valid(pl) || utf8_len(pl) > 200) {
			api_error(req, 400, "invalid_value", "place",
			    "place must be valid UTF-8 text of at most 200 "
			    "characters");
			return -1;
		}
		*place = cases_pattern(pl);
		q->place_like = *place;
	}
	return 0;
}

static void
ref_cases(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct store_case_query q = {0};
	const char *text = http_req_query(req, "q");
	const char *radius = http_req_query(req, "radius_m");
	const char *limit = http_req_query(req, "limit");
	double la, lo;
	char *like = NULL, *place = NULL;
	int has;

	if (text != NULL && *text != '\0') {
		if (!utf8_valid(text) || utf8_len(text) > 200) {
			api_error(req, 400, "invalid_value", "q",
			    "q must be valid UTF-8 text of at most 200 "
			    "characters");
			return;
		}
		like = cases_pattern(text);
	}
	q.like = like;
	q.category = http_req_query(req, "category");
	q.ward_code = http_req_query(req, "ward");
	q.outcome = http_req_query(req, "outcome");
	q.tz = app->cfg->timezone;
	if (cases_filters(req, &q, &place) != 0) {
		free(like);
		return;
	}
	if ((has = api_query_point(req, &lo, &la, &q.easting, &q.northing)) <
	    0) {
		free(like);
		free(place);
		return;
	}
	q.has_point = has;
	q.radius_m = radius != NULL ? atoi(radius) : 2000;
	q.limit = limit != NULL ? atoi(limit) : 50;
	if (q.radius_m < 1 || q.radius_m > 50000 || q.limit < 1 ||
	    q.limit > 500) {
		api_error(req, 400, "invalid_value",
		    q.limit < 1 || q.limit > 500 ? "limit" : "radius_m",
		    "radius_m must be 1..50000 and limit 1..500");
		free(like);
		free(place);
		return;
	}
	store_cases_search(
	    app->db, &q, api_reply_row_cb, api_reply_row_arg(req, "crew"));
	free(like);
	free(place);
}

const struct http_route api_reference_routes[] = {
    {"categories", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/categories", 0, 0, ref_categories, NULL},
    {"offices", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/offices",
        0, 0, ref_offices, NULL},
    {"crews", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/crews", 0,
        0, ref_crews, NULL},
    {"crews.patch", EVHTTP_REQ_PATCH | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_CREW),
        "/api/v1/crews/{}", 4096, 0, ref_crew_patch, NULL},
    {"cases", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/cases", 0,
        0, ref_cases, NULL},
    {0},
};
