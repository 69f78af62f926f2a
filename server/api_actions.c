/*
 * POST /api/v1/requests/{id}/{action}: every change of a request's state.
 * The life cycle decides (lifecycle.c); the change is a compare-and-set on
 * the version read, so of two dispatchers assigning at once exactly one
 * wins and the other gets 409 with the state it lost to.
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
#include "lifecycle.h"
#include "field_limits.h"
#include "log.h"
#include "store_requests.h"
#include "xmalloc.h"

struct action {
	struct http_req *req;
	struct auth_user user;
	const struct lc_action *lc;
	unsigned fields; /* LC_F_* present in the body */
	long long id;
	json_t *body;
	long long crew_id, parent_id;
	int has_position;
	double lon, lat;
	char from[16];
};

static void
action_free(struct action *x)
{
	http_req_unref(x->req);
	json_decref(x->body);
	free(x);
}

static void
action_conflict_cb(struct db_result *r, void *arg)
{
	struct action *x = arg;
	json_t *st = r->status == DB_OK ? api_result_json(r) : NULL;
	const char *now =
	    st != NULL ? json_string_value(json_object_get(st, "state")) : NULL;

	/* Someone changed it between our read and our write. */
	api_error_extra(x->req, 409, "conflict", NULL,
	    now != NULL ? json_pack("{s:s}", "current_state", now) : NULL,
	    "the request was changed by someone else first; reload it");
	json_decref(st);
	action_free(x);
}

static void
action_done_cb(struct db_result *r, void *arg)
{
	struct action *x = arg;
	struct app *app = http_req_owner(x->req);
	json_t *j;

	if (r->status != DB_OK) {
		api_db_error(x->req, r, "request.transition");
		action_free(x);
		return;
	}
	if ((j = api_result_json(r)) == NULL) {
		store_request_state(
		    app->db, x->id, 0, 0, action_conflict_cb, x);
		return;
	}
	json_object_set_new(j, "id", json_integer(x->id));
	json_object_set_new(j, "from", json_string(x->from));
	json_object_set_new(j, "action", json_string(x->lc->name));
	api_reply(x->req, 200, j);
	action_free(x);
}

static json_t *
action_detail(struct action *x)
{
	static const char *const keep[] = {"reason", "outcome", "note", NULL};
	json_t *d = json_object(), *v;
	size_t i;

	for (i = 0; keep[i] != NULL; i++) {
		if ((v = json_object_get(x->body, keep[i])) != NULL &&
		    json_is_string(v))
			json_object_set(d, keep[i], v);
	}
	if (x->parent_id > 0)
		json_object_set_new(d, "parent_id", json_integer(x->parent_id));
	return d;
}

/* The verdict as the API answers it, with the state it was judged in. */
static void
action_refuse(
    struct http_req *req, const struct lc_verdict *v, const char *state)
{
	if (v->kind == LC_WRONG_STATE)
		api_error_extra(req, v->http_status, v->code, NULL,
		    json_pack("{s:s}", "current_state", state), "%s",
		    v->message);
	else
		api_error(
		    req, v->http_status, v->code, v->field, "%s", v->message);
}

/*
 * A crew user records steps only on its own crew's jobs (staff may for
 * any crew: they take reports by phone). Answers 403 and returns 1 when
 * refused. The crew holding the job is read with the state, so the check
 * and the compare-and-set on version see the same row.
 */
static int
action_crew_refused(struct action *x, const json_t *st)
{
	long long held = json_integer_value(json_object_get(st, "crew_id"));

	if (auth_may_act_for_crew(&x->user, held) &&
	    (x->crew_id == 0 || auth_may_act_for_crew(&x->user, x->crew_id)))
		return 0;
	log_info("event=auth_denied status=403 reason=other_crew user_id=%lld "
	         "request_id=%lld",
	    x->user.id, x->id);
	if (x->user.crew_id == 0)
		api_error(x->req, 403, "no_crew", NULL,
		    "your user belongs to no crew, so it may not %s a request; "
		    "an administrator binds it with: patrolctl user crew NAME "
		    "--crew CODE",
		    x->lc->name);
	else
		api_error(x->req, 403, "not_your_crew", NULL,
		    "request %lld is not your crew's job: a crew user may %s "
		    "only its own crew's requests",
		    x->id, x->lc->name);
	return 1;
}

