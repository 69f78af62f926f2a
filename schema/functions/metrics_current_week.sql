-- The current ISO week in the session's (the configured) time zone.
CREATE OR REPLACE FUNCTION metrics_current_week() RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT to_char(now(), 'IYYY-"W"IW')
$$;
