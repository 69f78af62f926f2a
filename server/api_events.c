/*
 * GET /api/v1/events: the live feed of request events as Server-Sent
 * Events. Every patrold LISTENs on "patrol_events" (request_event_append
 * NOTIFYs each event id), so clients of any process see every event.
 * Events commit concurrently, but the store reads them only up to the safe
 * id (schema/0090: every event below it has committed or never will), in
 * id order, so a client's position is one number: the last id it got, sent
 * back as Last-Event-ID (or ?after=) to resume without gaps or repeats.
 * When writers in flight keep the safe id from being known, nothing is
 * read: the next NOTIFY or the keep-alive tick tries again.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/http.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "store_requests.h"
#include "xmalloc.h"

#define FEED_BATCH       500
#define FEED_KEEPALIVE_S 15

struct feed_client {
	struct http_req *req;
	long long cursor; /* last id sent */
	int catching_up;  /* a query of its own is in flight */
	int closed;       /* the stream ended; free when the query returns */
	TAILQ_ENTRY(feed_client) entry;
};

static struct {
	struct app *app;
	long long last; /* last id fetched for everyone; -1: not known yet */
	int fetching, again;
	TAILQ_HEAD(, feed_client) clients;
	struct event *ev_keepalive;
} feed;

static void feed_fetch(void);
static void feed_catch_up(struct feed_client *);

static void
feed_send(struct feed_client *c, long long id, const char *json)
{
	char *msg = xasprintf("id: %lld\ndata: %s\n\n", id, json);

	http_stream_send(c->req, msg, strlen(msg));
	free(msg);
	c->cursor = id;
}

static void
feed_client_free(struct feed_client *c)
{
	free(c);
}

static void
feed_fetch_cb(struct db_result *r, void *arg)
{
	struct feed_client *c;
	long long id;
	int i, n;

	(void)arg;
	feed.fetching = 0;
	if (r->status != DB_OK) {
		log_warnx("event=feed_fetch_failed error=%s", log_q(r->error));
		return; /* the next NOTIFY or reconnect tries again */
	}
	n = PQntuples(r->res);
	for (i = 0; i < n; i++) {
		id = strtoll(PQgetvalue(r->res, i, 0), NULL, 10);
		TAILQ_FOREACH(c, &feed.clients, entry)
		{
			if (!c->catching_up && c->cursor < id)
				feed_send(c, id, PQgetvalue(r->res, i, 1));
		}
		feed.last = id;
	}
	if (n == FEED_BATCH || feed.again) {
		feed.again = 0;
		feed_fetch();
	}
}

static void
feed_last_cb(struct db_result *r, void *arg)
{
	(void)arg;
	feed.fetching = 0;
	if (r->status == DB_OK && !PQgetisnull(r->res, 0, 0)) {
		feed.last = strtoll(PQgetvalue(r->res, 0, 0), NULL, 10);
		if (feed.again) {
			feed.again = 0;
			feed_fetch();
		}
	}
}

static void
feed_fetch(void)
{
	if (feed.fetching) {
		feed.again = 1;
		return;
	}
	feed.fetching = 1;
	if (feed.last < 0)
		store_events_last(feed.app->db, feed_last_cb, NULL);
	else
		store_events_since(
		    feed.app->db, feed.last, FEED_BATCH, feed_fetch_cb, NULL);
}

static void
feed_notify_cb(const char *channel, const char *payload, void *arg)
{
	(void)channel;
	(void)payload; /* NULL after a reconnect: fetching catches up too */
	(void)arg;
	feed_fetch();
}

static void
feed_catch_up_cb(struct db_result *r, void *arg)
{
	struct feed_client *c = arg;
	int i, n = 0;

	c->catching_up = 0;
	if (c->closed) {
		feed_client_free(c);
		return;
	}
	if (r->status != DB_OK) {
		http_stream_end(
		    c->req); /* the browser reconnects and resumes */
		return;
	}
	n = PQntuples(r->res);
	for (i = 0; i < n; i++)
		feed_send(c, strtoll(PQgetvalue(r->res, i, 0), NULL, 10),
		    PQgetvalue(r->res, i, 1));
	/* More to read, or the shared feed moved on meanwhile. */
	if (n == FEED_BATCH || (feed.last >= 0 && c->cursor < feed.last))
		feed_catch_up(c);
}

