#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "api.h"
#include "app.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "idempotency.h"
#include "log.h"
#include "store_idempotency.h"
#include "xmalloc.h"

/* A reply larger than this is not kept: the key is let go instead. */
#define IDEM_RESPONSE_MAX (256 * 1024)
/* A claim whose request failed on our side stays "in progress" this long. */
#define IDEM_UNKNOWN_KEEP_S 60

struct idem {
	struct app *app;
	struct http_req *req;
	struct store_idem k;
	char *scope, *route, *key;
	char sha[65];
	idem_cb go, stop;
	void *arg;
	int held; /* req's reply waits for idem_kept_cb */
};

int
idem_key_valid(const char *key)
{
	size_t i;

	for (i = 0; key[i] != '\0'; i++) {
		if (i >= IDEM_KEY_MAX || key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	}
	return i > 0;
}

static void
idem_free(struct idem *x)
{
	free(x->scope);
	free(x->route);
	free(x->key);
	free(x);
}

static void
idem_stop(struct idem *x)
{
	http_req_unref(x->req);
	x->stop(x->arg);
	idem_free(x);
}

/*
 * The answer is kept (or the claim let go): only now does a held reply go
 * out, so a retry sent the moment it arrives, to any instance, finds it.
 * When keeping it failed the reply goes out all the same, as a request's
 * answer does when a step after its commit fails: it says what happened.
 * The key then stays "in progress" until its claim expires, so a retry is
 * told 409 and nothing is made twice.
 */
static void
idem_kept_cb(struct db_result *r, void *arg)
{
	struct idem *x = arg;

	if (r->status != DB_OK)
		log_warnx("event=idempotency_store_failed route=%s status=%d "
		          "error=%s",
		    x->route, (int)r->status, log_q(r->error));
	if (x->held)
		http_reply_release(x->req);
	idem_free(x);
}

static void
idem_reply_hook(struct http_req *req, int status, const char *content_type,
    struct evbuffer *body, void *arg)
{
	struct idem *x = arg;
	size_t len = body != NULL ? evbuffer_get_length(body) : 0;
	char *text;

	(void)req; /* x->req */
	x->held = 1;
	if (status >= 200 && status < 300 && len <= IDEM_RESPONSE_MAX) {
		text = xmalloc(len + 1);
		if (len > 0)
			evbuffer_copyout(body, text, len);
		text[len] = '\0';
		store_idem_finish(x->app->db, &x->k, status, content_type, text,
		    idem_kept_cb, x);
		free(text);
		return;
	}
	store_idem_release(x->app->db, &x->k,
	    status >= 500 ? IDEM_UNKNOWN_KEEP_S : 0, idem_kept_cb, x);
}

static void
idem_claim_cb(struct db_result *r, void *arg)
{
	struct idem *x = arg;
	struct http_req *req = x->req;
	struct store_idem_claimed c;
	int found = r->status == DB_OK && store_idem_claim_row(r->res, &c);

	if (http_req_done(req)) {
		/* Answered by the deadline: let a claim go, nothing was made.
		 */
		if (found && c.claimed) {
			http_req_unref(req);
			x->stop(x->arg);
			store_idem_release(
			    x->app->db, &x->k, 0, idem_kept_cb, x);
			return;
		}
		goto stop;
	}
	if (r->status != DB_OK) {
		api_db_error(req, r, "idempotency.claim");
		goto stop;
	}
	if (found && c.claimed) {
		/*
		 * The first: the reply go makes is kept before it is sent
		 * (idem_reply_hook holds it until idem_kept_cb).
		 */
		http_req_on_reply(req, idem_reply_hook, x);
		x->go(x->arg);
		http_req_unref(req);
		return;
	}
	if (found && strcmp(c.body_sha256, x->sha) != 0) {
		api_error(req, 422, "idempotency_key_reused", "Idempotency-Key",
		    "this Idempotency-Key was used before with a different "
		    "body; a new request needs a new key");
		goto stop;
	}
	if (!found || !c.answered) {
		http_req_set_header(req, "Retry-After", "1");
		api_error(req, 409, "idempotency_key_in_use", "Idempotency-Key",
		    "a request with this Idempotency-Key is still being "
		    "handled; retry in a moment");
		goto stop;
	}
	log_info("event=idempotent_replay route=%s", x->route);
	http_req_set_header(req, "Idempotency-Replayed", "true");
	http_reply_text(req, c.status, c.content_type, c.response);
stop:
	idem_stop(x);
}

void
idem_begin(struct app *a, struct http_req *req, const char *scope, idem_cb go,
    idem_cb stop, void *arg)
{
	const char *key = http_req_header(req, "Idempotency-Key");
	unsigned char h[crypto_hash_sha256_BYTES];
	const char *body;
	size_t len;
	struct idem *x;

	if (key == NULL) {
		go(arg);
		return;
	}
	if (!idem_key_valid(key)) {
		api_error(req, 400, "invalid_idempotency_key",
		    "Idempotency-Key",
		    "Idempotency-Key must be 1 to %d visible ASCII characters "
		    "(a UUID, say)",
		    IDEM_KEY_MAX);
		stop(arg);
		return;
	}
	body = http_req_body(req, &len);
	crypto_hash_sha256(h, (const unsigned char *)(body != NULL ? body : ""),
	    (unsigned long long)len);
	x = xcalloc(1, sizeof *x);
	sodium_bin2hex(x->sha, sizeof x->sha, h, sizeof h);
	x->app = a;
	x->req = req;
	http_req_ref(req);
	x->scope = xstrdup(scope);
	x->route = xasprintf("POST %s", http_req_path(req));
	x->key = xstrdup(key);
	x->go = go;
	x->stop = stop;
	x->arg = arg;
	x->k.scope = x->scope;
	x->k.route = x->route;
	x->k.key = x->key;
	x->k.body_sha256 = x->sha;
	x->k.ttl_s = a->cfg->idempotency_ttl_s;
	store_idem_claim(a->db, &x->k, idem_claim_cb, x);
}
