-- A crew's break in its day (issue 15): break_minutes taken within
-- break_start .. break_end (local time); a fixed break when the range is
-- exactly as long as the break (12:00-13:00, 60), a floating one when the
-- range is longer (11:00-14:00, 45). NULL: no break is planned.
ALTER TABLE crews
    ADD COLUMN break_start   time,
    ADD COLUMN break_end     time,
    ADD COLUMN break_minutes int,
    ADD CONSTRAINT crews_break_whole CHECK (
        (break_start IS NULL AND break_end IS NULL AND break_minutes IS NULL)
        OR (break_start IS NOT NULL AND break_end IS NOT NULL
            AND break_minutes IS NOT NULL AND break_end > break_start
            AND break_minutes BETWEEN 5 AND 240
            AND break_minutes <= extract(epoch FROM break_end - break_start) / 60));

-- The crew's next (or current) break in minutes from now: from_min (the
-- earliest start), to_min (the latest end), len; NULL without a break.
-- Today's, or tomorrow's once today's range is over.
CREATE FUNCTION crew_break(p_crew bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
SELECT CASE WHEN c.break_minutes IS NULL THEN NULL ELSE jsonb_build_object(
    'from_min', x.f + x.d, 'to_min', x.t + x.d, 'len', c.break_minutes,
    'start', to_char(c.break_start, 'HH24:MI'),
    'end', to_char(c.break_end, 'HH24:MI')) END
FROM (SELECT cr.*, (now() AT TIME ZONE current_setting('TimeZone')) AS lt
      FROM crews cr WHERE cr.id = p_crew) c,
LATERAL (SELECT extract(epoch FROM (c.lt::date + c.break_start) - c.lt) / 60 AS f,
                extract(epoch FROM (c.lt::date + c.break_end) - c.lt) / 60 AS t) y,
LATERAL (SELECT y.f, y.t, CASE WHEN y.t <= 0 THEN 1440 ELSE 0 END AS d) x
$$;
