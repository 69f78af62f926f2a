-- A device time in ms since the epoch (a JSON number) as a timestamptz.
CREATE OR REPLACE FUNCTION sync_ms(p jsonb) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT to_timestamp((p #>> '{}')::float8 / 1000)
$$;
