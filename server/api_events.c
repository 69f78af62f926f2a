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
 *
 * With no client connected, nothing is read (issue 19: every read waits
 * for the writers in flight, on a pooled connection); the position is then
 * stale, and a client that starts "from now on" gets its answer once the
 * current position has been read (waiting), so that it misses nothing
 * recorded after it was answered and gets nothing from before it asked.
 *
 * A viewer that does not read must not make patrold hold the history for
 * it (issue 10): a stream stops being fed while more than FEED_HIGH_WATER
 * bytes wait for its client and goes on (from its cursor, through the
 * database) once they drain below FEED_LOW_WATER; one that stays stopped
 * for events_stall_timeout_s is closed. A resume replays at most
 * events_replay_max events (an "event: gap" says where it starts; older
 * history is in the paged API), and a user holds at most
 * events_streams_per_user streams.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "store_requests.h"
#include "store_result.h"
#include "xmalloc.h"

#define FEED_BATCH       500
#define FEED_KEEPALIVE_S 15
#define FEED_HIGH_WATER  (64 * 1024)
#define FEED_LOW_WATER   (16 * 1024)
#define FEED_TICK_S      1

struct feed_client {
	struct http_req *req;
	long long cursor; /* last id sent */
	int catching_up;  /* a query of its own is in flight */
	int closed;       /* the stream ended; free when the query returns */
	int paused;       /* its client is behind: nothing more is sent */
	time_t paused_at;
	long long user_id;
	TAILQ_ENTRY(feed_client) entry;
};

/* A request for the feed from now on, while "now" is being read. */
struct feed_wait {
	struct http_req *req;
	long long user_id;
	TAILQ_ENTRY(feed_wait) entry;
};

/* The app comes as the timers', LISTEN's and queries' argument, or with a
 * request (http_req_owner). */
static struct {
	long long last; /* last id fetched for everyone; -1: not known yet */
	int stale;      /* events may have come since last: nobody read them */
	int fetching, again;
	TAILQ_HEAD(, feed_client) clients;
	TAILQ_HEAD(, feed_wait) waiting;
	struct event *ev_keepalive;
	struct event *ev_tick;
} feed;

static void feed_fetch(struct app *);
static void feed_catch_up(struct app *, struct feed_client *);
static void feed_open(struct http_req *, long long user_id, long long cursor);

/* The position is current: the waiting requests get their streams. */
static void
feed_answer_waiting(void)
{
	struct feed_wait *w;

	while ((w = TAILQ_FIRST(&feed.waiting)) != NULL) {
		TAILQ_REMOVE(&feed.waiting, w, entry);
		/* The request deadline may have answered meanwhile. */
		if (!http_req_done(w->req))
			feed_open(w->req, w->user_id, -1);
		http_req_unref(w->req);
		free(w);
	}
}

/* Sends one event; 0 while the client keeps up, -1 once it is paused. */
static int
feed_send(struct feed_client *c, long long id, const char *json)
{
	char *msg;

	if (c->paused)
		return -1;
	msg = xasprintf("id: %lld\ndata: %s\n\n", id, json);
	http_stream_send(c->req, msg, strlen(msg));
	free(msg);
	c->cursor = id;
	if (http_stream_pending(c->req) > FEED_HIGH_WATER) {
		c->paused = 1;
		c->paused_at = time(NULL);
		log_debug("event=feed_paused user_id=%lld cursor=%lld",
		    c->user_id, c->cursor);
		return -1;
	}
	return 0;
}

/*
 * A resume from further back than events_replay_max: skip to there and
 * say so, so the client knows to page through the rest.
 */
