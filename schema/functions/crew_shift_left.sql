-- Minutes from now to the end of the crew's current (or next) shift; a
-- shift whose start equals its end is around the clock (1e6).
CREATE OR REPLACE FUNCTION crew_shift_left(p_crew bigint) RETURNS double precision
    LANGUAGE sql STABLE AS $$
SELECT CASE WHEN c.shift_start = c.shift_end THEN 1e6
       ELSE extract(epoch FROM (c.lt::date + c.shift_end +
            CASE WHEN c.shift_end < c.shift_start AND c.lt::time >= c.shift_start
                 THEN interval '1 day' ELSE interval '0' END) - c.lt) / 60 END
FROM (SELECT cr.*, (now() AT TIME ZONE current_setting('TimeZone')) AS lt
      FROM crews cr WHERE cr.id = p_crew) c
$$;
