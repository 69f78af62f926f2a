-- Events after p_after, in id order, up to the safe id; none when it is not
-- known yet. The rows are read after the wait, in a snapshot of their own.
CREATE OR REPLACE FUNCTION request_events_after(p_after bigint, p_limit int)
    RETURNS SETOF request_events LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_safe bigint := request_events_safe_id();
BEGIN
    IF v_safe IS NULL OR v_safe <= p_after THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT * FROM request_events e
        WHERE e.id > p_after AND e.id <= v_safe ORDER BY e.id LIMIT p_limit;
END $$;
