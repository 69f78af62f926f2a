-- The highest event id below which nothing more can commit: the sequence's
-- last value, or just below the lowest floor another writer in flight has
-- published (schema/0420 has the protocol and its proof). Never waits.
--
-- An older safe id is still safe: every event at or below it had committed
-- or would never commit when it was read, so a later snapshot sees all of
-- them. Two readers use that:
-- - within one transaction the first answer is given again (the handheld
--   syncs that share a transaction, db_group.c, read pg_locks once);
-- - a reader that can take an answer up to p_reuse old gets the one this
--   session read last, if it is that recent (a handheld's sync, 0431:
--   pg_locks is read at most once in p_reuse by each pool connection). A
--   transaction that rolls back forgets what it read.
-- p_reuse '0' (the default): an answer of this transaction or a new one.
CREATE OR REPLACE FUNCTION request_events_safe_id(p_reuse interval DEFAULT '0')
    RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_last   bigint;
    v_floor  bigint;
    v_kept   text := current_setting('patrol.safe_id', true);
    v_recent text;
BEGIN
    IF v_kept IS NOT NULL AND v_kept <> '' THEN
        RETURN v_kept::bigint;
    END IF;
    IF p_reuse > interval '0' THEN
        -- "id@epoch seconds", set below.
        v_recent := current_setting('patrol.safe_id_recent', true);
        IF v_recent IS NOT NULL AND v_recent <> ''
           AND split_part(v_recent, '@', 2)::float8
               > extract(epoch FROM clock_timestamp() - p_reuse) THEN
            RETURN split_part(v_recent, '@', 1)::bigint;
        END IF;
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
    PERFORM set_config('patrol.safe_id_recent',
        v_last || '@' || extract(epoch FROM clock_timestamp()), false);
    RETURN v_last;
END $$;
