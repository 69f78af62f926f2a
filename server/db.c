/*
 * Asynchronous libpq pool inside the libevent loop.
 *
 * Each connection is a small state machine (down -> connecting -> idle <->
 * busy -> down) driven by one socket event, one timer and PQconnectPoll /
 * PQconsumeInput. Queries wait in one FIFO; a connection that becomes idle
 * takes the oldest. When no connection is usable and the last attempt
 * failed, new and queued work fails at once with DB_UNAVAILABLE rather than
 * hanging; connections come back by themselves with capped back-off.
 *
 * Lifetime: connections live in a fixed array and are never freed inside
 * their callbacks (only their PGconn is, after event_del). Queries are freed
 * after their callback returns. Callbacks are delivered after the pool's
 * own state is consistent, so they may queue new work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <event2/event.h>

#include "db.h"
#include "log.h"
#include "xmalloc.h"

#define DB_BACKOFF_MIN_MS    100
#define DB_BACKOFF_MAX_MS    2000
#define DB_DEADLINE_GRACE_MS 1000

enum db_conn_state {
	DB_CONN_DOWN,
	DB_CONN_CONNECTING,
	DB_CONN_IDLE,
	DB_CONN_BUSY,
};

struct db_query {
	struct db *db;
	char *sql;
	int nparams;
	char **params;
	int simple; /* several statements, simple protocol */
	db_cb cb;
	void *arg;
	struct event *ev_timeout; /* queue timeout while waiting */
	enum db_status status;
	PGresult *res;
	char *error;
	TAILQ_ENTRY(db_query) entry;
};
TAILQ_HEAD(db_queries, db_query);

struct db_conn {
	struct db *db;
	int id;
	int listener;
	enum db_conn_state state;
	PGconn *pg;
	struct event *ev_io;    /* connect: one-shot; then persistent read */
	struct event *ev_write; /* only while PQflush says 1 */
	struct event *ev_timer; /* connect timeout, deadline, back-off */
	int backoff_ms;
	struct db_query *q; /* in flight; NULL for internal statements */
	int internal;       /* LISTEN or ROLLBACK in flight */
	PGresult *keep;     /* result kept until the terminating NULL */
};

struct db_sub {
	char *channel;
	db_notify_cb cb;
	void *arg;
	TAILQ_ENTRY(db_sub) entry;
};

struct db {
	struct event_base *base;
	struct db_config cfg;
	char *conninfo;
	char *options;
	struct db_conn *conns; /* pool_size workers + 1 listener */
	int nconns;
	struct db_queries queue;
	int nqueued;
	struct db_queries done; /* completed, callback deferred */
	struct event *ev_done;
	TAILQ_HEAD(, db_sub) subs;
	char *last_error;
	int listen_dirty; /* a channel was added since the last LISTEN */
	int freeing;
	unsigned long reconnects, queries, failures;
};

static void db_conn_start(struct db_conn *);
static void db_conn_fail(struct db_conn *, const char *);
static void db_dispatch(struct db *);

static char *
db_trim(const char *msg)
{
	char *s = xstrdup(msg != NULL && *msg != '\0' ? msg : "unknown error");
	char *nl;

	/* libpq messages end in "\n" and may hold several lines. */
	if ((nl = strchr(s, '\n')) != NULL)
		*nl = '\0';
	return s;
}

static int
db_usable(struct db *db)
{
	int i, n = 0;

	for (i = 0; i < db->nconns; i++) {
		if (!db->conns[i].listener &&
		    (db->conns[i].state == DB_CONN_IDLE ||
		        db->conns[i].state == DB_CONN_BUSY))
			n++;
	}
	return n;
}

/* Completes a query: its callback runs from the deferred event. */
static void
db_query_finish(
    struct db_query *q, enum db_status status, PGresult *res, const char *error)
{
	struct db *db = q->db;

	if (q->ev_timeout != NULL)
		event_del(q->ev_timeout);
	q->status = status;
	q->res = res;
	q->error = error != NULL ? db_trim(error) : NULL;
	if (status == DB_UNAVAILABLE || status == DB_TIMEOUT)
		db->failures++;
	TAILQ_INSERT_TAIL(&db->done, q, entry);
	/*
	 * A zero timer, not event_active: an event activated while libevent
	 * runs active events runs again in the same pass, so a callback that
	 * queues work which fails at once (the pool is down) would spin
	 * forever without polling or firing the reconnect timer.
	 */
	if (!evtimer_pending(db->ev_done, NULL)) {
		struct timeval zero = {0, 0};

		evtimer_add(db->ev_done, &zero);
	}
}

