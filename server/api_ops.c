/*
 * Operations endpoints: /healthz for load balancers and the run script,
 * /metrics for Prometheus.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "store_ops.h"

static struct app *ops_app;

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
	http_req_ref(req);
	db_query(ops_app->db, "SELECT 1", 0, NULL, api_ops_healthz_cb, req);
}

static void
api_ops_metrics_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct evbuffer *b = evbuffer_new();
	struct db_stats st;

	db_stats(ops_app->db, &st);
	metrics_render(b, &st);
	/* The process metrics are served even while the database is down. */
	metrics_business_render(
	    b, r->status == DB_OK ? r->res : NULL, ops_app->metrics_coverage);
	http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", b);
	http_req_unref(req);
}

static void
api_ops_metrics(struct http_req *req)
{
	http_req_ref(req);
	store_ops_metrics_q(ops_app->db, api_ops_metrics_cb, req);
}

static const struct http_route api_ops_routes[] = {
    {"healthz", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/healthz", 0, 5000,
        api_ops_healthz, NULL},
    {"metrics", EVHTTP_REQ_GET, "/metrics", 0, 5000, api_ops_metrics, NULL},
};

void
api_ops_register(struct app *a)
{
	ops_app = a;
	http_add_routes(a->http, api_ops_routes,
	    sizeof api_ops_routes / sizeof api_ops_routes[0]);
}
