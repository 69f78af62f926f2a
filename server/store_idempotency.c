#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store_idempotency.h"
#include "store_num.h"
#include "store_result.h"

void
store_idem_claim(struct db *db, const struct store_idem *k, db_cb cb, void *arg)
{
	struct store_num ttl;
	const char *p[] = {k->scope, k->route, k->key, k->body_sha256,
	    store_num_ll(&ttl, k->ttl_s)};

	/*
	 * An expired row is taken over as if new. The SELECT sees the
	 * statement's snapshot: a claim committed meanwhile by another
	 * instance shows as no row at all.
	 */
	db_query(db,
	    "WITH sweep AS (DELETE FROM idempotency_keys WHERE ctid IN"
	    "  (SELECT ctid FROM idempotency_keys WHERE expires_at < now()"
	    "   AND NOT (scope = $1 AND route = $2 AND key = $3) LIMIT 20)),"
	    " c AS (INSERT INTO idempotency_keys (scope, route, key,"
	    "  body_sha256, expires_at) VALUES ($1, $2, $3, $4,"
	    "  now() + $5::int * interval '1 second')"
	    "  ON CONFLICT (scope, route, key) DO UPDATE SET"
	    "  body_sha256 = EXCLUDED.body_sha256, status = NULL,"
	    "  content_type = NULL, response = NULL, created_at = now(),"
	    "  expires_at = EXCLUDED.expires_at"
	    "  WHERE idempotency_keys.expires_at < now() RETURNING 1)"
	    " SELECT true, NULL, NULL, NULL, NULL FROM c"
	    " UNION ALL SELECT false, body_sha256, status, content_type,"
	    "  response FROM idempotency_keys WHERE scope = $1 AND route = $2"
	    "  AND key = $3 AND NOT EXISTS (SELECT 1 FROM c)",
	    5, p, cb, arg);
}

void
store_idem_finish(struct db *db, const struct store_idem *k, int status,
    const char *content_type, const char *response, db_cb cb, void *arg)
{
	struct store_num st;
	const char *p[] = {k->scope, k->route, k->key,
	    store_num_ll(&st, status), content_type, response};

	db_query(db,
	    "UPDATE idempotency_keys SET status = $4::int, content_type = $5,"
	    " response = $6 WHERE scope = $1 AND route = $2 AND key = $3",
	    6, p, cb, arg);
}

void
store_idem_release(
    struct db *db, const struct store_idem *k, int keep_s, db_cb cb, void *arg)
{
	struct store_num keep;
	const char *p[] = {
	    k->scope, k->route, k->key, store_num_ll(&keep, keep_s)};

	db_query(db,
	    "WITH d AS (DELETE FROM idempotency_keys WHERE scope = $1"
	    "  AND route = $2 AND key = $3 AND status IS NULL"
	    "  AND $4::int = 0 RETURNING 1)"
	    " UPDATE idempotency_keys SET expires_at = least(expires_at,"
	    "  now() + $4::int * interval '1 second') WHERE scope = $1"
	    "  AND route = $2 AND key = $3 AND status IS NULL AND $4::int > 0",
	    4, p, cb, arg);
}

static const struct store_col idem_claim_cols[] = {
    STORE_COL(BOOL, struct store_idem_claimed, claimed),
    STORE_COL(TEXT, struct store_idem_claimed, body_sha256),
    STORE_COL(INT, struct store_idem_claimed, status),
    STORE_COL(CELL, struct store_idem_claimed, content_type),
    STORE_COL(TEXT, struct store_idem_claimed, response),
};

int
store_idem_claim_row(const PGresult *res, struct store_idem_claimed *c)
{
	memset(c, 0, sizeof *c);
	if (!store_result_one_row(res, 5) ||
	    !store_result_decode(res, 0, STORE_COLS(idem_claim_cols), c))
		return 0;
	c->answered = !PQgetisnull(res, 0, 2);
	return 1;
}
