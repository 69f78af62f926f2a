/*
 * The crews' day (issue 15): GET /api/v1/crews/{id}/plan orders a crew's
 * open jobs with arrival and finish times (server/plan.c) and stores each
 * job's expected arrival window, which Open311 gives as expected_datetime;
 * POST /api/v1/crews/{id}/plan/pin fixes a job's place in the order.
 * Distances: straight line in the projected CRS x the detour factor.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "geo.h"
#include "http.h"
#include "log.h"
#include "plan.h"
#include "store_plan.h"
#include "xmalloc.h"

static struct app *plan_app;

static json_t *
plan_time(double now, double minutes)
{
	char buf[32];
	time_t t = (time_t)llround(now + minutes * 60);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static void
plan_reason(json_t *a, const char *code, const char *ja, const char *en)
{
	json_array_append_new(a,
	    json_pack(
	        "{s:s,s:s,s:s}", "code", code, "text_ja", ja, "text", en));
}

/* The reasons a dispatcher reads beside each stop, Japanese first. */
static json_t *
plan_reasons(const struct plan_job *j)
{
	json_t *a = json_array();
	char ja[200], en[200];

	if (j->fixed == PLAN_ON_SITE)
		plan_reason(a, "on_site", "現場で作業中", "on site now");
	else if (j->fixed == PLAN_EN_ROUTE)
		plan_reason(a, "en_route", "移動中", "on its way");
	else if (j->fixed == PLAN_PINNED) {
		snprintf(ja, sizeof ja, "指令員が%d番目に固定", j->pin);
		snprintf(en, sizeof en, "pinned at place %d by a dispatcher",
		    j->pin);
		plan_reason(a, "pinned", ja, en);
	}
	if (j->start > j->arrive + 0.5) {
		snprintf(ja, sizeof ja, "住民の都合の時間まで%ld分待ち",
		    lround(j->start - j->arrive));
		snprintf(en, sizeof en,
		    "waits %ld min for the resident's window",
		    lround(j->start - j->arrive));
		plan_reason(a, "waits", ja, en);
	}
	if (j->window_to < 1e8 && j->arrive > j->window_to + 0.5) {
		snprintf(ja, sizeof ja,
		    "約束の時間帯に%ld分遅れる見込み（先に%d件、移動%ld分）",
		    lround(j->arrive - j->window_to), j->order - 1,
		    lround(j->travel));
		snprintf(en, sizeof en,
		    "promised window missed by about %ld min (%d job(s) "
		    "first, %ld min travel)",
		    lround(j->arrive - j->window_to), j->order - 1,
		    lround(j->travel));
		plan_reason(a, "window_late", ja, en);
	} else if (j->window_to < 1e8) {
		plan_reason(a, "window_kept", "約束の時間帯に間に合う",
		    "within the promised window");
	}
	if (j->due_is_make_safe && j->late > 0.5) {
		snprintf(ja, sizeof ja,
		    "安全確保の期限に%ld分遅れる見込み（先に%d件）",
		    lround(j->late), j->order - 1);
		snprintf(en, sizeof en,
		    "make-safe deadline missed by about %ld min (%d job(s) "
		    "first)",
		    lround(j->late), j->order - 1);
		plan_reason(a, "make_safe_late", ja, en);
	}
	if (j->after_shift)
		plan_reason(a, "after_shift", "勤務終了後になる（残業）",
		    "after the shift ends (overtime)");
	return a;
}

static void
plan_expected_cb(struct db_result *r, void *arg)
{
	(void)arg;
	if (r->status != DB_OK)
		log_warnx("plan expected=store_failed error=\"%s\"",
		    r->error != NULL ? r->error : "");
}

