/*
 * GET /api/v1/openapi.yaml: the OpenAPI document of the JSON API, read
 * from the file named by api_doc on every request. It describes the API
 * and holds no data, so it needs no token: a client can learn how to
 * authenticate before it has a token. Read each time, not cached, so an
 * edited document is served without a restart.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api_routes.h"
#include "app.h"
#include "config.h"
#include "http.h"
#include "log.h"

/* Far above any real document: a wrong api_doc must not be streamed. */
#define OPENAPI_MAX_FILE (4 << 20)

static void
api_openapi_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const char *path = app->cfg->api_doc;

	if (http_reply_file(req, path, "application/yaml; charset=utf-8",
	        OPENAPI_MAX_FILE) != 0) {
		/* A deployment problem, not the client's: say so in the log. */
		log_warnx("event=openapi_unreadable file=%s", log_q(path));
		http_reply_error(
		    req, 404, "not_found", "the API document is not installed");
	}
}

const struct http_route api_openapi_routes[] = {
    {"openapi", EVHTTP_REQ_GET, "/api/v1/openapi.yaml", 0, 5000,
        api_openapi_get, NULL},
    {0},
};
