/*
 * GET /api/v1/users: the users and their roles, for the console's users
 * screen (admin only). Never a password hash; whether one is set, and
 * when the user last logged in to the console.
 */
#include <event2/http.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "store_users.h"

static void
users_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	store_users_list_json(
	    app->db, api_reply_row_cb, api_reply_row_arg(req, "user"));
}

const struct http_route api_users_routes[] = {
    {"users.list", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ADMIN),
        "/api/v1/users", 0, 5000, users_get, NULL},
    {0},
};
