#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "role.h"
#include "db.h"
#include "store_num.h"
#include "store_result.h"
#include "store_users.h"
#include "xmalloc.h"

#define STORE_USERS_COLUMNS                                                    \
	"id, name, display_name, role, active, password_hash IS NOT NULL, "    \
	"(SELECT code FROM crews WHERE crews.id = users.crew_id)"

/*
 * Runs a statement expected to return at most one row. Returns 1 with *res
 * holding the row, 0 when there was none (res cleared), or -1.
 */
static int
store_users_one(struct db *db, const char *sql, int n,
    const char *const *params, PGresult **res, char **cause)
{
	if (db_query_sync(db, sql, n, params, res, cause) != 0)
		return -1;
	if (PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		return 0;
	}
	return 1;
}

/*
 * store_users_one where no row is an error: 0 with *res holding the row,
 * or -1 with *cause, "<missing> '<name>'" when there was none.
 */
static int
store_users_need(struct db *db, const char *sql, int n,
    const char *const *params, PGresult **res, const char *missing,
    const char *name, char **cause)
{
	int found = store_users_one(db, sql, n, params, res, cause);

	if (found == 0)
		*cause = xasprintf("%s '%s'", missing, name);
	return found == 1 ? 0 : -1;
}

/*
 * When code is not NULL, *param = the id of the crew with that code, as
 * text in buf. 0, or -1 with *cause (no such crew).
 */
static int
store_users_crew_param(struct db *db, const char *code, struct store_num *buf,
    const char **param, char **cause)
{
	long long crew_id;

	if (code == NULL)
		return 0;
	if (store_users_crew_id(db, code, &crew_id, cause) != 0)
		return -1;
	*param = store_num_ll(buf, crew_id);
	return 0;
}

int
store_users_add(
    struct db *db, const struct store_user_new *n, long long *id, char **cause)
{
	struct store_num crew;
	const char *params[6] = {n->name, n->display_name, role_name(n->role),
	    n->password_hash, NULL, n->actor};
	PGresult *res;
	int found;

	if (store_users_crew_param(
	        db, n->crew_code, &crew, &params[4], cause) != 0)
		return -1;
	/*
	 * ON CONFLICT rather than a SQLSTATE: db_query_sync hides it. The
	 * audit row is written by the same statement, so never one without
	 * the other.
	 */
	found = store_users_one(db,
	    "WITH u AS (INSERT INTO users (name, display_name, role,"
	    "  password_hash, crew_id) VALUES ($1, $2, $3, $4, $5::bigint)"
	    "  ON CONFLICT (name) DO NOTHING RETURNING id),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    "  object_id, detail) SELECT $6, 'user.add', 'user', u.id::text,"
	    "  jsonb_strip_nulls(jsonb_build_object('name', $1::text, 'role',"
	    "  $3::text, 'crew_id', $5::bigint, 'password', $4::text IS NOT"
	    "  NULL)) FROM u)"
	    " SELECT id FROM u",
	    6, params, &res, cause);
	if (found < 0)
		return -1;
	if (found == 0) {
		*cause = xasprintf("a user named '%s' already exists", n->name);
		return -1;
	}
	*id = store_result_cell_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

int
store_users_crew_id(
    struct db *db, const char *code, long long *crew_id, char **cause)
{
	const char *params[1] = {code};
	PGresult *res;