/*
 * The crew an assigning step names: it exists and has one of the skills
 * the category needs. Answers and returns 1 when refused.
 */
static int
action_crew_invalid(struct action *x, const json_t *st)
{
	json_t *crew = json_object_get(st, "crew");

	if (!(x->lc->needs & LC_F_CREW))
		return 0;
	if (json_is_null(crew)) {
		api_error(x->req, 404, "unknown_crew", "crew_id",
		    "no such crew: %lld", x->crew_id);
		return 1;
	}
	if (!json_is_true(json_object_get(crew, "skilled"))) {
		api_error(x->req, 422, "crew_lacks_skill", "crew_id",
		    "crew %s has none of the skills this category needs",
		    json_string_value(json_object_get(crew, "code")));
		return 1;
	}
	return 0;
}

/* A merge's parent: another request, still open. 1 when refused. */
static int
action_parent_invalid(struct action *x, const json_t *st)
{
	json_t *parent = json_object_get(st, "parent");
	const char *ps;
	enum lc_state pst;

	if (!(x->lc->needs & LC_F_PARENT))
		return 0;
	ps = json_string_value(json_object_get(parent, "state"));
	if (json_is_null(parent) || parent == NULL) {
		api_error(x->req, 404, "unknown_parent", "parent_id",
		    "no such request: %lld", x->parent_id);
		return 1;
	}
	if (x->parent_id == x->id || ps == NULL ||
	    lifecycle_state_parse(ps, &pst) != 0 || !lifecycle_is_open(pst)) {
		api_error(x->req, 422, "invalid_parent", "parent_id",
		    "a request merges only into another open request");
		return 1;
	}
	return 0;
}

/* A closing step's outcome: one of the category's. 1 when refused. */
static int
action_outcome_invalid(struct action *x, const json_t *st, const char *outcome)
{
	json_t *outcomes = json_object_get(st, "outcomes"), *o;
	size_t i;
	int ok = 0;

	if (!(x->lc->needs & LC_F_OUTCOME))
		return 0;
	json_array_foreach(outcomes, i, o)
	{
		if (outcome != NULL &&
		    strcmp(json_string_value(o), outcome) == 0)
			ok = 1;
	}
	if (!ok) {
		api_error(x->req, 422, "invalid_outcome", "outcome",
		    "outcome must be one of this category's outcomes");
		return 1;
	}
	return 0;
}

/* The judged step, as a compare-and-set on the version read (st). */
static void
action_transition(
    struct app *app, struct action *x, const json_t *st, const char *outcome)
{
	struct store_transition t = {0};
	json_t *detail;
	char *detail_s;

	t.id = x->id;
	t.version = (int)json_integer_value(json_object_get(st, "version"));
	t.action = x->lc->name;
	t.actor = x->user.name;
	t.crew_id = (x->lc->needs & LC_F_CREW) ? x->crew_id : 0;
	/* Whether the crew stays is the life cycle's (clears_crew). */
	t.event_crew_id = t.crew_id > 0
	    ? t.crew_id
	    : json_integer_value(json_object_get(st, "crew_id"));
	t.outcome = outcome;
	t.parent_id = x->parent_id;
	t.has_position = x->has_position;
	t.lon = x->lon;
	t.lat = x->lat;
	detail = action_detail(x);
	detail_s = json_dumps(detail, JSON_COMPACT);
	t.detail_json = detail_s;
	store_request_transition(app->db, &t, action_done_cb, x);
	free(detail_s);
	json_decref(detail);
}

