/*
 * SQL for requests, their callers and events. Replies that go to clients
 * are built as JSON by PostgreSQL (one round trip, one text column) and
 * passed through; handlers add only what the database cannot know.
 * Every statement is parameterised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store_requests.h"
#include "store_num.h"
#include "store_sql.h"
#include "store_result.h"

/*
 * The public shape of a request (no caller data, ever): its keys and
 * values, for jsonb_build_object() or json_build_object(), and the whole
 * object. r is the request; survey_due follows, as each caller knows it.
 */
#define REQUEST_FIELDS                                                         \
	"'id', r.id, 'category', r.category, "                                 \
	"'channel', r.channel, 'lat', r.lat, 'lon', r.lon, "                   \
	"'address', r.address, 'ward_code', r.ward_code, "                     \
	"'description', r.description, 'answers', r.answers, "                 \
	"'priority', r.priority, 'due_make_safe', r.due_make_safe, "           \
	"'due_resolve', r.due_resolve, 'state', r.state, "                     \
	"'version', r.version, 'crew_id', r.crew_id, "                         \
	"'parent_id', r.parent_id, 'outcome', r.outcome, "                     \
	"'escalated_at', r.escalated_at, 'callback_at', r.callback_at, "       \
	"'callback_done_at', r.callback_done_at, 'callback_result', "          \
	"r.callback_result, 'callback_attempts', r.callback_attempts, "        \
	"'created_by', "                                                       \
	"r.created_by, 'created_at', r.created_at, 'state_changed_at', "       \
	"r.state_changed_at, 'location_text', r.location_text, "               \
	"'location_level', r.location_level, "                                 \
	"'town', addr_town_near(r.lat, r.lon), "                               \
	"'expected_from', r.expected_from, "                                   \
	"'expected_to', r.expected_to, 'plan_order', r.plan_order, "           \
	"'plan_pin', r.plan_pin, 'window_from', r.window_from, "               \
	"'window_to', r.window_to, "

#define REQUEST_JSON                                                           \
	"jsonb_build_object(" REQUEST_FIELDS "'survey_due', (SELECT s.due_at " \
	"FROM surveys s WHERE s.request_id = r.id AND s.recorded_at IS NULL))"

#define EVENT_JSON                                                             \
	"jsonb_build_object('id', e.id, 'request_id', e.request_id, 'at', "    \
	"e.at, 'actor', e.actor, 'kind', e.kind, 'from', e.from_state, "       \
	"'to', e.to_state, 'crew_id', e.crew_id, 'lat', e.lat, 'lon', "        \
	"e.lon, 'detail', e.detail)"

/*
 * Who did it, for people (issue 16): a user's display name, a crew's
 * name for "crew:CODE", else NULL (the console shows the actor).
 */
#define ACTOR_NAME                                                             \
	"(SELECT coalesce((SELECT u.display_name FROM users u WHERE u.name = " \
	"e.actor), (SELECT c.name FROM crews c WHERE 'crew:' || c.code = "     \
	"e.actor)))"

void
store_category_get(struct db *db, const char *code, db_cb cb, void *arg)
{
	const char *p[] = {code};

	db_query_prepared(db,
	    "SELECT jsonb_build_object('code', code, 'name_ja', name_ja, "
	    "'name_en', name_en, 'skills', skills, 'priority', priority, "
	    "'questions', questions, 'outcomes', outcomes)::text "
	    "FROM categories WHERE code = $1 AND active",
	    1, p, cb, arg);
}

void
store_request_create(
    struct db *db, const struct store_new_request *n, db_cb cb, void *arg)
{
	struct store_num lon, lat, e, no, prio, radius, hours, survey;
	const char *p[] = {n->category, n->channel,
	    store_num_fixed(&lon, 9, n->lon), store_num_fixed(&lat, 9, n->lat),
	    store_num_fixed(&e, 3, n->easting),
	    store_num_fixed(&no, 3, n->northing), n->address, n->ward_code,
	    n->description != NULL ? n->description : "", n->answers_json,
	    store_num_ll(&prio, n->priority), n->callback_at, n->actor,
	    n->caller_name, n->caller_phone, n->caller_address,
	    store_num_ll(&radius, n->dup_radius_m),
	    store_num_ll(&hours, n->dup_window_h), n->location_text,
	    n->location_level, n->caller_consent_text, n->window_from,
	    n->window_to,
	    store_num_ll(&survey, n->survey_hours > 0 ? n->survey_hours : 24),
	    n->ward_name, n->outside_json};

