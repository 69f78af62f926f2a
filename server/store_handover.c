#include <stdio.h>

#include "store_handover.h"
#include "store_num.h"
#include "store_sql.h"

#define DIRECTORY_JSON                                                         \
	"jsonb_build_object('id', d.id, 'name', d.name, 'handles', "           \
	"d.handles, 'phone', d.phone, 'email', d.email, 'hours', d.hours, "    \
	"'demo', d.demo, 'active', d.active)"

void
store_secret_get(struct db *db, const char *name, const char *candidate_hex,
    db_cb cb, void *arg)
{
	const char *p[] = {name, candidate_hex};

	/* Of two patrold starting at once, the first insert wins for both. */
	db_query(db,
	    "WITH i AS (INSERT INTO server_secrets (name, secret)"
	    " VALUES ($1, decode($2, 'hex')) ON CONFLICT (name) DO NOTHING"
	    " RETURNING secret)"
	    " SELECT encode(secret, 'hex') FROM i UNION ALL"
	    " SELECT encode(secret, 'hex') FROM server_secrets WHERE name = $1"
	    " LIMIT 1",
	    2, p, cb, arg);
}

void
store_directory_list(struct db *db, int with_removed, db_cb cb, void *arg)
{
	const char *p[] = {with_removed ? "t" : "f"};

	db_query(db,
	    "SELECT coalesce(jsonb_agg(" DIRECTORY_JSON " ORDER BY d.name,"
	    " d.id), '[]')::text FROM directory_entries d"
	    " WHERE d.active OR $1::boolean",
	    1, p, cb, arg);
}

void
store_directory_add(
    struct db *db, const struct store_directory_entry *e, db_cb cb, void *arg)
{
	const char *p[] = {e->name, e->handles != NULL ? e->handles : "",
	    e->phone, e->email, e->hours, e->demo ? "t" : "f"};

	db_query(db,
	    "INSERT INTO directory_entries AS d (name, handles, phone, email,"
	    " hours, demo) VALUES ($1, $2, $3, $4, $5, $6::boolean)"
	    " RETURNING " DIRECTORY_JSON "::text",
	    6, p, cb, arg);
}

void
store_directory_remove(struct db *db, long long id, db_cb cb, void *arg)
{
	store_num_query_ll(db,
	    "UPDATE directory_entries d SET active = false"
	    " WHERE d.id = $1::bigint AND d.active RETURNING " DIRECTORY_JSON
	    "::text",
	    id, cb, arg);
}

void
store_handover_prepare(struct db *db, long long request_id,
    long long recipient_id, db_cb cb, void *arg)
{
	struct store_num ids, rids;
	const char *p[] = {
	    store_num_ll(&ids, request_id), store_num_ll(&rids, recipient_id)};

	/* No caller's name or phone: the e-mail leaves the office. */
	db_query(db,
	    "SELECT jsonb_build_object('state', r.state, 'version', r.version,"
	    " 'crew_id', r.crew_id, 'category_ja', c.name_ja, 'category_en',"
	    " c.name_en, 'address', r.address, 'ward_name', (SELECT w.name"
	    "  FROM wards w WHERE w.code = r.ward_code), 'lat', r.lat, 'lon',"
	    " r.lon, 'description', r.description, 'created_local',"
	    " to_char(r.created_at, 'YYYY-MM-DD HH24:MI'), 'answers', (SELECT "
	    "coalesce(jsonb_agg("
	    "  jsonb_build_object('q', q->>'name_ja', 'a', coalesce((SELECT"
	    "  v->>'name_ja' FROM jsonb_array_elements(q->'values') v"
	    "  WHERE v->>'key' = r.answers->>(q->>'code')),"
	    "  r.answers->>(q->>'code')))), '[]') FROM"
	    "  jsonb_array_elements(c.questions) q WHERE r.answers ?"
	    "  (q->>'code')),"
	    " 'notes', (SELECT coalesce(jsonb_agg(e.detail->>'note' ORDER BY"
	    "  e.id), '[]') FROM request_events e WHERE e.request_id IN"
	    "  (SELECT r.id UNION ALL SELECT m.id FROM requests m WHERE"
	    "  m.parent_id = r.id) AND " STORE_SQL_WORK_NOTE "),"
	    " 'photos', " STORE_SQL_PHOTOS ","
	    " 'recipient', (SELECT " DIRECTORY_JSON " FROM directory_entries d"
	    "  WHERE d.id = $2::bigint AND d.active))::text"
	    " FROM requests r JOIN categories c ON c.code = r.category"
	    " WHERE r.id = $1::bigint",
	    2, p, cb, arg);
}

