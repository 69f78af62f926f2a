#include <stdio.h>

#include "store_workflow.h"
#include "store_num.h"

void
store_caller_add(
    struct db *db, const struct store_caller_add *c, db_cb cb, void *arg)
{
	struct store_num ids;
	const char *p[] = {store_num_ll(&ids, c->id), c->actor, c->name,
	    c->phone, c->address, c->note, c->callback_at};

	/*
	 * The caller's name and phone stay in callers; the event says only
	 * that someone else called, and what about (the note).
	 */
	db_query(db,
	    "WITH r AS (SELECT id, state FROM requests WHERE id = $1::bigint"
	    "  AND request_state_open(state) FOR UPDATE),"
	    " k AS (INSERT INTO callers (request_id, name, phone, address)"
	    "  SELECT r.id, $3, $4, $5 FROM r RETURNING id),"
	    " u AS (UPDATE requests q SET callback_at = coalesce("
	    "  $7::timestamptz, q.callback_at), callback_done_at = CASE WHEN"
	    "  $7::timestamptz IS NULL THEN q.callback_done_at END"
	    "  FROM r WHERE q.id = r.id RETURNING q.id)"
	    " SELECT jsonb_build_object('request_id', r.id, 'caller_id', k.id,"
	    " 'event_id', request_event_append(r.id, $2, 'caller_added',"
	    " r.state, r.state, NULL, NULL, NULL, jsonb_strip_nulls("
	    " jsonb_build_object('note', nullif($6, ''), 'callback_at',"
	    " $7::timestamptz))), 'callers', (SELECT count(*) FROM callers"
	    " WHERE request_id = r.id) + 1)::text"
	    " FROM r, k LEFT JOIN u ON true",
	    7, p, cb, arg);
}

void
store_survey_record(
    struct db *db, const struct store_survey *s, db_cb cb, void *arg)
{
	struct store_num ids;
	const char *p[] = {store_num_ll(&ids, s->id), s->actor, s->findings,
	    s->proposed_action, s->photos_json != NULL ? s->photos_json : "[]"};

	db_query(db,
	    "WITH ph AS (SELECT x.sha FROM jsonb_array_elements_text("
	    "  $5::jsonb) x(sha)),"
	    " bad AS (SELECT ph.sha FROM ph WHERE NOT EXISTS (SELECT 1 FROM"
	    "  request_photos rp WHERE rp.request_id = $1::bigint AND"
	    "  rp.sha256 = ph.sha) LIMIT 1),"
	    " s AS (UPDATE surveys SET findings = $3, proposed_action = $4,"
	    "  photos = ARRAY(SELECT sha FROM ph), recorded_by = $2,"
	    "  recorded_at = now() WHERE request_id = $1::bigint"
	    "  AND recorded_at IS NULL AND NOT EXISTS (SELECT 1 FROM bad)"
	    "  RETURNING *),"
	    /* The petitioner is told what the survey found: due now. */
	    " r AS (UPDATE requests q SET callback_at = now(),"
	    "  callback_done_at = NULL FROM s WHERE q.id = s.request_id"
	    "  AND EXISTS (SELECT 1 FROM callers c WHERE c.request_id = q.id)"
	    "  RETURNING q.id),"
	    " q AS (SELECT id, state FROM requests WHERE id = $1::bigint)"
	    " SELECT CASE WHEN EXISTS (SELECT 1 FROM bad) THEN"
	    "  jsonb_build_object('bad_photo', (SELECT sha FROM bad))"
	    " ELSE jsonb_build_object('request_id', s.request_id,"
	    " 'recorded_at', s.recorded_at, 'callback_due', EXISTS (SELECT 1"
	    " FROM r), 'event_id', request_event_append(s.request_id, $2,"
	    " 'survey_recorded', q.state, q.state, NULL, NULL, NULL,"
	    " jsonb_strip_nulls(jsonb_build_object('findings', $3::text,"
	    " 'proposed_action', $4::text, 'photos', to_jsonb(s.photos)))))"
	    " END::text FROM q LEFT JOIN s ON s.request_id = q.id"
	    " WHERE s.request_id IS NOT NULL OR EXISTS (SELECT 1 FROM bad)",
	    5, p, cb, arg);
}

void
store_category_script_set(struct db *db, const char *code,
    const char *script_ja, const char *script_en, db_cb cb, void *arg)
{
	const char *p[] = {code, script_ja, script_en};

	db_query(db,
	    "UPDATE categories SET caller_script_ja = coalesce($2,"
	    " caller_script_ja), caller_script_en = coalesce($3,"
	    " caller_script_en) WHERE code = $1 RETURNING"
	    " jsonb_build_object('code', code, 'caller_script_ja',"
	    " caller_script_ja, 'caller_script_en', caller_script_en)::text",
	    3, p, cb, arg);
}
