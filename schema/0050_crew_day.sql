-- The crews' day (issue 15): a crew's state derived from its jobs and shift,
-- its last known position with its source and age, and per job the
-- resident's window, a pinned place in the crew's order and the expected
-- arrival window the plan last gave.

ALTER TABLE requests
    ADD COLUMN window_from   timestamptz,  -- resident available / promised from
    ADD COLUMN window_to     timestamptz,  -- ... until
    ADD COLUMN plan_pin      int CHECK (plan_pin IS NULL OR plan_pin >= 1),
    ADD COLUMN plan_order    int,          -- its place in the crew's last plan
    ADD COLUMN expected_from timestamptz,  -- from the crew's plan
    ADD COLUMN expected_to   timestamptz;

-- crew_day_state(): schema/functions/crew_day_state.sql

-- crew_shift_left(): schema/functions/crew_shift_left.sql

-- crew_day_jobs(): schema/functions/crew_day_jobs.sql
