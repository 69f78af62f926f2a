/*
 * The database pool's private parts, shared by its files (callers use
 * db.h). db.c: the pool: the query queue, dispatch to idle connections,
 * completion and the public query API; db_conn.c: one connection's state
 * machine (connect, read, write, deadline, back-off); db_stmt.c: prepared
 * statements per connection; db_listen.c: LISTEN and the NOTIFY fan-out;
 * db_read.c: routing reads to a hot standby (issue 19).
 */
#ifndef PATROL_DB_INT_H
#define PATROL_DB_INT_H

#include <sys/queue.h>

#include <event2/event.h>

#include "db.h"

#define DB_BACKOFF_MIN_MS    100
#define DB_BACKOFF_MAX_MS    2000
#define DB_DEADLINE_GRACE_MS 1000
#define DB_STMTS_MAX         64 /* prepared statements kept per connection */
#define DB_GROUP_MAX         16 /* grouped statements in one transaction */

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
	int grouped;    /* db_query_grouped: may share a transaction */
	int alone;      /* its group failed: runs in a transaction of its own */
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
	int barrier;        /* the internal statement is db_listen_sync's */
	PGresult *keep;     /* result kept until the terminating NULL */
	struct db_stmt stmts[DB_STMTS_MAX];
	int nstmts, stmt_seq;
	int preparing; /* PQsendPrepare for q in flight, then q itself */
	/* A group in flight (db_group.c): its queries in order; q is the one
	 * whose results come next. */
	struct db_queries group;
	int group_prepare; /* the statement's Prepare answers first */
	int group_failed;  /* a statement failed: none took effect */
};

struct db_sync {
	db_sync_cb cb;
	void *arg;
	struct db_scope scope; /* of the code that waits: a read route's */
	TAILQ_ENTRY(db_sync) entry;
};
TAILQ_HEAD(db_syncs, db_sync);

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
	struct db_syncs sync_next; /* db_listen_sync: for a barrier not sent */
	struct db_syncs sync_sent; /* for the one in flight */
	int freeing;
	unsigned long reconnects, queries, failures;
	unsigned long groups, grouped, regrouped;
	struct db_read *rd; /* the replica's state, or NULL */
	void (*deferred_cb)(const char *channel, void *arg);
	void *deferred_arg;
};

struct db_read; /* db_read.c */

/* db.c: the pool. */
char *db_trim(const char *msg);
int db_usable(struct db *);
void db_set_error(struct db *, const char *msg);
void db_query_finish(
    struct db_query *, enum db_status, PGresult *, const char *error);
void db_fail_queue(struct db *, const char *why);
void db_enqueue(struct db *, struct db_query *);
void db_dispatch(struct db *);
/* The scope of the code running now; set around a deferred callback so
 * that it goes on in the scope of the code that waited for it. */
struct db_scope db_scope_now(void);
void db_scope_set(const struct db_scope *);

/* db_conn.c: one connection. */
void db_conn_init(struct db_conn *, struct db *, int id, int listener);
void db_conn_free(struct db_conn *);
void db_conn_start(struct db_conn *);
void db_conn_fail(struct db_conn *, const char *why);
void db_conn_flush(struct db_conn *);
int db_conn_send(struct db_conn *, const char *sql, int nparams,
    char *const *params, int simple);
/*
 * After a PQsend* call that returned ok: 0 with the connection busy with
 * what was sent (and its flushing begun), or -1 when nothing was sent.
 */
int db_conn_sent(struct db_conn *, int ok);
void db_conn_internal(struct db_conn *, const char *sql);
void db_conn_watch(struct db_conn *, struct db_query *);

/* db_stmt.c: prepared statements. */
int db_stmt_send(struct db_conn *, struct db_query *);
int db_stmt_prepared(struct db_conn *, PGresult *);
void db_stmt_forget(struct db_conn *, const char *sql);
/* The name sql runs by on this connection; *fresh when recorded now (to be
 * prepared first). NULL when the connection has no room for more. */
struct db_stmt *db_stmt_name(struct db_conn *, const char *sql, int *fresh);

/* db_group.c: grouped statements sharing a transaction. */
/* q (just taken off the queue) and others like it waiting: 1 when sent
 * together on c (or failed trying: they are answered), 0 when q is alone. */
int db_group_send(struct db_conn *, struct db_query *q);
/* c's socket is readable while a group is in flight. */
void db_group_read(struct db_conn *);
/* The connection failed: every query of its group gets status and why. */
void db_group_fail(struct db_conn *, enum db_status, const char *why);

/* db_listen.c: LISTEN and NOTIFY. */
void db_listen_all(struct db_conn *);
void db_listen_notify(struct db *, const char *channel, const char *payload);
void db_listen_free(struct db *);
/* The listener finished a statement (barrier: db_listen_sync's). */
void db_listen_done(struct db_conn *, int barrier);
/* The listener is lost or the pool freed: every waiting sync gets cb(0). */
void db_listen_lost(struct db *);

/* db_read.c: reads on the replica. */
struct db *db_read_target(struct db *, struct db_query *);
int db_read_retry(struct db_query *, const struct db_result *);
void db_read_free(struct db_read *);

#endif
