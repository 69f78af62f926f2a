/*
 * The one database call path: an asynchronous libpq pool inside the
 * libevent loop. No SQL lives here; store_*.c and schema/ hold it.
 *
 * Every query's callback is called exactly once, never from inside the
 * db_query() call that queued it, with one of:
 *   DB_OK          the statement(s) ran; res is the last result
 *   DB_ERROR       PostgreSQL refused it; sqlstate and error are set
 *   DB_UNAVAILABLE no usable connection (down, queue full, waited too long,
 *                  connection lost mid-query: the query may have run)
 *   DB_TIMEOUT     no answer before statement_timeout plus a grace period;
 *                  the connection was reset
 * The result (and its PGresult) is freed when the callback returns, unless
 * the callback takes res by setting it to NULL (it then PQclear()s it).
 */
#ifndef PATROL_DB_H
#define PATROL_DB_H

#include "compiler.h"

#include <libpq-fe.h>

struct event_base;
struct db;

enum db_status {
	DB_OK,
	DB_ERROR,
	DB_UNAVAILABLE,
	DB_TIMEOUT,
};

struct db_result {
	enum db_status status;
	PGresult *res;
	const char *error;    /* one line, no query parameters */
	const char *sqlstate; /* DB_ERROR only: e.g. "23505" */
};

typedef void (*db_cb)(struct db_result *, void *arg);
/*
 * A NOTIFY on a channel. payload NULL means the listening connection was
 * re-established: notifications may have been missed, so re-read state.
 */
typedef void (*db_notify_cb)(
    const char *channel, const char *payload, void *arg);

struct db_config {
	const char *conninfo;
	int pool_size;
	int connect_timeout_ms;
	int statement_timeout_ms;
	int queue_max;
	int queue_timeout_ms;
	const char *timezone; /* session TimeZone, or NULL */
	int defer_notify;     /* sessions set patrol.defer_notify (below) */
};

struct db_stats {
	int connections; /* open and usable */
	int busy;        /* running a query */
	int waiting;     /* queued for a connection */
	unsigned long reconnects;
	unsigned long queries;
	unsigned long failures;  /* DB_UNAVAILABLE or DB_TIMEOUT */
	unsigned long groups;    /* transactions shared by grouped statements */
	unsigned long grouped;   /* statements run in them */
	unsigned long regrouped; /* run again alone after their group failed */
};

/* Creates the pool and starts connecting; never fails. */
struct db *db_new(struct event_base *, const struct db_config *);
/* Closes every connection; queued queries get DB_UNAVAILABLE first. */
void db_free(struct db *);

/*
 * Queues a parameterised statement (text parameters; NULL entries are SQL
 * NULL). sql and params are copied.
 */
void db_query(struct db *, const char *sql, int nparams,
    const char *const *params, db_cb, void *arg);
/*
 * The same for a hot statement whose text never changes: each connection
 * prepares it once (one more round trip, the first time) and runs it by
 * name from then on, so PostgreSQL parses it once per session and may keep
 * its plan. Up to DB_STMTS_MAX (db_int.h) statements per connection; more are
 * run as db_query runs them.
 */
void db_query_prepared(struct db *, const char *sql, int nparams,
    const char *const *params, db_cb, void *arg);
/*
 * The same for a statement that stands alone and may share its
 * transaction (db_group.c): statements of the same text waiting together
 * for a connection run in one transaction, with one commit and one WAL
 * flush for all. The outcome is each one's own: if any of them fails, none
 * took effect and each runs again in a transaction of its own. For writes
 * whose callers need no transaction of their own: no SET LOCAL, no
 * advisory lock meant for one call, and nothing that waits for other
 * writers to end (two groups would each hold what the other waits for;
 * request_events_safe_id() no longer waits, schema/0420).
 */
void db_query_grouped(struct db *, const char *sql, int nparams,
    const char *const *params, db_cb, void *arg);
/*
 * Queues a script of several statements (simple protocol, no parameters),
 * e.g. a migration. A transaction left open by a failed script is rolled
 * back before the connection is reused.
 */
void db_exec(struct db *, const char *script, db_cb, void *arg);

