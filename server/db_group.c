/*
 * Statements that share a transaction (db_query_grouped, issue 19). When a
 * connection frees up and several grouped statements of the same text wait
 * for one, it takes up to DB_GROUP_MAX of them and sends them in one libpq
 * pipeline closed by a single Sync: PostgreSQL runs them in one implicit
 * transaction, so they share one commit and one WAL flush. PostgreSQL's
 * own group commit shares a flush only between connections that commit at
 * the same moment; a pool of four then waits for the disk four commits at
 * a time however many calls wait behind it (BENCHMARKS.md §13).
 *
 * A group is all or nothing: after a statement fails PostgreSQL skips the
 * rest of the pipeline and rolls the transaction back at the Sync. None of
 * the group took effect then, and each runs again in a transaction of its
 * own (q->alone), so every caller gets its own statement's outcome, never
 * a neighbour's. A statement alone in the queue is sent as
 * db_query_prepared sends it: grouping adds no wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "db_int.h"
#include "log.h"
#include "xmalloc.h"

static void
db_group_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_conn *c = arg;

	(void)fd;
	(void)ev;
	/* As db_conn.c's deadline: the server or the network is stuck. */
	log_warnx("event=db_deadline conn=%d group=1", c->id);
	db_group_fail(c, DB_TIMEOUT, "database did not answer in time");
	db_conn_fail(c, "query deadline passed; connection reset");
}

/* Moves the queued queries that may join first into c's group. */
static int
db_group_gather(struct db_conn *c, struct db_query *first)
{
	struct db *db = c->db;
	struct db_query *q, *next;
	int n = 1;

	TAILQ_INSERT_TAIL(&c->group, first, entry);
	for (q = TAILQ_FIRST(&db->queue); q != NULL && n < DB_GROUP_MAX;
	     q = next) {
		next = TAILQ_NEXT(q, entry);
		if (!q->grouped || q->alone || q->nparams != first->nparams ||
		    strcmp(q->sql, first->sql) != 0)
			continue;
		TAILQ_REMOVE(&db->queue, q, entry);
		db->nqueued--;
		event_del(q->ev_timeout);
		TAILQ_INSERT_TAIL(&c->group, q, entry);
		n++;
	}
	return n;
}

/* Sends c's group: Prepare when new here, each Execute, one Sync. */
static int
db_group_pipeline(struct db_conn *c, int n)
{
	struct db_query *q = TAILQ_FIRST(&c->group);
	struct db_stmt *st;
	int fresh;

	if (!PQenterPipelineMode(c->pg))
		return -1;
	st = db_stmt_name(c, q->sql, &fresh);
	if (st != NULL && fresh &&
	    !PQsendPrepare(c->pg, st->name, q->sql, q->nparams, NULL))
		return -1;
	c->group_prepare = st != NULL && fresh;
	TAILQ_FOREACH(q, &c->group, entry)
	{
		if (!(st != NULL
		            ? PQsendQueryPrepared(c->pg, st->name, q->nparams,
		                  (const char *const *)q->params, NULL, NULL, 0)
		            : PQsendQueryParams(c->pg, q->sql, q->nparams, NULL,
		                  (const char *const *)q->params, NULL, NULL,
		                  0)))
			return -1;
	}
	if (!PQpipelineSync(c->pg))
		return -1;
	c->db->groups++;
	c->db->grouped += (unsigned long)n;
	return 0;
}

int
db_group_send(struct db_conn *c, struct db_query *first)
{
	struct db *db = c->db;
	struct timeval tv;
	struct db_query *q;
	int n, ms;

	if (!first->grouped || first->alone || !TAILQ_EMPTY(&c->group))
		return 0;
	/* Alone in the queue: sent as any prepared statement is. */
	TAILQ_FOREACH(q, &db->queue, entry)
	{
		if (q->grouped && !q->alone && strcmp(q->sql, first->sql) == 0)
			break;
	}
	if (q == NULL)
		return 0;
	n = db_group_gather(c, first);
	c->group_failed = 0;
	c->q = first;
	if (db_group_pipeline(c, n) != 0 || db_conn_sent(c, 1) != 0 ||
	    c->state != DB_CONN_BUSY) {
		/* Nothing is committed before the Sync: all fail alike. */
		db_conn_fail(c, PQerrorMessage(c->pg));
		return 1;
	}
	/* Each statement has statement_timeout; the group, all of theirs. */
	ms = n * db->cfg.statement_timeout_ms + DB_DEADLINE_GRACE_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_del(c->ev_timer);
	event_assign(c->ev_timer, db->base, -1, 0, db_group_deadline_cb, c);
	event_add(c->ev_timer, &tv);
	return 1;
}

