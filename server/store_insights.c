/*
 * SQL for recurring sites, the outlook, notices and patrol risk.
 */
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "store_insights.h"
#include "store_num.h"
#include "store_result.h"

/*
 * Cases of their own: open or finished (the life cycle's sets). Cancelled
 * and merged requests were never separate jobs.
 */
#define REAL_STATES                                                            \
	"(request_state_open(r.state) OR request_state_finished(r.state))"

void
store_recurring_points(struct db *db, const char *category, const char *ward,
    const char *office, const char *tz, db_cb cb, void *arg)
{
	const char *p[] = {category, ward, office, tz};

	db_query(db,
	    "SELECT r.id, r.easting, r.northing, extract(year FROM"
	    " r.created_at AT TIME ZONE $4)::int FROM requests r"
	    " WHERE r.category = $1 AND " REAL_STATES
	    " AND ($2::text IS NULL OR r.ward_code = $2)"
	    " AND ($3::text IS NULL OR r.ward_code = ANY(SELECT"
	    "  unnest(o.ward_codes) FROM offices o WHERE o.code = $3))"
	    " ORDER BY r.id",
	    4, p, cb, arg);
}

void
store_recurring_details(
    struct db *db, const char *category, const char *ids, db_cb cb, void *arg)
{
	const char *p[] = {category, ids};

	db_query(db,
	    "SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id,"
	    " 'created_at', r.created_at, 'state', r.state, 'outcome',"
	    " r.outcome, 'outcome_ja', o->>'name_ja', 'outcome_en',"
	    " o->>'name_en', 'address', r.address, 'ward_code', r.ward_code,"
	    " 'lat', r.lat, 'lon', r.lon, 'crew', cr.name, 'note', (SELECT"
	    "  e.detail->>'note' FROM request_events e WHERE e.request_id ="
	    "  r.id AND e.kind IN ('done', 'unable', 'handover') AND"
	    "  e.detail ? 'note' ORDER BY e.id DESC LIMIT 1),"
	    " 'explained', (SELECT e.detail->>'note' FROM request_events e"
	    "  WHERE e.request_id = r.id AND e.kind = 'callback_done' AND"
	    "  e.detail ? 'note' ORDER BY e.id DESC LIMIT 1),"
	    " 'demo', r.created_by = 'demo') ORDER BY r.id), '[]')::text"
	    " FROM requests r JOIN categories c ON c.code = r.category"
	    " LEFT JOIN crews cr ON cr.id = r.crew_id"
	    " LEFT JOIN LATERAL (SELECT x FROM jsonb_array_elements(c.outcomes)"
	    "  x WHERE x->>'code' = r.outcome LIMIT 1) oc(o) ON true"
	    " WHERE r.category = $1 AND r.id = ANY($2::bigint[]))"
	    " WHERE EXISTS (SELECT 1 FROM categories WHERE code = $1)",
	    2, p, cb, arg);
}