static void
db_query_free(struct db_query *q)
{
	int i;

	if (q->ev_timeout != NULL)
		event_free(q->ev_timeout);
	for (i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q->error);
	if (q->res != NULL)
		PQclear(q->res);
	free(q);
}

static void
db_done_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db *db = arg;
	struct db_queries list;
	struct db_query *q;
	struct db_result r;

	(void)fd;
	(void)ev;
	/* Take the list first: callbacks may complete more work. */
	TAILQ_INIT(&list);
	TAILQ_CONCAT(&list, &db->done, entry);
	while ((q = TAILQ_FIRST(&list)) != NULL) {
		TAILQ_REMOVE(&list, q, entry);
		memset(&r, 0, sizeof r);
		r.status = q->status;
		r.res = q->res;
		r.error = q->error;
		if (q->status == DB_ERROR && q->res != NULL)
			r.sqlstate =
			    PQresultErrorField(q->res, PG_DIAG_SQLSTATE);
		if (q->cb != NULL)
			q->cb(&r, q->arg);
		q->res = r.res; /* NULL if the callback took it */
		db_query_free(q);
	}
}

static void
db_fail_queue(struct db *db, const char *why)
{
	struct db_query *q;

	while ((q = TAILQ_FIRST(&db->queue)) != NULL) {
		TAILQ_REMOVE(&db->queue, q, entry);
		db->nqueued--;
		db_query_finish(q, DB_UNAVAILABLE, NULL, why);
	}
}

static void
db_set_error(struct db *db, const char *msg)
{
	free(db->last_error);
	db->last_error = msg != NULL ? db_trim(msg) : NULL;
}

/* Routes libpq's notices (RAISE NOTICE, warnings) into the log. */
static void
db_notice_cb(void *arg, const char *msg)
{
	struct db_conn *c = arg;
	char *m = db_trim(msg);

	log_info("src=libpq conn=%d notice=%s", c->id, log_q(m));
	free(m);
}

static void
db_backoff_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	db_conn_start(arg);
}

static void
db_schedule_reconnect(struct db_conn *c)
{
	struct timeval tv;
	int ms;

	if (c->db->freeing)
		return;
	c->backoff_ms =
	    c->backoff_ms == 0 ? DB_BACKOFF_MIN_MS : c->backoff_ms * 2;
	if (c->backoff_ms > DB_BACKOFF_MAX_MS)
		c->backoff_ms = DB_BACKOFF_MAX_MS;
	/* Jitter (75%..125%) so the pool does not reconnect in lockstep. */
	ms = c->backoff_ms * 3 / 4 + (int)(random() % (c->backoff_ms / 2 + 1));
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_del(c->ev_timer);
	event_assign(c->ev_timer, c->db->base, -1, 0, db_backoff_cb, c);
	event_add(c->ev_timer, &tv);
}

static void
db_conn_close(struct db_conn *c)
{
	event_del(c->ev_io);
	event_del(c->ev_write);
	event_del(c->ev_timer);
	if (c->keep != NULL) {
		PQclear(c->keep);
		c->keep = NULL;
	}
	if (c->pg != NULL) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	c->state = DB_CONN_DOWN;
	c->internal = 0;
}

/*
 * The one teardown path of a connection: close, fail what it was running,
 * and if nothing usable is left, fail the queue too.
 */
static void
db_conn_fail(struct db_conn *c, const char *why)
{
	struct db *db = c->db;
	struct db_query *q = c->q;
	int was_up = (c->state == DB_CONN_IDLE || c->state == DB_CONN_BUSY);
	char *msg = db_trim(why);

	c->q = NULL;
	db_conn_close(c);
	if (was_up)
		db->reconnects++;
	/* One warning per outage; retries while down are debug noise. */
	if (was_up || c->backoff_ms == 0)
		log_warnx("event=db_conn_down conn=%d was_up=%d reason=%s",
		    c->id, was_up, log_q(msg));
	else
		log_debug("event=db_conn_retry_failed conn=%d reason=%s", c->id,
		    log_q(msg));
	if (!c->listener)
		db_set_error(db, msg);
	if (q != NULL) {
		char *e = xasprintf("database connection lost: %s", msg);

		db_query_finish(q, DB_UNAVAILABLE, NULL, e);
		free(e);
	}
	if (db_usable(db) == 0) {
		char *e = xasprintf("database unavailable: %s", msg);

		db_fail_queue(db, e);
		free(e);
	}
	free(msg);
	db_schedule_reconnect(c);
}