void
store_handover_start(
    struct db *db, const struct store_handover *h, db_cb cb, void *arg)
{
	struct store_num ids, ver, crew, rid, exp, ret;
	const char *p[] = {store_num_ll(&ids, h->request_id),
	    store_num_ll(&ver, h->version), h->actor,
	    store_num_ll(&rid, h->recipient_id), h->note != NULL ? h->note : "",
	    h->token_hash, store_num_ll(&exp, h->expires),
	    store_num_ll(&ret, h->return_s),
	    h->crew_id > 0 ? store_num_ll(&crew, h->crew_id) : NULL};

	/*
	 * The row is locked at the version patrold judged, so the state
	 * change (request_transition(), schema/functions) cannot be refused
	 * after the hand-over is recorded.
	 */
	db_query(db,
	    "WITH d AS (SELECT * FROM directory_entries"
	    "  WHERE id = $4::bigint AND active),"
	    " r AS (SELECT id FROM requests WHERE id = $1::bigint"
	    "  AND version = $2::int AND EXISTS (SELECT 1 FROM d) FOR UPDATE),"
	    " h AS (INSERT INTO handovers (request_id, recipient_id, sent_by,"
	    "  note, token_hash, expires_at, return_at)"
	    "  SELECT r.id, d.id, $3, $5, decode($6, 'hex'),"
	    "  to_timestamp($7::bigint), now() + $8::int * interval '1 second'"
	    "  FROM r, d RETURNING *),"
	    " t AS (SELECT request_transition(h.request_id, 'handover', $3,"
	    "  $2::int, p_detail => jsonb_strip_nulls(jsonb_build_object("
	    "  'handover_id', h.id, 'recipient_id', d.id, 'to', d.name, 'note',"
	    "  nullif($5, ''), 'return_at', h.return_at)), p_event_crew =>"
	    "  $9::bigint) AS t FROM h, d)"
	    " SELECT jsonb_build_object('event_id', t.t->'event_id', 'version',"
	    " t.t->'version', 'state', t.t->'state', 'handover',"
	    " jsonb_build_object('id', h.id,"
	    " 'recipient_id', d.id, 'to', d.name, 'email', d.email,"
	    " 'expires_at', h.expires_at, 'return_at', h.return_at,"
	    " 'expires_local', to_char(h.expires_at, 'YYYY-MM-DD HH24:MI'),"
	    " 'return_local', to_char(h.return_at, 'YYYY-MM-DD "
	    "HH24:MI')))::text"
	    " FROM t, h, d WHERE (t.t->>'applied')::boolean",
	    9, p, cb, arg);
}

void
store_handover_mailed(struct db *db, long long handover_id, const char *error,
    db_cb cb, void *arg)
{
	struct store_num ids;
	const char *p[] = {store_num_ll(&ids, handover_id), error};

	db_query(db,
	    "WITH h AS (UPDATE handovers SET mailed_at = CASE WHEN $2::text"
	    "  IS NULL THEN now() END, mail_error = $2::text"
	    "  WHERE id = $1::bigint RETURNING *)"
	    " SELECT request_event_append(h.request_id, 'system', CASE WHEN"
	    " $2::text IS NULL THEN 'handover_mailed' ELSE"
	    " 'handover_mail_failed' END, r.state, r.state, NULL, NULL, NULL,"
	    " jsonb_strip_nulls(jsonb_build_object('handover_id', h.id, 'to',"
	    " d.name, 'error', $2::text)))"
	    " FROM h JOIN requests r ON r.id = h.request_id"
	    " JOIN directory_entries d ON d.id = h.recipient_id",
	    2, p, cb, arg);
}