void
store_outlook_weeks(struct db *db, const char *category, const char *ward,
    const char *tz, db_cb cb, void *arg)
{
	const char *p[] = {category, ward, tz};

	/* Weeks start on Monday in local time; 260 weeks back = 5 years. */
	db_query(db,
	    "WITH t AS (SELECT date_trunc('week', now() AT TIME ZONE $3)::date"
	    "  AS cur),"
	    " s AS (SELECT cur, cur - 260 * 7 AS start FROM t),"
	    " w AS (SELECT ((date_trunc('week', r.created_at AT TIME ZONE $3)"
	    "  ::date - s.start) / 7) AS k, count(*) AS n FROM requests r, s"
	    "  WHERE r.category = $1 AND " REAL_STATES
	    "  AND ($2::text IS NULL OR r.ward_code = $2)"
	    "  AND r.created_at >= (s.start::timestamp AT TIME ZONE $3)"
	    "  GROUP BY 1),"
	    " d AS (SELECT count(*)::float8 AS n FROM requests r WHERE"
	    "  r.category = $1 AND r.state = 'done' AND r.crew_id IS NOT NULL"
	    "  AND ($2::text IS NULL OR r.ward_code = $2)"
	    "  AND r.state_changed_at > now() - interval '365 days'"
	    "  GROUP BY r.crew_id, (r.state_changed_at AT TIME ZONE $3)::date)"
	    " SELECT jsonb_build_object('known', EXISTS (SELECT 1 FROM"
	    " categories WHERE code = $1), 'name_ja', (SELECT name_ja FROM"
	    " categories WHERE code = $1), 'name_en', (SELECT name_en FROM"
	    " categories WHERE code = $1), 'ward_name', (SELECT name FROM wards"
	    " WHERE code = $2), 'start', s.start, 'current', s.cur,"
	    " 'year_weeks', least(53, (s.cur - date_trunc('year', s.cur)::date)"
	    "  / 7 + 1),"
	    " 'first_week', greatest(0, (SELECT (date_trunc('week',"
	    "  min(created_at) AT TIME ZONE $3)::date - s.start) / 7 FROM"
	    "  requests)),"
	    " 'per_crew_day', (SELECT avg(n) FROM d),"
	    " 'counts', (SELECT coalesce(jsonb_agg(jsonb_build_array(w.k, w.n)"
	    "  ORDER BY w.k), '[]') FROM w))::text FROM s",
	    3, p, cb, arg);
}

void
store_notice_callers(struct db *db, const char *category, const char *ids,
    int retention_days, int season, const char *actor, db_cb cb, void *arg)
{
	struct store_num days, yr;
	const char *p[] = {category, ids, store_num_ll(&days, retention_days),
	    store_num_ll(&yr, season), actor};

	/* Consent and retention are checked here, in the one statement. */
	db_query(db,
	    "WITH l AS (SELECT c.id, c.name, c.phone, c.address,"
	    "  c.consent_text, c.consent_at, r.id AS request_id, r.address AS"
	    "  place, r.created_at, r.ward_code, (SELECT s.sent_at FROM"
	    "  notice_sends s WHERE s.caller_id = c.id AND s.category = $1"
	    "  AND s.season = $4::int) AS sent_at"
	    "  FROM callers c JOIN requests r ON r.id = c.request_id"
	    "  WHERE r.category = $1 AND r.id = ANY($2::bigint[])"
	    "  AND c.consent_at IS NOT NULL AND c.consent_text IS NOT NULL"
	    "  AND coalesce(c.name, c.phone, c.address) IS NOT NULL"
	    "  AND c.created_at > now() - $3::int * interval '1 day'),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    "  object_id, detail) VALUES ($5, 'notices.read', 'category', $1,"
	    "  jsonb_build_object('season', $4::int, 'listed', (SELECT"
	    "  count(*) FROM l))) RETURNING 1)"
	    " SELECT coalesce(jsonb_agg(jsonb_build_object('caller_id', l.id,"
	    " 'name', l.name, 'phone', l.phone, 'address', l.address,"
	    " 'consent_text', l.consent_text, 'consent_at', l.consent_at,"
	    " 'request_id', l.request_id, 'place', l.place, 'ward_code',"
	    " l.ward_code, 'ward_name', (SELECT w.name FROM wards w WHERE"
	    " w.code = l.ward_code), 'requested_at', l.created_at, 'sent_at',"
	    " l.sent_at, 'category_ja', k.name_ja, 'category_en', k.name_en)"
	    " ORDER BY l.request_id, l.id), '[]')::text FROM l, a,"
	    " categories k WHERE k.code = $1",
	    5, p, cb, arg);
}