static void
db_conn_flush(struct db_conn *c)
{
	switch (PQflush(c->pg)) {
	case 0:
		event_del(c->ev_write);
		break;
	case 1:
		event_add(c->ev_write, NULL);
		break;
	default:
		db_conn_fail(c, PQerrorMessage(c->pg));
		break;
	}
}

static void
db_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_conn *c = arg;
	struct db_query *q = c->q;

	(void)fd;
	(void)ev;
	/*
	 * statement_timeout should have answered first; the server or the
	 * network is stuck. libpq < 17 has no non-blocking cancel: reset.
	 */
	log_warnx("event=db_deadline conn=%d", c->id);
	c->q = NULL;
	if (q != NULL)
		db_query_finish(
		    q, DB_TIMEOUT, NULL, "database did not answer in time");
	db_conn_fail(c, "query deadline passed; connection reset");
}

static int
db_conn_send(struct db_conn *c, const char *sql, int nparams,
    char *const *params, int simple)
{
	int ok;

	if (simple)
		ok = PQsendQuery(c->pg, sql);
	else
		ok = PQsendQueryParams(c->pg, sql, nparams, NULL,
		    (const char *const *)params, NULL, NULL, 0);
	if (!ok)
		return -1;
	c->state = DB_CONN_BUSY;
	db_conn_flush(c);
	return 0;
}

static void
db_conn_internal(struct db_conn *c, const char *sql)
{
	c->internal = 1;
	if (db_conn_send(c, sql, 0, NULL, 1) != 0)
		db_conn_fail(c, PQerrorMessage(c->pg));
}

static void
db_conn_listen_all(struct db_conn *c)
{
	struct db_sub *s;
	char *sql = xstrdup(""), *n;

	c->db->listen_dirty = 0;
	TAILQ_FOREACH(s, &c->db->subs, entry)
	{
		/* Channel names are checked to be [a-z0-9_]: safe as is. */
		n = xasprintf("%sLISTEN %s;", sql, s->channel);
		free(sql);
		sql = n;
	}
	if (*sql != '\0')
		db_conn_internal(c, sql);
	free(sql);
}

static void
db_notify_all(struct db *db, const char *channel, const char *payload)
{
	struct db_sub *s;

	/* Subscriptions are never removed while the pool runs. */
	TAILQ_FOREACH(s, &db->subs, entry)
	{
		if (channel == NULL || strcmp(s->channel, channel) == 0)
			s->cb(s->channel, payload, s->arg);
	}
}

static void
db_conn_ready(struct db_conn *c)
{
	struct db *db = c->db;

	event_del(c->ev_timer);
	PQsetnonblocking(c->pg, 1);
	c->state = DB_CONN_IDLE;
	c->backoff_ms = 0;
	if (!c->listener)
		db_set_error(db, NULL);
	log_info("event=db_conn_up conn=%d listener=%d", c->id, c->listener);
	if (c->listener) {
		db_conn_listen_all(c);
		/* Subscribers may have missed notifications meanwhile. */
		db_notify_all(db, NULL, NULL);
	}
}

/* A statement finished (terminating NULL seen): deliver, reset, reuse. */
static void
db_conn_complete(struct db_conn *c)
{
	struct db_query *q = c->q;
	PGresult *res = c->keep;
	PGTransactionStatusType ts;

	c->q = NULL;
	c->keep = NULL;
	c->state = DB_CONN_IDLE;
	event_del(c->ev_timer);
	if (c->internal) {
		c->internal = 0;
		if (res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR)
			log_warnx("event=db_internal_failed conn=%d error=%s",
			    c->id,
			    log_q(PQresultErrorField(
			        res, PG_DIAG_MESSAGE_PRIMARY)));
		if (res != NULL)
			PQclear(res);
	} else if (q != NULL) {
		if (res != NULL &&
		    (PQresultStatus(res) == PGRES_FATAL_ERROR ||
		        PQresultStatus(res) == PGRES_NONFATAL_ERROR)) {
			const char *m =
			    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

			db_query_finish(q, DB_ERROR, res, m);
		} else if (res == NULL)
			db_query_finish(q, DB_ERROR, NULL, "no result");
		else
			db_query_finish(q, DB_OK, res, NULL);
	}
	/* A failed script may leave a transaction open: never reuse it so. */
	ts = PQtransactionStatus(c->pg);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		db_conn_internal(c, "ROLLBACK");
	else if (c->listener && c->db->listen_dirty)
		db_conn_listen_all(c);
}

