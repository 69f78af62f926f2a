/*
 * Who is calling: users with roles, API bearer tokens for scripts and
 * integrations. Tokens are random ("pt_" + 43 base64url characters), shown
 * once at creation and stored only as their SHA-256 (they are high-entropy,
 * so a fast hash is right; passwords use argon2id, see auth_password_*).
 */
#ifndef PATROL_AUTH_H
#define PATROL_AUTH_H

#include <stddef.h>

#include "compiler.h"
#include "role.h"

struct app;
struct http_req;

/*
 * 1 when user may record steps on a job held by crew_id or change that
 * crew's status: staff always (they record for crews that report by
 * phone), a crew user only for its own crew (finding 3 of issue 10, the
 * binding device tokens already have), nobody else. crew_id 0 (a job no
 * crew holds) is no crew's.
 */
int auth_may_act_for_crew(const struct auth_user *, long long crew_id);

/*
 * http_config.guard for routes with roles (arg: the struct app): does what
 * auth_require does, keeps the user on the request and calls the route's
 * handler, which reads the user with auth_user_of.
 */
void auth_guard(struct http_req *, int roles, void *app);
/* The caller auth_guard let in, for the route's handler. */
const struct auth_user *auth_user_of(struct http_req *);

typedef void (*auth_cb)(struct http_req *, const struct auth_user *, void *arg);
/*
 * Authenticates the request's "Authorization: Bearer TOKEN" against the
 * database (one query), then calls cb with the user if its role is in
 * roles. Otherwise answers 401 (no or unknown token) or 403 (role) itself
 * and never calls cb. Holds a reference on req until cb returns.
 *
 * Without an Authorization header, the console's session cookie is
 * accepted instead (see AUTH_SESSION_COOKIE); a POST, PUT, PATCH or
 * DELETE so authenticated must also carry the session's token in
 * X-CSRF-Token, else 403 "csrf". Bearer clients need no CSRF token: a
 * browser never adds that header on its own.
 */
void auth_require(
    struct app *, struct http_req *, int roles, auth_cb, void *arg);

/* "pt_" and 43 base64url characters (32 random bytes). */
#define AUTH_TOKEN_LEN 46
/* Room for auth_password_hash's result (crypto_pwhash_STRBYTES). */
#define AUTH_PASSWORD_HASH_LEN 128

/*
 * Takes the token out of an Authorization header value: "Bearer" (any
 * case), spaces, then a token of exactly our form and nothing else, since
 * anything else cannot be one of ours and need not cost a query. Returns 0
 * with the token in token, or -1 (header NULL or malformed).
 */
PATROL_MUSTCHECK int auth_bearer_parse(
    const char *header, char token[AUTH_TOKEN_LEN + 1]);

/*
 * 1 when the headers hold a bearer token or (without Authorization) a
 * session cookie of our form: worth reading a body for. The gate asks
 * this before a request's body is read (http_config.credentials).
 */
int auth_credentials_shape(const char *authorization, const char *cookie);

/* The console's session cookie: 43 base64url characters (32 bytes). */
#define AUTH_SESSION_COOKIE "patrol_session"
#define AUTH_SESSION_LEN    43

/*
 * Finds our session cookie in a Cookie header ("a=b; patrol_session=..."):
 * the first one of exactly our form. 0 with the value in out, or -1.
 */
PATROL_MUSTCHECK int auth_cookie_session(
    const char *header, char out[AUTH_SESSION_LEN + 1]);
/* A new session: the cookie's value, its stored hash, its CSRF token. */
void auth_session_new(char id[AUTH_SESSION_LEN + 1], char hash_hex[65],
    char csrf[AUTH_CSRF_LEN + 1]);
/* 1 when header is exactly csrf (compared in constant time). */
int auth_csrf_ok(const char *header, const char *csrf);

/* A new random token in out (at least 64 bytes), and its stored hash. */
void auth_token_new(char *out, size_t outlen, char hash_hex[65]);
/* SHA-256 of a token as lower-case hex, as stored. */
void auth_token_hash(const char *token, char hash_hex[65]);

/*
 * argon2id (libsodium crypto_pwhash_str) into out, which needs
 * AUTH_PASSWORD_HASH_LEN bytes. -1 if out of memory or out is too small.
 */
PATROL_MUSTCHECK int auth_password_hash(
    const char *password, char *out, size_t outlen);
/* 1 when the password matches the stored hash (0 for a NULL hash). */
int auth_password_check(const char *hash, const char *password);

#endif