	if (store_users_need(db, "SELECT id FROM crews WHERE code = $1", 1,
	        params, &res, "no crew with the code", code, cause) != 0)
		return -1;
	*crew_id = store_result_cell_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

int
store_users_set_crew(struct db *db, const char *name, const char *crew_code,
    const char *actor, char **cause)
{
	struct store_num crew;
	const char *params[3] = {name, NULL, actor};
	PGresult *res;
	enum auth_role role;

	if (store_users_crew_param(db, crew_code, &crew, &params[1], cause) !=
	    0)
		return -1;
	if (store_users_need(db,
	        "WITH prev AS (SELECT id, role, crew_id FROM users"
	        "  WHERE name = $1 FOR UPDATE),"
	        " u AS (UPDATE users SET crew_id = $2::bigint FROM prev"
	        "  WHERE users.id = prev.id AND prev.role = 'crew' RETURNING"
	        "  users.id),"
	        " a AS (INSERT INTO audit_log (actor, action, object_type,"
	        "  object_id, detail) SELECT $3, 'user.crew', 'user',"
	        "  u.id::text, jsonb_build_object('name', $1::text, 'from',"
	        "  prev.crew_id, 'to', $2::bigint) FROM u, prev)"
	        " SELECT role FROM prev",
	        3, params, &res, "no user named", name, cause) != 0)
		return -1;
	role = role_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (role != AUTH_CREW) {
		*cause = xasprintf("user '%s' is a %s: only crew users belong "
		                   "to a crew",
		    name, role_name(role));
		return -1;
	}
	return 0;
}

int
store_users_set_password(struct db *db, const char *name,
    const char *password_hash, const char *actor, char **cause)
{
	const char *params[3] = {name, password_hash, actor};
	PGresult *res;

	if (store_users_need(db,
	        "WITH u AS (UPDATE users SET password_hash = $2 WHERE name = $1"
	        "  RETURNING id),"
	        " a AS (INSERT INTO audit_log (actor, action, object_type,"
	        "  object_id, detail) SELECT $3, 'user.password', 'user',"
	        "  u.id::text, jsonb_build_object('name', $1::text) FROM u)"
	        " SELECT id FROM u",
	        3, params, &res, "no user named", name, cause) != 0)
		return -1;
	PQclear(res);
	return 0;
}

int
store_users_list(struct db *db, PGresult **res, char **cause)
{
	return db_query_sync(db,
	    "SELECT " STORE_USERS_COLUMNS " FROM users ORDER BY name", 0, NULL,
	    res, cause);
}

/*
 * Runs a statement that names one user ($1) and answers one count: 0 with
 * *n set, or -1 with *cause (an unknown user included).
 */
static int
store_users_count_for(struct db *db, const char *sql, const char *name,
    const char *actor, int *n, char **cause)
{
	const char *params[2] = {name, actor};
	PGresult *res;

	if (store_users_need(
	        db, sql, 2, params, &res, "no user named", name, cause) != 0)
		return -1;
	*n = store_result_cell_int(res, 0, 0);
	PQclear(res);
	return 0;
}

/*
 * The users u (found by the statement u_sql from $1, the name) lose every
 * live token, now: one audit row per user ($2, the actor) with the
 * action and the revoked ids under key; the answer is how many. Both
 * ways a user loses access (disable, token revoke) are this statement.
 */
#define STORE_USERS_REVOKE_SQL(u_sql, action, key)                             \
	"WITH u AS (" u_sql "), "                                              \
	"r AS (UPDATE api_tokens SET revoked_at = now() "                      \
	"    WHERE user_id IN (SELECT id FROM u) AND revoked_at IS NULL "      \
	"    RETURNING id), "                                                  \
	"a AS (INSERT INTO audit_log (actor, action, object_type, "            \
	"    object_id, detail) SELECT $2, '" action "', 'user', "             \
	"    u.id::text, jsonb_build_object('name', $1::text, "                \
	"    '" key "', (SELECT coalesce(jsonb_agg(id), '[]') FROM r)) "       \
	"    FROM u) "                                                         \
	"SELECT (SELECT count(*) FROM r) FROM u"

int
store_users_disable(struct db *db, const char *name, const char *actor,
    int *revoked, char **cause)
{
	/* Revoked with the user: enabling again must not revive tokens. */
	return store_users_count_for(db,
	    STORE_USERS_REVOKE_SQL(
	        "UPDATE users SET active = false WHERE name = $1 RETURNING id",
	        "user.disable", "tokens_revoked"),
	    name, actor, revoked, cause);
}

int
store_users_token_add(struct db *db, const char *user, const char *hash_hex,
    const char *label, const char *actor, char **cause)
{
	const char *params[4] = {user, hash_hex, label, actor};
	PGresult *res;
	int active;

	/* One statement tells an unknown user from a disabled one. */
	if (store_users_need(db,
	        "WITH u AS (SELECT id, active FROM users WHERE name = $1), "
	        "t AS (INSERT INTO api_tokens (user_id, token_sha256, label) "
	        "    SELECT id, $2, $3 FROM u WHERE active RETURNING id, "
	        "    user_id), "
	        "a AS (INSERT INTO audit_log (actor, action, object_type, "
	        "    object_id, detail) SELECT $4, 'token.create', 'user', "
	        "    t.user_id::text, jsonb_strip_nulls(jsonb_build_object("
	        "    'name', $1::text, 'token_id', t.id, 'label', $3::text)) "
	        "    FROM t) "
	        "SELECT active FROM u",
	        4, params, &res, "no user named", user, cause) != 0)
		return -1;
	active = store_result_cell_bool(res, 0, 0);
	PQclear(res);
	if (!active) {
		*cause = xasprintf("user '%s' is disabled", user);
		return -1;
	}
	return 0;
}

int
store_users_token_revoke(struct db *db, const char *user, const char *actor,
    int *revoked, char **cause)
{
	return store_users_count_for(db,
	    STORE_USERS_REVOKE_SQL("SELECT id FROM users WHERE name = $1",
	        "token.revoke", "tokens"),
	    user, actor, revoked, cause);
}

void
store_users_token_lookup(
    struct db *db, const char *hash_hex, db_cb cb, void *arg)
{
	const char *params[1] = {hash_hex};

