/*
 * Prepared statements (db_query_prepared): each connection prepares a hot
 * statement once, the first time it runs it, and runs it by name from
 * then on. Up to DB_STMTS_MAX per connection; the rest run unprepared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "xmalloc.h"

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
int
db_stmt_send(struct db_conn *c, struct db_query *q)
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
	return db_conn_sent(c, ok);
}

/*
 * The statement c->q was being prepared: remember it and run it. 0 when
 * it runs (or the connection failed trying), -1 when the prepare failed
 * (res is the error to deliver).
 */
int
db_stmt_prepared(struct db_conn *c, PGresult *res)
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

struct db_stmt *
db_stmt_name(struct db_conn *c, const char *sql, int *fresh)
{
	unsigned long h = db_stmt_hash(sql);
	struct db_stmt *st;

	*fresh = 0;
	if ((st = db_stmt_find(c, sql, h)) != NULL)
		return st;
	if (c->nstmts >= DB_STMTS_MAX)
		return NULL;
	st = &c->stmts[c->nstmts++];
	snprintf(st->name, sizeof st->name, "patrol_%d", ++c->stmt_seq);
	st->sql = xstrdup(sql);
	st->hash = h;
	*fresh = 1;
	return st;
}

/*
 * A prepared statement whose result columns changed under it (a
 * migration: "cached plan must not change result type") is prepared
 * again next time.
 */
void
db_stmt_forget(struct db_conn *c, const char *sql)
{
	struct db_stmt *st = db_stmt_find(c, sql, db_stmt_hash(sql));

	if (st == NULL)
		return;
	free(st->sql);
	*st = c->stmts[--c->nstmts];
}