void
db_group_fail(struct db_conn *c, enum db_status status, const char *why)
{
	struct db_query *q;

	while ((q = TAILQ_FIRST(&c->group)) != NULL) {
		TAILQ_REMOVE(&c->group, q, entry);
		if (q->res != NULL) {
			PQclear(q->res);
			q->res = NULL;
		}
		db_query_finish(q, status, NULL, why);
	}
	c->q = NULL;
	c->group_prepare = 0;
}

/* The Sync's answer: the transaction committed, or none of it did. */
static void
db_group_done(struct db_conn *c)
{
	struct db *db = c->db;
	struct db_queries done = TAILQ_HEAD_INITIALIZER(done);
	struct db_query *q;
	struct timeval tv;
	int n = 0;

	if (!PQexitPipelineMode(c->pg)) {
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}
	TAILQ_CONCAT(&done, &c->group, entry);
	c->q = NULL;
	c->state = DB_CONN_IDLE;
	event_del(c->ev_timer);
	if (!c->group_failed) {
		while ((q = TAILQ_FIRST(&done)) != NULL) {
			TAILQ_REMOVE(&done, q, entry);
			db_query_finish(q, q->res != NULL ? DB_OK : DB_ERROR,
			    q->res, q->res != NULL ? NULL : "no result");
			/* Committed with the rest: tell now (db.h). */
			if (q->res != NULL && q->deferred != NULL &&
			    db->deferred_cb != NULL)
				db->deferred_cb(q->deferred, db->deferred_arg);
		}
		return;
	}
	/* Back to the head of the queue, in order, each to run alone. */
	while ((q = TAILQ_LAST(&done, db_queries)) != NULL) {
		TAILQ_REMOVE(&done, q, entry);
		if (q->res != NULL) {
			PQclear(q->res);
			q->res = NULL;
		}
		free(q->deferred);
		q->deferred = NULL;
		q->alone = 1;
		TAILQ_INSERT_HEAD(&db->queue, q, entry);
		db->nqueued++;
		tv.tv_sec = db->cfg.queue_timeout_ms / 1000;
		tv.tv_usec = (db->cfg.queue_timeout_ms % 1000) * 1000;
		event_add(q->ev_timeout, &tv);
		n++;
	}
	db->regrouped += (unsigned long)n;
	log_info("event=db_group_failed conn=%d statements=%d "
	         "outcome=each_run_alone",
	    c->id, n);
}

void
db_group_read(struct db_conn *c)
{
	PGresult *r;
	const char *st;

	while (c->state == DB_CONN_BUSY && !PQisBusy(c->pg)) {
		r = PQgetResult(c->pg);
		if (r == NULL) {
			/* One statement's results are over: the next one's. */
			if (c->group_prepare)
				c->group_prepare = 0;
			else if (c->q != NULL)
				c->q = TAILQ_NEXT(c->q, entry);
			else {
				/* Only the Sync was left, and it never came. */
				db_conn_fail(c,
				    PQstatus(c->pg) == CONNECTION_BAD
				        ? PQerrorMessage(c->pg)
				        : "pipeline ended without its Sync");
				return;
			}
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(r);
			db_group_done(c);
			return;
		case PGRES_FATAL_ERROR:
			st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			/* A failed Prepare, or columns changed by a migration:
			 * prepared again next time. */
			if (c->group_prepare ||
			    (st != NULL && strcmp(st, "0A000") == 0))
				db_stmt_forget(c, TAILQ_FIRST(&c->group)->sql);
			c->group_failed = 1;
			PQclear(r);
			break;
		case PGRES_PIPELINE_ABORTED:
			c->group_failed = 1;
			PQclear(r);
			break;
		default:
			if (c->group_prepare || c->q == NULL) {
				PQclear(r);
				break;
			}
			/* Keep the last result, as a lone statement does. */
			if (c->q->res != NULL)
				PQclear(c->q->res);
			c->q->res = r;
			break;
		}
	}
}