	/*
	 * Calls made at the same moment share a transaction and its WAL
	 * flush (db_group.c); each call's rows and reply are its own.
	 */
	db_query_grouped(db,
	    "WITH r AS ("
	    " INSERT INTO requests (category, channel, lon, lat, easting,"
	    "  northing, address, ward_code, description, answers, priority,"
	    "  due_make_safe, due_resolve, callback_at, created_by,"
	    "  location_text, location_level, window_from, window_to)"
	    " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11,"
	    "  now() + make_safe_minutes * interval '1 minute',"
	    "  now() + resolve_minutes * interval '1 minute',"
	    "  $12::timestamptz, $13, $19, $20, $22::timestamptz,"
	    "  $23::timestamptz"
	    /*
	     * The category as it is now: call intake checked the answers
	     * against one kept by patrold (category_cache.h), and a category
	     * retired meanwhile takes no more calls.
	     */
	    " FROM categories WHERE code = $1 AND active"
	    " RETURNING *),"
	    " c AS (INSERT INTO callers (request_id, name, phone, address,"
	    "  consent_text, consent_at)"
	    " SELECT r.id, $14, $15, $16, $21::text, CASE WHEN $21::text IS NOT"
	    "  NULL"
	    "  THEN now() END FROM r"
	    " WHERE coalesce($14, $15, $16) IS NOT NULL RETURNING id),"
	    /* A petition is surveyed at once: a job with its own deadline. */
	    " s AS (INSERT INTO surveys (request_id, due_at) SELECT r.id,"
	    "  now() + $24::int * interval '1 hour' FROM r"
	    "  WHERE r.channel = 'petition' RETURNING due_at),"
	    " e AS (SELECT request_event_append(r.id, $13, 'created', NULL,"
	    "  'new', NULL, r.lon, r.lat, jsonb_build_object('channel',"
	    "  r.channel, 'callers', (SELECT count(*) FROM c))) AS id FROM r)"
	    /*
	     * The reply is json, not jsonb: built as text in the order given,
	     * it costs a fraction of a jsonb tree (no sorting, no
	     * concatenation); nobody reads it in SQL. survey_due comes from s:
	     * this statement's own surveys row is not visible to it.
	     */
	    " SELECT json_build_object(" REQUEST_FIELDS "'survey_due',"
	    " (SELECT due_at FROM s), 'event_id', e.id,"
	    /*
	     * The nearest ten open requests of the category within the
	     * radius, made within the window: what a call-taker can read out
	     * (schema/functions/request_duplicates.sql).
	     */
	    " 'duplicates', request_duplicates(r.category, r.easting,"
	    "  r.northing, $17::int, $18::int),"
	    /* What patrold knows: the reply is then sent as it comes. */
	    " 'ward_name', $25::text,"
	    " 'outside_wards', coalesce($26::json, 'false'::json))::text, r.id"
	    " FROM r, e",
	    26, p, cb, arg);
}

int
store_request_created_row(const PGresult *res, long long *id, const char **json)
{
	if (res == NULL || PQntuples(res) != 1 || PQnfields(res) != 2 ||
	    PQgetisnull(res, 0, 0))
		return 0;
	*json = PQgetvalue(res, 0, 0);
	*id = store_result_cell_ll(res, 0, 1);
	return 1;
}

void
store_request_window(struct db *db, long long id, const char *actor,
    const char *from, const char *to, db_cb cb, void *arg)
{
	struct store_num ids;
	const char *p[] = {store_num_ll(&ids, id), actor, from, to};

	/* The event wakes the planner: the crew's day is redone at once. */
	db_query(db,
	    "WITH u AS (UPDATE requests SET window_from = $3::timestamptz,"
	    " window_to = $4::timestamptz, version = version + 1"
	    " WHERE id = $1::bigint AND request_state_open(state)"
	    " RETURNING *)"
	    " SELECT jsonb_build_object('event_id', request_event_append(u.id,"
	    " $2, 'window_set', u.state, u.state, u.crew_id, NULL, NULL,"
	    " jsonb_build_object('window_from', u.window_from, 'window_to',"
	    " u.window_to)), 'id', u.id, 'version', u.version, 'window_from',"
	    " u.window_from, 'window_to', u.window_to)::text FROM u",
	    4, p, cb, arg);
}

