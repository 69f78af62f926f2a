/*
 * One connection of the pool (db.c): a small state machine (down ->
 * connecting -> idle <-> busy -> down) driven by one socket event, one
 * timer and PQconnectPoll / PQconsumeInput. It connects with capped,
 * jittered back-off, reads results and notifications, resets itself when
 * a query outlives its deadline, and hands each finished query back to the
 * pool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "db_int.h"
#include "log.h"
#include "xmalloc.h"

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
	c->barrier = 0;
	c->preparing = 0;
	/* Prepared statements die with the session. */
	while (c->nstmts > 0)
		free(c->stmts[--c->nstmts].sql);
}

/*
 * The one teardown path of a connection: close, fail what it was running,
 * and if nothing usable is left, fail the queue too.
 */
void
db_conn_fail(struct db_conn *c, const char *why)
{
	struct db *db = c->db;
	struct db_query *q = TAILQ_EMPTY(&c->group) ? c->q : NULL;
	int was_up = (c->state == DB_CONN_IDLE || c->state == DB_CONN_BUSY);
	char *msg = db_trim(why);

	if (!TAILQ_EMPTY(&c->group)) {
		char *e = xasprintf("database connection lost: %s", msg);

		db_group_fail(c, DB_UNAVAILABLE, e);
		free(e);
	}
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
	if (c->listener)
		db_listen_lost(db);
}

void
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

int
db_conn_send(struct db_conn *c, const char *sql, int nparams,
    char *const *params, int simple)
{
	int ok;

	if (simple)
		ok = PQsendQuery(c->pg, sql);
	else
		ok = PQsendQueryParams(c->pg, sql, nparams, NULL,
		    (const char *const *)params, NULL, NULL, 0);
	return db_conn_sent(c, ok);
}

int
db_conn_sent(struct db_conn *c, int ok)
{
	if (!ok)
		return -1;
	c->state = DB_CONN_BUSY;
	db_conn_flush(c);
	return 0;
}

void
db_conn_internal(struct db_conn *c, const char *sql)
{
	c->internal = 1;
	if (db_conn_send(c, sql, 0, NULL, 1) != 0)
		db_conn_fail(c, PQerrorMessage(c->pg));
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
		db_listen_all(c);
		/* Subscribers may have missed notifications meanwhile. */
		db_listen_notify(db, NULL, NULL);
	}
}

/* A statement finished (terminating NULL seen): deliver, reset, reuse. */
static void
db_conn_complete(struct db_conn *c)
{
	struct db_query *q = c->q;
	PGresult *res = c->keep;
	PGTransactionStatusType ts;
	int barrier = c->barrier;

	c->keep = NULL;
	c->barrier = 0;
	if (c->preparing && db_stmt_prepared(c, res) == 0)
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
		db_listen_all(c);
	if (c->listener)
		db_listen_done(c, barrier);
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
		db_listen_notify(db, n->relname, n->extra);
		PQfreemem(n);
	}
	if (c->state == DB_CONN_BUSY && !TAILQ_EMPTY(&c->group)) {
		db_group_read(c);
		if (c->state == DB_CONN_BUSY)
			db_conn_flush(c);
	} else if (c->state == DB_CONN_BUSY) {
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

void
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

/* c now runs q: the deadline after which the connection is reset. */
void
db_conn_watch(struct db_conn *c, struct db_query *q)
{
	struct db *db = c->db;
	struct timeval tv;
	int ms = db->cfg.statement_timeout_ms + DB_DEADLINE_GRACE_MS;

	c->q = q;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_assign(c->ev_timer, db->base, -1, 0, db_deadline_cb, c);
	event_add(c->ev_timer, &tv);
}

void
db_conn_init(struct db_conn *c, struct db *db, int id, int listener)
{
	c->db = db;
	c->id = id;
	c->listener = listener;
	TAILQ_INIT(&c->group);
	c->ev_io = event_new(db->base, -1, 0, db_conn_poll_cb, c);
	c->ev_write = event_new(db->base, -1, 0, db_conn_write_cb, c);
	c->ev_timer = event_new(db->base, -1, 0, db_backoff_cb, c);
}

/* At shutdown: what it runs fails, and it is closed for good. */
void
db_conn_free(struct db_conn *c)
{
	if (!TAILQ_EMPTY(&c->group))
		db_group_fail(c, DB_UNAVAILABLE, "shutting down");
	else if (c->q != NULL && !c->internal)
		db_query_finish(c->q, DB_UNAVAILABLE, NULL, "shutting down");
	c->q = NULL;
	db_conn_close(c);
	event_free(c->ev_io);
	event_free(c->ev_write);
	event_free(c->ev_timer);
}