/* The request's state and references are read: judge the step, then run it. */
static void
action_state_cb(struct db_result *r, void *arg)
{
	struct action *x = arg;
	struct lc_verdict v;
	enum lc_state from;
	const char *outcome, *state;
	json_t *st;

	if ((st = api_result_row(x->req, r, "request.state", "request")) ==
	    NULL)
		goto out;
	state = json_string_value(json_object_get(st, "state"));
	if (state == NULL || lifecycle_state_parse(state, &from) != 0) {
		api_error(x->req, 500, "internal", NULL, "unknown state");
		goto refused;
	}
	if (action_crew_refused(x, st))
		goto refused;
	snprintf(x->from, sizeof x->from, "%s", state);
	if (lifecycle_check(
	        x->lc->name, from, (int)x->user.role, x->fields, &v) != 0) {
		action_refuse(x->req, &v, state);
		goto refused;
	}
	outcome = json_string_value(json_object_get(x->body, "outcome"));
	if (action_crew_invalid(x, st) || action_parent_invalid(x, st) ||
	    action_outcome_invalid(x, st, outcome))
		goto refused;
	action_transition(http_req_owner(x->req), x, st, outcome);
	json_decref(st);
	return;
refused:
	json_decref(st);
out:
	action_free(x);
}

/*
 * The life-cycle fields present in the body (LC_F_*). Other keys are
 * refused by api_only_keys(); which of these the action takes is
 * lifecycle_check()'s.
 */
static unsigned
action_fields(const json_t *body)
{
	static const unsigned bits[] = {
	    LC_F_CREW, LC_F_REASON, LC_F_OUTCOME, LC_F_PARENT, LC_F_NOTE};
	unsigned f = 0;
	size_t i;

	for (i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		if (json_object_get(body, lifecycle_field_name(bits[i])) !=
		    NULL)
			f |= bits[i];
	}
	if (json_object_get(body, "lat") != NULL ||
	    json_object_get(body, "lon") != NULL)
		f |= LC_F_POSITION;
	return f;
}

static void
action_auth_cb(struct http_req *req, const struct auth_user *user, void *arg)
{
	struct app *app = http_req_owner(req);
	static const char *const keys[] = {"crew_id", "reason", "outcome",
	    "parent_id", "note", "lat", "lon", NULL};
	struct action *x = xcalloc(1, sizeof *x);
	struct lc_verdict v;
	const char *s;
	double e, n;
	int has_lat, has_lon, has;

	(void)arg;
	x->req = req;
	http_req_ref(req);
	x->user = *user;
	/* actions_post checked the action before authenticating. */
	x->lc = lifecycle_action_find(http_req_param(req, 1));
	if (api_path_id(req, 0, &x->id) != 0)
		goto fail;
	/* Not this role's: refused before the body is read. */
	if ((x->lc->roles & (int)user->role) == 0 &&
	    lifecycle_check(
	        x->lc->name, LC_ANY_STATE, (int)user->role, 0, &v) != 0) {
		action_refuse(req, &v, NULL);
		goto fail;
	}
	if ((x->body = api_body(req)) == NULL ||
	    api_only_keys(req, x->body, keys) != 0)
		goto fail;
	x->fields = action_fields(x->body);
	/* Role, then fields the action refuses or needs: the state later. */
	if (lifecycle_check(x->lc->name, LC_ANY_STATE, (int)user->role,
	        x->fields, &v) != 0) {
		action_refuse(req, &v, NULL);
		goto fail;
	}
	if (api_str(req, x->body, "reason", x->lc->needs & LC_F_REASON,
	        LIMIT_REASON, &s) != 0 ||
	    api_str(req, x->body, "outcome", x->lc->needs & LC_F_OUTCOME,
	        LIMIT_OUTCOME, &s) != 0 ||
	    api_str(req, x->body, "note", 0, LIMIT_NOTE, &s) != 0 ||
	    api_id(req, x->body, "crew_id", x->lc->needs & LC_F_CREW,
	        &x->crew_id) != 0 ||
	    api_id(req, x->body, "parent_id", x->lc->needs & LC_F_PARENT,
	        &x->parent_id) != 0 ||
	    api_num(req, x->body, "lat", 0, &x->lat, &has_lat) != 0 ||
	    api_num(req, x->body, "lon", 0, &x->lon, &has_lon) != 0)
		goto fail;
	if ((has = api_body_point(
	         req, has_lat, has_lon, x->lon, x->lat, &e, &n)) < 0)
		goto fail;
	x->has_position = has;
	store_request_state(
	    app->db, x->id, x->crew_id, x->parent_id, action_state_cb, x);
	return;
fail:
	action_free(x);
}

