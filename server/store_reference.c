#include <stdio.h>

#include "db.h"
#include "store_reference.h"
#include "store_num.h"

#define CREW_JSON                                                              \
	"jsonb_build_object('id', c.id, 'code', c.code, 'name', c.name, "      \
	"'office', o.code, 'skills', c.skills, 'members', c.members, "         \
	"'shift_start', c.shift_start, 'shift_end', c.shift_end, "             \
	"'status', c.status, 'lat', c.lat, 'lon', c.lon, 'position_at', "      \
	"c.position_at, 'day', crew_day_state(c.id), 'jobs', (SELECT "         \
	"count(*) FROM requests j WHERE "                                      \
	"j.crew_id = c.id AND request_state_active(j.state)))"

void
store_categories_list(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT coalesce(jsonb_agg(jsonb_build_object('code', code,"
	    " 'name_ja', name_ja, 'name_en', name_en, 'skills', skills,"
	    " 'priority', priority, 'make_safe_minutes', make_safe_minutes,"
	    " 'resolve_minutes', resolve_minutes, 'accept_minutes',"
	    " accept_minutes, 'work_minutes', work_minutes, 'outcomes',"
	    " outcomes, 'questions', questions, 'caller_script_ja',"
	    " caller_script_ja, 'caller_script_en', caller_script_en)"
	    " ORDER BY code), '[]')::text"
	    " FROM categories WHERE active",
	    0, NULL, cb, arg);
}

void
store_offices_list(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'code',"
	    " code, 'name_ja', name_ja, 'name_en', name_en, 'wards',"
	    " ward_codes, 'skills', skills, 'lat', lat, 'lon', lon)"
	    " ORDER BY code), '[]')::text FROM offices",
	    0, NULL, cb, arg);
}

void
store_crews_list(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT coalesce(jsonb_agg(" CREW_JSON " ORDER BY c.code),"
	    " '[]')::text FROM crews c JOIN offices o ON o.id = c.office_id",
	    0, NULL, cb, arg);
}

void
store_office_put(struct db *db, const struct store_office *o, const char *actor,
    db_cb cb, void *arg)
{
	struct store_num lon, lat;
	const char *p[] = {o->code, o->name_ja, o->name_en, o->wards, o->skills,
	    store_num_fixed(&lon, 9, o->lon), store_num_fixed(&lat, 9, o->lat),
	    actor};

	/* xmax = 0 on a row just inserted: added or changed, for the audit. */
	db_query(db,
	    "WITH o AS (INSERT INTO offices (code, name_ja, name_en,"
	    " ward_codes, skills, lon, lat) VALUES ($1, $2, $3, $4::text[],"
	    " $5::text[], $6, $7)"
	    " ON CONFLICT (code) DO UPDATE SET name_ja = EXCLUDED.name_ja,"
	    " name_en = EXCLUDED.name_en, ward_codes = EXCLUDED.ward_codes,"
	    " skills = EXCLUDED.skills, lon = EXCLUDED.lon, lat = EXCLUDED.lat"
	    " RETURNING id, xmax = 0 AS added),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    " object_id, detail) SELECT $8, CASE WHEN o.added THEN"
	    " 'office.add' ELSE 'office.update' END, 'office', $1,"
	    " jsonb_build_object('id', o.id, 'name_ja', $2::text, 'wards',"
	    " $4::text[], 'skills', $5::text[]) FROM o)"
	    " SELECT id FROM o",
	    8, p, cb, arg);
}

