/*
 * Operations endpoints: /healthz for load balancers and the run script,
 * /metrics for Prometheus.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>

#include "addrlist.h"
#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "config.h"
#include "log.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "read_routes.h"
#include "store_ops.h"

static void
api_ops_healthz_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	json_t *j;
	char *s;

	if (r->status == DB_OK)
		j = json_pack("{s:s,s:s}", "status", "ok", "database", "ok");
	else
		j = json_pack("{s:s,s:s,s:s?}", "status", "unavailable",
		    "database", "unavailable", "reason", r->error);
	if (j == NULL) /* r->error was not UTF-8: still answer */
		j = json_pack("{s:s,s:s}", "status", "unavailable", "database",
		    "unavailable");
	s = json_dumps(j, JSON_COMPACT);
	http_reply_text(req, r->status == DB_OK ? 200 : 503,
	    "application/json; charset=utf-8", s);
	free(s);
	json_decref(j);
	http_req_unref(req);
}

static void
api_ops_healthz(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	http_req_ref(req);
	store_ops_ping_q(app->db, api_ops_healthz_cb, req);
}

static void
api_ops_metrics_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *app = http_req_owner(req);
	struct evbuffer *b = evbuffer_new();
	struct db_stats st;

	db_stats(app->db, &st);
	metrics_render(b, &st);
	read_routes_metrics(app, b);
	/* The process metrics are served even while the database is down. */
	metrics_business_render(
	    b, r->status == DB_OK ? r->res : NULL, app->metrics_coverage);
	http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", b);
	http_req_unref(req);
}

/* The bearer token equals metrics_token; compared in constant time. */
static int
api_ops_metrics_token_ok(struct http_req *req, const char *want)
{
	const char *got = http_req_header(req, "Authorization");
	unsigned char h1[32], h2[32];

	if (got == NULL || strncasecmp(got, "Bearer ", 7) != 0)
		return 0;
	got += 7;
	crypto_generichash(
	    h1, sizeof h1, (const unsigned char *)got, strlen(got), NULL, 0);
	crypto_generichash(
	    h2, sizeof h2, (const unsigned char *)want, strlen(want), NULL, 0);
	return sodium_memcmp(h1, h2, sizeof h1) == 0;
}

/*
 * /metrics is open unless metrics_allow (client addresses) or
 * metrics_token is set; with both, both must hold. 0 to go on.
 */
static int
api_ops_metrics_refused(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct config *cfg = app->cfg;
	char addr[64];

	api_client_addr(app, req, addr, sizeof addr);
	if (addrlist_count(app->metrics_allow) > 0 &&
	    !addrlist_match(app->metrics_allow, addr)) {
		log_info("event=metrics_refused reason=address");
		api_error(req, 403, "forbidden", NULL,
		    "this address may not read the metrics");
		return 1;
	}
	if (*cfg->metrics_token != '\0' &&
	    !api_ops_metrics_token_ok(req, cfg->metrics_token)) {
		log_info("event=metrics_refused reason=token");
		http_req_set_header(
		    req, "WWW-Authenticate", "Bearer realm=\"metrics\"");
		api_error(req, 401, "unauthorized", NULL,
		    "the metrics need \"Authorization: Bearer TOKEN\"");
		return 1;
	}
	return 0;
}

static void
api_ops_metrics(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	if (api_ops_metrics_refused(req))
		return;
	http_req_ref(req);
	store_ops_metrics_q(app->db, api_ops_metrics_cb, req);
}

const struct http_route api_ops_routes[] = {
    {"healthz", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/healthz", 0, 5000,
        api_ops_healthz, NULL},
    {"metrics", EVHTTP_REQ_GET, "/metrics", 0, 5000, api_ops_metrics, NULL},
    {0},
};
