/*
 * /api/v1/session: the console's log-in (POST) and log-out (DELETE).
 * A log-in checks the password (argon2id), then makes a session whose
 * random id goes into an HttpOnly, SameSite=Strict cookie and whose CSRF
 * token goes to the page; auth_require accepts the cookie from then on.
 * Failed attempts are counted per user name and per client address as
 * growing delays (ratelimit.h), in PostgreSQL (login_failures), so every
 * patrold on the database sees the same counts: failures on one instance
 * delay the next try on all. While a delay runs the answer is 429 with
 * Retry-After, without reading the user or checking the password hash; a
 * delay never exceeds login_delay_max_s, so nobody is locked out.
 * The client address is the peer's or, behind a trusted proxy, the one
 * X-Forwarded-For names. Every failed log-in is audited (name typed,
 * address, time), never the password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "ratelimit.h"
#include "store_result.h"
#include "store_sessions.h"
#include "store_users.h"
#include "xmalloc.h"

#define SESSION_MAX_NAME     63
#define SESSION_MAX_PASSWORD 1024
#define SESSION_SWEEP_ROWS   100 /* expired failure rows deleted per failure */

static struct {
	/* Checked against when the user is unknown, to take the same time. */
	char dummy_hash[AUTH_PASSWORD_HASH_LEN];
} session;

struct login {
	struct http_req *req;
	char *name;
	char *password;
	char key_user[65], key_addr[65]; /* SHA-256 of "u:NAME", "a:ADDR" */
	int known;
	char addr[64];
	struct auth_user user;
	char *display_name;
	char id[AUTH_SESSION_LEN + 1];
	char csrf[AUTH_CSRF_LEN + 1];
};

static void
login_free(struct login *l)
{
	http_req_unref(l->req);
	if (l->password != NULL) {
		sodium_memzero(l->password, strlen(l->password));
		free(l->password);
	}
	sodium_memzero(l->id, sizeof l->id);
	free(l->name);
	free(l->display_name);
	free(l);
}

static int
session_secure(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const char *proto = http_req_header(req, "X-Forwarded-Proto");

	/* Served over TLS (tls_cert), or behind a proxy that says so. */
	return app->cfg->cookie_secure || app->tls != NULL ||
	    (proto != NULL && strcasecmp(proto, "https") == 0);
}

static void
session_set_cookie(struct http_req *req, const char *value)
{
	char *c;

	/* No Max-Age: the cookie goes with the browser; the row expires. */
	c = xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	    AUTH_SESSION_COOKIE, value, *value == '\0' ? "; Max-Age=0" : "",
	    session_secure(req) ? "; Secure" : "");
	http_req_set_header(req, "Set-Cookie", c);
	free(c);
}

static void
login_created_cb(struct db_result *r, void *arg)
{
	struct login *l = arg;
	const char *expires = store_result_text(r->res);
	json_t *j;

	if (r->status != DB_OK || expires == NULL) {
		api_db_error(l->req, r, "session.create");
		goto out;
	}
	session_set_cookie(l->req, l->id);
	j = json_pack("{s:{s:I,s:s,s:s,s:s},s:s,s:s}", "user", "id",
	    (json_int_t)l->user.id, "name", l->user.name, "display_name",
	    l->display_name, "role", role_name(l->user.role), "csrf", l->csrf,
	    "expires_at", expires);
	log_info("event=login user_id=%lld", l->user.id);
	api_reply(l->req, 200, j);
out:
	login_free(l);
}

static void
session_policies(const struct config *cfg, struct ratelimit_policy *names,
    struct ratelimit_policy *addrs)
{
	names->free = cfg->login_free_failures;
	addrs->free = cfg->login_free_failures_address;
	names->first_s = addrs->first_s = cfg->login_delay_first_s;
	names->max_s = addrs->max_s = cfg->login_delay_max_s;
	names->forget_s = addrs->forget_s = cfg->login_forget_s;
}

/*
 * The wait (or, with waiting 0, the delay just set) of the two keys in a
 * result of store_sessions_failures/failed: the longer one, and whether
 * it is the address's. -1 on a bad row.
 */
static int
login_delay_of(struct login *l, PGresult *res, int waiting, int *by_addr)
{
	struct app *app = http_req_owner(l->req);
	struct ratelimit_policy names, addrs;
	struct store_login_failure f;
	int i, d, delay = 0;

	session_policies(app->cfg, &names, &addrs);
	*by_addr = 0;
	for (i = 0; i < store_result_rows(res); i++) {
		if (store_sessions_failure_row(res, i, &f) != 0)
			return -1;
		if (strcmp(f.key, l->key_addr) == 0) {
			d = waiting
			    ? ratelimit_wait(f.failures, f.elapsed_s, &addrs)
			    : ratelimit_delay(f.failures, &addrs);
			if (d > delay) {
				delay = d;
				*by_addr = 1;
			}
		} else if (strcmp(f.key, l->key_user) == 0) {
			d = waiting
			    ? ratelimit_wait(f.failures, f.elapsed_s, &names)
			    : ratelimit_delay(f.failures, &names);
			if (d > delay) {
				delay = d;
				*by_addr = 0;
			}
		}
	}
	return delay;
}

