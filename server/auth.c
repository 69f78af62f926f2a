#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "app.h"
#include "auth.h"
#include "auth_cache.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "store_sessions.h"
#include "store_users.h"
#include "xmalloc.h"

#define AUTH_TOKEN_PREFIX "pt_"
#define AUTH_TOKEN_BYTES  32

_Static_assert(AUTH_PASSWORD_HASH_LEN == crypto_pwhash_STRBYTES,
    "AUTH_PASSWORD_HASH_LEN is crypto_pwhash_STRBYTES");
_Static_assert(AUTH_TOKEN_LEN ==
        sizeof AUTH_TOKEN_PREFIX - 1 +
            sodium_base64_ENCODED_LEN(
                AUTH_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) -
            1,
    "AUTH_TOKEN_LEN is the prefix and 32 bytes in base64url");

/* A request waiting for its token (or session) look-up. */
struct auth_pending {
	struct http_req *req;
	int roles;
	auth_cb cb;
	void *arg;
	int session; /* by cookie: the CSRF rule applies */
	struct db *db;
	struct auth_cache *cache; /* keeps what the look-up finds, or NULL */
	unsigned long ticket;     /* auth_cache_begin's */
	char hash[65];
};

/*
 * randombytes_buf and crypto_pwhash need the library initialised; every
 * entry point that uses them comes through here, so neither patrold nor
 * patrolctl has to remember.
 */
static void
auth_sodium_init(void)
{
	static int done;

	if (done)
		return;
	if (sodium_init() < 0)
		fatalx("event=sodium_init_failed");
	done = 1;
}

static int
auth_token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int
auth_bearer_parse(const char *h, char token[AUTH_TOKEN_LEN + 1])
{
	size_t i, len;

	if (h == NULL || strncasecmp(h, "Bearer", 6) != 0 || h[6] != ' ')
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	len = strlen(h);
	if (len != AUTH_TOKEN_LEN ||
	    strncmp(h, AUTH_TOKEN_PREFIX, sizeof AUTH_TOKEN_PREFIX - 1) != 0)
		return -1;
	for (i = sizeof AUTH_TOKEN_PREFIX - 1; i < len; i++) {
		if (!auth_token_char(h[i]))
			return -1;
	}
	memcpy(token, h, len + 1);
	return 0;
}

int
auth_credentials_shape(const char *authorization, const char *cookie)
{
	char token[AUTH_TOKEN_LEN + 1], sid[AUTH_SESSION_LEN + 1];
	int ok;

	if (authorization != NULL)
		ok = auth_bearer_parse(authorization, token) == 0;
	else
		ok = auth_cookie_session(cookie, sid) == 0;
	sodium_memzero(token, sizeof token);
	sodium_memzero(sid, sizeof sid);
	return ok;
}

