/*
 * SQL for Open311. The public views (requests, updates) are built as JSON
 * by PostgreSQL in our own terms (ids, states, event kinds); open311.c
 * turns them into the spec's fields, so what a resident may see is decided
 * in one readable place. Neither view reads callers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store_open311.h"
#include "store_result.h"
#include "store_sql.h"
#include "store_num.h"
#include "xmalloc.h"

/* W3C date-time in the session's time zone, no fractions: +09:00. */
#define TS(x) "to_char(" x ", " STORE_SQL_W3C ")"

/*
 * The date window shared by both views, from $1 start, $2 end, $3
 * updated_after, $4 updated_before, $5 default window, $6 its days. A
 * range given by one end spans window days from it.
 */
#define WINDOW                                                                 \
	"p AS (SELECT $1::timestamptz AS s0, $2::timestamptz AS e0,"           \
	" $3::timestamptz AS ua, $4::timestamptz AS ub,"                       \
	" $6::int * interval '1 day' AS span),"                                \
	" w AS (SELECT CASE WHEN s0 IS NOT NULL THEN s0"                       \
	"  WHEN e0 IS NOT NULL THEN e0 - span"                                 \
	"  WHEN $5::boolean THEN now() - span END AS s,"                       \
	" CASE WHEN e0 IS NOT NULL THEN e0"                                    \
	"  WHEN s0 IS NOT NULL THEN s0 + span END AS e, ua, ub,"               \
	" CASE WHEN e0 < s0 OR ub < ua THEN 'order'"                           \
	"  WHEN e0 - s0 > span OR ub - ua > span THEN 'range' END AS error"    \
	" FROM p)"

/* An event as a resident's update needs it; c is its category. */
#define EVENT_JSON(e)                                                          \
	"jsonb_build_object('kind', " e ".kind, 'at', " TS(                    \
	    e ".at") ","                                                       \
	             " 'outcome', " e ".detail->>'outcome', 'outcome_ja',"     \
	             " oc.o->>'name_ja', 'outcome_en', oc.o->>'name_en')"
#define OUTCOME_JOIN(e)                                                        \
	" LEFT JOIN LATERAL (SELECT o FROM jsonb_array_elements(c.outcomes) o" \
	"  WHERE o->>'code' = " e ".detail->>'outcome' LIMIT 1) oc ON true"

static int
store_open311_one(struct db *db, const char *sql, int n,
    const char *const *params, char **cause)
{
	PGresult *res;
	int rows;

	if (db_query_sync(db, sql, n, params, &res, cause) != 0)
		return -1;
	rows = PQntuples(res);
	PQclear(res);
	return rows;
}

int
store_open311_key_add(struct db *db, const char *name, const char *hash_hex,
    const char *actor, char **cause)
{
	const char *p[] = {name, hash_hex, actor};
	int rows;

	/* A revoked client may be given a new key under its old name. */
	rows = store_open311_one(db,
	    "WITH k AS (INSERT INTO open311_keys (name, key_sha256)"
	    " VALUES ($1, $2)"
	    " ON CONFLICT (name) DO UPDATE SET key_sha256 ="
	    " EXCLUDED.key_sha256, revoked_at = NULL, last_used_at = NULL,"
	    " created_at = now() WHERE open311_keys.revoked_at IS NOT NULL"
	    " RETURNING id),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    " object_id, detail) SELECT $3, 'open311_key.create',"
	    " 'open311_key', $1, jsonb_build_object('id', k.id) FROM k)"
	    " SELECT id FROM k",
	    3, p, cause);
	if (rows < 0)
		return -1;
	if (rows == 0) {
		*cause = xasprintf("client '%s' already has a live key; "
		                   "revoke it first",
		    name);
		return -1;
	}
	return 0;
}

int
store_open311_key_list(struct db *db, PGresult **res, char **cause)
{
	return db_query_sync(db,
	    "SELECT name, " TS("created_at") ", coalesce(" TS(
	        "last_used_at") ", '-'), revoked_at IS NOT NULL"
	                        " FROM open311_keys ORDER BY name",
	    0, NULL, res, cause);
}