/*
 * Subscribes to a channel ([a-z0-9_] only) on the pool's listening
 * connection, which is kept open and re-LISTENs after every reconnect.
 * Returns -1 with *cause on a bad name.
 */
int db_listen(
    struct db *, const char *channel, db_notify_cb, void *arg, char **cause);
/*
 * 1 while the listening connection is up and has LISTENed to every
 * channel: a change notified from now on will be heard. What is kept on
 * the strength of notifications must not be trusted otherwise.
 */
int db_listening(const struct db *);
/*
 * A barrier for what is kept on the strength of notifications: cb(1)
 * once every notification committed before this call has been handed to
 * the subscribers, cb(0) if the listening connection is lost meanwhile.
 * The listener runs an empty statement sent after this call: PostgreSQL
 * sends a listening session the notifications committed before it
 * answers (their signal was sent before the commit was acknowledged).
 * Calls made while one such statement is in flight share the next one.
 * -1 (and no cb) when not listening now.
 */
typedef void (*db_sync_cb)(int heard, void *arg);
int db_listen_sync(struct db *, db_sync_cb, void *arg);

/*
 * NOTIFY after the commit (schema/0280, issue 19): a NOTIFY inside a
 * transaction holds PostgreSQL's global notify lock through the commit's
 * WAL flush, so the sessions of a pool made with defer_notify get, instead,
 * a notice of SQLSTATE DB_DEFERRED_SQLSTATE whose message names the
 * channel. Once such a statement has succeeded (committed: every query is
 * its own transaction), cb(channel, arg) is called, from inside the pool's
 * read callback: it must not queue queries itself (arm a timer).
 */
#define DB_DEFERRED_SQLSTATE "PW001"
void db_on_deferred(
    struct db *, void (*cb)(const char *channel, void *arg), void *arg);

void db_stats(struct db *, struct db_stats *);

/*
 * Reads from a hot standby (issue 19, option database_read_url). The
 * primary pool owns the replica's (db_free frees both). Queries issued in
 * a read scope, and from the callbacks of those queries, go to the replica
 * when it is up, no more than max_lag_ms behind the primary, and has
 * replayed the session's last write; else to the primary. A replica query
 * that fails for want of a connection, or because it writes (SQLSTATE
 * 25006 on a standby), is run again on the primary. Session keys: any
 * 64-bit digest of the session's credentials.
 */
void db_set_replica(struct db *primary, struct db *replica, int max_lag_ms);
void db_scope_read(unsigned long long key);
void db_scope_clear(void);
/* A session's write begins: its reads go to the primary from now... */
void db_write_begin(struct db *, unsigned long long key);
/* ...until the replica has replayed the primary's WAL position read after
 * the write was answered. */
void db_write_end(struct db *, unsigned long long key);

struct db_read_stats {
	int configured;          /* a replica is set */
	int usable;              /* up and within the lag limit */
	unsigned long replica;   /* queries run on the replica */
	unsigned long primary;   /* read-scope queries sent to the primary */
	unsigned long fallbacks; /* replica queries run again on the primary */
	long long lag_bytes;     /* primary's last position - replica's */
};
void db_read_stats(struct db *, struct db_read_stats *);
/* The last connection error, or NULL while connected. */
const char *db_last_error(struct db *);

/*
 * For command-line tools: runs the loop until the query completes. Returns
 * 0 and the result in *res (caller PQclear()s it; res may be NULL to drop
 * it), or -1 with *cause.
 */
PATROL_MUSTCHECK int db_query_sync(struct db *, const char *sql, int nparams,
    const char *const *params, PGresult **res, char **cause);
PATROL_MUSTCHECK int db_exec_sync(
    struct db *, const char *script, char **cause);

/*
 * The same for any store_* function: pass db_wait_cb and a zeroed
 * struct db_wait as its callback, then db_wait() runs the loop until it
 * completed. Returns as db_query_sync does.
 */
struct db_wait {
	int done;
	int ok;
	PGresult *res;
	char *error;
};
void db_wait_cb(struct db_result *, void *arg);
int db_wait(struct db *, struct db_wait *, PGresult **res, char **cause);

#endif
