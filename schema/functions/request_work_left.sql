-- Minutes of work left on a job: its category's work time, less the time
-- already spent on site (the crew is at it). May fall below zero; each
-- caller bounds it (the planner keeps 5 minutes, a crew's busy time 0).
CREATE OR REPLACE FUNCTION request_work_left(p_work_minutes integer,
        p_state text, p_state_changed_at timestamptz) RETURNS numeric
    LANGUAGE sql STABLE AS $$
SELECT p_work_minutes - CASE WHEN p_state = 'on_site'
       THEN extract(epoch FROM now() - p_state_changed_at) / 60 ELSE 0 END
$$;
