-- The crew's next (or current) break in minutes from now: from_min (the
-- earliest start), to_min (the latest end), len; NULL without a break.
-- Today's, or tomorrow's once today's range is over.
CREATE OR REPLACE FUNCTION crew_break(p_crew bigint) RETURNS jsonb
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
