-- The highest event id below which nothing more can commit: the sequence's
-- last value, or just below the lowest floor another writer in flight has
-- published (schema/0420 has the protocol and its proof). Never waits.
-- p_wait is no longer used (0090's reader waited up to it); it stays so that
-- callers and the signature do not change. Within one transaction the
-- first answer is kept and given again: an older safe id is still safe, and
-- the handheld syncs that share a transaction (db_group.c) then read
-- pg_locks once, not each.
CREATE OR REPLACE FUNCTION request_events_safe_id(p_wait interval DEFAULT '1 second')
    RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_last  bigint;
    v_floor bigint;
    v_kept  text := current_setting('patrol.safe_id', true);
BEGIN
    IF v_kept IS NOT NULL AND v_kept <> '' THEN
        RETURN v_kept::bigint;
    END IF;
    -- A sequence is read as it is now, not as of a snapshot: first.
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO v_last
    FROM request_events_id_seq;
    -- Then the floors held now (pg_locks is read live, at each call).
    SELECT min(l.classid::bigint * 4294967296 + l.objid::bigint)
               - 2305843009213693952
    INTO v_floor
    FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 1
      AND l.classid BETWEEN 536870912 AND 1073741823
      AND l.database = (SELECT oid FROM pg_database
                        WHERE datname = current_database())
      AND l.pid <> pg_backend_pid();
    IF v_floor IS NOT NULL THEN
        v_last := least(v_last, v_floor - 1);
    END IF;
    PERFORM set_config('patrol.safe_id', v_last::text, true);
    RETURN v_last;
END $$;