static void
login_counted_cb(struct db_result *r, void *arg)
{
	struct login *l = arg;
	struct app *app = http_req_owner(l->req);
	struct ratelimit_policy names, addrs;
	char wait_s[16];
	int delay = 0, by_addr;

	if (r->status != DB_OK)
		/* The answer is still 401: the password was wrong. */
		log_warnx("event=login_failure_count_failed error=%s",
		    log_q(r->error));
	else if ((delay = login_delay_of(l, r->res, 0, &by_addr)) < 0) {
		log_error("event=login_failures_bad_row");
		delay = 0;
	}
	/* Rows no policy can still hold go, a few with every failure. */
	session_policies(app->cfg, &names, &addrs);
	store_sessions_failures_sweep(app->db,
	    ratelimit_expiry_s(&names, &addrs), SESSION_SWEEP_ROWS,
	    api_db_warn_cb, "login_failures_sweep_failed");
	/*
	 * Never the name in the log: a mistyped password often lands in
	 * that field. The audit log (read by admins only) keeps it.
	 */
	log_info(
	    "event=login_failed known_user=%d delay_s=%d", l->known, delay);
	store_sessions_login_failed(app->db, l->name, l->addr, l->known, delay,
	    api_db_warn_cb, "login_failed_audit_failed");
	if (http_req_done(l->req))
		goto out;
	http_req_set_header(
	    l->req, "WWW-Authenticate", "Bearer realm=\"patrol\"");
	if (delay > 0) {
		snprintf(wait_s, sizeof wait_s, "%d", delay);
		http_req_set_header(l->req, "Retry-After", wait_s);
	}
	api_error(l->req, 401, "invalid_credentials", NULL,
	    "wrong user name or password");
out:
	login_free(l);
}

/* A failed log-in: counted for both keys (shared), audited, 401. */
static void
login_refuse(struct login *l, int known)
{
	struct app *app = http_req_owner(l->req);
	l->known = known;
	store_sessions_failed(app->db, l->key_user, l->key_addr,
	    app->cfg->login_forget_s, login_counted_cb, l);
}

static void
login_user_cb(struct db_result *r, void *arg)
{
	struct login *l = arg;
	struct app *app = http_req_owner(l->req);
	struct store_login_user u;
	char hash_hex[65];
	int found, ok;

	if (api_db_failed(l->req, r, "session.user", api_db_error))
		goto out;
	if ((found = store_sessions_user_row(r->res, &u)) < 0) {
		log_error("event=login_bad_row");
		api_error(
		    l->req, 500, "internal", NULL, "cannot read the user");
		goto out;
	}
	if (found == 0 || u.password_hash == NULL) {
		/* As long as a real check, so timing tells no names apart. */
		if (session.dummy_hash[0] == '\0' &&
		    auth_password_hash("not a password", session.dummy_hash,
		        sizeof session.dummy_hash) != 0)
			session.dummy_hash[0] = '\0';
		if (session.dummy_hash[0] != '\0')
			(void)auth_password_check(
			    session.dummy_hash, l->password);
		ok = 0;
	} else
		ok = auth_password_check(u.password_hash, l->password) &&
		    u.active;
	if (!ok) {
		login_refuse(l, found);
		return;
	}
	l->user.id = u.id;
	snprintf(l->user.name, sizeof l->user.name, "%s", u.name);
	l->user.role = u.role;
	l->display_name = xstrdup(u.display_name);
	store_sessions_failures_clear(app->db, l->key_user, api_db_warn_cb,
	    "login_failures_sweep_failed");
	auth_session_new(l->id, hash_hex, l->csrf);
	store_sessions_create(app->db, hash_hex, l->user.id, l->user.name,
	    l->csrf, app->cfg->session_hours, login_created_cb, l);
	return;
out:
	login_free(l);
}

/*
 * name and password from a JSON body; -1 after replying. Only JSON: a
 * cross-site HTML form can post urlencoded or multipart bodies without a
 * CORS preflight, and must not log a victim's browser in (415).
 */
static int
login_read(struct http_req *req, char **name, char **password)
{
	static const char *const keys[] = {"name", "password", NULL};
	const char *n, *p;
	json_t *body;
	int rc = -1;

	*name = *password = NULL;
	if ((body = api_body(req)) == NULL)
		return -1;
	if (api_only_keys(req, body, keys) == 0 &&
	    api_str(req, body, "name", 1, SESSION_MAX_NAME, &n) == 0 &&
	    api_str(req, body, "password", 1, SESSION_MAX_PASSWORD, &p) == 0) {
		*name = xstrdup(n);
		*password = xstrdup(p);
		rc = 0;
	}
	json_decref(body);
	return rc;
}