static const struct store_col open311_key_list_cols[] = {
    STORE_COL(TEXT, struct store_open311_key, name),
    STORE_COL(TEXT, struct store_open311_key, created_at),
    STORE_COL(TEXT, struct store_open311_key, last_used_at),
    STORE_COL(BOOL, struct store_open311_key, revoked),
};

int
store_open311_key_list_row(
    const PGresult *res, int i, struct store_open311_key *k)
{
	return store_result_decode(
	    res, i, STORE_COLS(open311_key_list_cols), k);
}

int
store_open311_key_revoke(
    struct db *db, const char *name, const char *actor, char **cause)
{
	const char *p[] = {name, actor};
	int rows;

	rows = store_open311_one(db,
	    "WITH k AS (UPDATE open311_keys SET revoked_at = now()"
	    " WHERE name = $1 AND revoked_at IS NULL RETURNING id),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    " object_id, detail) SELECT $2, 'open311_key.revoke',"
	    " 'open311_key', $1, jsonb_build_object('id', k.id) FROM k)"
	    " SELECT id FROM k",
	    2, p, cause);
	if (rows < 0)
		return -1;
	if (rows == 0) {
		*cause = xasprintf("no live key for client '%s'", name);
		return -1;
	}
	return 0;
}

void
store_open311_key_lookup(
    struct db *db, const char *hash_hex, db_cb cb, void *arg)
{
	const char *p[] = {hash_hex};

	db_query(db,
	    "UPDATE open311_keys SET last_used_at = now()"
	    " WHERE key_sha256 = $1 AND revoked_at IS NULL RETURNING id, name",
	    1, p, cb, arg);
}

int
store_open311_key_lookup_row(
    const PGresult *res, long long *id, const char **name)
{
	if (!store_result_one_row(res, 2))
		return 0;
	*id = store_result_cell_ll(res, 0, 0);
	*name = PQgetvalue(res, 0, 1);
	return 1;
}