static void
feed_catch_up(struct feed_client *c)
{
	c->catching_up = 1;
	store_events_since(
	    feed.app->db, c->cursor, FEED_BATCH, feed_catch_up_cb, c);
}

static void
feed_closed_cb(struct http_req *req, void *arg)
{
	struct feed_client *c = arg;

	(void)req;
	TAILQ_REMOVE(&feed.clients, c, entry);
	c->req = NULL;
	c->closed = 1;
	if (!c->catching_up)
		feed_client_free(c);
}

static void
feed_keepalive_cb(evutil_socket_t fd, short ev, void *arg)
{
	static const char ping[] = ": keepalive\n\n";
	struct feed_client *c;

	(void)fd;
	(void)ev;
	(void)arg;
	/* Also how a vanished client is noticed: the write fails. */
	TAILQ_FOREACH(c, &feed.clients, entry)
	http_stream_send(c->req, ping, sizeof ping - 1);
	/*
	 * A read that found the safe id not known yet (a long transaction)
	 * is retried here too, in case no further event wakes the feed.
	 */
	feed_fetch();
	TAILQ_FOREACH(c, &feed.clients, entry)
	{
		if (!c->catching_up && feed.last >= 0 && c->cursor < feed.last)
			feed_catch_up(c);
	}
}

static void
events_auth_cb(struct http_req *req, const struct auth_user *user, void *arg)
{
	const char *from = http_req_header(req, "Last-Event-ID");
	struct feed_client *c;
	char *end;
	long long cursor = -1;

	(void)user;
	(void)arg;
	if (from == NULL)
		from = http_req_query(req, "after");
	if (from != NULL) {
		cursor = strtoll(from, &end, 10);
		if (*from == '\0' || *end != '\0' || cursor < 0) {
			api_error(req, 400, "invalid_value", "Last-Event-ID",
			    "the event id must be a whole number");
			return;
		}
	}
	c = xcalloc(1, sizeof *c);
	c->req = req;
	TAILQ_INSERT_TAIL(&feed.clients, c, entry);
	http_req_set_header(req, "X-Accel-Buffering", "no");
	http_stream_start(
	    req, "text/event-stream; charset=utf-8", feed_closed_cb, c);
	/* EventSource waits this long before reconnecting. */
	http_stream_send(req, "retry: 2000\n\n", 13);
	if (cursor < 0 && feed.last >= 0)
		c->cursor = feed.last; /* from now on */
	else {
		/* Resuming, or the feed's position is not known yet. */
		c->cursor = cursor < 0 ? 0 : cursor;
		feed_catch_up(c);
	}
}

void
api_events_broadcast(const char *name, const char *json)
{
	char *msg = xasprintf("event: %s\ndata: %s\n\n", name, json);
	struct feed_client *c;

	/* No id: not part of the resumable sequence of request events. */
	TAILQ_FOREACH(c, &feed.clients, entry)
	http_stream_send(c->req, msg, strlen(msg));
	free(msg);
}

static void
events_get(struct http_req *req)
{
	auth_require(feed.app, req, AUTH_ANY, events_auth_cb, NULL);
}

static const struct http_route events_routes[] = {
    {"events", EVHTTP_REQ_GET, "/api/v1/events", 0, -1, events_get, NULL},
};

void
api_events_register(struct app *a)
{
	struct timeval tv = {FEED_KEEPALIVE_S, 0};
	char *cause;

	feed.app = a;
	feed.last = -1;
	TAILQ_INIT(&feed.clients);
	if (db_listen(a->db, "patrol_events", feed_notify_cb, NULL, &cause) !=
	    0)
		fatalx("event=feed_listen_failed reason=%s", log_q(cause));
	feed.ev_keepalive =
	    event_new(a->base, -1, EV_PERSIST, feed_keepalive_cb, NULL);
	event_add(feed.ev_keepalive, &tv);
	feed_fetch(); /* learn the current position before clients come */
	http_add_routes(a->http, events_routes,
	    sizeof events_routes / sizeof events_routes[0]);
}

void
api_events_unregister(void)
{
	if (feed.ev_keepalive != NULL)
		event_free(feed.ev_keepalive);
	feed.ev_keepalive = NULL;
}