	/*
	 * last_used_at is for spotting stale tokens, so a minute's precision
	 * does; writing it on every request would cost a row version each.
	 */
	db_query_prepared(db,
	    "WITH t AS (SELECT t.id AS token_id, t.last_used_at, u.id, "
	    "    u.name, u.role, u.crew_id "
	    "    FROM api_tokens t JOIN users u ON u.id = t.user_id "
	    "    WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL "
	    "    AND u.active), "
	    "touch AS (UPDATE api_tokens SET last_used_at = now() FROM t "
	    "    WHERE api_tokens.id = t.token_id AND (t.last_used_at IS NULL "
	    "    OR t.last_used_at < now() - interval '1 minute')) "
	    "SELECT id, name, role, coalesce(crew_id, 0) FROM t",
	    1, params, cb, arg);
}

int
store_users_auth_row(PGresult *res, struct auth_user *u)
{
	const char *name, *csrf = NULL;
	int nf = PQnfields(res);

	if (PQntuples(res) == 0)
		return 0;
	if (nf < 4 || nf > 6)
		return -1;
	memset(u, 0, sizeof *u);
	u->crew_id = store_result_cell_ll(res, 0, 3);
	u->id = store_result_cell_ll(res, 0, 0);
	name = PQgetvalue(res, 0, 1);
	if (nf >= 5) /* a session's: csrf, and the time it has left */
		csrf = PQgetvalue(res, 0, 4);
	if (strlen(name) >= sizeof u->name ||
	    (csrf != NULL && strlen(csrf) != AUTH_CSRF_LEN))
		return -1;
	strcpy(u->name, name);
	if (csrf != NULL) {
		memcpy(u->csrf, csrf, AUTH_CSRF_LEN + 1);
		u->session = 1;
	}
	if ((u->role = role_parse(PQgetvalue(res, 0, 2))) == 0)
		return -1;
	return 1;
}

void
store_users_get(struct db *db, long long id, db_cb cb, void *arg)
{
	store_num_query_ll(db,
	    "SELECT " STORE_USERS_COLUMNS " FROM users WHERE id = $1", id, cb,
	    arg);
}

/* STORE_USERS_COLUMNS in order; the role (3) is parsed after. */
static const struct store_col users_cols[] = {
    STORE_COL(LL, struct store_user, id),
    STORE_COL(TEXT, struct store_user, name),
    STORE_COL(TEXT, struct store_user, display_name),
    STORE_COL_SKIPPED,
    STORE_COL(BOOL, struct store_user, active),
    STORE_COL(BOOL, struct store_user, has_password),
    STORE_COL(CELL, struct store_user, crew_code),
};

int
store_users_row(PGresult *res, int i, struct store_user *u)
{
	if (!store_result_decode(res, i, STORE_COLS(users_cols), u) ||
	    (u->role = role_parse(PQgetvalue(res, i, 3))) == 0)
		return -1;
	return 0;
}

void
store_users_list_json(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'name',"
	    " u.name, 'display_name', u.display_name, 'role', u.role,"
	    " 'active', u.active, 'has_password', u.password_hash IS NOT NULL,"
	    " 'crew', (SELECT c.code FROM crews c WHERE c.id = u.crew_id),"
	    " 'created_at', u.created_at, 'last_login', (SELECT max(a.at)"
	    "  FROM audit_log a WHERE a.object_type = 'user' AND a.object_id ="
	    "  u.id::text AND a.action = 'session.login')) ORDER BY u.name),"
	    " '[]')::text FROM users u",
	    0, NULL, cb, arg);
}
