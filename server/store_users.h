/*
 * SQL for users and their API tokens (schema/0003_users.sql). The
 * patrolctl functions run the loop until done (db_query_sync) and return
 * -1 with *cause (caller frees) both on a database failure and on a refusal
 * worth telling the administrator (unknown user, duplicate name); patrold's
 * look-ups are asynchronous and decoded by the store_users_*_row functions.
 */
#ifndef PATROL_STORE_USERS_H
#define PATROL_STORE_USERS_H

#include <libpq-fe.h>

#include "role.h"
#include "db.h"

/* One users row; the strings point into the PGresult it came from. */
struct store_user {
	long long id;
	const char *name;
	const char *display_name;
	enum auth_role role;
	int active;
	int has_password;
	const char *crew_code; /* a crew user's crew, else NULL */
};

/* A user to add. password_hash and crew_code may be NULL. */
struct store_user_new {
	const char *name;
	const char *display_name;
	enum auth_role role;
	const char *password_hash; /* NULL: no password log-in */
	const char *crew_code;     /* AUTH_CREW only: the crew it works in */
	const char *actor;         /* who adds it, for audit_log */
};

/*
 * Every change below writes its audit_log row (actor, action, the user)
 * in the same statement: who may do what is never changed unrecorded.
 */

/*
 * Adds a user. Sets *id. A taken name or an unknown crew is refused with a
 * cause saying so.
 */
int store_users_add(
    struct db *, const struct store_user_new *, long long *id, char **cause);
/* Replaces a user's password hash (NULL: no password log-in). */
int store_users_set_password(struct db *, const char *name,
    const char *password_hash, const char *actor, char **cause);
/*
 * Binds a crew user to the crew with code crew_code (NULL: to none).
 * Refuses unknown users and crews, and users of other roles.
 */
int store_users_set_crew(struct db *, const char *name, const char *crew_code,
    const char *actor, char **cause);
/* The id of the crew with this code; an unknown one is refused. */
int store_users_crew_id(
    struct db *, const char *code, long long *crew_id, char **cause);
/*
 * Every user, by name, in *res (caller PQclear()s it); read the rows with
 * store_users_row.
 */
int store_users_list(struct db *, PGresult **res, char **cause);
/*
 * Marks a user inactive and revokes their tokens, so enabling them again
 * later does not bring old tokens back. *revoked is how many were live.
 */
int store_users_disable(struct db *, const char *name, const char *actor,
    int *revoked, char **cause);

/*
 * Records a token (only its hash) for an active user; label may be NULL.
 * Refuses unknown and disabled users.
 */
int store_users_token_add(struct db *, const char *user, const char *hash_hex,
    const char *label, const char *actor, char **cause);
/* Revokes all of a user's live tokens; *revoked is how many. */
int store_users_token_revoke(struct db *, const char *user, const char *actor,
    int *revoked, char **cause);

/*
 * patrold: finds the active user holding a live token by its hash, noting
 * the token's use, in one statement. cb's result goes to
 * store_users_auth_row.
 */
void store_users_token_lookup(
    struct db *, const char *hash_hex, db_cb, void *arg);
/*
 * The one reader of an authenticated user's row (id, name, role, crew_id,
 * and for a session its csrf): the result of store_users_token_lookup or
 * store_sessions_lookup. 1 with *u filled (u->csrf and u->session set for
 * a session), 0 when no live token or session matched, -1 on a bad row.
 */
int store_users_auth_row(PGresult *, struct auth_user *u);
/*
 * NOTIFYed with a user's id by every change that can alter what the two
 * look-ups find for that user (schema/0340): auth_cache.c listens.
 */
#define STORE_AUTH_CHANNEL "auth_changed"

/*
 * patrold: every user as one JSON array (no hashes; has_password, and
 * last_login from the audit log), for GET /api/v1/users.
 */
void store_users_list_json(struct db *, db_cb, void *arg);

/* patrold: one user by id; cb's result goes to store_users_row (row 0). */
void store_users_get(struct db *, long long id, db_cb, void *arg);
/*
 * Decodes row i of store_users_list or store_users_get: 0, or -1 on a bad
 * row. u's strings live as long as res.
 */
int store_users_row(PGresult *res, int i, struct store_user *u);

#endif
