#include <stdio.h>
#include <stdlib.h>

#include "store_plan.h"
#include "store_num.h"
#include "store_result.h"

/* One crew's plan input, from a row c of crews. */
#define PLAN_INPUT                                                             \
	"jsonb_build_object('now', extract(epoch FROM now()),"                 \
	" 'crew', jsonb_build_object('id', c.id, 'code', c.code, 'name',"      \
	"  c.name, 'office', c.office_id, 'skills', c.skills, 'shift_end',"    \
	"  c.shift_end, 'shift_end_min', crew_shift_left(c.id), 'day',"        \
	"  crew_day_state(c.id), 'break', crew_break(c.id)),"                  \
	" 'jobs', (SELECT coalesce(jsonb_agg(" JOB_JSON " ORDER BY r.id),"     \
	"  '[]') FROM requests r JOIN categories k ON k.code = r.category"     \
	"  WHERE r.crew_id = c.id AND request_state_active(r.state)))"

/* A job of r (k its category): plan_job() and what the plan view shows. */
#define JOB_JSON                                                               \
	"(plan_job(r, k) || jsonb_build_object('category', r.category,"        \
	" 'name_ja', k.name_ja, 'name_en', k.name_en, 'skills', k.skills,"     \
	" 'version', r.version, 'crew_id', r.crew_id))"

#define CREWS_LT "crews"

void
store_plan_inputs(
    struct db *db, const char *crews, long long office, db_cb cb, void *arg)
{
	struct store_num o;
	const char *p[] = {crews, store_num_ll(&o, office)};

	db_query(db,
	    "SELECT coalesce(jsonb_agg(" PLAN_INPUT " ORDER BY c.code),"
	    " '[]')::text FROM " CREWS_LT " c WHERE c.id = ANY($1::bigint[])"
	    " OR c.office_id = $2::bigint",
	    2, p, cb, arg);
}

void
store_plan_office(struct db *db, long long office, db_cb cb, void *arg)
{
	store_num_query_ll(db,
	    "SELECT jsonb_build_object('now', extract(epoch FROM now()),"
	    " 'office', jsonb_build_object('id', f.id, 'code', f.code,"
	    "  'name_ja', f.name_ja, 'name_en', f.name_en),"
	    " 'crews', (SELECT coalesce(jsonb_agg(" PLAN_INPUT
	    " ORDER BY c.code), '[]') FROM " CREWS_LT " c WHERE c.office_id ="
	    "  f.id AND crew_day_state(c.id)->>'state' NOT IN ('off_shift',"
	    "  'break')),"
	    " 'queue', (SELECT coalesce(jsonb_agg(" JOB_JSON " ORDER BY r.id),"
	    "  '[]') FROM requests r JOIN categories k ON k.code = r.category"
	    "  WHERE request_state_queued(r.state) AND r.ward_code ="
	    "  ANY(f.ward_codes)))::text FROM offices f WHERE f.id = "
	    "$1::bigint",
	    office, cb, arg);
}

void
store_plan_expected(struct db *db, const char *json, db_cb cb, void *arg)
{
	const char *p[] = {json};

	db_query(db,
	    "UPDATE requests r SET expected_from = to_timestamp((x->>'from')"
	    "::float8), expected_to = to_timestamp((x->>'to')::float8),"
	    " plan_order = (x->>'order')::int"
	    " FROM jsonb_array_elements($1::jsonb) x"
	    " WHERE r.id = (x->>'id')::bigint",
	    1, p, cb, arg);
}

void
store_plan_pin(struct db *db, long long crew, long long request,
    const char *position, db_cb cb, void *arg)
{
	struct store_num c, r;
	const char *p[] = {
	    store_num_ll(&c, crew), store_num_ll(&r, request), position};

	db_query(db,
	    "UPDATE requests SET plan_pin = $3::int WHERE id = $2::bigint"
	    " AND crew_id = $1::bigint AND request_state_active(state)"
	    " RETURNING jsonb_build_object('request_id',"
	    " id, 'pin', plan_pin)::text",
	    3, p, cb, arg);
}

void
store_plan_touched(struct db *db, long long after, db_cb cb, void *arg)
{
	struct store_num a;
	const char *p[] = {store_num_ll(&a, after)};

	/*
	 * The crews an event touches: the one it names, the one holding the
	 * request now and the one that held it before (the last earlier event
	 * naming a crew): a job moved away (reassigned, back to the queue,
	 * handed over) shortens that crew's day at once.
	 */
	db_query_prepared(db,
	    "SELECT coalesce(max(e.id), $1::bigint), coalesce(array_agg("
	    " DISTINCT x) FILTER (WHERE x IS NOT NULL), '{}')::text"
	    " FROM request_events e JOIN requests r ON r.id = e.request_id"
	    " LEFT JOIN LATERAL unnest(ARRAY[e.crew_id, r.crew_id,"
	    "  (SELECT b.crew_id FROM request_events b"
	    "   WHERE b.request_id = e.request_id AND b.id < e.id"
	    "   AND b.crew_id IS NOT NULL ORDER BY b.id DESC LIMIT 1)]) x"
	    " ON true WHERE e.id > $1::bigint",
	    1, p, cb, arg);
}

int
store_plan_crews_row(const PGresult *res, long long *last, const char **crews)
{
	if (res == NULL || PQntuples(res) != 1)
		return 0;
	if (PQnfields(res) == 2) {
		*last = store_result_cell_ll(res, 0, 0);
		*crews = PQgetvalue(res, 0, 1);
	} else
		*crews = PQgetvalue(res, 0, 0);
	return 1;
}

void
store_plan_busy_crews(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT coalesce(array_agg(DISTINCT crew_id), '{}')::text"
	    " FROM requests WHERE crew_id IS NOT NULL AND"
	    " request_state_active(state)",
	    0, NULL, cb, arg);
}

void
store_plan_break_set(struct db *db, const char *crew, const char *start,
    const char *end, const char *minutes, db_cb cb, void *arg)
{
	const char *p[] = {crew, start, end, minutes};

	db_query(db,
	    "UPDATE crews SET break_start = $2::time, break_end = $3::time,"
	    " break_minutes = $4::int WHERE code = $1"
	    " RETURNING coalesce(crew_break(id), 'null')::text",
	    4, p, cb, arg);
}

void
store_plan_break_put(struct db *db, long long crew, const char *start,
    const char *end, const char *minutes, const char *actor, db_cb cb,
    void *arg)
{
	struct store_num id;
	const char *p[] = {store_num_ll(&id, crew), start, end, minutes, actor};

	db_query(db,
	    "WITH c AS (UPDATE crews SET break_start = $2::time,"
	    " break_end = $3::time, break_minutes = $4::int"
	    " WHERE id = $1::bigint RETURNING id, code),"
	    " b AS (SELECT CASE WHEN $4::int IS NULL THEN NULL ELSE"
	    "  jsonb_build_object('start', to_char($2::time, 'HH24:MI'),"
	    "  'end', to_char($3::time, 'HH24:MI'),"
	    "  'minutes', $4::int) END AS j),"
	    /* Who changed a crew's break, and to what. */
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    "  object_id, detail) SELECT $5, 'crew.break', 'crew', c.code,"
	    "  jsonb_build_object('id', c.id, 'break', b.j) FROM c, b),"
	    " n AS (SELECT pg_notify('" STORE_CREWS_CHANNEL "', c.id::text)"
	    "  FROM c)"
	    " SELECT jsonb_build_object('crew_id', c.id, 'code', c.code,"
	    "  'break', b.j)::text FROM c, b, n",
	    5, p, cb, arg);
}
