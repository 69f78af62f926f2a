-- The monthly partitions of the GPS-fix tables (0082), each with its rows
-- and the time it is dropped, then the default partitions where they hold
-- rows (fixes waiting for their month's partition).
CREATE OR REPLACE FUNCTION retention_fix_partition_list(p_fix_months int)
    RETURNS TABLE (name text, month date, rows bigint, drop_at timestamptz)
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM fix_partitions(p_fix_months) ORDER BY parent, month LOOP
        name := r.name;
        month := (r.month AT TIME ZONE 'UTC')::date;
        EXECUTE format('SELECT count(*) FROM %I', r.name) INTO rows;
        drop_at := r.drop_at;
        RETURN NEXT;
    END LOOP;
    name := 'track_points_default';
    month := NULL;
    SELECT count(*) INTO rows FROM track_points_default;
    drop_at := NULL;
    IF rows > 0 THEN RETURN NEXT; END IF;
    name := 'track_fixes_default';
    SELECT count(*) INTO rows FROM track_fixes_default;
    IF rows > 0 THEN RETURN NEXT; END IF;
END $$;
