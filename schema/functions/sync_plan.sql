-- The crew's handheld shows today's jobs in the order of the crew's day
-- plan (issue 14 item 4, issue 15's plan_pin/plan_order): every sync
-- answer carries the plan of the device's crew, since a re-plan makes no
-- event on a job and would otherwise not reach the device. The order is
-- crew_day_jobs()'s, which the planner keeps: the job on site, the one
-- under way, the pinned ones, then the plan's order. Jobs the plan does not hold are left out
-- (the handheld orders those by priority and promised time). A stop's
-- position is its place in this array (sync_reply.c numbers them from 1).
--
-- PL/pgSQL, not SQL: a SQL function with a FROM is never inlined, so
-- PostgreSQL parsed and planned it anew in every sync (a sixth of a sync's
-- time in the server); PL/pgSQL keeps its plan for the session. One
-- ordered aggregate, not a numbering window over a sorted sub-query: the
-- executor starts every node in each call, plan or none (sync_outbound
-- calls this in every sync of a crew holding an active job).
CREATE OR REPLACE FUNCTION sync_plan(p_device bigint) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
           'request_id', r.id,
           'expected_from_ms', (extract(epoch FROM r.expected_from) * 1000)::bigint,
           'expected_to_ms', (extract(epoch FROM r.expected_to) * 1000)::bigint)
           ORDER BY r.state = 'on_site' DESC, r.state = 'en_route' DESC,
                    r.plan_pin NULLS LAST, r.plan_order NULLS LAST, r.id), '[]')
        FROM devices d JOIN requests r ON r.crew_id = d.crew_id
        WHERE d.id = p_device
          AND request_state_active(r.state)
          AND (r.plan_pin IS NOT NULL OR r.plan_order IS NOT NULL));
END $$;
