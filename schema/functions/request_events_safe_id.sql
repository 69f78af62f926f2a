-- The highest event id below which nothing more can commit (see above), or
-- NULL when writers in flight did not end within p_wait. The writers in
-- flight are read from pg_stat_activity (backend_xid comes live from the
-- process array), not from a snapshot's in-progress list: a snapshot leaves
-- out xids at or above its xmax (latest completed + 1), which may well be
-- in flight.
CREATE OR REPLACE FUNCTION request_events_safe_id(p_wait interval DEFAULT '1 second')
    RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_last  bigint;
    v_xids  xid[];
    v_until timestamptz := clock_timestamp() + p_wait;
BEGIN
    -- A sequence is read as it is now, not as of a snapshot.
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO v_last
    FROM request_events_id_seq;
    -- Then (a later statement) every transaction holding an xid now; the
    -- statistics are otherwise cached for the whole transaction.
    PERFORM pg_stat_clear_snapshot();
    SELECT array_agg(backend_xid) INTO v_xids FROM pg_stat_activity
    WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
      AND datname = current_database(); -- nothing else writes here
    -- Wait until each has left the process array: ended, and what it
    -- committed is seen by any later snapshot.
    WHILE v_xids IS NOT NULL LOOP
        IF clock_timestamp() > v_until THEN
            RETURN NULL;
        END IF;
        PERFORM pg_sleep(0.001);
        PERFORM pg_stat_clear_snapshot();
        SELECT array_agg(backend_xid) INTO v_xids FROM pg_stat_activity
        WHERE backend_xid = ANY(v_xids) AND pid <> pg_backend_pid();
    END LOOP;
    RETURN v_last;
END $$;
