/*
 * /api/v1/session: the console's log-in (POST) and log-out (DELETE).
 * A log-in checks the password (argon2id), then makes a session whose
 * random id goes into an HttpOnly, SameSite=Strict cookie and whose CSRF
 * token goes to the page; auth_require accepts the cookie from then on.
 * Failed attempts are counted per user name and per client address, in
 * memory, as growing delays (ratelimit.h): while one runs the answer is
 * 429 with Retry-After, without touching the database or the password
 * hash; a delay never exceeds login_delay_max_s, so nobody is locked out.
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
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "ratelimit.h"
#include "store_sessions.h"
#include "xmalloc.h"

#define SESSION_MAX_NAME     63
#define SESSION_MAX_PASSWORD 1024
#define SESSION_RATE_KEYS    10000

static struct {
	struct app *app;
	struct ratelimit *failures;
	/* Checked against when the user is unknown, to take the same time. */
	char dummy_hash[AUTH_PASSWORD_HASH_LEN];
} session;

struct login {
	struct http_req *req;
	char *name;
	char *password;
	char *key_user, *key_addr;
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
	free(l->key_user);
	free(l->key_addr);
	free(l->display_name);
	free(l);
}

static int
session_secure(struct http_req *req)
{
	const char *proto = http_req_header(req, "X-Forwarded-Proto");

	/* Served over TLS (tls_cert), or behind a proxy that says so. */
	return session.app->cfg->cookie_secure || session.app->tls != NULL ||
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
	json_t *j;

	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		api_db_error(l->req, r, "session.create");
		goto out;
	}
	session_set_cookie(l->req, l->id);
	j = json_pack("{s:{s:I,s:s,s:s,s:s},s:s,s:s}", "user", "id",
	    (json_int_t)l->user.id, "name", l->user.name, "display_name",
	    l->display_name, "role", role_name(l->user.role), "csrf", l->csrf,
	    "expires_at", PQgetvalue(r->res, 0, 0));
	log_info("event=login user_id=%lld", l->user.id);
	api_reply(l->req, 200, j);
out:
	login_free(l);
}

static void
login_audited_cb(struct db_result *r, void *arg)
{
	(void)arg;
	if (r->status != DB_OK)
		log_warnx("event=login_failed_audit_failed error=%s",
		    log_q(r->error));
}

static void
login_refuse(struct login *l, int known)
{
	const struct config *cfg = session.app->cfg;
	const struct ratelimit_policy names = {cfg->login_free_failures,
	    cfg->login_delay_first_s, cfg->login_delay_max_s,
	    cfg->login_forget_s};
	const struct ratelimit_policy addrs = {cfg->login_free_failures_address,
	    cfg->login_delay_first_s, cfg->login_delay_max_s,
	    cfg->login_forget_s};
	time_t now = time(NULL);
	char wait_s[16];
	int delay, d;

	delay = ratelimit_fail(session.failures, l->key_user, now, &names);
	d = ratelimit_fail(session.failures, l->key_addr, now, &addrs);
	if (d > delay)
		delay = d;
	/*
	 * Never the name in the log: a mistyped password often lands in
	 * that field. The audit log (read by admins only) keeps it.
	 */
	log_info("event=login_failed known_user=%d delay_s=%d", known, delay);
	store_sessions_login_failed(session.app->db, l->name, l->addr, known,
	    delay, login_audited_cb, NULL);
	http_req_set_header(
	    l->req, "WWW-Authenticate", "Bearer realm=\"patrol\"");
	if (delay > 0) {
		snprintf(wait_s, sizeof wait_s, "%d", delay);
		http_req_set_header(l->req, "Retry-After", wait_s);
	}
	api_error(l->req, 401, "invalid_credentials", NULL,
	    "wrong user name or password");
}

static void
login_user_cb(struct db_result *r, void *arg)
{
	struct login *l = arg;
	struct store_login_user u;
	char hash_hex[65];
	int found, ok;

	if (http_req_done(l->req))
		goto out;
	if (r->status != DB_OK) {
		api_db_error(l->req, r, "session.user");
		goto out;
	}
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
		goto out;
	}
	l->user.id = u.id;
	snprintf(l->user.name, sizeof l->user.name, "%s", u.name);
	l->user.role = u.role;
	l->display_name = xstrdup(u.display_name);
	ratelimit_clear(session.failures, l->key_user);
	auth_session_new(l->id, hash_hex, l->csrf);
	store_sessions_create(session.app->db, hash_hex, l->user.id,
	    l->user.name, l->csrf, session.app->cfg->session_hours,
	    login_created_cb, l);
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
session_post(struct http_req *req)
{
	struct login *l;
	char *name, *password, wait_s[16];
	time_t now = time(NULL);
	int wait, w;

	if (login_read(req, &name, &password) != 0)
		return;
	l = xcalloc(1, sizeof *l);
	l->req = req;
	http_req_ref(req);
	l->name = name;
	l->password = password;
	api_client_addr(session.app, req, l->addr, sizeof l->addr);
	l->key_user = xasprintf("u:%s", name);
	l->key_addr = xasprintf("a:%s", l->addr);
	wait = ratelimit_wait(session.failures, l->key_user, now);
	w = ratelimit_wait(session.failures, l->key_addr, now);
	if (w > wait)
		wait = w;
	if (wait > 0) {
		log_info("event=login_limited retry_s=%d by=%s", wait,
		    w == wait ? "address" : "name");
		snprintf(wait_s, sizeof wait_s, "%d", wait);
		http_req_set_header(req, "Retry-After", wait_s);
		api_error(req, 429, "too_many_attempts", NULL,
		    "too many failed log-ins; try again in %d s", wait);
		login_free(l);
		return;
	}
	store_sessions_user(session.app->db, name, login_user_cb, l);
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
	struct auth_user u;
	int found;

	if (http_req_done(o->req))
		goto out;
	if (r->status != DB_OK) {
		api_db_error(o->req, r, "session.lookup");
		goto out;
	}
	if ((found = store_sessions_row(r->res, &u)) <= 0) {
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
	store_sessions_delete(
	    session.app->db, o->hash, u.name, logout_done_cb, o);
	return;
out:
	http_req_unref(o->req);
	free(o);
}

static void
session_delete(struct http_req *req)
{
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
	store_sessions_lookup(session.app->db, o->hash, logout_lookup_cb, o);
}

static const struct http_route session_routes[] = {
    {"session.create", EVHTTP_REQ_POST | HTTP_ROUTE_PUBLIC, "/api/v1/session",
        4096, 10000, session_post, NULL},
    {"session.delete", EVHTTP_REQ_DELETE, "/api/v1/session", 0, 5000,
        session_delete, NULL},
};

void
api_session_register(struct app *a)
{
	session.app = a;
	session.failures = ratelimit_new(SESSION_RATE_KEYS);
	http_add_routes(a->http, session_routes,
	    sizeof session_routes / sizeof session_routes[0]);
}

void
api_session_unregister(void)
{
	ratelimit_free(session.failures);
	session.failures = NULL;
}