void
store_request_get(struct db *db, long long id, const char *actor,
    int with_callers, db_cb cb, void *arg)
{
	struct store_num ids;
	const char *p[] = {
	    store_num_ll(&ids, id), actor, with_callers ? "t" : "f"};

	db_query(db,
	    "WITH r AS (SELECT * FROM requests WHERE id = $1),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    "  object_id) SELECT $2, 'callers.read', 'request', $1 FROM r"
	    "  WHERE $3::boolean AND EXISTS (SELECT 1 FROM callers"
	    "  WHERE request_id = r.id OR request_id IN (SELECT m.id FROM"
	    "  requests m WHERE m.parent_id = r.id)) RETURNING 1)"
	    " SELECT (" REQUEST_JSON " || jsonb_build_object("
	    " 'ward_name', (SELECT w.name FROM wards w"
	    "  WHERE w.code = r.ward_code),"
	    " 'parent', (SELECT jsonb_build_object('id', p.id, 'state',"
	    "  p.state, 'outcome', p.outcome) FROM requests p"
	    "  WHERE p.id = r.parent_id),"
	    " 'photos', " STORE_SQL_PHOTOS ","
	    " 'merged', (SELECT coalesce(jsonb_agg(m.id ORDER BY m.id), '[]')"
	    "  FROM requests m WHERE m.parent_id = r.id),"
	    " 'handovers', (SELECT coalesce(jsonb_agg(jsonb_build_object("
	    "  'id', h.id, 'to', d.name, 'phone', d.phone, 'sent_by',"
	    "  h.sent_by, 'created_at', h.created_at, 'return_at',"
	    "  h.return_at, 'mailed_at', h.mailed_at, 'mail_error',"
	    "  h.mail_error, 'received_at', h.received_at, 'received_by',"
	    "  h.received_by, 'returned_at', h.returned_at) ORDER BY h.id),"
	    "  '[]') FROM handovers h JOIN directory_entries d"
	    "  ON d.id = h.recipient_id WHERE h.request_id = r.id),"
	    " 'events', (SELECT coalesce(jsonb_agg(" EVENT_JSON
	    "  || jsonb_build_object('actor_name', " ACTOR_NAME ")"
	    "  ORDER BY e.id), '[]') FROM request_events e"
	    "  WHERE e.request_id = r.id),"
	    /* A merge keeps everything: what each merged call said. */
	    " 'merged_detail', (SELECT coalesce(jsonb_agg(jsonb_build_object("
	    "  'id', m.id, 'address', m.address, 'description',"
	    "  m.description, 'answers', m.answers, 'created_at',"
	    "  m.created_at, 'notes', (SELECT coalesce(jsonb_agg(e.detail->>"
	    "  'note' ORDER BY e.id), '[]') FROM request_events e WHERE"
	    "  e.request_id = m.id AND " STORE_SQL_WORK_NOTE "),"
	    " 'photos', (SELECT coalesce(jsonb_agg(rp.sha256"
	    "  ORDER BY rp.added_at), '[]') FROM request_photos rp WHERE"
	    "  rp.request_id = m.id)) ORDER BY m.id), '[]') FROM requests m"
	    "  WHERE m.parent_id = r.id),"
	    " 'survey', (SELECT jsonb_build_object('due_at', s.due_at,"
	    "  'findings', s.findings, 'proposed_action', s.proposed_action,"
	    "  'photos', s.photos, 'recorded_by', s.recorded_by,"
	    "  'recorded_at', s.recorded_at) FROM surveys s"
	    "  WHERE s.request_id = r.id))"
	    " || CASE WHEN $3::boolean THEN jsonb_build_object('callers',"
	    "  (SELECT coalesce(jsonb_agg(jsonb_build_object('name', c.name,"
	    "  'phone', c.phone, 'address', c.address, 'consent_at',"
	    "  c.consent_at, 'request_id', c.request_id)"
	    "  ORDER BY c.request_id <> r.id, c.id), '[]')"
	    "  FROM callers c WHERE c.request_id = r.id OR c.request_id IN"
	    "  (SELECT m.id FROM requests m WHERE m.parent_id = r.id)),"
	    "  'audited', (SELECT count(*) FROM a) > 0)"
	    " ELSE '{}'::jsonb END)::text FROM r",
	    3, p, cb, arg);
}

void
store_request_list(
    struct db *db, const struct store_queue_filter *f, db_cb cb, void *arg)
{
	struct store_num limit;
	const char *p[] = {
	    f->set, f->category, f->ward_code, store_num_ll(&limit, f->limit)};

