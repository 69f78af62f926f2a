-- A job as the planner reads it (planner_job in server/planner.c): where
-- it is, the work left (at least 5 minutes), its priority, make-safe
-- deadline and window in minutes from now, and its pin. r is the request,
-- k its category. crew_day_jobs() and store_plan.c's plan inputs both
-- build their jobs with it.
CREATE OR REPLACE FUNCTION plan_job(r requests, k categories) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object('id', r.id, 'state', r.state,
    'lon', r.lon, 'lat', r.lat, 'work_min', greatest(request_work_left(
    k.work_minutes, r.state, r.state_changed_at), 5), 'priority', r.priority,
    'make_safe_min', extract(epoch FROM r.due_make_safe - now()) / 60,
    'from_min', extract(epoch FROM r.window_from - now()) / 60,
    'to_min', extract(epoch FROM r.window_to - now()) / 60,
    'pin', r.plan_pin)
$$;
