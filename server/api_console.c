/*
 * GET /api/v1/config: what the browser console needs to know about this
 * server before anyone logs in: the map tiles and their credit, the
 * service area to centre on, the duplicate radius, and the longest text
 * each field takes (field_limits.h), so a form's maxlength is the
 * server's limit. No secrets, no token.
 */
#include <stdlib.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "config.h"
#include "field_limits.h"
#include "http.h"

static void
console_config_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct config *c = app->cfg;
	json_t *limits;

	limits = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "note",
	    LIMIT_NOTE, "reason", LIMIT_REASON, "outcome", LIMIT_OUTCOME,
	    "description", LIMIT_DESCRIPTION, "answer", LIMIT_ANSWER, "address",
	    LIMIT_ADDRESS, "caller_name", LIMIT_CALLER_NAME, "phone",
	    LIMIT_PHONE);
	api_reply(req, 200,
	    json_pack("{s:s,s:s,s:s,s:[f,f,f,f],s:i,s:s,s:i,s:o}", "tile_url",
	        c->tile_url, "tile_attribution", c->tile_attribution,
	        "tile_attribution_url", c->tile_attribution_url, "service_area",
	        c->area_lon_min, c->area_lat_min, c->area_lon_max,
	        c->area_lat_max, "dup_radius_m", c->dup_radius_m, "timezone",
	        c->timezone, "session_hours", c->session_hours, "limits",
	        limits));
}

const struct http_route api_console_routes[] = {
    {"config", EVHTTP_REQ_GET, "/api/v1/config", 0, 5000, console_config_get,
        NULL},
    {0},
};