	/*
	 * The queue: escalated first (they waited already), then priority,
	 * then the make-safe deadline.
	 */
	db_query(db,
	    "SELECT coalesce(jsonb_agg(x.j ORDER BY x.esc, x.priority,"
	    " x.due, x.id), '[]')::text FROM (SELECT " REQUEST_JSON " AS j,"
	    " r.escalated_at IS NULL AS esc, r.priority, r.due_make_safe AS"
	    " due, r.id FROM requests r WHERE ($1 = 'all' OR $1 = 'open' AND"
	    "  request_state_open(r.state) OR $1 = 'closed' AND"
	    "  request_state_closed(r.state))"
	    " AND ($2::text IS NULL OR r.category = $2)"
	    " AND ($3::text IS NULL OR r.ward_code = $3)"
	    " ORDER BY r.escalated_at IS NULL, r.priority, r.due_make_safe,"
	    " r.id LIMIT $4::int) x",
	    4, p, cb, arg);
}

void
store_request_state(struct db *db, long long id, long long crew,
    long long parent, db_cb cb, void *arg)
{
	struct store_num ids, crews, parents;
	const char *p[] = {store_num_ll(&ids, id), store_num_ll(&crews, crew),
	    store_num_ll(&parents, parent)};

	db_query(db,
	    "SELECT jsonb_build_object('state', r.state, 'version',"
	    " r.version, 'crew_id', r.crew_id, 'category', r.category,"
	    " 'outcomes', (SELECT jsonb_agg(o->>'code') FROM"
	    "  jsonb_array_elements(c.outcomes) o),"
	    " 'crew', (SELECT jsonb_build_object('id', cr.id, 'code', cr.code,"
	    "  'skilled', cr.skills && c.skills, 'status', cr.status)"
	    "  FROM crews cr WHERE cr.id = $2::bigint),"
	    " 'parent', (SELECT jsonb_build_object('id', p.id, 'state',"
	    "  p.state, 'parent_id', p.parent_id) FROM requests p"
	    "  WHERE p.id = $3::bigint))::text"
	    " FROM requests r JOIN categories c ON c.code = r.category"
	    " WHERE r.id = $1::bigint",
	    3, p, cb, arg);
}

void
store_request_transition(
    struct db *db, const struct store_transition *t, db_cb cb, void *arg)
{
	struct store_num ids, ver, crew, ecrew, parent, lon, lat;
	const char *p[] = {store_num_ll(&ids, t->id), t->action, t->actor,
	    store_num_ll(&ver, t->version),
	    t->crew_id > 0 ? store_num_ll(&crew, t->crew_id) : NULL, t->outcome,
	    t->parent_id > 0 ? store_num_ll(&parent, t->parent_id) : NULL,
	    t->has_position ? store_num_fixed(&lon, 9, t->lon) : NULL,
	    t->has_position ? store_num_fixed(&lat, 9, t->lat) : NULL,
	    t->detail_json != NULL ? t->detail_json : "{}",
	    t->event_crew_id > 0 ? store_num_ll(&ecrew, t->event_crew_id)
	                         : NULL};

	/*
	 * schema/0110's one writer of a request's state; a compare-and-set
	 * on version: a stale decision changes nothing (no row).
	 */
	db_query(db,
	    "SELECT jsonb_build_object('event_id', t->'event_id', 'version',"
	    " t->'version', 'state', t->'state')::text FROM request_transition("
	    "$1::bigint, $2, $3, $4::int, $5::bigint, $6, $7::bigint,"
	    " $8::float8, $9::float8, $10::jsonb, $11::bigint) t"
	    " WHERE (t->>'applied')::boolean",
	    11, p, cb, arg);
}

void
store_request_callback(
    struct db *db, const struct store_callback *c, db_cb cb, void *arg)
{
	struct store_num ids, retry;
	const char *p[] = {store_num_ll(&ids, c->id), c->actor, c->at,
	    c->done ? "t" : "f", c->note, c->result,
	    store_num_ll(&retry, c->retry_minutes)};