static void
feed_bound_replay(struct app *app, struct feed_client *c)
{
	long long max = app->cfg->events_replay_max, from;
	char *msg;

	if (feed.last < 0 || c->cursor >= feed.last - max)
		return;
	from = feed.last - max;
	msg = xasprintf(
	    "event: gap\ndata: {\"after\":%lld,\"resumed_after\":%lld,"
	    "\"message_ja\":\"古い出来事は省きました。一覧 API "
	    "(/api/v1/requests) で確認してください。\","
	    "\"message_en\":\"older events were left out; page "
	    "through /api/v1/requests for them\"}\n\n",
	    c->cursor, from);
	http_stream_send(c->req, msg, strlen(msg));
	free(msg);
	c->cursor = from;
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
	const char *json;
	long long id;
	int n;

	feed.fetching = 0;
	if (r->status != DB_OK) {
		log_warnx("event=feed_fetch_failed error=%s", log_q(r->error));
		return; /* the next NOTIFY or reconnect tries again */
	}
	for (n = 0; store_events_row(r->res, n, &id, &json); n++) {
		TAILQ_FOREACH(c, &feed.clients, entry)
		{
			if (!c->catching_up && !c->paused && c->cursor < id)
				feed_send(c, id, json);
		}
		feed.last = id;
	}
	if (n == FEED_BATCH || feed.again) {
		feed.again = 0;
		feed_fetch(arg);
	} else if (!feed.stale)
		feed_answer_waiting();
}

static void
feed_last_cb(struct db_result *r, void *arg)
{
	struct app *app = arg;
	struct feed_client *c;

	feed.fetching = 0;
	if (r->status == DB_OK && store_result_text(r->res) != NULL) {
		feed.last = store_result_ll(r->res, -1);
		feed.stale = 0;
		/*
		 * A resumed stream left behind by the jump reads its own way
		 * up to here first: the shared reads skip it meanwhile.
		 */
		TAILQ_FOREACH(c, &feed.clients, entry)
		{
			if (!c->catching_up && !c->paused &&
			    c->cursor < feed.last)
				feed_catch_up(app, c);
		}
		feed_answer_waiting();
		if (feed.again) {
			feed.again = 0;
			feed_fetch(app);
		}
	}
	/* Else the next NOTIFY or keep-alive tick asks again. */
}

static void
feed_fetch(struct app *app)
{
	if (feed.fetching) {
		feed.again = 1;
		return;
	}
	if (TAILQ_EMPTY(&feed.clients) && TAILQ_EMPTY(&feed.waiting) &&
	    feed.last >= 0) {
		feed.stale = 1; /* read when a client comes */
		return;
	}
	feed.fetching = 1;
	/* Stale: skip what nobody saw, read the position only. */
	if (feed.last < 0 || feed.stale)
		store_events_last(app->db, feed_last_cb, app);
	else
		store_events_since(
		    app->db, feed.last, FEED_BATCH, feed_fetch_cb, app);
}

static void
feed_notify_cb(const char *channel, const char *payload, void *arg)
{
	(void)channel;
	(void)payload; /* NULL after a reconnect: fetching catches up too */
	feed_fetch(arg);
}

static void
feed_catch_up_cb(struct db_result *r, void *arg)
{
	struct feed_client *c = arg;
	const char *json;
	long long id;
	int n;

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
	for (n = 0; store_events_row(r->res, n, &id, &json); n++)
		if (feed_send(c, id, json) != 0)
			return; /* the tick goes on once the client has read */
	/* More to read, or the shared feed moved on meanwhile. */
	if (n == FEED_BATCH || (feed.last >= 0 && c->cursor < feed.last))
		feed_catch_up(http_req_owner(c->req), c);
}

static void
feed_catch_up(struct app *app, struct feed_client *c)
{
	feed_bound_replay(app, c);
	c->catching_up = 1;
	store_events_since(app->db, c->cursor, FEED_BATCH, feed_catch_up_cb, c);
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
	/* Also how a vanished client is noticed: the write fails. */
	TAILQ_FOREACH(c, &feed.clients, entry)
	{
		if (!c->paused)
			http_stream_send(c->req, ping, sizeof ping - 1);
	}
	/*
	 * A read that found the safe id not known yet (a long transaction)
	 * is retried here too, in case no further event wakes the feed.
	 */
	feed_fetch(arg);
	TAILQ_FOREACH(c, &feed.clients, entry)
	{
		if (!c->catching_up && !c->paused && feed.last >= 0 &&
		    c->cursor < feed.last)
			feed_catch_up(arg, c);
	}
}

/*
 * Paused streams: go on once their client has read, close them when it
 * has read nothing for events_stall_timeout_s.
 */