void
store_notice_send(struct db *db, long long caller, long long request,
    int season, const char *method, int retention_days, const char *actor,
    db_cb cb, void *arg)
{
	struct store_num c, r, yr, days;
	const char *p[] = {store_num_ll(&c, caller), store_num_ll(&r, request),
	    store_num_ll(&yr, season), method,
	    store_num_ll(&days, retention_days), actor};

	db_query(db,
	    "WITH s AS (INSERT INTO notice_sends (caller_id, request_id,"
	    "  category, season, method, sent_by)"
	    "  SELECT c.id, r.id, r.category, $3::int, $4, $6 FROM callers c"
	    "  JOIN requests r ON r.id = c.request_id WHERE c.id = $1::bigint"
	    "  AND r.id = $2::bigint AND c.consent_at IS NOT NULL"
	    "  AND c.created_at > now() - $5::int * interval '1 day'"
	    "  RETURNING *),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    "  object_id, detail) SELECT $6, 'notice.send', 'caller',"
	    "  s.caller_id::text, jsonb_build_object('season', s.season,"
	    "  'method', s.method) FROM s)"
	    " SELECT jsonb_build_object('id', s.id, 'caller_id', s.caller_id,"
	    " 'request_id', s.request_id, 'category', s.category, 'season',"
	    " s.season, 'method', s.method, 'sent_by', s.sent_by, 'sent_at',"
	    " s.sent_at)::text FROM s",
	    6, p, cb, arg);
}

void
store_risk_pieces(struct db *db, const char *ward, db_cb cb, void *arg)
{
	const char *p[] = {ward};

	db_query(db,
	    "SELECT id, kind, class, name, ward_code, interval_days,"
	    " plane::text FROM network_pieces"
	    " WHERE $1::text IS NULL OR ward_code = $1 ORDER BY id",
	    1, p, cb, arg);
}

void
store_risk_defects(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT r.category, r.easting, r.northing, extract(epoch FROM"
	    " now() - r.created_at) / 86400, c.name_ja, c.name_en"
	    " FROM requests r JOIN categories c"
	    " ON c.code = r.category WHERE c.skills && '{road,river,park}'"
	    " AND NOT c.skills && '{wasp,wildlife}'"
	    " AND " REAL_STATES
	    " AND r.created_at > now() - interval '365 days'"
	    " ORDER BY r.category, r.id",
	    0, NULL, cb, arg);
}

void
store_demo_history_put(struct db *db, const char *json,
    const char *consent_text, db_cb cb, void *arg)
{
	const char *p[] = {json, consent_text};

	/* Ids first, so callers and events can name their request. */
	db_query(db,
	    "WITH x AS MATERIALIZED (SELECT nextval('requests_id_seq') AS id,"
	    "  x.*, to_timestamp(x.created) AS c_at, to_timestamp(x.closed) AS"
	    "  d_at, (SELECT id FROM crews WHERE code = x.crew) AS crew_id"
	    "  FROM jsonb_to_recordset($1::jsonb) AS x(category text, lon"
	    "  float8, lat float8, e float8, n float8, ward text, address text,"
	    "  description text, answers jsonb, created float8, closed float8,"
	    "  outcome text, note text, explained text, crew text, cname text,"
	    "  cphone text, caddress text, consent boolean)),"
	    " r AS (INSERT INTO requests (id, category, channel, lon, lat,"
	    "  easting, northing, address, ward_code, description, answers,"
	    "  priority, due_make_safe, due_resolve, state, crew_id, outcome,"
	    "  created_by, created_at, state_changed_at, callback_done_at)"
	    "  SELECT x.id, x.category, 'phone', x.lon, x.lat, x.e, x.n,"
	    "  x.address, x.ward, x.description, coalesce(x.answers, '{}'),"
	    "  k.priority, x.c_at + k.make_safe_minutes * interval '1 minute',"
	    "  x.c_at + k.resolve_minutes * interval '1 minute', 'done',"
	    "  x.crew_id, x.outcome, 'demo', x.c_at, x.d_at,"
	    "  CASE WHEN x.cname IS NOT NULL THEN x.d_at + interval '1 hour' "
	    "END"
	    "  FROM x JOIN categories k ON k.code = x.category RETURNING id),"
	    " c AS (INSERT INTO callers (request_id, name, phone, address,"
	    "  consent_text, consent_at, created_at)"
	    "  SELECT x.id, x.cname, x.cphone, x.caddress, CASE WHEN x.consent"
	    "  THEN $2 END, CASE WHEN x.consent THEN x.c_at END, x.c_at FROM x"
	    "  WHERE x.cname IS NOT NULL),"
	    " e AS (INSERT INTO request_events (request_id, at, actor, kind,"
	    "  from_state, to_state, crew_id, lon, lat, detail)"
	    "  SELECT x.id, x.c_at, 'demo', 'created', NULL, 'new', NULL, "
	    "x.lon,"
	    "  x.lat, jsonb_build_object('channel', 'phone', 'demo', true)"
	    "  FROM x UNION ALL"
	    "  SELECT x.id, x.d_at, 'demo', 'done', 'on_site', 'done',"
	    "  x.crew_id, x.lon, x.lat, jsonb_build_object('outcome',"
	    "  x.outcome, 'note', x.note) FROM x UNION ALL"
	    "  SELECT x.id, x.d_at + interval '1 hour', 'demo', "
	    "'callback_done',"
	    "  'done', 'done', NULL, NULL, NULL, jsonb_build_object('note',"
	    "  x.explained) FROM x WHERE x.cname IS NOT NULL)"
	    " SELECT count(*) FROM r",
	    2, p, cb, arg);
}