	/*
	 * A result closes the call-back, except no_answer: that counts the
	 * attempt and proposes the next one (the time given, else after
	 * retry_minutes).
	 */
	db_query(db,
	    "WITH u AS (UPDATE requests SET"
	    " callback_at = CASE WHEN $6 = 'no_answer' THEN coalesce("
	    "  $3::timestamptz, now() + $7::int * interval '1 minute')"
	    "  ELSE coalesce($3::timestamptz, callback_at) END,"
	    " callback_done_at = CASE WHEN $4::boolean OR ($6 IS NOT NULL AND"
	    "  $6 <> 'no_answer') THEN now() WHEN $6 = 'no_answer' THEN NULL"
	    "  ELSE callback_done_at END,"
	    " callback_result = coalesce($6, callback_result),"
	    " callback_attempts = callback_attempts + CASE WHEN $6 IS NULL"
	    "  THEN 0 ELSE 1 END"
	    " WHERE id = $1::bigint RETURNING *)"
	    " SELECT jsonb_build_object('event_id', request_event_append(u.id,"
	    " $2, CASE WHEN $6 = 'no_answer' THEN 'callback_no_answer'"
	    "  WHEN $4::boolean OR $6 IS NOT NULL THEN 'callback_done'"
	    "  ELSE 'callback_set' END, u.state, u.state, NULL, NULL, NULL,"
	    " jsonb_strip_nulls(jsonb_build_object('callback_at',"
	    "  CASE WHEN u.callback_done_at IS NULL THEN u.callback_at END,"
	    "  'note', $5::text, 'result', $6::text, 'attempt', CASE WHEN $6"
	    "  IS NOT NULL THEN u.callback_attempts END))),"
	    " 'callback_at', u.callback_at, 'callback_done_at',"
	    " u.callback_done_at, 'callback_result', u.callback_result,"
	    " 'callback_attempts', u.callback_attempts, 'next_attempt_at',"
	    " CASE WHEN $6 = 'no_answer' THEN u.callback_at END)::text FROM u",
	    7, p, cb, arg);
}

void
store_callbacks_list(
    struct db *db, const struct store_callbacks_query *q, db_cb cb, void *arg)
{
	struct store_num mins;
	const char *p[] = {q->actor, q->status != NULL ? q->status : "all",
	    store_num_ll(&mins, q->outcome_minutes),
	    q->with_callers ? "t" : "f"};

	/*
	 * Who must be called back: a promised time, or the outcome of a
	 * closed request (a merged one follows its parent), due within
	 * outcome_minutes of closing. Every caller of a merged group is
	 * listed under their own request. "due" lists those whose time has
	 * come, "overdue" those past it.
	 */
	db_query(db,
	    "WITH l AS (SELECT r.id, r.parent_id, r.category, eff.state,"
	    "  eff.outcome, d.due_from, d.due_at, r.callback_at,"
	    "  r.callback_result, r.callback_attempts, eff.root"
	    "  FROM requests r"
	    "  LEFT JOIN requests p ON p.id = r.parent_id"
	    "  CROSS JOIN LATERAL (SELECT CASE WHEN r.state = 'merged' AND"
	    "   p.id IS NOT NULL THEN p.state ELSE r.state END AS state,"
	    "   CASE WHEN r.state = 'merged' THEN p.outcome ELSE r.outcome END"
	    "   AS outcome, CASE WHEN r.state = 'merged' THEN"
	    "   p.state_changed_at ELSE r.state_changed_at END AS changed,"
	    "   CASE WHEN r.state = 'merged' THEN p.id ELSE r.id END AS root)"
	    "   eff"
	    "  CROSS JOIN LATERAL (SELECT CASE WHEN request_state_closed("
	    "   eff.state) AND eff.state <> 'merged' THEN eff.changed END"
	    "   AS closed) cl"
	    "  CROSS JOIN LATERAL (SELECT coalesce(r.callback_at, cl.closed)"
	    "   AS due_from, coalesce(r.callback_at, cl.closed + $3::int *"
	    "   interval '1 minute') AS due_at) d"
	    "  WHERE r.callback_done_at IS NULL AND d.due_at IS NOT NULL"
	    "  AND EXISTS (SELECT 1 FROM callers c WHERE c.request_id = r.id)"
	    "  AND ($2 = 'all' OR ($2 = 'due' AND d.due_from <= now())"
	    "   OR ($2 = 'overdue' AND d.due_at < now()))),"
	    /* One row per request whose callers are shown, as for a read. */
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    "  object_id, detail) SELECT $1, 'callers.read', 'request',"
	    "  l.id::text, jsonb_build_object('via', 'callbacks', 'status', $2)"
	    "  FROM l WHERE $4::boolean RETURNING 1)"
	    " SELECT coalesce(jsonb_agg(jsonb_build_object('request_id', l.id,"
	    " 'parent_id', l.parent_id, 'category', l.category, 'state',"
	    " l.state, 'outcome', l.outcome, 'due_from', l.due_from, 'due_at',"
	    " l.due_at, 'promised', l.callback_at IS NOT NULL, 'due',"
	    " l.due_from <= now(), 'overdue', l.due_at < now(), 'result',"
	    " l.callback_result, 'attempts', l.callback_attempts,"
	    " 'handed_to', (SELECT jsonb_build_object('name', d.name, 'phone',"
	    "  d.phone, 'received_at', h.received_at, 'received_by',"
	    "  h.received_by) FROM handovers h JOIN directory_entries d ON"
	    "  d.id = h.recipient_id WHERE h.request_id = l.root"
	    "  AND h.returned_at IS NULL ORDER BY h.id DESC LIMIT 1))"
	    " || CASE WHEN $4::boolean THEN jsonb_build_object('callers',"
	    " (SELECT jsonb_agg(jsonb_build_object('name', c.name,"
	    "  'phone', c.phone) ORDER BY c.id) FROM callers c"
	    "  WHERE c.request_id = l.id)) ELSE '{}' END"
	    " ORDER BY l.due_at, l.id), '[]')::text"
	    " FROM l LEFT JOIN (SELECT count(*) FROM a) n ON true",
	    4, p, cb, arg);
}

