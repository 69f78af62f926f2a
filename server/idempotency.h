/*
 * Idempotency-Key on the POSTs that create (issue 10 finding 10): a
 * client that lost the reply retries with the same key and gets the first
 * answer; nothing new is created. Keys live in the database
 * (store_idempotency.c), so every patrold instance answers alike, and
 * expire after the idempotency_ttl_s option.
 */
#ifndef PATROL_IDEMPOTENCY_H
#define PATROL_IDEMPOTENCY_H

struct app;
struct http_req;

#define IDEM_KEY_MAX 255

typedef void (*idem_cb)(void *arg);

/*
 * Without an Idempotency-Key header calls go(arg) at once. With one:
 *  - a malformed key (not 1 to IDEM_KEY_MAX visible ASCII characters)
 *    is answered 400 invalid_idempotency_key;
 *  - its first use by scope (the client: "user:ID", "open311:KEY_ID") on
 *    this route claims it and calls go(arg); the reply go produces is kept
 *    for retries when 2xx, forgotten when 4xx (nothing was created), and
 *    kept "in progress" one more minute when 5xx (it may yet commit), and
 *    only then sent (one more round trip), so a client never sees an
 *    answer that its retry on another instance would not get;
 *  - a retry with the same body gets the kept reply again (same status
 *    and body, header Idempotency-Replayed: true);
 *  - the same key with another body is 422 idempotency_key_reused;
 *  - while the first is still being handled, 409 idempotency_key_in_use
 *    with Retry-After.
 * In every case but go, stop(arg) is called after the answer, so the
 * caller frees arg there. The body is the raw request body
 * (http_req_body), hashed with SHA-256.
 */
void idem_begin(struct app *, struct http_req *, const char *scope, idem_cb go,
    idem_cb stop, void *arg);

/* 1 when key is 1..IDEM_KEY_MAX characters, each 0x21..0x7e. */
int idem_key_valid(const char *key);

#endif
