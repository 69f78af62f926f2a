-- A crew's open jobs in the order of its day: on site, en route, pinned,
-- then as the planner last ordered them.
CREATE OR REPLACE FUNCTION crew_day_jobs(p_crew bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'state', r.state,
    'lon', r.lon, 'lat', r.lat, 'work_min', greatest(k.work_minutes -
    CASE WHEN r.state = 'on_site' THEN extract(epoch FROM now() -
    r.state_changed_at) / 60 ELSE 0 END, 5), 'priority', r.priority,
    'make_safe_min', extract(epoch FROM r.due_make_safe - now()) / 60,
    'from_min', extract(epoch FROM r.window_from - now()) / 60,
    'to_min', extract(epoch FROM r.window_to - now()) / 60,
    'pin', r.plan_pin)
    ORDER BY r.state = 'on_site' DESC, r.state = 'en_route' DESC,
             r.plan_pin NULLS LAST, r.plan_order NULLS LAST, r.id), '[]')
FROM requests r JOIN categories k ON k.code = r.category
WHERE r.crew_id = p_crew
  AND r.state IN ('assigned', 'accepted', 'en_route', 'on_site')
$$;
