-- A handheld's sync costs less (issue 19): every sync moves its crew to the
-- newest fix (UPDATE crews SET lon, lat, position_at), and PostgreSQL 15
-- checks every CHECK constraint of a table on every UPDATE of a row, read
-- back from its text and planned again each time (ExecRelCheck): three
-- constraints of crews, one with a regular expression, none about a
-- position. perf under tests/bench/sync_load: 5% of the machine.
--
-- As in 0350, the one-column checks become domains (checked only where a
-- value is written to the column), with the same names and SQLSTATE
-- (23514); the message names the domain: value for domain crew_code
-- violates check constraint "crews_code_check".
--
-- crews_break_whole ties three columns, so a domain cannot hold it. It
-- becomes a trigger that runs only when a statement writes one of the
-- three columns (UPDATE OF), and refuses what the constraint refused with
-- the same SQLSTATE and constraint name. The rule is the same text.
CREATE DOMAIN crew_code AS text
    CONSTRAINT crews_code_check CHECK (VALUE ~ '^[a-z0-9_-]{1,40}$');
CREATE DOMAIN crew_status AS text
    CONSTRAINT crews_status_check
    CHECK (VALUE IN ('available', 'break', 'off_duty'));

-- migration-time function: the trigger below needs it.
CREATE FUNCTION crews_break_whole() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ((NEW.break_start IS NULL AND NEW.break_end IS NULL
             AND NEW.break_minutes IS NULL)
            OR (NEW.break_start IS NOT NULL AND NEW.break_end IS NOT NULL
                AND NEW.break_minutes IS NOT NULL
                AND NEW.break_end > NEW.break_start
                AND NEW.break_minutes BETWEEN 5 AND 240
                AND NEW.break_minutes <= extract(epoch FROM
                    NEW.break_end - NEW.break_start) / 60)) THEN
        RAISE EXCEPTION 'new row for relation "crews" violates check constraint "crews_break_whole"'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'crews_break_whole',
                  TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    RETURN NEW;
END $$;

ALTER TABLE crews
    DROP CONSTRAINT crews_code_check,
    DROP CONSTRAINT crews_status_check,
    DROP CONSTRAINT crews_break_whole,
    ALTER COLUMN code TYPE crew_code,
    ALTER COLUMN status TYPE crew_status;

CREATE TRIGGER crews_break_whole
    BEFORE INSERT OR UPDATE OF break_start, break_end, break_minutes ON crews
    FOR EACH ROW EXECUTE FUNCTION crews_break_whole();
