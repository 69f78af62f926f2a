#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "role.h"
#include "db.h"
#include "store_num.h"
#include "store_result.h"
#include "store_sessions.h"

void
store_sessions_lookup(struct db *db, const char *hash_hex, db_cb cb, void *arg)
{
	const char *p[] = {hash_hex};

	/* As for API tokens: last_seen to the minute, not a write per hit. */
	db_query_prepared(db,
	    "WITH s AS (SELECT s.id_sha256, s.csrf, s.last_seen, u.id,"
	    "  u.name, u.role, u.crew_id, s.expires_at FROM sessions s"
	    "  JOIN users u ON u.id = s.user_id WHERE s.id_sha256 = $1"
	    "  AND s.expires_at > now() AND u.active),"
	    " touch AS (UPDATE sessions SET last_seen = now() FROM s"
	    "  WHERE sessions.id_sha256 = s.id_sha256"
	    "  AND s.last_seen < now() - interval '1 minute')"
	    " SELECT id, name, role, coalesce(crew_id, 0), csrf,"
	    "  extract(epoch FROM expires_at - now())::float8 FROM s",
	    1, p, cb, arg);
}

double
store_sessions_left_s(const PGresult *res)
{
	if (PQntuples(res) != 1 || PQnfields(res) != 6 ||
	    PQgetisnull(res, 0, 5))
		return -1;
	return store_result_cell_f8(res, 0, 5);
}

void
store_sessions_user(struct db *db, const char *name, db_cb cb, void *arg)
{
	const char *p[] = {name};

	db_query(db,
	    "SELECT id, name, role, active, password_hash, display_name"
	    " FROM users WHERE name = $1",
	    1, p, cb, arg);
}

/* The columns of store_sessions_user; the role (2) is parsed after. */
static const struct store_col login_user_cols[] = {
    STORE_COL(LL, struct store_login_user, id),
    STORE_COL(TEXT, struct store_login_user, name),
    STORE_COL_SKIPPED,
    STORE_COL(BOOL, struct store_login_user, active),
    STORE_COL(CELL, struct store_login_user, password_hash),
    STORE_COL(TEXT, struct store_login_user, display_name),
};

int
store_sessions_user_row(PGresult *res, struct store_login_user *u)
{
	if (PQntuples(res) == 0)
		return 0;
	if (!store_result_one_row(res, 6) ||
	    !store_result_decode(res, 0, STORE_COLS(login_user_cols), u) ||
	    (u->role = role_parse(PQgetvalue(res, 0, 2))) == 0)
		return -1;
	return 1;
}

void
store_sessions_create(struct db *db, const char *hash_hex, long long user_id,
    const char *actor, const char *csrf, int hours, db_cb cb, void *arg)
{
	struct store_num uid, h;
	const char *p[] = {hash_hex, store_num_ll(&uid, user_id), csrf,
	    store_num_ll(&h, hours), actor};

	db_query(db,
	    "WITH gone AS (DELETE FROM sessions WHERE expires_at < now()),"
	    " s AS (INSERT INTO sessions (id_sha256, user_id, csrf, expires_at)"
	    "  VALUES ($1, $2::bigint, $3, now() + $4::int * interval '1 hour')"
	    "  RETURNING expires_at),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    "  object_id) VALUES ($5, 'session.login', 'user', $2))"
	    " SELECT to_json(expires_at)#>>'{}' FROM s",
	    5, p, cb, arg);
}

void
store_sessions_login_failed(struct db *db, const char *name,
    const char *address, int known_user, int delay_s, db_cb cb, void *arg)
{
	struct store_num delay;
	const char *p[] = {name, address, known_user ? "true" : "false",
	    store_num_ll(&delay, delay_s)};

	db_query(db,
	    "INSERT INTO audit_log (actor, action, object_type, object_id,"
	    " detail) VALUES ($1, 'session.login_failed', 'user', $1,"
	    " jsonb_build_object('address', $2::text, 'known_user',"
	    " $3::boolean, 'delay_s', $4::int))",
	    4, p, cb, arg);
}

void
store_sessions_delete(
    struct db *db, const char *hash_hex, const char *actor, db_cb cb, void *arg)
{
	const char *p[] = {hash_hex, actor};

	db_query(db,
	    "WITH s AS (DELETE FROM sessions WHERE id_sha256 = $1"
	    "  RETURNING user_id)"
	    " INSERT INTO audit_log (actor, action, object_type, object_id)"
	    " SELECT $2, 'session.logout', 'user', user_id::text FROM s",
	    2, p, cb, arg);
}

void
store_sessions_failures(struct db *db, const char *key_user,
    const char *key_addr, db_cb cb, void *arg)
{
	const char *p[] = {key_user, key_addr};

	db_query(db,
	    "SELECT key_sha256, failures, greatest(0, extract(epoch FROM"
	    " now() - last_at))::float8 FROM login_failures"
	    " WHERE key_sha256 IN ($1, $2)",
	    2, p, cb, arg);
}

void
store_sessions_failed(struct db *db, const char *key_user, const char *key_addr,
    int forget_s, db_cb cb, void *arg)
{
	struct store_num forget;
	const char *p[] = {key_user, key_addr, store_num_ll(&forget, forget_s)};

	/*
	 * Row locks are taken user key first, then address key, in every
	 * statement: two instances counting at once never deadlock.
	 */
	db_query(db,
	    "INSERT INTO login_failures AS f (key_sha256, failures, last_at)"
	    " VALUES ($1, 1, now()), ($2, 1, now())"
	    " ON CONFLICT (key_sha256) DO UPDATE SET failures = CASE"
	    "  WHEN f.last_at <= now() - make_interval(secs => $3::int)"
	    "  THEN 1 ELSE f.failures + 1 END, last_at = now()"
	    " RETURNING key_sha256, failures, 0::float8",
	    3, p, cb, arg);
}

int
store_sessions_failure_row(PGresult *res, int i, struct store_login_failure *f)
{
	char *end;
	long n;

	if (i < 0 || i >= PQntuples(res) || PQnfields(res) != 3 ||
	    PQgetisnull(res, i, 0) || PQgetisnull(res, i, 1) ||
	    PQgetisnull(res, i, 2))
		return -1;
	f->key = PQgetvalue(res, i, 0);
	n = strtol(PQgetvalue(res, i, 1), &end, 10);
	if (*end != '\0' || n < 1 || n > 2147483647L)
		return -1;
	f->failures = (int)n;
	f->elapsed_s = strtod(PQgetvalue(res, i, 2), &end);
	return *end == '\0' ? 0 : -1;
}

void
store_sessions_failures_clear(
    struct db *db, const char *key, db_cb cb, void *arg)
{
	const char *p[] = {key};

	db_query(db, "DELETE FROM login_failures WHERE key_sha256 = $1", 1, p,
	    cb, arg);
}

void
store_sessions_failures_sweep(
    struct db *db, int older_s, int limit, db_cb cb, void *arg)
{
	struct store_num older, lim;
	const char *p[] = {
	    store_num_ll(&older, older_s), store_num_ll(&lim, limit)};

	db_query(db,
	    "DELETE FROM login_failures WHERE key_sha256 IN (SELECT key_sha256"
	    " FROM login_failures WHERE last_at < now() -"
	    " make_interval(secs => $1::int) ORDER BY last_at LIMIT $2::int"
	    " FOR UPDATE SKIP LOCKED)",
	    2, p, cb, arg);
}
