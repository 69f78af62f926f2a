-- Business gauges for /metrics (issue 18): one row per sample, the name,
-- its labels (already in Prometheus syntax; every value comes from a
-- closed set or a code matching [a-z0-9_-]) and the value. patrold asks on
-- every scrape; nothing personal is in any label.
CREATE OR REPLACE FUNCTION metrics_business()
    RETURNS TABLE (name text, labels text, value double precision)
    LANGUAGE sql STABLE AS $$
    -- Open requests by state and priority.
    SELECT 'patrol_requests_open',
           format('state="%s",priority="%s"', state, priority),
           count(*)::float8
      FROM requests
     WHERE request_state_open(state)
     GROUP BY state, priority
    UNION ALL
    -- Call-backs promised and not yet made: still due, or overdue.
    SELECT 'patrol_callbacks', format('status="%s"', s.status),
           count(r.id)::float8
      FROM (VALUES ('due'), ('overdue')) s (status)
      LEFT JOIN requests r
        ON r.callback_at IS NOT NULL AND r.callback_done_at IS NULL
       AND (CASE WHEN r.callback_at <= now() THEN 'overdue' ELSE 'due' END)
           = s.status
     GROUP BY s.status
    UNION ALL
    -- Crews by state: busy (a job in hand) or their own status.
    SELECT 'patrol_crews', format('state="%s"', s.state), count(c.state)::float8
      FROM (VALUES ('available'), ('busy'), ('break'), ('off_duty')) s (state)
      LEFT JOIN (SELECT CASE WHEN EXISTS (
                            SELECT 1 FROM requests r WHERE r.crew_id = c.id
                               AND request_state_active(r.state))
                        THEN 'busy' ELSE c.status END AS state
                   FROM crews c) c ON c.state = s.state
     GROUP BY s.state
    UNION ALL
    -- Seconds since each enrolled handheld last synced (or enrolled).
    SELECT 'patrol_device_sync_age_seconds',
           format('device="%s",crew="%s"', d.id, c.code),
           extract(epoch FROM now() - coalesce(d.last_sync_at, d.enrolled_at))
      FROM devices d JOIN crews c ON c.id = d.crew_id
     WHERE d.revoked_at IS NULL
    UNION ALL
    -- The oldest item still waiting for a sync: a photo announced but not
    -- uploaded, or a change to a crew's job its handhelds have not fetched.
    SELECT 'patrol_unsynced_oldest_seconds', 'kind="photo_upload"',
           coalesce(extract(epoch FROM now() - min(e.announced_at)), 0)
      FROM sync_photos_expected e
     WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = e.sha256)
    UNION ALL
    SELECT 'patrol_unsynced_oldest_seconds', 'kind="job_change"',
           coalesce(extract(epoch FROM now() - min(r.state_changed_at)), 0)
      FROM requests r
     WHERE request_state_active(r.state)
       AND EXISTS (SELECT 1 FROM devices d WHERE d.crew_id = r.crew_id
                      AND d.revoked_at IS NULL)
       AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.crew_id = r.crew_id
                          AND d.revoked_at IS NULL
                          AND d.last_sync_at >= r.state_changed_at)
$$;