static void
db_conn_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_conn *c = arg;
	struct db *db = c->db;
	PGnotify *n;
	PGresult *r;

	(void)fd;
	(void)ev;
	if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
		db_conn_fail(c, PQerrorMessage(c->pg));
		db_dispatch(db);
		return;
	}
	while ((n = PQnotifies(c->pg)) != NULL) {
		db_notify_all(db, n->relname, n->extra);
		PQfreemem(n);
	}
	if (c->state == DB_CONN_BUSY) {
		while (!PQisBusy(c->pg)) {
			if ((r = PQgetResult(c->pg)) == NULL) {
				db_conn_complete(c);
				break;
			}
			/* Keep the first error, else the last result. */
			if (c->keep != NULL &&
			    PQresultStatus(c->keep) == PGRES_FATAL_ERROR)
				PQclear(r);
			else {
				if (c->keep != NULL)
					PQclear(c->keep);
				c->keep = r;
			}
		}
		/* Keep reading while flushing: a NOTICE could deadlock. */
		if (c->state == DB_CONN_BUSY)
			db_conn_flush(c);
	}
	db_dispatch(db);
}

static void
db_conn_write_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_conn *c = arg;

	(void)fd;
	(void)ev;
	db_conn_flush(c);
}

static void db_conn_poll(struct db_conn *, PostgresPollingStatusType);

static void
db_conn_poll_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_conn *c = arg;

	(void)fd;
	if (ev & EV_TIMEOUT) {
		db_conn_fail(c, "connect timeout");
		return;
	}
	db_conn_poll(c, PQconnectPoll(c->pg));
}

static void
db_conn_poll(struct db_conn *c, PostgresPollingStatusType st)
{
	struct db *db = c->db;
	short what;

	switch (st) {
	case PGRES_POLLING_OK:
		event_del(c->ev_io);
		event_assign(c->ev_io, db->base, PQsocket(c->pg),
		    EV_READ | EV_PERSIST, db_conn_read_cb, c);
		event_assign(c->ev_write, db->base, PQsocket(c->pg), EV_WRITE,
		    db_conn_write_cb, c);
		event_add(c->ev_io, NULL);
		db_conn_ready(c);
		db_dispatch(db);
		return;
	case PGRES_POLLING_FAILED:
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	case PGRES_POLLING_READING:
		what = EV_READ;
		break;
	default:
		what = EV_WRITE;
		break;
	}
	/* The socket may change between attempts (several hosts): re-read. */
	event_del(c->ev_io);
	event_assign(
	    c->ev_io, db->base, PQsocket(c->pg), what, db_conn_poll_cb, c);
	event_add(c->ev_io, NULL);
}

static void
db_conn_start(struct db_conn *c)
{
	struct db *db = c->db;
	const char *kw[] = {
	    "dbname", "options", "fallback_application_name", NULL};
	const char *val[] = {db->conninfo, db->options, "patrold", NULL};
	struct timeval tv;

	db_conn_close(c);
	c->state = DB_CONN_CONNECTING;
	c->pg = PQconnectStartParams(kw, val, 1);
	if (c->pg == NULL) {
		db_conn_fail(c, "out of memory");
		return;
	}
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}
	PQsetNoticeProcessor(c->pg, db_notice_cb, c);
	/* connect_timeout is ignored by PQconnectPoll: our own timer. */
	tv.tv_sec = db->cfg.connect_timeout_ms / 1000;
	tv.tv_usec = (db->cfg.connect_timeout_ms % 1000) * 1000;
	event_assign(c->ev_timer, db->base, -1, 0, db_conn_poll_cb, c);
	event_add(c->ev_timer, &tv);
	db_conn_poll(c, PGRES_POLLING_WRITING);
}

