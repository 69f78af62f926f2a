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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>

#include "db.h"
#include "log.h"
#include "xmalloc.h"

#define DB_BACKOFF_MIN_MS    100
#define DB_BACKOFF_MAX_MS    2000
#define DB_DEADLINE_GRACE_MS 1000
#define DB_STMTS_MAX         64 /* prepared statements kept per connection */

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
	int simple;     /* several statements, simple protocol */
	int prepared;   /* db_query_prepared */
	char *deferred; /* channel to NOTIFY after its commit (db.h), or NULL */
	db_cb cb;
	void *arg;
	struct event *ev_timeout; /* queue timeout while waiting */
	enum db_status status;
	PGresult *res;
	char *error;
	struct db_scope {
		int read;
		unsigned long long key;
	} scope;            /* of the code that issued it */
	struct db *primary; /* on the replica: where to run it again */
	TAILQ_ENTRY(db_query) entry;
};
TAILQ_HEAD(db_queries, db_query);

/* A statement prepared on one connection (db_query_prepared). */
struct db_stmt {
	char *sql;
	unsigned long hash;
	char name[24];
};

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
	struct db_stmt stmts[DB_STMTS_MAX];
	int nstmts, stmt_seq;
	int preparing; /* PQsendPrepare for q in flight, then q itself */
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
	struct db_read *rd; /* the replica's state, or NULL */
	void (*deferred_cb)(const char *channel, void *arg);
	void *deferred_arg;
};

static int db_read_route(struct db *, const struct db_scope *);
static struct db *db_read_replica(struct db *);
static void db_read_fallback(struct db *);
static void db_read_free(struct db_read *);
static void db_enqueue(struct db *, struct db_query *);

/* The scope of the code running now (one event loop, one thread). */
static struct db_scope db_cur;

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

/*
 * Whether a replica's answer is to be asked of the primary instead: no
 * connection, a deadline, or a standby's own refusal: a write (25006), a
 * conflict with recovery (40001), shutting down (57...), a lost connection
 * (08...), or an error without a code.
 */
