/*
 * SQL for console log-in sessions (schema/0008_sessions.sql). Sessions are
 * found by the SHA-256 of the cookie's value; the value itself is never
 * stored. Each function queues one statement; strings passed are copied.
 */
#ifndef PATROL_STORE_SESSIONS_H
#define PATROL_STORE_SESSIONS_H

#include <libpq-fe.h>

#include "role.h"
#include "db.h"

/*
 * The active user of a live session, noting its use (to the minute). The
 * result goes to store_users_auth_row (which sets u->csrf and u->session)
 * and store_sessions_left_s.
 */
void store_sessions_lookup(struct db *, const char *hash_hex, db_cb, void *arg);
/* Seconds the session found by store_sessions_lookup has left; -1: none. */
double store_sessions_left_s(const PGresult *);

/* A user for a log-in attempt; read it with store_sessions_user_row. */
void store_sessions_user(struct db *, const char *name, db_cb, void *arg);

/* A log-in's user; the strings live as long as the PGresult. */
struct store_login_user {
	long long id;
	const char *name;
	enum auth_role role;
	int active;
	const char *password_hash; /* NULL: no password log-in */
	const char *display_name;
};
/* 1 with *u filled, 0 for an unknown name, -1 on a bad row. */
int store_sessions_user_row(PGresult *, struct store_login_user *u);
/*
 * A new session for user_id lasting hours, recorded in audit_log; expired
 * sessions are swept meanwhile. One row: the expiry time as ISO 8601.
 */
void store_sessions_create(struct db *, const char *hash_hex, long long user_id,
    const char *actor, const char *csrf, int hours, db_cb, void *arg);
/*
 * A failed log-in in audit_log: actor and object the name typed, detail
 * the client address, whether the name is a user's and the delay it set.
 * Never the password.
 */
void store_sessions_login_failed(struct db *, const char *name,
    const char *address, int known_user, int delay_s, db_cb, void *arg);
/*
 * Failed log-ins shared by every patrold (schema/0170_login_failures.sql).
 * Keys are the SHA-256 (hex) of "u:NAME" and "a:ADDRESS". Each function
 * queues one statement; times are the database's.
 *
 * The counts of the two keys (a row each that is known): read them with
 * store_sessions_failure_row.
 */
void store_sessions_failures(
    struct db *, const char *key_user, const char *key_addr, db_cb, void *arg);
/*
 * Counts one failure for each of the two keys in one statement (a key
 * quiet for forget_s starts again at 1). Two rows, read them with
 * store_sessions_failure_row (elapsed_s 0).
 */
void store_sessions_failed(struct db *, const char *key_user,
    const char *key_addr, int forget_s, db_cb, void *arg);
struct store_login_failure {
	const char *key; /* lives as long as the PGresult */
	int failures;
	double elapsed_s; /* since the last failure */
};
/* Row i of either query; -1 on a bad row. */
int store_sessions_failure_row(
    PGresult *, int i, struct store_login_failure *f);
/* Forgets a key (a successful log-in). */
void store_sessions_failures_clear(
    struct db *, const char *key, db_cb, void *arg);
/*
 * Deletes up to `limit` rows whose last failure is older than older_s
 * (nothing can hold them any more); rows in use by others are skipped.
 */
void store_sessions_failures_sweep(
    struct db *, int older_s, int limit, db_cb, void *arg);
/* Ends a session (log-out), recorded in audit_log. */
void store_sessions_delete(
    struct db *, const char *hash_hex, const char *actor, db_cb, void *arg);

#endif
