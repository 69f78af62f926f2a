-- A holder that stops cleanly lets its leases lapse at once.
CREATE OR REPLACE FUNCTION timer_leases_release(p_holder text) RETURNS int
    LANGUAGE sql AS $$
    WITH r AS (
        UPDATE timer_leases SET until = clock_timestamp() - interval '1 ms'
         WHERE holder = p_holder RETURNING 1)
    SELECT count(*)::int FROM r
$$;