void
store_open311_services(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT coalesce(jsonb_agg(jsonb_build_object('code', code,"
	    " 'name_ja', name_ja, 'name_en', name_en, 'skills', skills,"
	    " 'questions', questions) ORDER BY code), '[]')::text"
	    " FROM categories WHERE active",
	    0, NULL, cb, arg);
}

void
store_open311_received(
    struct db *db, const struct store_open311_received *x, db_cb cb, void *arg)
{
	struct store_num id, key, photos;
	const char *p[] = {store_num_ll(&id, x->request_id),
	    store_num_ll(&key, x->key_id), x->actor, x->client, x->media_url,
	    x->client_ref, x->email, x->duplicates,
	    store_num_ll(&photos, x->photos)};

	/* The e-mail joins the caller row the request made, or starts one. */
	db_query(db,
	    "WITH o AS (INSERT INTO open311_requests (request_id, key_id,"
	    "  media_url, client_ref) VALUES ($1::bigint, $2::bigint, $5, $6)"
	    "  RETURNING request_id),"
	    " u AS (UPDATE callers SET email = $7 WHERE request_id ="
	    "  $1::bigint AND $7::text IS NOT NULL RETURNING id),"
	    " c AS (INSERT INTO callers (request_id, email) SELECT $1::bigint,"
	    "  $7 WHERE $7::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM u)"
	    "  RETURNING id)"
	    " SELECT request_event_append(r.id, $3, 'open311_received',"
	    " r.state, r.state, NULL, NULL, NULL, jsonb_build_object('client',"
	    " $4::text, 'duplicates', $8::jsonb, 'photos', $9::int,"
	    " 'media_url', $5::text IS NOT NULL))"
	    " FROM requests r JOIN o ON o.request_id = r.id",
	    9, p, cb, arg);
}

void
store_open311_comment(
    struct db *db, const struct store_open311_comment *x, db_cb cb, void *arg)
{
	struct store_num id;
	const char *p[] = {store_num_ll(&id, x->request_id), x->actor,
	    x->client, x->client_update_id, x->status, x->text, x->media_url,
	    x->client_at};

	/* A client resending the same update gets the same id back. */
	db_query(db,
	    "WITH r AS (SELECT id, state FROM requests WHERE id = $1::bigint),"
	    " old AS (SELECT e.id FROM request_events e JOIN r ON"
	    "  e.request_id = r.id WHERE $4::text IS NOT NULL AND e.kind ="
	    "  'resident_comment' AND e.detail->>'client' = $3 AND"
	    "  e.detail->>'client_update_id' = $4 ORDER BY e.id LIMIT 1)"
	    " SELECT CASE WHEN EXISTS (SELECT 1 FROM old) THEN"
	    " (SELECT id FROM old) ELSE request_event_append(r.id, $2,"
	    " 'resident_comment', r.state, r.state, NULL, NULL, NULL,"
	    " jsonb_strip_nulls(jsonb_build_object('client', $3::text,"
	    " 'client_update_id', $4::text, 'status', $5::text, 'comment',"
	    " $6::text, 'media_url', $7::text, 'client_at', $8::text))) END"
	    " FROM r",
	    8, p, cb, arg);
}

const char *
store_open311_comment_id(const struct db_result *r)
{
	return PQntuples(r->res) == 1 ? PQgetvalue(r->res, 0, 0) : NULL;
}

/* The text of store_open311_params' numbers; kept beside the array. */
struct store_open311_nums {
	struct store_num days, limit, offset;
};

/*
 * The parameters both views take: the window's $1..$6 (see WINDOW), $7
 * the ids, $8 the kinds of event that are updates, $9 limit, $10 offset.
 */
static void
store_open311_params(const struct store_open311_query *q, const char **p,
    struct store_open311_nums *n)
{
	p[0] = q->start;
	p[1] = q->end;
	p[2] = q->updated_after;
	p[3] = q->updated_before;
	p[4] = q->default_window ? "t" : "f";
	p[5] = store_num_ll(&n->days, q->window_days);
	p[6] = q->ids;
	p[7] = q->kinds;
	p[8] = store_num_ll(&n->limit, q->limit);
	p[9] = store_num_ll(&n->offset, q->offset);
}

void
store_open311_requests(
    struct db *db, const struct store_open311_query *q, db_cb cb, void *arg)
{
	struct store_open311_nums n;
	const char *p[13];

	store_open311_params(q, p, &n);
	p[10] = q->services;
	p[11] = q->states;
	p[12] = q->all_events ? "t" : "f";
	/* Ids given override every other filter (the spec says so). */
	db_query(db,
	    "WITH " WINDOW ","
	    " sel AS (SELECT r.* FROM requests r, w WHERE w.error IS NULL AND"
	    " CASE WHEN $7::bigint[] IS NOT NULL THEN r.id = ANY($7::bigint[])"
	    " ELSE ($11::text[] IS NULL OR r.category = ANY($11::text[]))"
	    " AND ($12::text[] IS NULL OR r.state = ANY($12::text[]))"
	    " AND (w.s IS NULL OR r.created_at >= w.s)"
	    " AND (w.e IS NULL OR r.created_at <= w.e)"
	    " AND (w.ua IS NULL OR r.state_changed_at >= w.ua)"
	    " AND (w.ub IS NULL OR r.state_changed_at <= w.ub) END"
	    " ORDER BY r.created_at DESC, r.id DESC"
	    " LIMIT $9::int OFFSET $10::int)"
	    " SELECT CASE WHEN w.error IS NOT NULL THEN"
	    " jsonb_build_object('error', w.error) ELSE"
	    " jsonb_build_object('requests', (SELECT coalesce(jsonb_agg("
	    "  jsonb_build_object('id', r.id, 'code', r.category, 'name_ja',"
	    "  c.name_ja, 'name_en', c.name_en, 'channel', r.channel,"
	    "  'state', r.state, 'outcome', r.outcome, 'description',"
	    "  r.description, 'address', r.address, 'ward', wd.name,"
	    "  'lat', r.lat, 'lon', r.lon,"
	    "  'requested', " TS(
	        "r.created_at") ","
	                        "  'updated', " TS(
	                            "r.state_changed_at") ","
	                                                  "  'expected', " TS(
	                                                      "coalesce(r."
	                                                      "expected_from, "
	                                                      "r.due_resolve)") ","
	                                                                        "  'parent_id', r.parent_id, 'media_url', o.media_url,"
	                                                                        "  'office_ja', f.name_ja, 'office_en', f.name_en,"
	                                                                        "  'events', (SELECT coalesce(jsonb_agg(" EVENT_JSON(
	                                                                            "x") "   ORDER BY x.id), '[]') FROM (SELECT e.* FROM request_events e"
	                                                                                 "   WHERE e.request_id = r.id AND e.kind = ANY($8::text[])"
	                                                                                 "   ORDER BY e.id DESC LIMIT CASE WHEN $13::boolean THEN NULL"
	                                                                                 "   ELSE 1 END) x" OUTCOME_JOIN(
	                                                                                     "x") "))"
	                                                                                          "  ORDER BY r.created_at DESC, r.id DESC), '[]')"
	                                                                                          "  FROM sel r JOIN categories c ON c.code = r.category"
	                                                                                          "  LEFT JOIN wards wd ON wd.code = r.ward_code"
	                                                                                          "  LEFT JOIN open311_requests o ON o.request_id = r.id"
	                                                                                          "  LEFT JOIN crews cr ON cr.id = r.crew_id"
	                                                                                          "  LEFT JOIN offices f ON f.id = cr.office_id)) END::text"
	                                                                                          " FROM w",
	    13, p, cb, arg);
}

void
store_open311_updates(
    struct db *db, const struct store_open311_query *q, db_cb cb, void *arg)
{
	struct store_open311_nums n;
	const char *p[10];

	store_open311_params(q, p, &n);
	/*
	 * A report merged into another follows it: the other's steps after
	 * the merge are the merged report's too (update id EVENT-REQUEST),
	 * so its resident hears how the problem ended.
	 */
	db_query(db,
	    "WITH " WINDOW ","
	    " ev AS (SELECT e.id::text AS update_id, e.id, e.request_id AS rid,"
	    "  e.request_id AS src, e.at, e.kind, e.detail"
	    "  FROM request_events e, w WHERE w.error IS NULL"
	    "  AND e.kind = ANY($8::text[])"
	    "  AND (w.s IS NULL OR e.at >= w.s) AND (w.e IS NULL OR e.at <= "
	    "w.e)"
	    "  AND ($7::bigint[] IS NULL OR e.request_id = ANY($7::bigint[]))"
	    " UNION ALL"
	    " SELECT e.id || '-' || m.id, e.id, m.id, e.request_id, e.at,"
	    "  e.kind, e.detail FROM requests m JOIN request_events e"
	    "  ON e.request_id = m.parent_id, w WHERE w.error IS NULL"
	    "  AND m.state = 'merged' AND e.kind = ANY($8::text[])"
	    "  AND (w.s IS NULL OR e.at >= w.s) AND (w.e IS NULL OR e.at <= "
	    "w.e)"
	    "  AND ($7::bigint[] IS NULL OR m.id = ANY($7::bigint[]))"
	    "  AND e.id > (SELECT max(k.id) FROM request_events k"
	    "  WHERE k.request_id = m.id AND k.kind = 'merge')),"
	    " pg AS (SELECT * FROM ev ORDER BY at, id, rid"
	    "  LIMIT $9::int OFFSET $10::int)"
	    " SELECT CASE WHEN w.error IS NOT NULL THEN"
	    " jsonb_build_object('error', w.error) ELSE"
	    " jsonb_build_object('updates', (SELECT coalesce(jsonb_agg("
	    "  " EVENT_JSON(
	        "pg") " || jsonb_build_object('update_id',"
	              "  pg.update_id, 'request_id', pg.rid, 'client_ref',"
	              "  o.client_ref) ORDER BY pg.at, pg.id, pg.rid), '[]')"
	              "  FROM pg JOIN requests r ON r.id = pg.src"
	              "  JOIN categories c ON c.code = r.category" OUTCOME_JOIN(
	                  "pg") "  LEFT JOIN open311_requests o ON "
	                        "o.request_id = pg.rid))"
	                        " END::text FROM w",
	    10, p, cb, arg);
}