void
auth_token_new(char *out, size_t outlen, char hash_hex[65])
{
	unsigned char raw[AUTH_TOKEN_BYTES];
	size_t plen = sizeof AUTH_TOKEN_PREFIX - 1;

	if (outlen < AUTH_TOKEN_LEN + 1)
		fatalx("event=auth_token_buffer_too_small len=%zu", outlen);
	auth_sodium_init();
	randombytes_buf(raw, sizeof raw);
	memcpy(out, AUTH_TOKEN_PREFIX, plen);
	sodium_bin2base64(out + plen, outlen - plen, raw, sizeof raw,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	auth_token_hash(out, hash_hex);
}

void
auth_token_hash(const char *token, char hash_hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(
	    h, (const unsigned char *)token, (unsigned long long)strlen(token));
	sodium_bin2hex(hash_hex, 65, h, sizeof h);
}

/* 32 random bytes as 43 base64url characters into out. */
static void
auth_random_b64(char *out, size_t outlen)
{
	unsigned char raw[AUTH_TOKEN_BYTES];

	auth_sodium_init();
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, outlen, raw, sizeof raw,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

void
auth_session_new(char id[AUTH_SESSION_LEN + 1], char hash_hex[65],
    char csrf[AUTH_CSRF_LEN + 1])
{
	auth_random_b64(id, AUTH_SESSION_LEN + 1);
	auth_random_b64(csrf, AUTH_CSRF_LEN + 1);
	auth_token_hash(id, hash_hex);
}

int
auth_cookie_session(const char *h, char out[AUTH_SESSION_LEN + 1])
{
	static const char name[] = AUTH_SESSION_COOKIE;
	const char *v, *end;
	size_t i, len;

	if (h == NULL)
		return -1;
	/* RFC 6265: "name=value" pairs separated by ";" and a space. */
	for (; *h != '\0'; h = *end == ';' ? end + 1 : end) {
		while (*h == ' ' || *h == '\t')
			h++;
		end = h + strcspn(h, ";");
		if ((size_t)(end - h) <= sizeof name ||
		    strncmp(h, name, sizeof name - 1) != 0 ||
		    h[sizeof name - 1] != '=')
			continue;
		v = h + sizeof name;
		len = (size_t)(end - v);
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len != AUTH_SESSION_LEN)
			continue;
		for (i = 0; i < len && auth_token_char(v[i]); i++)
			;
		if (i != len)
			continue;
		memcpy(out, v, len);
		out[len] = '\0';
		return 0;
	}
	return -1;
}

int
auth_csrf_ok(const char *header, const char *csrf)
{
	if (header == NULL || strlen(csrf) != AUTH_CSRF_LEN ||
	    strlen(header) != AUTH_CSRF_LEN)
		return 0;
	return sodium_memcmp(header, csrf, AUTH_CSRF_LEN) == 0;
}

int
auth_password_hash(const char *password, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	auth_sodium_init();
	if (crypto_pwhash_str(out, password, strlen(password),
	        crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -1;
	return 0;
}

int
auth_password_check(const char *hash, const char *password)
{
	if (hash == NULL)
		return 0;
	auth_sodium_init();
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int
auth_may_act_for_crew(const struct auth_user *u, long long crew_id)
{
	if (u->role & AUTH_STAFF)
		return 1;
	return u->role == AUTH_CREW && u->crew_id > 0 && u->crew_id == crew_id;
}

enum auth_denial {
	AUTH_NO_TOKEN,
	AUTH_OTHER_SCHEME,
	AUTH_MALFORMED,
	AUTH_UNKNOWN_TOKEN,
	AUTH_SESSION_ENDED,
};

/*
 * RFC 6750: a 401 names the scheme, and adds error="invalid_token" only
 * when a bearer token was presented (not for a missing header or another
 * scheme, where the client may not know a token is wanted).
 */
static void
auth_reply_401(struct http_req *req, enum auth_denial why)
{
	static const char *reasons[] = {"no_token", "other_scheme", "malformed",
	    "unknown_token", "session_ended"};
	static const char *messages[] = {
	    ("this resource needs an API token: send "
	     "\"Authorization: Bearer TOKEN\""),
	    "only \"Authorization: Bearer TOKEN\" is accepted",
	    "the Authorization header does not hold a well-formed API token",
	    "the API token is unknown or revoked, or its user is disabled",
	    "the session has ended (logged out or expired): log in again",
	};

	log_info("event=auth_denied status=401 reason=%s", reasons[why]);
	http_req_set_header(req, "WWW-Authenticate",
	    why == AUTH_MALFORMED || why == AUTH_UNKNOWN_TOKEN
	        ? "Bearer realm=\"patrol\", error=\"invalid_token\""
	        : "Bearer realm=\"patrol\"");
	http_reply_error(req, 401, "unauthorized", "%s", messages[why]);
}

/* Methods that change something: the ones a forged form could send. */
static int
auth_changes(struct http_req *req)
{
	return (http_req_method(req) &
	           (EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
	               EVHTTP_REQ_DELETE)) != 0;
}

/* The caller is known: the CSRF rule, the route's roles, then cb. */
static void
auth_admit(struct http_req *req, const struct auth_user *u, int session,
    int roles, auth_cb cb, void *arg)
{
	if (session && auth_changes(req) &&
	    !auth_csrf_ok(http_req_header(req, "X-CSRF-Token"), u->csrf)) {
		log_info(
		    "event=auth_denied status=403 reason=csrf user_id=%lld",
		    u->id);
		http_reply_error(req, 403, "csrf",
		    "a change made with the session cookie needs the "
		    "session's X-CSRF-Token header");
		return;
	}
	if ((u->role & roles) == 0) {
		log_info("event=auth_denied status=403 user_id=%lld role=%s",
		    u->id, role_name(u->role));
		http_reply_error(req, 403, "forbidden",
		    "the role %s may not use this resource",
		    role_name(u->role));
		return;
	}
	cb(req, u, arg);
}

static void
auth_lookup_cb(struct db_result *r, void *arg)
{
	struct auth_pending *p = arg;
	struct http_req *req = p->req;
	struct auth_user u;
	int found;

	/* The deadline may have answered already: then nobody is waiting. */
	if (http_req_done(req))
		goto out;
	if (r->status != DB_OK) {
		if (r->status == DB_ERROR)
			log_error(
			    "event=auth_lookup_failed sqlstate=%s error=%s",
			    log_q(r->sqlstate), log_q(r->error));
		else
			log_warnx("event=auth_lookup_failed status=%d error=%s",
			    (int)r->status, log_q(r->error));
		http_reply_error(req, 503, "unavailable",
		    "cannot check the API token now; try again");
		goto out;
	}
	found = store_users_auth_row(r->res, &u);
	if (found < 0) {
		log_error("event=auth_bad_row");
		http_reply_error(req, 500, "internal", "cannot read the user");
		goto out;
	}
	if (found == 0) {
		auth_reply_401(
		    req, p->session ? AUTH_SESSION_ENDED : AUTH_UNKNOWN_TOKEN);
		goto out;
	}
	if (p->cache != NULL)
		auth_cache_put(p->cache, p->ticket, p->session, p->hash, &u,
		    p->session ? store_sessions_left_s(r->res) : -1);
	auth_admit(req, &u, p->session, p->roles, p->cb, p->arg);
	sodium_memzero(&u, sizeof u);
out:
	free(p);
	http_req_unref(req);
}

static void
auth_lookup(struct auth_pending *p)
{
	if (p->cache != NULL)
		p->ticket = auth_cache_begin(p->cache);
	if (p->session)
		store_sessions_lookup(p->db, p->hash, auth_lookup_cb, p);
	else
		store_users_token_lookup(p->db, p->hash, auth_lookup_cb, p);
}

/* Every change committed before the call came has been heard now. */
static void
auth_synced_cb(int heard, void *arg)
{
	struct auth_pending *p = arg;
	struct http_req *req = p->req;
	struct auth_user u;

	if (http_req_done(req)) {
		free(p);
		http_req_unref(req);
		return;
	}
	if (heard && auth_cache_get(p->cache, p->session, p->hash, &u)) {
		auth_admit(req, &u, p->session, p->roles, p->cb, p->arg);
		sodium_memzero(&u, sizeof u);
		free(p);
		http_req_unref(req);
		return;
	}
	auth_lookup(p); /* forgotten meanwhile, or the listener was lost */
}

void
auth_require(
    struct app *a, struct http_req *req, int roles, auth_cb cb, void *arg)
{
	char token[AUTH_TOKEN_LEN + 1], hash[65], sid[AUTH_SESSION_LEN + 1];
	const char *h = http_req_header(req, "Authorization");
	struct auth_pending *p;
	struct auth_user u;
	int session = 0, kept;

	/* A bearer token, when there is one, decides alone. */
	if (h == NULL &&
	    auth_cookie_session(http_req_header(req, "Cookie"), sid) == 0) {
		auth_token_hash(sid, hash);
		sodium_memzero(sid, sizeof sid);
		session = 1;
		goto lookup;
	}
	if (h == NULL) {
		auth_reply_401(req, AUTH_NO_TOKEN);
		return;
	}
	if (auth_bearer_parse(h, token) != 0) {
		auth_reply_401(req,
		    strncasecmp(h, "Bearer", 6) == 0 ? AUTH_MALFORMED
		                                     : AUTH_OTHER_SCHEME);
		return;
	}
	auth_token_hash(token, hash);
	sodium_memzero(token, sizeof token);
lookup:
	p = xcalloc(1, sizeof *p);
	p->req = req;
	p->roles = roles;
	p->cb = cb;
	p->arg = arg;
	p->session = session;
	p->db = a->db;
	p->cache = a->auth_cache;
	memcpy(p->hash, hash, sizeof p->hash);
	http_req_ref(req);
	/*
	 * A kept verdict is used once the listener has heard every change
	 * committed before now (one empty statement shared by the calls
	 * waiting together): a revocation made anywhere is refused next.
	 */
	kept = p->cache != NULL &&
	    auth_cache_get(p->cache, session, hash, &u) == 1;
	sodium_memzero(&u, sizeof u);
	if (kept && db_listen_sync(a->db, auth_synced_cb, p) == 0)
		return;
	auth_lookup(p);
}

static void
auth_guard_cb(struct http_req *req, const struct auth_user *u, void *arg)
{
	struct auth_user *copy = xmalloc(sizeof *copy);

	(void)arg;
	*copy = *u;
	http_req_set_user(req, copy);
	http_req_handler(req)(req);
}

void
auth_guard(struct http_req *req, int roles, void *app)
{
	auth_require(app, req, roles, auth_guard_cb, NULL);
}

const struct auth_user *
auth_user_of(struct http_req *req)
{
	return http_req_user(req);
}
