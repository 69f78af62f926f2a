-- GPS fixes in monthly partitions (issue 18): the patrols' track points
-- and the handhelds' fixes are PostgreSQL declarative partitions by month
-- of their time (`at`, UTC months), so that fixes older than the retention
-- period go by dropping whole partitions, not by deleting rows. Keys are
-- unchanged: track_points keeps (patrol_id, at) (issue 11: a fix is its
-- patrol and its time to the ms), track_fixes has none.
--
-- The server manages the partitions (retention_fix_partitions, run by the
-- daily purge under its lock): the current month and the next two exist
-- ahead of time; a fix outside every partition (an old trace replayed, a
-- clock far off) lands in the DEFAULT partition and is moved into its own
-- month's partition at the next purge; a month is dropped whole once it is
-- retention_fix_months past its end.

CREATE FUNCTION fix_partition_month(p_time timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('month', p_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;

-- The partition of p_table (track_points or track_fixes) for the month
-- starting at p_month, made if missing; rows of that month waiting in the
-- default partition are moved into it. Returns 1 if it was made.
CREATE FUNCTION fix_partition_make(p_table text, p_month timestamptz)
    RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    v_name text := format('%s_p%s', p_table,
                          to_char(p_month AT TIME ZONE 'UTC', 'YYYY_MM'));
    v_from text := to_char(p_month AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"00:00:00"Z"');
    v_to   text := to_char((p_month AT TIME ZONE 'UTC') + interval '1 month',
                           'YYYY-MM-DD"T"00:00:00"Z"');
BEGIN
    IF to_regclass(v_name) IS NOT NULL THEN
        RETURN 0;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   v_name, p_table);
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE at >= %L AND at < %L RETURNING *)'
                   ' INSERT INTO %I SELECT * FROM moved',
                   p_table || '_default', v_from, v_to, v_name);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   p_table, v_name, v_from, v_to);
    RETURN 1;
END $$;

-- Every monthly partition of the fix tables: its table, name, month and
-- the time it is dropped.
CREATE FUNCTION fix_partitions(p_fix_months int)
    RETURNS TABLE (parent text, name text, month timestamptz,
                   drop_at timestamptz)
    LANGUAGE sql STABLE AS $$
    SELECT p.relname::text, c.relname::text, m.month,
           ((m.month AT TIME ZONE 'UTC') + make_interval(months => 1 + p_fix_months))
               AT TIME ZONE 'UTC'
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent
      CROSS JOIN LATERAL (SELECT to_date(right(c.relname::text, 7), 'YYYY_MM')
                                 ::timestamp AT TIME ZONE 'UTC' AS month) m
     WHERE p.relname IN ('track_points', 'track_fixes')
       AND c.relname::text ~ '_p[0-9]{4}_[0-9]{2}$'
$$;

CREATE OR REPLACE FUNCTION retention_fix_partitions(p_fix_months int)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_table   text;
    v_month   timestamptz;
    v_made    int := 0;
    v_dropped int := 0;
    v_rows    bigint := 0;
    v_n       bigint;
    r         record;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['track_points', 'track_fixes'] LOOP
        -- Ahead of time: this month and the next two.
        FOR i IN 0..2 LOOP
            v_made := v_made + fix_partition_make(v_table,
                (fix_partition_month(now()) AT TIME ZONE 'UTC'
                 + make_interval(months => i)) AT TIME ZONE 'UTC');
        END LOOP;
        -- Fixes that landed in the default partition get their month's.
        FOR v_month IN EXECUTE format(
                'SELECT DISTINCT fix_partition_month(at) FROM %I',
                v_table || '_default') LOOP
            v_made := v_made + fix_partition_make(v_table, v_month);
        END LOOP;
    END LOOP;
    FOR r IN SELECT * FROM fix_partitions(p_fix_months)
              WHERE drop_at <= now() ORDER BY month LOOP
        EXECUTE format('SELECT count(*) FROM %I', r.name) INTO v_n;
        EXECUTE format('DROP TABLE %I', r.name);
        v_dropped := v_dropped + 1;
        v_rows := v_rows + v_n;
    END LOOP;
    RETURN jsonb_build_object('fix_partitions_dropped', v_dropped,
                              'fix_rows_dropped', v_rows,
                              'fix_partitions_made', v_made);
END $$;

-- retention_fix_partition_list(): its body now is schema/functions/retention_fix_partition_list.sql

-- The tables themselves: the same columns, key and indexes, partitioned.
ALTER TABLE track_points RENAME TO track_points_unpartitioned;
ALTER INDEX track_points_pkey RENAME TO track_points_unpartitioned_pkey;
ALTER INDEX track_points_at RENAME TO track_points_unpartitioned_at;
CREATE TABLE track_points (LIKE track_points_unpartitioned
                           INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (at);
ALTER TABLE track_points ADD PRIMARY KEY (patrol_id, at);
ALTER TABLE track_points ADD CONSTRAINT track_points_patrol_id_fkey
    FOREIGN KEY (patrol_id) REFERENCES patrols;
CREATE INDEX track_points_at ON track_points (at);
CREATE TABLE track_points_default PARTITION OF track_points DEFAULT;

ALTER TABLE track_fixes RENAME TO track_fixes_unpartitioned;
ALTER INDEX track_fixes_crew RENAME TO track_fixes_unpartitioned_crew;
CREATE TABLE track_fixes (LIKE track_fixes_unpartitioned
                          INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (at);
CREATE INDEX track_fixes_crew ON track_fixes (crew_id, at);
CREATE TABLE track_fixes_default PARTITION OF track_fixes DEFAULT;

-- The rows go into the default partitions, and then each into its month's.
INSERT INTO track_points SELECT * FROM track_points_unpartitioned;
INSERT INTO track_fixes SELECT * FROM track_fixes_unpartitioned;
DROP TABLE track_points_unpartitioned;
DROP TABLE track_fixes_unpartitioned;
SELECT retention_fix_partitions(1200);