void
store_escalate_due(struct db *db, db_cb cb, void *arg)
{
	/*
	 * Due: in a state escalate is allowed from (the installed life
	 * cycle, schema/0110) for longer than the category's accept time.
	 * Those states are read once per scan, not asked of the life cycle
	 * row by row (lifecycle_allows per request: 1.9 s a minute at 40,000
	 * requests, issue 19); the same test as lifecycle_allows' "?".
	 * SKIP LOCKED: several patrold processes may run this at once.
	 */
	db_query(db,
	    "WITH due AS (SELECT r.id FROM requests r"
	    " JOIN categories c ON c.code = r.category"
	    " WHERE r.state = ANY ((SELECT array(SELECT"
	    "  jsonb_array_elements_text(l.doc->'actions'->'escalate'->'from'))"
	    "  FROM lifecycle l)::text[]) AND"
	    " r.state_changed_at +"
	    " c.accept_minutes * interval '1 minute' < now()"
	    " ORDER BY r.id FOR UPDATE OF r SKIP LOCKED)"
	    " SELECT t->'event_id' FROM due CROSS JOIN LATERAL"
	    " request_transition(due.id, 'escalate', 'system', p_detail =>"
	    " jsonb_build_object('reason', 'not accepted in time')) t"
	    " WHERE (t->>'applied')::boolean ORDER BY due.id",
	    0, NULL, cb, arg);
}

void
store_events_since(
    struct db *db, long long after, int limit, db_cb cb, void *arg)
{
	struct store_num a, l;
	const char *p[] = {store_num_ll(&a, after), store_num_ll(&l, limit)};

	db_query_prepared(db,
	    "SELECT e.id, " EVENT_JSON "::text"
	    " FROM request_events_after($1::bigint, $2::int) e ORDER BY e.id",
	    2, p, cb, arg);
}

int
store_events_row(const PGresult *res, int i, long long *id, const char **json)
{
	if (!store_result_has_row(res, i, 2))
		return 0;
	*id = store_result_cell_ll(res, i, 0);
	*json = PQgetvalue(res, i, 1);
	return 1;
}

void
store_events_last(struct db *db, db_cb cb, void *arg)
{
	db_query(db, "SELECT request_events_safe_id()", 0, NULL, cb, arg);
}

void
store_recommend_candidates(
    struct db *db, long long id, const char *tz, db_cb cb, void *arg)
{
	struct store_num ids;
	const char *p[] = {store_num_ll(&ids, id), tz};

