/* Which routes read from the replica, and whose writes they must see; see
 * read_routes.h and db_set_replica() in db.h. */
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "read_routes.h"

/* By route name (http_route.name): GETs that only read. A read that does
 * write (an audited read of personal data) still works: the replica
 * refuses it and the primary runs it (db.c). */
static const char *const read_routes[] = {"requests.list", "callbacks.list",
    "cases", "outlook", "outlook.chart", "coverage", "risk", "recurring",
    "categories", "wards", "offices", "crews", "open311.discovery",
    "open311.services", "open311.service", "open311.requests",
    "open311.request", "open311.updates"};

int
read_routes_is_read(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < sizeof read_routes / sizeof read_routes[0]; i++)
		if (strcmp(name, read_routes[i]) == 0)
			return 1;
	return 0;
}

/* FNV-1a over the session's credentials: bearer token or session cookie;
 * without them the peer address (every anonymous caller behind one proxy
 * shares it: more reads from the primary, never fewer). */
static unsigned long long
read_routes_key(struct http_req *req)
{
	const char *v = http_req_header(req, "Authorization"), *c;
	unsigned long long h = 1469598103934665603ULL;

	if (v == NULL && (c = http_req_header(req, "Cookie")) != NULL &&
	    (v = strstr(c, "patrol_session=")) != NULL) {
		/* The value only, not the other cookies beside it. */
		for (v += strlen("patrol_session="); *v != '\0' && *v != ';';
		     v++)
			h = (h ^ (unsigned char)*v) * 1099511628211ULL;
		return h;
	}
	if (v == NULL)
		v = http_req_peer(req);
	for (; v != NULL && *v != '\0'; v++)
		h = (h ^ (unsigned char)*v) * 1099511628211ULL;
	return h;
}

static int
read_routes_writes(struct http_req *req)
{
	enum evhttp_cmd_type m = http_req_method(req);

	return m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD &&
	    m != EVHTTP_REQ_OPTIONS;
}

/* The key's lowest bit says whether the request writes (for done). */
static unsigned long long
read_routes_enter(struct http_req *req, void *arg)
{
	struct app *a = arg;
	unsigned long long key = read_routes_key(req) & ~1ULL;

	if (read_routes_writes(req)) {
		db_write_begin(a->db, key);
		return key | 1;
	}
	if (read_routes_is_read(http_req_route_name(req)))
		db_scope_read(key);
	return key;
}

static void
read_routes_leave(struct http_req *req, void *arg)
{
	(void)req;
	(void)arg;
	db_scope_clear();
}

static void
read_routes_done(unsigned long long word, void *arg)
{
	struct app *a = arg;

	if ((word & 1) && a->db != NULL)
		db_write_end(a->db, word & ~1ULL);
}

void
read_routes_start(struct app *a)
{
	const struct config *cfg = a->cfg;
	struct db_config dbc = {cfg->database_read_url, cfg->db_pool_size,
	    cfg->db_connect_timeout_ms, cfg->db_statement_timeout_ms,
	    cfg->db_queue_max, cfg->db_queue_timeout_ms, cfg->timezone, 0};
	struct http_hooks hooks = {
	    read_routes_enter, read_routes_leave, read_routes_done, a};

	if (cfg->database_read_url == NULL || *cfg->database_read_url == '\0')
		return;
	db_set_replica(
	    a->db, db_new(a->base, &dbc), cfg->database_read_max_lag_ms);
	http_set_hooks(a->http, &hooks);
	log_info("event=read_replica_configured max_lag_ms=%d",
	    cfg->database_read_max_lag_ms);
}

void
read_routes_metrics(struct app *a, struct evbuffer *b)
{
	struct db_read_stats st;

	db_read_stats(a->db, &st);
	if (!st.configured)
		return;
	evbuffer_add_printf(b,
	    "# HELP patrol_db_read_queries_total Queries of the read-only "
	    "routes, by the database that ran them.\n"
	    "# TYPE patrol_db_read_queries_total counter\n"
	    "patrol_db_read_queries_total{on=\"replica\"} %lu\n"
	    "patrol_db_read_queries_total{on=\"primary\"} %lu\n"
	    "patrol_db_read_queries_total{on=\"fallback\"} %lu\n"
	    "# HELP patrol_db_read_replica_usable Whether the replica is up "
	    "and within the lag limit.\n"
	    "# TYPE patrol_db_read_replica_usable gauge\n"
	    "patrol_db_read_replica_usable %d\n"
	    "# HELP patrol_db_read_replica_lag_bytes WAL the replica has "
	    "still to replay.\n"
	    "# TYPE patrol_db_read_replica_lag_bytes gauge\n"
	    "patrol_db_read_replica_lag_bytes %lld\n",
	    st.replica, st.primary, st.fallbacks, st.usable, st.lag_bytes);
}