static double
plan_num(json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

static void
plan_input_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *a = plan_app;
	struct rank_params p = {a->cfg->speed_kmh, a->cfg->detour_pct / 100.0};
	json_t *j, *crew, *pos, *jobs, *job, *stops, *exp, *o;
	struct plan_job *pj;
	double now, e, n, shift_end, ms, to;
	const char *state;
	char *cause, *text;
	size_t i, nj = 0;

	if (r->status != DB_OK) {
		api_db_error(req, r, "plan");
		goto out;
	}
	if ((j = api_result_json(r)) == NULL) {
		api_error(req, 404, "not_found", NULL, "no such crew");
		goto out;
	}
	now = plan_num(j, "now", 0);
	crew = json_object_get(j, "crew");
	pos = json_object_get(json_object_get(crew, "day"), "position");
	if (geo_to_plane(plan_num(pos, "lon", 0), plan_num(pos, "lat", 0), &e,
	        &n, &cause) != 0) {
		free(cause);
		e = n = 0;
	}
	shift_end = plan_num(crew, "shift_end_min", 1e6);
	jobs = json_object_get(j, "jobs");
	pj = xcalloc(json_array_size(jobs) + 1, sizeof *pj);
	json_array_foreach(jobs, i, job)
	{
		struct plan_job *q = &pj[nj];

		if (geo_to_plane(plan_num(job, "lon", 0),
		        plan_num(job, "lat", 0), &q->e, &q->n, &cause) != 0) {
			free(cause);
			continue;
		}
		q->id = json_integer_value(json_object_get(job, "id"));
		q->work = plan_num(job, "work_min", 45);
		q->ready = fmax(plan_num(job, "from_min", 0), 0);
		q->priority = (int)plan_num(job, "priority", 3);
		to = plan_num(job, "to_min", 1e9);
		ms = plan_num(job, "make_safe_min", 1e9);
		q->due = to;
		q->window_to = to;
		if (ms < to) {
			q->due = ms;
			q->due_is_make_safe = 1;
		}
		state = json_string_value(json_object_get(job, "state"));
		q->fixed = PLAN_FREE;
		q->pin = (int)plan_num(job, "pin", 0);
		if (state != NULL && strcmp(state, "on_site") == 0)
			q->fixed = PLAN_ON_SITE;
		else if (state != NULL && strcmp(state, "en_route") == 0)
			q->fixed = PLAN_EN_ROUTE;
		else if (q->pin > 0)
			q->fixed = PLAN_PINNED;
		nj++;
	}
	plan_crew_day(e, n, shift_end, pj, (int)nj, &p);
	stops = json_array();
	exp = json_array();
	for (i = 0; i < nj; i++) {
		struct plan_job *q = &pj[i];
		json_t *src = NULL;
		size_t k;
		/* The window told to residents widens with the wait. */
		double slack = fmax(15, q->arrive * 0.25);

		json_array_foreach(jobs, k, job)
		{
			if (json_integer_value(json_object_get(job, "id")) ==
			    q->id)
				src = job;
		}
		o = json_pack("{s:I,s:i,s:O,s:O,s:O,s:O,s:o,s:o,s:o,s:o,s:o,"
		              "s:f,s:f,s:b,s:f,s:b,s:o}",
		    "request_id", q->id, "order", q->order, "state",
		    json_object_get(src, "state"), "category",
		    json_object_get(src, "category"), "name_ja",
		    json_object_get(src, "name_ja"), "name_en",
		    json_object_get(src, "name_en"), "arrive_at",
		    plan_time(now, q->arrive), "start_at",
		    plan_time(now, q->start), "finish_at",
		    plan_time(now, q->finish), "expected_from",
		    plan_time(now, q->arrive), "expected_to",
		    plan_time(now, q->arrive + slack), "travel_minutes",
		    round(q->travel * 10) / 10, "work_minutes", round(q->work),
		    "pinned", q->fixed == PLAN_PINNED, "late_minutes",
		    round(q->late), "after_shift", q->after_shift, "reasons",
		    plan_reasons(q));
		json_object_set_new(o, "window_to",
		    q->window_to < 1e8 ? plan_time(now, q->window_to)
		                       : json_null());
		json_array_append_new(stops, o);
		json_array_append_new(exp,
		    json_pack("{s:I,s:f,s:f}", "id", q->id, "from",
		        now + q->arrive * 60, "to",
		        now + (q->arrive + slack) * 60));
	}
	text = json_dumps(exp, JSON_COMPACT);
	store_plan_expected(a->db, text, plan_expected_cb, NULL);
	free(text);
	json_decref(exp);
	api_reply(req, 200,
	    json_pack("{s:O,s:O,s:O,s:O,s:o,s:s,s:f,s:i,s:o}", "crew_id",
	        json_object_get(crew, "id"), "code",
	        json_object_get(crew, "code"), "name",
	        json_object_get(crew, "name"), "day",
	        json_object_get(crew, "day"), "computed_at", plan_time(now, 0),
	        "distances", "straight_line_x_detour", "detour", p.detour,
	        "speed_kmh", (int)p.speed_kmh, "stops", stops));
	free(pj);
	json_decref(j);
out:
	http_req_unref(req);
}

static void
plan_auth_cb(struct http_req *req, const struct auth_user *user, void *arg)
{
	long long id;

	(void)user;
	(void)arg;
	if (api_path_id(req, 0, &id) != 0)
		return;
	http_req_ref(req);
	store_plan_input(plan_app->db, id, plan_input_cb, req);
}

static void
plan_get(struct http_req *req)
{
	auth_require(
	    plan_app, req, AUTH_STAFF | AUTH_VIEWER, plan_auth_cb, NULL);
}

static void
plan_pin_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;

	api_reply_row(req, r, "open job of this crew");
	http_req_unref(req);
}

static void
plan_pin_auth_cb(struct http_req *req, const struct auth_user *user, void *arg)
{
	static const char *const keys[] = {"request_id", "position", NULL};
	long long crew, rid;
	double position;
	int present;
	char buf[16];
	json_t *body;

	(void)user;
	(void)arg;
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
	http_req_ref(req);
	store_plan_pin(
	    plan_app->db, crew, rid, present ? buf : NULL, plan_pin_cb, req);
}

static void
plan_pin(struct http_req *req)
{
	auth_require(plan_app, req, AUTH_STAFF, plan_pin_auth_cb, NULL);
}

static const struct http_route plan_routes[] = {
    {"crews.plan", EVHTTP_REQ_GET, "/api/v1/crews/{}/plan", 0, 0, plan_get,
        NULL},
    {"crews.plan.pin", EVHTTP_REQ_POST, "/api/v1/crews/{}/plan/pin", 1024, 0,
        plan_pin, NULL},
};

void
api_plan_register(struct app *a)
{
	plan_app = a;
	http_add_routes(
	    a->http, plan_routes, sizeof plan_routes / sizeof plan_routes[0]);
}