	/*
	 * Eligible: a skill the category needs, on shift now (shifts may
	 * cross midnight; equal start and end: around the clock), not off duty.
	 * Work left counts every open job of the crew, less the time already
	 * spent on site.
	 */
	db_query(db,
	    "WITH r AS (SELECT r.*, c.skills AS need, c.work_minutes FROM"
	    "  requests r JOIN categories c ON c.code = r.category WHERE r.id ="
	    " $1::bigint),"
	    " t AS (SELECT (now() AT TIME ZONE $2)::time AS now)"
	    " SELECT jsonb_build_object('request', jsonb_build_object('id',"
	    "  r.id, 'state', r.state, 'ward_code', r.ward_code, 'easting',"
	    "  r.easting, 'northing', r.northing, 'skills', r.need,"
	    "  'work_min', r.work_minutes, 'priority', r.priority,"
	    "  'make_safe_min', extract(epoch FROM r.due_make_safe - now()) /"
	    "  60, 'from_min', extract(epoch FROM r.window_from - now()) / 60,"
	    "  'to_min', extract(epoch FROM r.window_to - now()) / 60),"
	    " 'crews', (SELECT coalesce(jsonb_agg(jsonb_build_object("
	    "  'id', cr.id, 'code', cr.code, 'name', cr.name, 'status',"
	    "  cr.status, 'skills', cr.skills, 'lat', cr.lat, 'lon', cr.lon,"
	    "  'position_age_s', round(extract(epoch FROM now() -"
	    "   cr.position_at)), 'office', jsonb_build_object('code', o.code,"
	    "   'name_ja', o.name_ja, 'name_en', o.name_en, 'lat', o.lat,"
	    "   'lon', o.lon), 'home_ward', r.ward_code = ANY(o.ward_codes),"
	    "  'queue', (SELECT count(*) FROM requests j WHERE j.crew_id ="
	    "   cr.id AND request_state_active(j.state)),"
	    "  'busy_minutes', (SELECT coalesce(sum(greatest("
	    "   request_work_left(k.work_minutes, j.state, j.state_changed_at),"
	    "   0)), 0) FROM requests j"
	    "   JOIN categories k ON k.code = j.category WHERE j.crew_id ="
	    "   cr.id AND request_state_active(j.state)),"
	    /* Issue 15: its day, and skills only it has in its office. */
	    "  'day', crew_day_state(cr.id), 'jobs', crew_day_jobs(cr.id),"
	    "  'shift_end_min', crew_shift_left(cr.id), 'break',"
	    "  crew_break(cr.id),"
	    "  'rare', (SELECT coalesce(jsonb_agg(s), '[]') FROM"
	    "   unnest(cr.skills) s WHERE NOT (s = ANY(r.need)) AND NOT EXISTS"
	    "   (SELECT 1 FROM crews x WHERE x.office_id = cr.office_id AND"
	    "   x.id <> cr.id AND s = ANY(x.skills) AND x.status <>"
	    "   'off_duty')))), '[]')"
	    "  FROM crews cr JOIN offices o ON o.id = cr.office_id, t"
	    "  WHERE cr.skills && r.need AND cr.status <> 'off_duty'"
	    "  AND CASE WHEN cr.shift_start = cr.shift_end THEN true"
	    "   WHEN cr.shift_start < cr.shift_end"
	    "   THEN t.now >= cr.shift_start AND t.now < cr.shift_end"
	    "   ELSE t.now >= cr.shift_start OR t.now < cr.shift_end "
	    "END))::text"
	    " FROM r",
	    2, p, cb, arg);
}

void
store_cases_search(
    struct db *db, const struct store_case_query *q, db_cb cb, void *arg)
{
	struct store_num e, n, radius, limit;
	const char *p[] = {q->like, q->category,
	    q->has_point ? store_num_fixed(&e, 3, q->easting) : NULL,
	    q->has_point ? store_num_fixed(&n, 3, q->northing) : NULL,
	    store_num_ll(&radius, q->radius_m), store_num_ll(&limit, q->limit),
	    q->ward_code, q->outcome, q->place_like, q->from, q->to,
	    q->tz != NULL ? q->tz : "UTC"};

