#include <stdio.h>

#include "store_plan.h"

void
store_plan_input(struct db *db, long long crew, db_cb cb, void *arg)
{
	char id[24];
	const char *p[] = {id};

	snprintf(id, sizeof id, "%lld", crew);
	db_query(db,
	    "WITH c AS (SELECT cr.*, (now() AT TIME ZONE"
	    "  current_setting('TimeZone')) AS lt FROM crews cr"
	    "  WHERE cr.id = $1::bigint)"
	    " SELECT jsonb_build_object('now', extract(epoch FROM now()),"
	    " 'crew', jsonb_build_object('id', c.id, 'code', c.code, 'name',"
	    "  c.name, 'skills', c.skills, 'shift_end', c.shift_end,"
	    "  'shift_end_min', CASE WHEN c.shift_start = c.shift_end THEN 1e6"
	    "   ELSE extract(epoch FROM (c.lt::date + c.shift_end +"
	    "   CASE WHEN c.shift_end < c.shift_start AND c.lt::time >="
	    "   c.shift_start THEN interval '1 day' ELSE interval '0' END) -"
	    "   c.lt) / 60 END, 'day', crew_day_state(c.id)),"
	    " 'jobs', (SELECT coalesce(jsonb_agg(jsonb_build_object('id',"
	    "  r.id, 'state', r.state, 'lon', r.lon, 'lat', r.lat, 'category',"
	    "  r.category, 'name_ja', k.name_ja, 'name_en', k.name_en,"
	    "  'address', r.address, 'work_min', greatest(k.work_minutes -"
	    "  CASE WHEN r.state = 'on_site' THEN extract(epoch FROM now() -"
	    "  r.state_changed_at) / 60 ELSE 0 END, 5), 'priority',"
	    "  r.priority, 'make_safe_min', extract(epoch FROM r.due_make_safe"
	    "  - now()) / 60, 'from_min', extract(epoch FROM r.window_from -"
	    "  now()) / 60, 'to_min', extract(epoch FROM r.window_to - now())"
	    "  / 60, 'pin', r.plan_pin) ORDER BY r.id), '[]')"
	    "  FROM requests r JOIN categories k ON k.code = r.category"
	    "  WHERE r.crew_id = c.id AND r.state IN ('assigned', 'accepted',"
	    "  'en_route', 'on_site')))::text FROM c",
	    1, p, cb, arg);
}

void
store_plan_expected(struct db *db, const char *json, db_cb cb, void *arg)
{
	const char *p[] = {json};

	db_query(db,
	    "UPDATE requests r SET expected_from = to_timestamp((x->>'from')"
	    "::float8), expected_to = to_timestamp((x->>'to')::float8)"
	    " FROM jsonb_array_elements($1::jsonb) x"
	    " WHERE r.id = (x->>'id')::bigint",
	    1, p, cb, arg);
}

void
store_plan_pin(struct db *db, long long crew, long long request,
    const char *position, db_cb cb, void *arg)
{
	char c[24], r[24];
	const char *p[] = {c, r, position};

	snprintf(c, sizeof c, "%lld", crew);
	snprintf(r, sizeof r, "%lld", request);
	db_query(db,
	    "UPDATE requests SET plan_pin = $3::int WHERE id = $2::bigint"
	    " AND crew_id = $1::bigint AND state IN ('assigned', 'accepted',"
	    " 'en_route', 'on_site') RETURNING jsonb_build_object('request_id',"
	    " id, 'pin', plan_pin)::text",
	    3, p, cb, arg);
}
