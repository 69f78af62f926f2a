-- A crew's open jobs in the order of its day: on site, en route, pinned,
-- then as the planner last ordered them.
CREATE OR REPLACE FUNCTION crew_day_jobs(p_crew bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
SELECT coalesce(jsonb_agg(plan_job(r, k)
    ORDER BY r.state = 'on_site' DESC, r.state = 'en_route' DESC,
             r.plan_pin NULLS LAST, r.plan_order NULLS LAST, r.id), '[]')
FROM requests r JOIN categories k ON k.code = r.category
WHERE r.crew_id = p_crew
  AND request_state_active(r.state)
$$;