	/*
	 * What was done and said, never who called: the crew's notes, the
	 * outcome in words, the explanation given at the call-back. Free
	 * text matches all of them (巣なし finds the outcome no_nest).
	 */
	db_query(db,
	    "SELECT coalesce(jsonb_agg(x.j ORDER BY x.dist NULLS LAST,"
	    " x.closed DESC), '[]')::text FROM (SELECT jsonb_build_object("
	    " 'id', r.id, 'category', r.category, 'description',"
	    " r.description, 'address', r.address, 'ward_code', r.ward_code,"
	    " 'state', r.state, 'outcome', r.outcome, 'outcome_ja',"
	    " oc.o->>'name_ja', 'outcome_en', oc.o->>'name_en', 'answers',"
	    " r.answers, 'created_at', r.created_at, 'closed_at',"
	    " r.state_changed_at, 'crew', cr.name, 'demo', r.created_by ="
	    " 'demo', 'distance_m', round(d.dist), 'notes', (SELECT coalesce("
	    "  jsonb_agg(e.detail->>'note' ORDER BY e.id) FILTER "
	    "(WHERE " STORE_SQL_WORK_NOTE "), '[]') FROM"
	    "  request_events e WHERE e.request_id = r.id), 'explained',"
	    " (SELECT coalesce(jsonb_agg(e.detail->>'note' ORDER BY e.id)"
	    "  FILTER (WHERE e.detail ? 'note' AND e.kind LIKE 'callback%'),"
	    "  '[]') FROM request_events e WHERE e.request_id = r.id)) AS j,"
	    " d.dist, r.state_changed_at AS closed"
	    " FROM requests r JOIN categories k ON k.code = r.category"
	    " LEFT JOIN crews cr ON cr.id = r.crew_id"
	    " LEFT JOIN LATERAL (SELECT x FROM jsonb_array_elements(k.outcomes)"
	    "  x WHERE x->>'code' = r.outcome LIMIT 1) oc(o) ON true"
	    " CROSS JOIN LATERAL (SELECT CASE WHEN $3::float8"
	    "  IS NULL THEN NULL ELSE sqrt((r.easting - $3::float8) ^ 2 +"
	    "  (r.northing - $4::float8) ^ 2) END AS dist) d"
	    " WHERE request_state_finished(r.state)"
	    " AND ($2::text IS NULL OR r.category = $2)"
	    " AND ($7::text IS NULL OR r.ward_code = $7)"
	    " AND ($8::text IS NULL OR r.outcome = $8)"
	    " AND ($9::text IS NULL OR r.address ILIKE $9)"
	    " AND ($10::date IS NULL OR r.created_at >= ($10::date::timestamp"
	    "  AT TIME ZONE $12))"
	    " AND ($11::date IS NULL OR r.created_at < (($11::date + 1)"
	    "  ::timestamp AT TIME ZONE $12))"
	    " AND (d.dist IS NULL OR d.dist <= $5::int)"
	    " AND ($1::text IS NULL OR r.description ILIKE $1 OR r.address"
	    "  ILIKE $1 OR r.outcome ILIKE $1 OR oc.o->>'name_ja' ILIKE $1 OR"
	    "  oc.o->>'name_en' ILIKE $1 OR k.name_ja ILIKE $1 OR"
	    "  cr.name ILIKE $1 OR EXISTS (SELECT 1 FROM"
	    "  request_events e WHERE e.request_id = r.id AND"
	    "  e.detail->>'note' ILIKE $1))"
	    " ORDER BY d.dist NULLS LAST, r.state_changed_at DESC"
	    " LIMIT $6::int) x",
	    12, p, cb, arg);
}

void
store_request_photo_add(struct db *db, long long id, const char *sha256,
    size_t bytes, const char *content_type, const char *actor, long long crew,
    db_cb cb, void *arg)
{
	struct store_num ids, size, crews;
	const char *p[] = {store_num_ll(&ids, id), sha256,
	    store_num_ll(&size, bytes), content_type, actor,
	    store_num_ll(&crews, crew)};

	/* The link and its event only the first time: a retry adds nothing. */
	db_query(db,
	    "WITH r AS (SELECT id, state FROM requests WHERE id = $1::bigint"
	    "  AND ($6::bigint = 0 OR crew_id = $6::bigint)),"
	    " p AS (INSERT INTO photos (sha256, bytes, content_type)"
	    "  SELECT $2, $3::bigint, $4 FROM r ON CONFLICT (sha256) DO "
	    "NOTHING),"
	    " l AS (INSERT INTO request_photos (request_id, sha256, added_by)"
	    "  SELECT r.id, $2, $5 FROM r ON CONFLICT DO NOTHING"
	    "  RETURNING request_id)"
	    " SELECT jsonb_build_object('sha256', $2, 'bytes', $3::bigint,"
	    " 'content_type', $4, 'url', '/api/v1/photos/' || $2,"
	    " 'event_id', CASE WHEN EXISTS (SELECT 1 FROM l) THEN"
	    "  request_event_append(r.id, $5, 'photo_added', r.state, r.state,"
	    "  NULL, NULL, NULL, jsonb_build_object('sha256', $2)) END)::text"
	    " FROM r",
	    6, p, cb, arg);
}

void
store_request_crew(struct db *db, long long id, db_cb cb, void *arg)
{
	store_num_query_ll(db,
	    "SELECT coalesce(crew_id, 0) FROM requests WHERE id = $1::bigint",
	    id, cb, arg);
}

int
store_request_crew_row(const PGresult *res, long long *crew_id)
{
	*crew_id = 0;
	if (res == NULL || PQntuples(res) < 1)
		return 0;
	*crew_id = store_result_cell_ll(res, 0, 0);
	return 1;
}

int
store_request_photo_added(const struct db_result *r)
{
	return r->status == DB_OK && PQntuples(r->res) == 1;
}

void
store_photo_get(struct db *db, const char *sha256, db_cb cb, void *arg)
{
	const char *p[] = {sha256};

	db_query(db, "SELECT content_type FROM photos WHERE sha256 = $1", 1, p,
	    cb, arg);
}
