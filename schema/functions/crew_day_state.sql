-- One place that says what a crew is doing: 'off_shift', 'break',
-- 'on_site' (at job), 'en_route' (to job), 'assigned' (n jobs waiting) or
-- 'available'; and where it is: a GPS fix younger than 15 minutes, else
-- the site of the last job it reported on site or done (if newer than the
-- fix), else the older fix, else its office. A site or fix older than
-- 12 hours (a whole shift) says nothing of where the crew is today: the
-- crew is taken to be at its office, not at a site from months ago.
CREATE OR REPLACE FUNCTION crew_day_state(p_crew bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
WITH c AS (SELECT cr.*, o.lon AS olon, o.lat AS olat,
                  (now() AT TIME ZONE current_setting('TimeZone'))::time AS t
           FROM crews cr JOIN offices o ON o.id = cr.office_id
           WHERE cr.id = p_crew),
     j AS (SELECT r.id, r.state FROM requests r
           WHERE r.crew_id = p_crew
             AND request_state_active(r.state)),
     site AS (SELECT r.lon, r.lat, e.at FROM request_events e
              JOIN requests r ON r.id = e.request_id
              WHERE e.crew_id = p_crew AND e.to_state IN ('on_site', 'done')
                AND e.at > now() - interval '12 hours'
              ORDER BY e.id DESC LIMIT 1)
SELECT jsonb_build_object(
    'state', CASE
        WHEN c.status = 'off_duty' OR NOT (CASE
             WHEN c.shift_start = c.shift_end THEN true
             WHEN c.shift_start < c.shift_end
             THEN c.t >= c.shift_start AND c.t < c.shift_end
             ELSE c.t >= c.shift_start OR c.t < c.shift_end END)
        THEN 'off_shift'
        WHEN c.status = 'break' THEN 'break'
        WHEN EXISTS (SELECT 1 FROM j WHERE state = 'on_site') THEN 'on_site'
        WHEN EXISTS (SELECT 1 FROM j WHERE state = 'en_route') THEN 'en_route'
        WHEN EXISTS (SELECT 1 FROM j) THEN 'assigned'
        ELSE 'available' END,
    'state_job', (SELECT min(id) FROM j WHERE state IN ('on_site', 'en_route')),
    'jobs', (SELECT count(*) FROM j),
    'position', CASE
        WHEN c.lon IS NOT NULL AND c.position_at > now() - interval '15 minutes'
        THEN jsonb_build_object('source', 'gps', 'lon', c.lon, 'lat', c.lat,
             'age_s', round(extract(epoch FROM now() - c.position_at)))
        WHEN (SELECT at FROM site) IS NOT NULL AND (c.position_at IS NULL
             OR c.lon IS NULL OR (SELECT at FROM site) > c.position_at)
        THEN (SELECT jsonb_build_object('source', 'job_site', 'lon', lon,
             'lat', lat, 'age_s', round(extract(epoch FROM now() - at)))
             FROM site)
        WHEN c.lon IS NOT NULL AND c.position_at > now() - interval '12 hours'
        THEN jsonb_build_object('source', 'gps', 'lon', c.lon, 'lat', c.lat,
             'age_s', round(extract(epoch FROM now() - c.position_at)))
        ELSE jsonb_build_object('source', 'office', 'lon', c.olon,
             'lat', c.olat, 'age_s', NULL) END)
FROM c
$$;
