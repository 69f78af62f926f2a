/*
 * The dispatcher's workflow, part two (issue 16):
 * POST /api/v1/requests/{id}/callers adds a caller to an existing request
 * (the duplicate warning's 「この案件に通報者を追加」: no new request);
 * POST /api/v1/requests/{id}/survey records a petition's site survey;
 * PUT /api/v1/categories/{code}/script sets what to tell its callers;
 * GET /api/v1/glossary is the one table of shared terms (glossary.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "field_limits.h"
#include "glossary.h"
#include "http.h"
#include "store_requests.h"
#include "store_result.h"
#include "store_workflow.h"
#include "xmalloc.h"

static void
wf_reply_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	json_t *j;

	if (r->status != DB_OK)
		api_db_error(req, r, "workflow");
	else if ((j = api_result_json(r)) == NULL)
		api_error(req, 409, "not_open", NULL,
		    "the request is not open (or does not exist): nothing "
		    "was added");
	else if (json_object_get(j, "bad_photo") != NULL) {
		api_error(req, 422, "unknown_photo", "photos",
		    "photo %s is not one of this request's (upload it to "
		    "/api/v1/requests/{id}/photos first)",
		    json_string_value(json_object_get(j, "bad_photo")));
		json_decref(j);
	} else
		api_reply(req, 200, j);
	http_req_unref(req);
}

static const char *const caller_keys[] = {
    "caller", "note", "callback_at", NULL};
static const char *const caller_fields[] = {"name", "phone", "address", NULL};

static void
caller_post(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct app *app = http_req_owner(req);
	struct store_caller_add c = {0};
	json_t *body, *caller;

	if (api_path_id(req, 0, &c.id) != 0 || (body = api_body(req)) == NULL)
		return;
	caller = json_object_get(body, "caller");
	if (api_only_keys(req, body, caller_keys) != 0 ||
	    api_str(req, body, "note", 0, LIMIT_NOTE, &c.note) != 0 ||
	    api_str(req, body, "callback_at", 0, 40, &c.callback_at) != 0)
		goto out;
	if (!json_is_object(caller)) {
		api_error(req, 422, "missing_field", "caller",
		    "caller must be an object with name, phone or address");
		goto out;
	}
	if (api_only_keys(req, caller, caller_fields) != 0 ||
	    api_str(req, caller, "name", 0, LIMIT_CALLER_NAME, &c.name) != 0 ||
	    api_str(req, caller, "phone", 0, LIMIT_PHONE, &c.phone) != 0 ||
	    api_str(req, caller, "address", 0, LIMIT_ADDRESS, &c.address) != 0)
		goto out;
	if (c.name == NULL && c.phone == NULL && c.address == NULL) {
		api_error(req, 422, "missing_field", "caller",
		    "give the caller's name, phone or address");
		goto out;
	}
	if (c.callback_at != NULL && !api_is_iso8601(c.callback_at)) {
		api_error(req, 422, "invalid_time", "callback_at",
		    "callback_at must be an ISO 8601 time with a zone");
		goto out;
	}
	c.actor = user->name;
	http_req_ref(req);
	store_caller_add(app->db, &c, wf_reply_cb, req);
out:
	json_decref(body);
}

static const char *const survey_keys[] = {
    "findings", "proposed_action", "photos", NULL};

static void
survey_reply_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;

	if (r->status == DB_OK && store_result_rows(r->res) == 0) {
		api_error(req, 409, "no_survey", NULL,
		    "no survey is waiting on this request (only petitions "
		    "get one, and it is recorded once)");
		http_req_unref(req);
		return;
	}
	wf_reply_cb(r, arg);
}

/* A crew user's survey, waiting for the request's crew to be checked. */
struct survey_bound {
	struct http_req *req;
	struct auth_user user;
	struct store_survey s;
	char *findings, *action;
};

