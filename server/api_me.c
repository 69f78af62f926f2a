/*
 * GET /api/v1/me: who the presented token belongs to, so a script or the
 * console can check its token and learn its role before doing anything.
 */
#include <stdlib.h>

#include <event2/http.h>
#include <jansson.h>

#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "store_users.h"
#include "xmalloc.h"

/* Between authentication and the user's row. */
struct api_me {
	struct http_req *req;
	struct auth_user user;
};

static void
api_me_user_cb(struct db_result *r, void *arg)
{
	struct api_me *m = arg;
	struct http_req *req = m->req;
	struct store_user su;
	json_t *j;
	char *s;

	if (http_req_done(req))
		goto out;
	if (r->status != DB_OK) {
		log_warnx("event=me_lookup_failed status=%d error=%s",
		    (int)r->status, log_q(r->error));
		http_reply_error(req, 503, "unavailable",
		    "cannot read the user now; try again");
		goto out;
	}
	j = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)m->user.id, "name",
	    m->user.name, "role", role_name(m->user.role));
	/* The console reloads: its session's CSRF token comes from here. */
	if (m->user.session)
		json_object_set_new(j, "csrf", json_string(m->user.csrf));
	/* The row may be gone if the user changed since the token check. */
	if (store_users_row(r->res, 0, &su) == 0) {
		json_object_set_new(
		    j, "display_name", json_string(su.display_name));
		/* A crew user acts only on this crew's jobs. */
		if (su.crew_code != NULL)
			json_object_set_new(j, "crew",
			    json_pack("{s:I,s:s}", "id",
			        (json_int_t)m->user.crew_id, "code",
			        su.crew_code));
	}
	s = json_dumps(j, JSON_COMPACT);
	http_reply_text(req, 200, "application/json; charset=utf-8", s);
	free(s);
	json_decref(j);
out:
	free(m);
	http_req_unref(req);
}

/*
 * The token look-up keeps to the few columns every handler needs; the
 * display name is only wanted here, so it costs this route a second query.
 */
static void
api_me(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct auth_user *u = auth_user_of(req);
	struct api_me *m = xmalloc(sizeof *m);

	m->req = req;
	m->user = *u;
	http_req_ref(req);
	store_users_get(app->db, u->id, api_me_user_cb, m);
}

const struct http_route api_me_routes[] = {
    {"me", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/me", 0, 5000,
        api_me, NULL},
    {0},
};