static void
login_waited_cb(struct db_result *r, void *arg)
{
	struct login *l = arg;
	struct app *app = http_req_owner(l->req);
	char wait_s[16];
	int wait, by_addr;

	if (api_db_failed(l->req, r, "session.failures", api_db_error))
		goto out;
	if ((wait = login_delay_of(l, r->res, 1, &by_addr)) < 0) {
		log_error("event=login_failures_bad_row");
		api_error(l->req, 500, "internal", NULL,
		    "cannot read the log-in failures");
		goto out;
	}
	if (wait > 0) {
		log_info("event=login_limited retry_s=%d by=%s", wait,
		    by_addr ? "address" : "name");
		snprintf(wait_s, sizeof wait_s, "%d", wait);
		http_req_set_header(l->req, "Retry-After", wait_s);
		api_error(l->req, 429, "too_many_attempts", NULL,
		    "too many failed log-ins; try again in %d s", wait);
		goto out;
	}
	store_sessions_user(app->db, l->name, login_user_cb, l);
	return;
out:
	login_free(l);
}

/* The SHA-256 (hex) of prefix and text: a key of login_failures. */
static void
login_key(char out[65], const char *prefix, const char *text)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(
	    &st, (const unsigned char *)prefix, strlen(prefix));
	crypto_hash_sha256_update(
	    &st, (const unsigned char *)text, strlen(text));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static void
session_post(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct login *l;
	char *name, *password;

	if (login_read(req, &name, &password) != 0)
		return;
	l = xcalloc(1, sizeof *l);
	l->req = req;
	http_req_ref(req);
	l->name = name;
	l->password = password;
	api_client_addr(app, req, l->addr, sizeof l->addr);
	login_key(l->key_user, "u:", name);
	login_key(l->key_addr, "a:", l->addr);
	store_sessions_failures(
	    app->db, l->key_user, l->key_addr, login_waited_cb, l);
}

/* A log-out: the session the cookie names, if it is still live. */
struct logout {
	struct http_req *req;
	char hash[65];
};

static void
logout_done_cb(struct db_result *r, void *arg)
{
	struct logout *o = arg;

	if (r->status != DB_OK)
		api_db_error(o->req, r, "session.delete");
	else {
		session_set_cookie(o->req, "");
		http_reply(o->req, 204, NULL, NULL);
	}
	http_req_unref(o->req);
	free(o);
}

static void
logout_lookup_cb(struct db_result *r, void *arg)
{
	struct logout *o = arg;
	struct app *app = http_req_owner(o->req);
	struct auth_user u;
	int found;

	if (api_db_failed(o->req, r, "session.lookup", api_db_error))
		goto out;
	if ((found = store_users_auth_row(r->res, &u)) <= 0) {
		/* Gone already: the browser's cookie is all there is to end. */
		session_set_cookie(o->req, "");
		http_reply(o->req, 204, NULL, NULL);
		goto out;
	}
	if (!auth_csrf_ok(http_req_header(o->req, "X-CSRF-Token"), u.csrf)) {
		log_info(
		    "event=auth_denied status=403 reason=csrf user_id=%lld",
		    u.id);
		api_error(o->req, 403, "csrf", NULL,
		    "logging out needs the session's X-CSRF-Token header");
		goto out;
	}
	log_info("event=logout user_id=%lld", u.id);
	store_sessions_delete(app->db, o->hash, u.name, logout_done_cb, o);
	return;
out:
	http_req_unref(o->req);
	free(o);
}

static void
session_delete(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	char sid[AUTH_SESSION_LEN + 1];
	struct logout *o;

	if (auth_cookie_session(http_req_header(req, "Cookie"), sid) != 0) {
		session_set_cookie(req, "");
		http_reply(req, 204, NULL, NULL);
		return;
	}
	o = xcalloc(1, sizeof *o);
	o->req = req;
	http_req_ref(req);
	auth_token_hash(sid, o->hash);
	sodium_memzero(sid, sizeof sid);
	store_sessions_lookup(app->db, o->hash, logout_lookup_cb, o);
}

const struct http_route api_session_routes[] = {
    {"session.create", EVHTTP_REQ_POST | HTTP_ROUTE_PUBLIC, "/api/v1/session",
        4096, 10000, session_post, NULL},
    {"session.delete", EVHTTP_REQ_DELETE, "/api/v1/session", 0, 5000,
        session_delete, NULL},
    {0},
};

void
api_session_unregister(void)
{
	/* Nothing held in memory: the failure counts are in the database. */
}
