/*
 * Asynchronous libpq pool inside the libevent loop: the query queue,
 * dispatch to idle connections, completion and the public API (db.h).
 * One connection's state machine is db_conn.c's (db_int.h lists the rest).
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
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <event2/event.h>

#include "db_int.h"
#include "log.h"
#include "xmalloc.h"

/* The scope of the code running now (one event loop, one thread). */
static struct db_scope db_cur;

char *
db_trim(const char *msg)
{
	char *s = xstrdup(msg != NULL && *msg != '\0' ? msg : "unknown error");
	char *nl;

	/* libpq messages end in "\n" and may hold several lines. */
	if ((nl = strchr(s, '\n')) != NULL)
		*nl = '\0';
	return s;
}

int
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
void
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
		if (db_read_retry(q, &r))
			continue; /* the replica could not: the primary will */
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

void
db_fail_queue(struct db *db, const char *why)
{
	struct db_query *q;

	while ((q = TAILQ_FIRST(&db->queue)) != NULL) {
		TAILQ_REMOVE(&db->queue, q, entry);
		db->nqueued--;
		db_query_finish(q, DB_UNAVAILABLE, NULL, why);
	}
}

void
db_set_error(struct db *db, const char *msg)
{
	free(db->last_error);
	db->last_error = msg != NULL ? db_trim(msg) : NULL;
}

void
db_dispatch(struct db *db)
{
	struct db_query *q;
	struct db_conn *c;
	int i;

	for (i = 0; i < db->nconns && !TAILQ_EMPTY(&db->queue); i++) {
		c = &db->conns[i];
		if (c->listener || c->state != DB_CONN_IDLE)
			continue;
		q = TAILQ_FIRST(&db->queue);
		TAILQ_REMOVE(&db->queue, q, entry);
		db->nqueued--;
		event_del(q->ev_timeout);
		if (db_group_send(c, q))
			continue; /* sent with others like it, or answered */
		if (db_stmt_send(c, q) != 0) {
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
		db_conn_watch(c, q);
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

void
db_enqueue(struct db *db, struct db_query *q)
{
	struct timeval tv;

	if (q->db == NULL) {
		/* First time: note the scope, and maybe go to the replica. */
		q->scope = db_cur;
		db = db_read_target(db, q);
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

/* A new query of sql with a copy of its parameters. */
static struct db_query *
db_query_new(const char *sql, int nparams, const char *const *params, db_cb cb,
    void *arg)
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
	return q;
}

void
db_query(struct db *db, const char *sql, int nparams, const char *const *params,
    db_cb cb, void *arg)
{
	db_enqueue(db, db_query_new(sql, nparams, params, cb, arg));
}

void
db_query_prepared(struct db *db, const char *sql, int nparams,
    const char *const *params, db_cb cb, void *arg)
{
	struct db_query *q = db_query_new(sql, nparams, params, cb, arg);

	q->prepared = 1;
	db_enqueue(db, q);
}

void
db_query_grouped(struct db *db, const char *sql, int nparams,
    const char *const *params, db_cb cb, void *arg)
{
	struct db_query *q = db_query_new(sql, nparams, params, cb, arg);

	q->prepared = 1;
	q->grouped = 1;
	db_enqueue(db, q);
}

void
db_exec(struct db *db, const char *script, db_cb cb, void *arg)
{
	struct db_query *q = db_query_new(script, 0, NULL, cb, arg);

	q->simple = 1;
	db_enqueue(db, q);
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
	TAILQ_INIT(&db->sync_next);
	TAILQ_INIT(&db->sync_sent);
	db->ev_done = evtimer_new(base, db_done_cb, db);
	db->nconns = cfg->pool_size + 1;
	db->conns = xcalloc((size_t)db->nconns, sizeof *db->conns);
	for (i = 0; i < db->nconns; i++) {
		c = &db->conns[i];
		db_conn_init(c, db, i, i == db->nconns - 1);
		if (!c->listener)
			db_conn_start(c);
	}
	return db;
}

void
db_free(struct db *db)
{
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
	db_listen_lost(db); /* may queue look-ups: failed just below */
	db_fail_queue(db, "shutting down");
	for (i = 0; i < db->nconns; i++)
		db_conn_free(&db->conns[i]);
	/* Deliver the failures now: the loop may not run again. */
	while (!TAILQ_EMPTY(&db->done))
		db_done_cb(-1, 0, db);
	free(rd);
	event_free(db->ev_done);
	db_listen_free(db);
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
	st->groups = db->groups;
	st->grouped = db->grouped;
	st->regrouped = db->regrouped;
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

struct db_scope
db_scope_now(void)
{
	return db_cur;
}

void
db_scope_set(const struct db_scope *sc)
{
	db_cur = *sc;
}