static void
feed_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct app *app = arg;
	struct feed_client *c, *next;
	time_t now = time(NULL);

	(void)fd;
	(void)ev;
	for (c = TAILQ_FIRST(&feed.clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->paused)
			continue;
		if (http_stream_pending(c->req) < FEED_LOW_WATER) {
			c->paused = 0;
			if (!c->catching_up)
				feed_catch_up(app, c);
		} else if (now - c->paused_at >=
		    app->cfg->events_stall_timeout_s) {
			log_info("event=feed_stalled user_id=%lld pending=%zu",
			    c->user_id, http_stream_pending(c->req));
			http_stream_abort(
			    c->req); /* frees c via feed_closed_cb */
		}
	}
}

static void
events_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct auth_user *user = auth_user_of(req);
	const char *from = http_req_header(req, "Last-Event-ID");
	struct feed_client *c;
	char *end;
	long long cursor = -1;
	int n;

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
	n = 0;
	TAILQ_FOREACH(c, &feed.clients, entry)
	{
		if (c->user_id == user->id)
			n++;
	}
	if (n >= app->cfg->events_streams_per_user) {
		api_error(req, 429, "too_many_streams", NULL,
		    "this user already has %d live feed streams open, the "
		    "limit; close one first",
		    n);
		return;
	}
	if (cursor < 0 && (feed.last < 0 || feed.stale)) {
		/* From now on, once "now" is known (feed_answer_waiting). */
		struct feed_wait *w = xcalloc(1, sizeof *w);

		w->req = req;
		w->user_id = user->id;
		http_req_ref(req);
		TAILQ_INSERT_TAIL(&feed.waiting, w, entry);
		feed_fetch(app);
		return;
	}
	feed_open(req, user->id, cursor);
}

/* Starts the stream: from now on (cursor -1) or resuming after cursor. */
static void
feed_open(struct http_req *req, long long user_id, long long cursor)
{
	struct feed_client *c = xcalloc(1, sizeof *c);

	c->req = req;
	c->user_id = user_id;
	TAILQ_INSERT_TAIL(&feed.clients, c, entry);
	http_req_set_header(req, "X-Accel-Buffering", "no");
	http_stream_start(
	    req, "text/event-stream; charset=utf-8", feed_closed_cb, c);
	/* EventSource waits this long before reconnecting. */
	http_stream_send(req, "retry: 2000\n\n", 13);
	if (cursor < 0)
		c->cursor = feed.last; /* from now on */
	else {
		c->cursor = cursor; /* resuming */
		feed_catch_up(http_req_owner(req), c);
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

const struct http_route api_events_routes[] = {
    {"events", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/events", 0,
        -1, events_get, NULL},
    {0},
};

void
api_events_start(struct app *a)
{
	struct timeval tv = {FEED_KEEPALIVE_S, 0};
	char *cause;

	feed.last = -1;
	TAILQ_INIT(&feed.clients);
	TAILQ_INIT(&feed.waiting);
	if (db_listen(a->db, "patrol_events", feed_notify_cb, a, &cause) != 0)
		fatalx("event=feed_listen_failed reason=%s", log_q(cause));
	feed.ev_keepalive =
	    event_new(a->base, -1, EV_PERSIST, feed_keepalive_cb, a);
	event_add(feed.ev_keepalive, &tv);
	tv.tv_sec = FEED_TICK_S;
	feed.ev_tick = event_new(a->base, -1, EV_PERSIST, feed_tick_cb, a);
	event_add(feed.ev_tick, &tv);
	feed_fetch(a); /* learn the current position before clients come */
}

void
api_events_unregister(void)
{
	struct feed_wait *w;

	if (feed.ev_keepalive != NULL)
		event_free(feed.ev_keepalive);
	feed.ev_keepalive = NULL;
	if (feed.ev_tick != NULL)
		event_free(feed.ev_tick);
	feed.ev_tick = NULL;
	/* Requests still waiting for the position are closed unanswered. */
	while ((w = TAILQ_FIRST(&feed.waiting)) != NULL) {
		TAILQ_REMOVE(&feed.waiting, w, entry);
		http_req_unref(w->req);
		free(w);
	}
}
