/*
 * GET /api/v1/wards: the wards in memory as a GeoJSON FeatureCollection
 * (properties code and name), for the console's map. Served from the set
 * patrold holds, so it shows exactly what lookups use.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api_routes.h"
#include "app.h"
#include "http.h"
#include "wards.h"

static void
api_wards_list(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct evbuffer *b = evbuffer_new();
	char *s;

	s = wards_to_geojson(app->wards);
	evbuffer_add(b, s, strlen(s));
	free(s);
	http_reply(req, 200, "application/geo+json; charset=utf-8", b);
}

const struct http_route api_wards_routes[] = {
    {"wards", EVHTTP_REQ_GET, "/api/v1/wards", 0, 5000, api_wards_list, NULL},
    {0},
};