#define HANDOVER_FIND_JSON                                                     \
	"jsonb_build_object('id', h.id, 'request_id', r.id, 'state',"          \
	" r.state, 'to', d.name, 'category_ja', c.name_ja, 'category_en',"     \
	" c.name_en, 'address', r.address, 'description', r.description,"      \
	" 'lat', r.lat, 'lon', r.lon, 'note', h.note, 'created_at',"           \
	" h.created_at, 'expires_at', h.expires_at, 'received_at',"            \
	" h.received_at, 'received_by', h.received_by, 'returned_at',"         \
	" h.returned_at, 'expires_local', to_char(h.expires_at,"               \
	" 'YYYY-MM-DD HH24:MI'), 'received_local', to_char(h.received_at,"     \
	" 'YYYY-MM-DD HH24:MI'), 'photos', (SELECT coalesce(jsonb_agg("        \
	" jsonb_build_object('sha256', rp.sha256, 'type', ph.content_type)"    \
	" ORDER BY rp.added_at, rp.sha256), '[]') FROM request_photos rp"      \
	" JOIN photos ph ON ph.sha256 = rp.sha256"                             \
	" WHERE rp.request_id = r.id))"

void
store_handover_find(struct db *db, const char *token_hash, db_cb cb, void *arg)
{
	const char *p[] = {token_hash};

	db_query(db,
	    "SELECT " HANDOVER_FIND_JSON "::text FROM handovers h"
	    " JOIN requests r ON r.id = h.request_id"
	    " JOIN categories c ON c.code = r.category"
	    " JOIN directory_entries d ON d.id = h.recipient_id"
	    " WHERE h.token_hash = decode($1, 'hex')",
	    1, p, cb, arg);
}

void
store_handover_receive(struct db *db, const char *token_hash,
    const char *received_by, db_cb cb, void *arg)
{
	const char *p[] = {token_hash, received_by};

	db_query(db,
	    "WITH h AS (UPDATE handovers h SET received_at = now(),"
	    "  received_by = $2 FROM requests r"
	    "  WHERE h.token_hash = decode($1, 'hex') AND h.received_at IS NULL"
	    "  AND h.returned_at IS NULL AND h.expires_at > now()"
	    "  AND r.id = h.request_id"
	    "  AND lifecycle_allows('handover_received', r.state)"
	    "  RETURNING h.*),"
	    " t AS (SELECT h.id AS hid, request_transition(h.request_id,"
	    "  'handover_received', 'handover-receipt', p_outcome =>"
	    "  'handed_over', p_detail => jsonb_build_object('handover_id',"
	    "  h.id, 'to', d.name, 'received_by', h.received_by, 'outcome',"
	    "  'handed_over')) AS t FROM h"
	    "  JOIN directory_entries d ON d.id = h.recipient_id)"
	    " SELECT jsonb_build_object('event_id', t.t->'event_id',"
	    " 'request_id', h.request_id, 'received_at', h.received_at)::text"
	    " FROM t JOIN h ON h.id = t.hid WHERE (t.t->>'applied')::boolean",
	    2, p, cb, arg);
}

void
store_handover_return_due(struct db *db, db_cb cb, void *arg)
{
	/* SKIP LOCKED: several patrold processes may run this at once. */
	db_query(db,
	    "WITH due AS (SELECT h.id, h.request_id FROM handovers h"
	    " JOIN requests r ON r.id = h.request_id"
	    " WHERE h.received_at IS NULL AND h.returned_at IS NULL"
	    " AND h.return_at < now()"
	    " AND lifecycle_allows('handover_returned', r.state)"
	    " ORDER BY h.id FOR UPDATE OF h, r SKIP LOCKED),"
	    " hu AS (UPDATE handovers h SET returned_at = now() FROM due"
	    "  WHERE h.id = due.id RETURNING h.id, h.request_id,"
	    "  h.recipient_id)"
	    " SELECT t->'event_id' FROM hu"
	    " JOIN directory_entries d ON d.id = hu.recipient_id"
	    " CROSS JOIN LATERAL request_transition(hu.request_id,"
	    " 'handover_returned', 'system', p_detail => jsonb_build_object("
	    " 'handover_id', hu.id, 'to', d.name, 'reason',"
	    " 'receipt not confirmed in time')) t ORDER BY hu.request_id",
	    0, NULL, cb, arg);
}