void
store_demo_network_points(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT (lonlat->0->>0)::float8, (lonlat->0->>1)::float8 FROM"
	    " network_pieces WHERE kind = 'river' ORDER BY id",
	    0, NULL, cb, arg);
}

int
store_demo_network_point_row(
    const PGresult *res, int i, double *lon, double *lat)
{
	if (!store_result_has_row(res, i, 2))
		return 0;
	*lon = store_result_cell_f8(res, i, 0);
	*lat = store_result_cell_f8(res, i, 1);
	return 1;
}

/* (id, easting, northing, season): store_recurring_points' columns */
static const struct store_col recurring_point_cols[] = {
    STORE_COL_SKIPPED,
    STORE_COL(F8, struct recurring_point, e),
    STORE_COL(F8, struct recurring_point, n),
    STORE_COL(INT, struct recurring_point, season),
};

int
store_recurring_point_row(
    const PGresult *res, int i, long long *id, struct recurring_point *p)
{
	if (!store_result_decode(res, i, STORE_COLS(recurring_point_cols), p))
		return 0;
	*id = store_result_cell_ll(res, i, 0);
	return 1;
}

static const struct store_col risk_piece_cols[] = {
    STORE_COL(LL, struct store_risk_piece, id),
    STORE_COL(TEXT, struct store_risk_piece, kind),
    STORE_COL(TEXT, struct store_risk_piece, klass),
    STORE_COL(CELL, struct store_risk_piece, name),
    STORE_COL(CELL, struct store_risk_piece, ward_code),
    STORE_COL(INT, struct store_risk_piece, interval_days),
    STORE_COL(TEXT, struct store_risk_piece, plane),
};

int
store_risk_piece_row(const PGresult *res, int i, struct store_risk_piece *p)
{
	return store_result_decode(res, i, STORE_COLS(risk_piece_cols), p);
}

static const struct store_col risk_defect_cols[] = {
    STORE_COL(TEXT, struct store_risk_defect, category),
    STORE_COL(F8, struct store_risk_defect, e),
    STORE_COL(F8, struct store_risk_defect, n),
    STORE_COL(F8, struct store_risk_defect, age_days),
    STORE_COL(TEXT, struct store_risk_defect, name_ja),
    STORE_COL(TEXT, struct store_risk_defect, name_en),
};

int
store_risk_defect_row(const PGresult *res, int i, struct store_risk_defect *d)
{
	return store_result_decode(res, i, STORE_COLS(risk_defect_cols), d);
}