static void
db_dispatch(struct db *db)
{
	struct db_query *q;
	struct db_conn *c;
	struct timeval tv;
	int i, ms;

	for (i = 0; i < db->nconns && !TAILQ_EMPTY(&db->queue); i++) {
		c = &db->conns[i];
		if (c->listener || c->state != DB_CONN_IDLE)
			continue;
		q = TAILQ_FIRST(&db->queue);
		TAILQ_REMOVE(&db->queue, q, entry);
		db->nqueued--;
		event_del(q->ev_timeout);
		if (db_conn_send(c, q->sql, q->nparams, q->params, q->simple) !=
		    0) {
			/* Not sent: put it back and drop the connection. */
			TAILQ_INSERT_HEAD(&db->queue, q, entry);
			db->nqueued++;
			db_conn_fail(c, PQerrorMessage(c->pg));
			continue;
		}
		if (c->state != DB_CONN_BUSY) {
			/* The flush failed and took the connection down. */
			db_query_finish(q, DB_UNAVAILABLE, NULL,
			    "database connection lost while sending");
			continue;
		}
		c->q = q;
		ms = db->cfg.statement_timeout_ms + DB_DEADLINE_GRACE_MS;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		event_assign(c->ev_timer, db->base, -1, 0, db_deadline_cb, c);
		event_add(c->ev_timer, &tv);
	}
}

static void
db_queue_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_query *q = arg;
	struct db *db = q->db;

	(void)fd;
	(void)ev;
	TAILQ_REMOVE(&db->queue, q, entry);
	db->nqueued--;
	db_query_finish(q, DB_UNAVAILABLE, NULL,
	    "database busy: no connection free in time");
}

static void
db_enqueue(struct db *db, struct db_query *q)
{
	struct timeval tv;

	db->queries++;
	q->db = db;
	q->ev_timeout = event_new(db->base, -1, 0, db_queue_timeout_cb, q);
	if (db->freeing) {
		db_query_finish(q, DB_UNAVAILABLE, NULL, "shutting down");
		return;
	}
	if (db_usable(db) == 0 && db->last_error != NULL) {
		char *e = xasprintf("database unavailable: %s", db->last_error);

		db_query_finish(q, DB_UNAVAILABLE, NULL, e);
		free(e);
		return;
	}
	if (db->nqueued >= db->cfg.queue_max) {
		db_query_finish(q, DB_UNAVAILABLE, NULL,
		    "database busy: too many queries waiting");
		return;
	}
	TAILQ_INSERT_TAIL(&db->queue, q, entry);
	db->nqueued++;
	tv.tv_sec = db->cfg.queue_timeout_ms / 1000;
	tv.tv_usec = (db->cfg.queue_timeout_ms % 1000) * 1000;
	event_add(q->ev_timeout, &tv);
	db_dispatch(db);
}

void
db_query(struct db *db, const char *sql, int nparams, const char *const *params,
    db_cb cb, void *arg)
{
	struct db_query *q = xcalloc(1, sizeof *q);
	int i;

	q->sql = xstrdup(sql);
	q->nparams = nparams;
	q->params = xcalloc((size_t)nparams + 1, sizeof *q->params);
	for (i = 0; i < nparams; i++)
		q->params[i] = params[i] != NULL ? xstrdup(params[i]) : NULL;
	q->cb = cb;
	q->arg = arg;
	db_enqueue(db, q);
}

void
db_exec(struct db *db, const char *script, db_cb cb, void *arg)
{
	struct db_query *q = xcalloc(1, sizeof *q);

	q->sql = xstrdup(script);
	q->simple = 1;
	q->cb = cb;
	q->arg = arg;
	db_enqueue(db, q);
}

int
db_listen(struct db *db, const char *channel, db_notify_cb cb, void *arg,
    char **cause)
{
	struct db_conn *l = &db->conns[db->nconns - 1];
	struct db_sub *s;
	const char *p;

	if (*channel == '\0' || strlen(channel) > 63) {
		*cause = xasprintf("channel name must be 1..63 characters");
		return -1;
	}
	for (p = channel; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		        *p == '_')) {
			*cause = xasprintf(
			    "channel '%s': only a-z, 0-9, _", channel);
			return -1;
		}
	}
	s = xcalloc(1, sizeof *s);
	s->channel = xstrdup(channel);
	s->cb = cb;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&db->subs, s, entry);
	db->listen_dirty = 1;
	if (l->state == DB_CONN_IDLE)
		db_conn_listen_all(l);
	else if (l->state == DB_CONN_DOWN && l->pg == NULL &&
	    !event_pending(l->ev_timer, EV_TIMEOUT, NULL))
		db_conn_start(l); /* first subscriber opens the listener */
	/* Busy or connecting: LISTENs once idle (listen_dirty). */
	return 0;
}

