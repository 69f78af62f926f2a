/*
 * The crews' handhelds for the console: GET /api/v1/devices lists them,
 * POST /api/v1/devices/enroll gives a one-time code for a crew (shown
 * once; only its hash is kept), POST /api/v1/devices/{id}/revoke makes the
 * device's next sync answer 401, after which it wipes callers' data.
 * The same store functions serve `patrolctl device`.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "store_result.h"
#include "store_sync.h"
#include "sync.h"
#include "xmalloc.h"

#define DEVICES_CODE_TTL_MIN 15

static void
devices_list_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct store_device d;
	json_t *out;
	int i;

	if (r->status != DB_OK) {
		api_db_error(req, r, "devices.list");
		goto out;
	}
	out = json_array();
	for (i = 0; store_devices_row(r->res, i, &d); i++) {
		json_array_append_new(out,
		    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
		        (json_int_t)d.id, "crew", d.crew, "label", d.label,
		        "agent_version", d.agent_version, "enrolled_at",
		        d.enrolled_at, "last_sync_at", d.last_sync_at, "state",
		        d.state));
	}
	api_reply(req, 200, out);
out:
	http_req_unref(req);
}

static void
devices_list(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	http_req_ref(req);
	store_devices_list_q(
	    app->db, http_req_query(req, "crew"), devices_list_cb, req);
}

struct enroll {
	struct http_req *req;
	char code[SYNC_CODE_LEN + 2];
	char crew[48];
};

static void
devices_enroll_cb(struct db_result *r, void *arg)
{
	struct enroll *e = arg;
	const char *expires = store_result_text(r->res);

	if (r->status != DB_OK)
		api_db_error(e->req, r, "devices.enroll");
	else if (expires == NULL)
		api_error(
		    e->req, 404, "unknown_crew", "crew", "no crew %s", e->crew);
	else
		api_reply(e->req, 201,
		    json_pack("{s:s,s:s,s:s}", "crew", e->crew, "code", e->code,
		        "expires_at", expires));
	http_req_unref(e->req);
	free(e);
}

static const char *const enroll_keys[] = {"crew", NULL};

static void
devices_enroll(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct app *app = http_req_owner(req);
	char canon[SYNC_CODE_LEN + 1], hash[65];
	const char *crew;
	struct enroll *e;
	json_t *body;

	if ((body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, enroll_keys) != 0 ||
	    api_str(req, body, "crew", 1, 40, &crew) != 0) {
		json_decref(body);
		return;
	}
	e = xcalloc(1, sizeof *e);
	snprintf(e->crew, sizeof e->crew, "%s", crew);
	json_decref(body);
	sync_code_new(e->code);
	if (sync_code_normalize(e->code, canon) != 0) {
		api_error(req, 500, "internal", NULL, "cannot make a code");
		free(e);
		return;
	}
	auth_token_hash(canon, hash);
	e->req = req;
	http_req_ref(req);
	store_devices_enroll_q(app->db, e->crew, hash, DEVICES_CODE_TTL_MIN,
	    user->name, devices_enroll_cb, e);
}

static void
devices_revoke_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;

	if (r->status != DB_OK)
		api_db_error(req, r, "devices.revoke");
	else if (store_result_ll(r->res, 0) == 0)
		api_error(req, 404, "not_found", NULL,
		    "no such device, or it is already revoked");
	else
		api_reply(req, 200, json_pack("{s:b}", "revoked", 1));
	http_req_unref(req);
}

static void
devices_revoke(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct app *app = http_req_owner(req);
	long long id;

	if (api_path_id(req, 0, &id) != 0)
		return;
	http_req_ref(req);
	store_devices_revoke_q(
	    app->db, id, NULL, user->name, devices_revoke_cb, req);
}

const struct http_route api_devices_routes[] = {
    {"devices.list", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_STAFF),
        "/api/v1/devices", 0, 0, devices_list, NULL},
    {"devices.enroll",
        EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_SUPERVISOR | AUTH_ADMIN),
        "/api/v1/devices/enroll", 4096, 0, devices_enroll, NULL},
    {"devices.revoke",
        EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_SUPERVISOR | AUTH_ADMIN),
        "/api/v1/devices/{}/revoke", 4096, 0, devices_revoke, NULL},
    {0},
};