static int
db_read_again(const struct db_result *r)
{
	if (r->status == DB_UNAVAILABLE || r->status == DB_TIMEOUT)
		return 1;
	if (r->status != DB_ERROR)
		return 0;
	return r->sqlstate == NULL || strcmp(r->sqlstate, "25006") == 0 ||
	    strcmp(r->sqlstate, "40001") == 0 ||
	    strncmp(r->sqlstate, "57", 2) == 0 ||
	    strncmp(r->sqlstate, "08", 2) == 0;
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
	free(q->deferred);
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
		if (q->primary != NULL && !q->primary->freeing &&
		    db_read_again(&r)) {
			/* The replica could not: the primary will. */
			struct db *p = q->primary;

			db_read_fallback(p);
			PQclear(q->res);
			q->res = NULL;
			free(q->error);
			q->error = NULL;
			if (q->ev_timeout != NULL)
				event_free(q->ev_timeout);
			q->ev_timeout = NULL;
			q->primary = NULL;
			db_enqueue(p, q);
			continue;
		}
		if (q->cb != NULL) {
			struct db_scope saved = db_cur;

			db_cur = q->scope;
			q->cb(&r, q->arg);
			db_cur = saved;
		}
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

/*
 * Routes libpq's notices (RAISE NOTICE, warnings) into the log, except a
 * session's request to NOTIFY a channel after the commit (db.h).
 */
static void
db_notice_cb(void *arg, const PGresult *res)
{
	struct db_conn *c = arg;
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *channel = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char *m;

	if (state != NULL && strcmp(state, DB_DEFERRED_SQLSTATE) == 0 &&
	    channel != NULL && c->q != NULL) {
		/* Statements tell one channel (patrol_events) so far. */
		if (c->q->deferred == NULL)
			c->q->deferred = xstrdup(channel);
		else if (strcmp(c->q->deferred, channel) != 0)
			log_warnx("event=db_deferred_second_channel conn=%d "
			          "channel=%s",
			    c->id, log_q(channel));
		return;
	}
	m = db_trim(PQresultErrorMessage(res));
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
	c->preparing = 0;
	/* Prepared statements die with the session. */
	while (c->nstmts > 0)
		free(c->stmts[--c->nstmts].sql);
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

static unsigned long
db_stmt_hash(const char *sql)
{
	unsigned long h = 5381;

	for (; *sql != '\0'; sql++)
		h = h * 33 + (unsigned char)*sql;
	return h;
}

static struct db_stmt *
db_stmt_find(struct db_conn *c, const char *sql, unsigned long h)
{
	int i;

	for (i = 0; i < c->nstmts; i++) {
		if (c->stmts[i].hash == h && strcmp(c->stmts[i].sql, sql) == 0)
			return &c->stmts[i];
	}
	return NULL;
}

/*
 * Sends a query. A prepared one is run by name when this connection has
 * prepared it; else it is prepared first (c->preparing: its result comes
 * back to db_conn_complete, which then runs it) while there is room.
 */
static int
db_conn_send_query(struct db_conn *c, struct db_query *q)
{
	unsigned long h;
	struct db_stmt *st;
	int ok;

	if (!q->prepared || q->simple)
		return db_conn_send(
		    c, q->sql, q->nparams, q->params, q->simple);
	h = db_stmt_hash(q->sql);
	if ((st = db_stmt_find(c, q->sql, h)) != NULL)
		ok = PQsendQueryPrepared(c->pg, st->name, q->nparams,
		    (const char *const *)q->params, NULL, NULL, 0);
	else if (c->nstmts < DB_STMTS_MAX) {
		st = &c->stmts[c->nstmts];
		snprintf(st->name, sizeof st->name, "patrol_%d", ++c->stmt_seq);
		ok = PQsendPrepare(c->pg, st->name, q->sql, q->nparams, NULL);
		c->preparing = ok;
	} else
		return db_conn_send(c, q->sql, q->nparams, q->params, 0);
	if (!ok)
		return -1;
	c->state = DB_CONN_BUSY;
	db_conn_flush(c);
	return 0;
}

/*
 * The statement c->q was being prepared: remember it and run it. 0 when
 * it runs (or the connection failed trying), -1 when the prepare failed
 * (res is the error to deliver).
 */
static int
db_conn_prepared(struct db_conn *c, PGresult *res)
{
	struct db_query *q = c->q;
	struct db_stmt *st = &c->stmts[c->nstmts];

	c->preparing = 0;
	if (q == NULL || res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		return -1;
	PQclear(res);
	st->sql = xstrdup(q->sql);
	st->hash = db_stmt_hash(q->sql);
	c->nstmts++;
	if (!PQsendQueryPrepared(c->pg, st->name, q->nparams,
	        (const char *const *)q->params, NULL, NULL, 0)) {
		db_conn_fail(c, PQerrorMessage(c->pg));
		return 0;
	}
	db_conn_flush(c);
	return 0;
}

/*
 * A prepared statement whose result columns changed under it (a
 * migration: "cached plan must not change result type") is prepared
 * again next time.
 */
static void
db_stmt_forget(struct db_conn *c, const char *sql)
{
	struct db_stmt *st = db_stmt_find(c, sql, db_stmt_hash(sql));

	if (st == NULL)
		return;
	free(st->sql);
	*st = c->stmts[--c->nstmts];
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

	c->keep = NULL;
	if (c->preparing && db_conn_prepared(c, res) == 0)
		return; /* now running q itself, or failed and reset */
	c->q = NULL;
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
			const char *st =
			    PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (q->prepared && st != NULL &&
			    strcmp(st, "0A000") == 0)
				db_stmt_forget(c, q->sql);
			db_query_finish(q, DB_ERROR, res, m);
		} else if (res == NULL)
			db_query_finish(q, DB_ERROR, NULL, "no result");
		else {
			db_query_finish(q, DB_OK, res, NULL);
			/* Committed (an autocommit statement): tell now. */
			if (q->deferred != NULL && c->db->deferred_cb != NULL)
				c->db->deferred_cb(
				    q->deferred, c->db->deferred_arg);
		}
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
	PQsetNoticeReceiver(c->pg, db_notice_cb, c);
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
		if (db_conn_send_query(c, q) != 0) {
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

	if (q->db == NULL) {
		/* First time: note the scope, and maybe go to the replica. */
		q->scope = db_cur;
		if (q->scope.read && db->rd != NULL &&
		    db_read_route(db, &q->scope)) {
			q->primary = db;
			db = db_read_replica(db);
		}
	}
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
db_query_prepared(struct db *db, const char *sql, int nparams,
    const char *const *params, db_cb cb, void *arg)
{
	struct db_query *q = xcalloc(1, sizeof *q);
	int i;

	q->sql = xstrdup(sql);
	q->prepared = 1;
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
	/*
	 * defer_notify: the session's event NOTIFYs come as notices
	 * (schema/0280), which client_min_messages must not hide.
	 */
	db->options = xasprintf("-c statement_timeout=%d%s%s%s",
	    cfg->statement_timeout_ms,
	    cfg->timezone != NULL ? " -c TimeZone=" : "",
	    cfg->timezone != NULL ? cfg->timezone : "",
	    cfg->defer_notify ? " -c patrol.defer_notify=on"
	                        " -c client_min_messages=notice"
	                      : "");
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
	struct db_read *rd;
	int i;

	if (db == NULL)
		return;
	db->freeing = 1;
	/*
	 * The replica goes first (its queries' fallbacks then meet a primary
	 * that is shutting down); the read state itself stays until the
	 * primary's own queries, among them its LSN poll, are answered below.
	 */
	rd = db->rd;
	db->rd = NULL;
	if (rd != NULL)
		db_read_free(rd);
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
	free(rd);
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
db_on_deferred(
    struct db *db, void (*cb)(const char *channel, void *arg), void *arg)
{
	db->deferred_cb = cb;
	db->deferred_arg = arg;
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

/*
 * Reads from a hot standby (issue 19). Every DB_READ_POLL_MS the primary's
 * WAL position and the replica's replay position are read; the replica is
 * usable while its last answer is recent and it has replayed what the
 * primary had written max_lag_ms ago. Sessions that wrote are remembered
 * with the primary's position after their write (pending while a write is
 * in flight) until the replica has replayed it.
 */
#define DB_READ_POLL_MS  100
#define DB_READ_STALE_MS 1000 /* no answer from the replica for this long */
#define DB_READ_SAMPLES  128  /* primary positions remembered */
#define DB_READ_SESSIONS 8192

struct db_read_session {
	unsigned long long key; /* 0: free */
	int pending;            /* writes in flight */
	unsigned long long lsn; /* to be replayed first */
};

struct db_read {
	struct db *primary, *replica;
	int max_lag_ms;
	struct event *ev_poll;
	int polling_p, polling_r;
	double replica_seen_ms; /* last answer from the replica */
	unsigned long long replayed;
	struct {
		double at_ms;
		unsigned long long lsn;
	} samples[DB_READ_SAMPLES];
	int nsamples, next_sample;
	int usable;
	unsigned long long floor; /* evicted sessions' positions */
	struct db_read_session sessions[DB_READ_SESSIONS];
	unsigned long n_replica, n_primary, n_fallbacks;
};

static double
db_read_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* "16/B374D848" -> 0x16B374D848; 0 when not a position. */
static unsigned long long
db_read_lsn(const char *s)
{
	unsigned long hi, lo;

	if (s == NULL || sscanf(s, "%lX/%lX", &hi, &lo) != 2)
		return 0;
	return ((unsigned long long)hi << 32) | (lo & 0xffffffffUL);
}

static struct db_read_session *
db_read_session(struct db_read *rd, unsigned long long key, int add)
{
	size_t i, h = (size_t)(key * 0x9E3779B97F4A7C15ULL) % DB_READ_SESSIONS;
	struct db_read_session *s;

	if (key == 0)
		key = 1;
	for (i = 0; i < DB_READ_SESSIONS; i++) {
		s = &rd->sessions[(h + i) % DB_READ_SESSIONS];
		if (s->key == key)
			return s;
		if (s->key == 0 && add) {
			s->key = key;
			s->pending = 0;
			s->lsn = 0;
			return s;
		}
		if (s->key == 0)
			return NULL;
	}
	if (!add)
		return NULL;
	/* Full: forget one settled session, its position kept for all. */
	for (i = 0; i < DB_READ_SESSIONS; i++) {
		s = &rd->sessions[(h + i) % DB_READ_SESSIONS];
		if (s->pending == 0) {
			if (s->lsn > rd->floor)
				rd->floor = s->lsn;
			s->key = key;
			s->lsn = 0;
			return s;
		}
	}
	return NULL;
}

/* Drops the sessions whose writes the replica has replayed (rehashing
 * what follows each in its probe run). */
static void
db_read_sweep(struct db_read *rd)
{
	struct db_read_session keep[DB_READ_SESSIONS], *s;
	int i, n = 0, any = 0;

	for (i = 0; i < DB_READ_SESSIONS; i++) {
		s = &rd->sessions[i];
		if (s->key == 0)
			continue;
		if (s->pending == 0 && s->lsn <= rd->replayed)
			any = 1;
		else
			keep[n++] = *s;
	}
	if (!any)
		return;
	memset(rd->sessions, 0, sizeof rd->sessions);
	for (i = 0; i < n; i++)
		*db_read_session(rd, keep[i].key, 1) = keep[i];
}

static int
db_read_route(struct db *db, const struct db_scope *sc)
{
	struct db_read *rd = db->rd;
	struct db_read_session *s;
	int ok = rd->usable;

	if (ok &&
	    (rd->floor > rd->replayed ||
	        db_read_now_ms() - rd->replica_seen_ms > DB_READ_STALE_MS))
		ok = 0;
	if (ok && (s = db_read_session(rd, sc->key, 0)) != NULL &&
	    (s->pending > 0 || s->lsn > rd->replayed))
		ok = 0; /* read your own writes */
	if (ok)
		rd->n_replica++;
	else
		rd->n_primary++;
	return ok;
}

static struct db *
db_read_replica(struct db *db)
{
	return db->rd->replica;
}

static void
db_read_fallback(struct db *db)
{
	if (db->rd != NULL)
		db->rd->n_fallbacks++;
}

static void
db_read_update(struct db_read *rd)
{
	double now = db_read_now_ms(), want = now - rd->max_lag_ms;
	unsigned long long due = 0;
	int i, usable;

	/* The newest primary position at least max_lag_ms old. */
	for (i = 0; i < rd->nsamples; i++)
		if (rd->samples[i].at_ms <= want && rd->samples[i].lsn > due)
			due = rd->samples[i].lsn;
	usable = now - rd->replica_seen_ms <= DB_READ_STALE_MS &&
	    rd->replayed >= due && rd->replayed != 0;
	if (usable != rd->usable)
		log_info("event=read_replica_%s replayed=%llX",
		    usable ? "used" : "avoided", rd->replayed);
	rd->usable = usable;
	db_read_sweep(rd);
}

static void
db_read_primary_cb(struct db_result *r, void *arg)
{
	struct db_read *rd = arg;
	unsigned long long lsn;

	rd->polling_p = 0;
	if (r->status != DB_OK || PQntuples(r->res) != 1)
		return;
	lsn = db_read_lsn(PQgetvalue(r->res, 0, 0));
	rd->samples[rd->next_sample].at_ms = db_read_now_ms();
	rd->samples[rd->next_sample].lsn = lsn;
	rd->next_sample = (rd->next_sample + 1) % DB_READ_SAMPLES;
	if (rd->nsamples < DB_READ_SAMPLES)
		rd->nsamples++;
	db_read_update(rd);
}

static void
db_read_replica_cb(struct db_result *r, void *arg)
{
	struct db_read *rd = arg;

	rd->polling_r = 0;
	if (r->status == DB_OK && PQntuples(r->res) == 1 &&
	    strcmp(PQgetvalue(r->res, 0, 1), "t") == 0) {
		rd->replayed = db_read_lsn(PQgetvalue(r->res, 0, 0));
		rd->replica_seen_ms = db_read_now_ms();
	}
	db_read_update(rd);
}

static void
db_read_poll_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_read *rd = arg;

	(void)fd;
	(void)ev;
	if (!rd->polling_p) {
		rd->polling_p = 1;
		db_query(rd->primary, "SELECT pg_current_wal_lsn()::text", 0,
		    NULL, db_read_primary_cb, rd);
	}
	if (!rd->polling_r) {
		rd->polling_r = 1;
		db_query(rd->replica,
		    "SELECT pg_last_wal_replay_lsn()::text,"
		    " pg_is_in_recovery()",
		    0, NULL, db_read_replica_cb, rd);
	}
	if (!rd->polling_p && !rd->polling_r)
		db_read_update(rd);
}

void
db_set_replica(struct db *primary, struct db *replica, int max_lag_ms)
{
	struct db_read *rd = xcalloc(1, sizeof *rd);
	struct timeval tv = {0, DB_READ_POLL_MS * 1000};

	rd->primary = primary;
	rd->replica = replica;
	rd->max_lag_ms = max_lag_ms;
	rd->replica_seen_ms = -1e18;
	rd->ev_poll =
	    event_new(primary->base, -1, EV_PERSIST, db_read_poll_cb, rd);
	event_add(rd->ev_poll, &tv);
	primary->rd = rd;
	db_read_poll_cb(-1, 0, rd);
}

static void
db_read_free(struct db_read *rd)
{
	event_free(rd->ev_poll);
	/* Its queries in flight are answered (and not run again) here. The
	 * caller frees rd once the primary's queries holding it are answered.
	 */
	db_free(rd->replica);
	rd->replica = NULL;
}

void
db_scope_read(unsigned long long key)
{
	db_cur.read = 1;
	db_cur.key = key;
}

void
db_scope_clear(void)
{
	memset(&db_cur, 0, sizeof db_cur);
}

void
db_write_begin(struct db *db, unsigned long long key)
{
	struct db_read_session *s;

	if (db->rd == NULL)
		return;
	if ((s = db_read_session(db->rd, key, 1)) == NULL) {
		/* Every slot has a write in flight: all reads wait. */
		db->rd->floor = ~0ULL;
		return;
	}
	s->pending++;
}

struct db_read_write {
	struct db *db; /* the primary: outlives its queries' callbacks */
	unsigned long long key;
};

static void
db_read_written_cb(struct db_result *r, void *arg)
{
	struct db_read_write *w = arg;
	struct db_read *rd = w->db->rd;
	struct db_read_session *s;
	unsigned long long lsn = ~0ULL;

	if (rd != NULL && !w->db->freeing) {
		if (r->status == DB_OK && PQntuples(r->res) == 1)
			lsn = db_read_lsn(PQgetvalue(r->res, 0, 0));
		if ((s = db_read_session(rd, w->key, 0)) != NULL) {
			if (s->pending > 0)
				s->pending--;
			/* Unknown position: not before the next one known. */
			if (lsn == ~0ULL && rd->nsamples > 0)
				lsn = rd->samples[(rd->next_sample +
				                      DB_READ_SAMPLES - 1) %
				            DB_READ_SAMPLES]
				          .lsn +
				    1;
			if (lsn > s->lsn)
				s->lsn = lsn;
		}
	}
	free(w);
}

void
db_write_end(struct db *db, unsigned long long key)
{
	struct db_read_write *w;

	if (db->rd == NULL || db->freeing)
		return;
	w = xcalloc(1, sizeof *w);
	w->db = db;
	w->key = key;
	db_query(db, "SELECT pg_current_wal_lsn()::text", 0, NULL,
	    db_read_written_cb, w);
}

void
db_read_stats(struct db *db, struct db_read_stats *st)
{
	struct db_read *rd = db->rd;
	unsigned long long last;

	memset(st, 0, sizeof *st);
	if (rd == NULL)
		return;
	st->configured = 1;
	st->usable = rd->usable;
	st->replica = rd->n_replica;
	st->primary = rd->n_primary;
	st->fallbacks = rd->n_fallbacks;
	if (rd->nsamples > 0) {
		last = rd->samples[(rd->next_sample + DB_READ_SAMPLES - 1) %
		             DB_READ_SAMPLES]
		           .lsn;
		st->lag_bytes =
		    last > rd->replayed ? (long long)(last - rd->replayed) : 0;
	}
}