static void
survey_crew_cb(struct db_result *r, void *arg)
{
	struct survey_bound *sb = arg;
	struct app *app = http_req_owner(sb->req);
	long long crew_id;
	char what[40];

	if (http_req_done(sb->req))
		http_req_unref(sb->req);
	else if (r->status != DB_OK ||
	    !store_request_crew_row(r->res, &crew_id)) {
		api_reply_row(sb->req, r, "request");
		http_req_unref(sb->req);
	} else {
		snprintf(what, sizeof what, "request %lld", sb->s.id);
		if (api_crew_refused(sb->req, &sb->user, crew_id, what))
			http_req_unref(sb->req);
		else
			store_survey_record(
			    app->db, &sb->s, survey_reply_cb, sb->req);
	}
	free(sb->findings);
	free(sb->action);
	free((char *)sb->s.photos_json);
	free(sb);
}

static void
survey_post(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct app *app = http_req_owner(req);
	struct store_survey s = {0};
	struct survey_bound *sb;
	json_t *body, *photos, *v;
	char *pj = NULL;
	size_t i;

	if (api_path_id(req, 0, &s.id) != 0 || (body = api_body(req)) == NULL)
		return;
	photos = json_object_get(body, "photos");
	if (api_only_keys(req, body, survey_keys) != 0 ||
	    api_str(req, body, "findings", 1, 4000, &s.findings) != 0 ||
	    api_str(
	        req, body, "proposed_action", 0, 2000, &s.proposed_action) != 0)
		goto out;
	if (photos != NULL) {
		if (!json_is_array(photos) || json_array_size(photos) > 20) {
			api_error(req, 422, "wrong_type", "photos",
			    "photos must be a list of up to 20 SHA-256 names");
			goto out;
		}
		json_array_foreach(photos, i, v)
		{
			const char *h = json_string_value(v);

			if (h == NULL || strlen(h) != 64 ||
			    strspn(h, "0123456789abcdef") != 64) {
				api_error(req, 422, "invalid_value", "photos",
				    "photos[%zu] is not a SHA-256 in hex", i);
				goto out;
			}
		}
		pj = json_dumps(photos, JSON_COMPACT);
	}
	s.actor = user->name;
	s.photos_json = pj;
	http_req_ref(req);
	if (user->role & AUTH_STAFF)
		store_survey_record(app->db, &s, survey_reply_cb, req);
	else {
		/* A crew user surveys only its own crew's requests. */
		sb = xcalloc(1, sizeof *sb);
		sb->req = req;
		sb->user = *user;
		sb->s.id = s.id;
		sb->s.actor = sb->user.name;
		sb->s.findings = sb->findings = xstrdup(s.findings);
		if (s.proposed_action != NULL)
			sb->s.proposed_action = sb->action =
			    xstrdup(s.proposed_action);
		sb->s.photos_json = pj;
		pj = NULL;
		store_request_crew(app->db, s.id, survey_crew_cb, sb);
	}
out:
	free(pj);
	json_decref(body);
}

static const char *const script_keys[] = {"script_ja", "script_en", NULL};

static void
script_put(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const char *ja, *en;
	json_t *body;

	if ((body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, script_keys) != 0 ||
	    api_str(req, body, "script_ja", 0, 2000, &ja) != 0 ||
	    api_str(req, body, "script_en", 0, 2000, &en) != 0)
		goto out;
	if (ja == NULL && en == NULL) {
		api_error(req, 422, "missing_field", "script_ja",
		    "give script_ja, script_en or both");
		goto out;
	}
	store_category_script_set(app->db, http_req_param(req, 0), ja, en,
	    api_reply_row_cb, api_reply_row_arg(req, "category"));
out:
	json_decref(body);
}

static void
glossary_get(struct http_req *req)
{
	api_reply(req, 200, glossary_json());
}

const struct http_route api_workflow_routes[] = {
    {"glossary", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/glossary", 0, 0, glossary_get, NULL},
    {"requests.callers", EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_PERSONAL_DATA),
        "/api/v1/requests/{}/callers", 16 * 1024, 0, caller_post, NULL},
    {"requests.survey",
        EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_CREW),
        "/api/v1/requests/{}/survey", 16 * 1024, 0, survey_post, NULL},
    {"categories.script", EVHTTP_REQ_PUT | HTTP_ROUTE_ROLES(AUTH_ADMIN),
        "/api/v1/categories/{}/script", 8 * 1024, 0, script_put, NULL},
    {0},
};