void
store_crew_put(struct db *db, const struct store_crew *c, const char *actor,
    db_cb cb, void *arg)
{
	struct store_num lon, lat;
	const char *p[] = {c->code, c->name, c->office_code, c->skills,
	    c->members, c->shift_start, c->shift_end,
	    c->has_position ? store_num_fixed(&lon, 9, c->lon) : NULL,
	    c->has_position ? store_num_fixed(&lat, 9, c->lat) : NULL, actor};

	db_query(db,
	    "WITH c AS (INSERT INTO crews (code, name, office_id, skills,"
	    " members, shift_start, shift_end, lon, lat, position_at)"
	    " SELECT $1, $2, o.id, $4::text[], $5::text[], $6::time, $7::time,"
	    " $8::float8, $9::float8, CASE WHEN $8 IS NULL THEN NULL"
	    " ELSE now() END FROM offices o WHERE o.code = $3"
	    " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,"
	    " office_id = EXCLUDED.office_id, skills = EXCLUDED.skills,"
	    " members = EXCLUDED.members, shift_start = EXCLUDED.shift_start,"
	    " shift_end = EXCLUDED.shift_end,"
	    " lon = coalesce(EXCLUDED.lon, crews.lon),"
	    " lat = coalesce(EXCLUDED.lat, crews.lat),"
	    " position_at = coalesce(EXCLUDED.position_at, crews.position_at)"
	    " RETURNING id, xmax = 0 AS added),"
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    " object_id, detail) SELECT $10, CASE WHEN c.added THEN"
	    " 'crew.add' ELSE 'crew.update' END, 'crew', $1,"
	    " jsonb_build_object('id', c.id, 'office', $3::text, 'skills',"
	    " $4::text[], 'shift', $6 || '-' || $7) FROM c)"
	    " SELECT id FROM c",
	    10, p, cb, arg);
}

void
store_crew_update(struct db *db, long long id, const char *status,
    int has_position, double lon, double lat, const char *actor, db_cb cb,
    void *arg)
{
	struct store_num ids, lons, lats;
	const char *p[] = {store_num_ll(&ids, id), status,
	    has_position ? store_num_fixed(&lons, 9, lon) : NULL,
	    has_position ? store_num_fixed(&lats, 9, lat) : NULL, actor};

	db_query(db,
	    "WITH c AS (UPDATE crews SET status = coalesce($2, status),"
	    " lon = coalesce($3::float8, lon), lat = coalesce($4::float8, lat),"
	    " position_at = CASE WHEN $3 IS NULL THEN position_at"
	    " ELSE now() END WHERE id = $1::bigint RETURNING *),"
	    /* Who took a crew off duty, or moved it, and when. */
	    " a AS (INSERT INTO audit_log (actor, action, object_type,"
	    " object_id, detail) SELECT $5, 'crew.status', 'crew', c.code,"
	    " jsonb_strip_nulls(jsonb_build_object('id', c.id, 'status', $2,"
	    " 'position', CASE WHEN $3 IS NOT NULL THEN true END)) FROM c)"
	    " SELECT " CREW_JSON "::text FROM c JOIN offices o"
	    " ON o.id = c.office_id",
	    5, p, cb, arg);
}

void
store_categories_put(struct db *db, const char *json, db_cb cb, void *arg)
{
	const char *p[] = {json};

	db_query(db,
	    "INSERT INTO categories (code, name_ja, name_en, skills, priority,"
	    " make_safe_minutes, resolve_minutes, accept_minutes, work_minutes,"
	    " outcomes, questions)"
	    " SELECT code, name_ja, name_en, skills, priority,"
	    " make_safe_minutes, resolve_minutes, coalesce(accept_minutes, 10),"
	    " coalesce(work_minutes, 45), outcomes, coalesce(questions, '[]')"
	    " FROM jsonb_to_recordset($1::jsonb) AS x(code text, name_ja text,"
	    " name_en text, skills text[], priority int, make_safe_minutes int,"
	    " resolve_minutes int, accept_minutes int, work_minutes int,"
	    " outcomes jsonb, questions jsonb)"
	    " ON CONFLICT (code) DO UPDATE SET name_ja = EXCLUDED.name_ja,"
	    " name_en = EXCLUDED.name_en, skills = EXCLUDED.skills,"
	    " priority = EXCLUDED.priority,"
	    " make_safe_minutes = EXCLUDED.make_safe_minutes,"
	    " resolve_minutes = EXCLUDED.resolve_minutes,"
	    " accept_minutes = EXCLUDED.accept_minutes,"
	    " work_minutes = EXCLUDED.work_minutes,"
	    " outcomes = EXCLUDED.outcomes, questions = EXCLUDED.questions,"
	    " active = true RETURNING code",
	    1, p, cb, arg);
}