struct db *
db_new(struct event_base *base, const struct db_config *cfg)
{
	struct db *db = xcalloc(1, sizeof *db);
	struct db_conn *c;
	int i;

	db->base = base;
	db->cfg = *cfg;
	db->conninfo = xstrdup(cfg->conninfo != NULL ? cfg->conninfo : "");
	db->cfg.conninfo = db->conninfo;
	db->cfg.timezone = NULL; /* only used here, in options */
	/* Zone names are [A-Za-z0-9/_+-] (config checks): safe in options. */
	db->options =
	    xasprintf("-c statement_timeout=%d%s%s", cfg->statement_timeout_ms,
	        cfg->timezone != NULL ? " -c TimeZone=" : "",
	        cfg->timezone != NULL ? cfg->timezone : "");
	TAILQ_INIT(&db->queue);
	TAILQ_INIT(&db->done);
	TAILQ_INIT(&db->subs);
	db->ev_done = evtimer_new(base, db_done_cb, db);
	db->nconns = cfg->pool_size + 1;
	db->conns = xcalloc((size_t)db->nconns, sizeof *db->conns);
	for (i = 0; i < db->nconns; i++) {
		c = &db->conns[i];
		c->db = db;
		c->id = i;
		c->listener = (i == db->nconns - 1);
		c->ev_io = event_new(base, -1, 0, db_conn_poll_cb, c);
		c->ev_write = event_new(base, -1, 0, db_conn_write_cb, c);
		c->ev_timer = event_new(base, -1, 0, db_backoff_cb, c);
		if (!c->listener)
			db_conn_start(c);
	}
	return db;
}

void
db_free(struct db *db)
{
	struct db_sub *s;
	struct db_conn *c;
	int i;

	if (db == NULL)
		return;
	db->freeing = 1;
	db_fail_queue(db, "shutting down");
	for (i = 0; i < db->nconns; i++) {
		c = &db->conns[i];
		if (c->q != NULL && !c->internal)
			db_query_finish(
			    c->q, DB_UNAVAILABLE, NULL, "shutting down");
		c->q = NULL;
		db_conn_close(c);
		event_free(c->ev_io);
		event_free(c->ev_write);
		event_free(c->ev_timer);
	}
	/* Deliver the failures now: the loop may not run again. */
	while (!TAILQ_EMPTY(&db->done))
		db_done_cb(-1, 0, db);
	event_free(db->ev_done);
	while ((s = TAILQ_FIRST(&db->subs)) != NULL) {
		TAILQ_REMOVE(&db->subs, s, entry);
		free(s->channel);
		free(s);
	}
	free(db->conns);
	free(db->conninfo);
	free(db->options);
	free(db->last_error);
	free(db);
}

void
db_stats(struct db *db, struct db_stats *st)
{
	int i;

	memset(st, 0, sizeof *st);
	for (i = 0; i < db->nconns; i++) {
		if (db->conns[i].listener)
			continue;
		if (db->conns[i].state == DB_CONN_IDLE ||
		    db->conns[i].state == DB_CONN_BUSY)
			st->connections++;
		if (db->conns[i].state == DB_CONN_BUSY)
			st->busy++;
	}
	st->waiting = db->nqueued;
	st->reconnects = db->reconnects;
	st->queries = db->queries;
	st->failures = db->failures;
}

const char *
db_last_error(struct db *db)
{
	return db->last_error;
}

void
db_wait_cb(struct db_result *r, void *arg)
{
	struct db_wait *s = arg;

	s->done = 1;
	s->ok = (r->status == DB_OK);
	if (s->ok) {
		s->res = r->res;
		r->res = NULL;
	} else if (r->sqlstate != NULL)
		s->error = xasprintf("%s (SQLSTATE %s)", r->error, r->sqlstate);
	else
		s->error = xstrdup(r->error != NULL ? r->error : "failed");
}

int
db_wait(struct db *db, struct db_wait *s, PGresult **res, char **cause)
{
	while (!s->done)
		event_base_loop(db->base, EVLOOP_ONCE);
	if (!s->ok) {
		*cause = s->error;
		return -1;
	}
	if (res != NULL)
		*res = s->res;
	else
		PQclear(s->res);
	return 0;
}

int
db_query_sync(struct db *db, const char *sql, int nparams,
    const char *const *params, PGresult **res, char **cause)
{
	struct db_wait s = {0};

	db_query(db, sql, nparams, params, db_wait_cb, &s);
	return db_wait(db, &s, res, cause);
}

int
db_exec_sync(struct db *db, const char *script, char **cause)
{
	struct db_wait s = {0};

	db_exec(db, script, db_wait_cb, &s);
	return db_wait(db, &s, NULL, cause);
}
