/*
 * SQL for Idempotency-Key (schema/0102_idempotency_keys.sql). Each
 * function queues one statement; strings passed are copied by db_query.
 */
#ifndef PATROL_STORE_IDEMPOTENCY_H
#define PATROL_STORE_IDEMPOTENCY_H

#include "db.h"

struct store_idem {
	const char *scope; /* "user:ID", "open311:KEY_ID" */
	const char *route; /* the route's name and path */
	const char *key;   /* the header's value */
	const char *body_sha256;
	int ttl_s;
};

/*
 * Claims the key for a first request, or finds who holds it. One row:
 * (claimed boolean, body_sha256, status, content_type, response); claimed
 * is true when this request is the first (or the key had expired), and the
 * other columns then are NULL. No row: another request claimed it at the
 * same moment and has not committed yet (the caller says "in progress").
 */
void store_idem_claim(struct db *, const struct store_idem *, db_cb, void *);
/* store_idem_claim's row; strings live as long as the result. */
struct store_idem_claimed {
	int claimed;             /* this request is the first */
	const char *body_sha256; /* the holder's ("" when claimed) */
	int answered;            /* the holder's answer is kept: */
	int status;
	const char *content_type; /* NULL: none */
	const char *response;
};
/* 1 with *c, or 0 when there was no row (claimed at the same moment). */
int store_idem_claim_row(const PGresult *, struct store_idem_claimed *c);
/* Keeps the first answer for retries (status 2xx). */
void store_idem_finish(struct db *, const struct store_idem *, int status,
    const char *content_type, const char *response, db_cb, void *);
/*
 * Forgets a claim whose request failed (4xx: nothing was created), so a
 * corrected retry may use the key; with keep_s > 0 it is kept that long
 * instead (5xx: the outcome is unknown, it may yet commit).
 */
void store_idem_release(
    struct db *, const struct store_idem *, int keep_s, db_cb, void *);

#endif