static void
actions_post(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct lc_action *lc =
	    lifecycle_action_find(http_req_param(req, 1));
	long long id;

	if (api_path_id(req, 0, &id) != 0)
		return;
	/*
	 * Escalation and receipts are the system's alone (no roles); a
	 * hand-over has its own route (api_handover.c).
	 */
	if (lc == NULL || lc->roles == 0 || (lc->needs & LC_F_RECIPIENT)) {
		api_error(req, 404, "unknown_action", NULL,
		    "no such action: %s", http_req_param(req, 1));
		return;
	}
	auth_require(app, req, AUTH_ANY, action_auth_cb, NULL);
}

static const char *const callback_keys[] = {
    "at", "done", "note", "result", NULL};
static const char *const callback_results[] = {
    "answered", "no_answer", "explained", "not_needed", NULL};

static void
callback_post(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct auth_user *user = auth_user_of(req);
	struct store_callback c = {0};
	json_t *body, *done;

	if (api_path_id(req, 0, &c.id) != 0 || (body = api_body(req)) == NULL)
		return;
	done = json_object_get(body, "done");
	if (api_only_keys(req, body, callback_keys) != 0 ||
	    api_str(req, body, "at", 0, 40, &c.at) != 0 ||
	    api_str(req, body, "note", 0, LIMIT_NOTE, &c.note) != 0 ||
	    api_str(req, body, "result", 0, 20, &c.result) != 0)
		goto out;
	if (done != NULL && !json_is_boolean(done)) {
		api_error(req, 422, "wrong_type", "done",
		    "done must be true or false");
		goto out;
	}
	if (api_one_of(req, "result", c.result, callback_results,
	        "result must be answered, no_answer, explained or "
	        "not_needed") != 0)
		goto out;
	if (c.result != NULL) {
		if (json_is_true(done)) {
			api_error(req, 422, "invalid_value", "done",
			    "give a result or done, not both");
			goto out;
		}
		/* Only no_answer takes a time: when to try again. */
		if (c.at != NULL && strcmp(c.result, "no_answer") != 0) {
			api_error(req, 422, "invalid_value", "at",
			    "at goes with result no_answer (the next attempt) "
			    "or alone (a promised time)");
			goto out;
		}
	}
	if (c.at == NULL && !json_is_true(done) && c.result == NULL) {
		api_error(req, 422, "missing_field", "result",
		    "give a result (answered, no_answer, explained, "
		    "not_needed), a promised call-back time (at) or done: "
		    "true");
		goto out;
	}
	if (c.at != NULL && !api_is_iso8601(c.at)) {
		api_error(req, 422, "invalid_time", "at",
		    "at must be an ISO 8601 time with a zone");
		goto out;
	}
	c.actor = user->name;
	c.done = json_is_true(done);
	c.retry_minutes = app->cfg->callback_retry_minutes;
	store_request_callback(
	    app->db, &c, api_reply_row_cb, api_reply_row_arg(req, "request"));
out:
	json_decref(body);
}

/*
 * GET /api/v1/lifecycle: lifecycle.c's table, for the console (which
 * buttons a request shows) and anyone else who must not keep a copy.
 */
static void
lifecycle_get(struct http_req *req)
{
	api_reply(req, 200, lifecycle_json(role_name));
}

const struct http_route api_actions_routes[] = {
    {"lifecycle", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/lifecycle", 0, 0, lifecycle_get, NULL},
    {"requests.callback",
        EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_PERSONAL_DATA),
        "/api/v1/requests/{}/callback", 16 * 1024, 0, callback_post, NULL},
    {"requests.action", EVHTTP_REQ_POST, "/api/v1/requests/{}/{}", 16 * 1024, 0,
        actions_post, NULL},
    {0},
};
