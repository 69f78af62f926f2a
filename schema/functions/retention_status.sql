-- What the purge would remove now, and when the next item of each kind
-- falls due (NULL: nothing waiting). One row per kind.
CREATE OR REPLACE FUNCTION retention_status(p_caller_days int, p_fix_months int,
        p_batch_days int, p_upload_hours int)
    RETURNS TABLE (kind text, due_now bigint, next_due timestamptz,
                   kept bigint)
    LANGUAGE sql STABLE AS $$
    SELECT 'callers', count(*) FILTER (WHERE d < now()),
           min(d) FILTER (WHERE d >= now()),
           count(*) FILTER (WHERE d IS NULL)
      FROM (SELECT CASE WHEN request_state_closed(r.state)
                        THEN r.state_changed_at + make_interval(days => p_caller_days)
                   END AS d
              FROM callers c JOIN requests r ON r.id = c.request_id
             WHERE c.purged_at IS NULL) x
    UNION ALL
    SELECT 'sync_batches', count(*) FILTER (WHERE d < now()),
           min(d) FILTER (WHERE d >= now()), 0
      FROM (SELECT received_at + make_interval(days => p_batch_days) AS d
              FROM sync_batches) x
    UNION ALL
    SELECT 'uploads_unfinished', count(*) FILTER (WHERE d < now()),
           min(d) FILTER (WHERE d >= now()), 0
      FROM (SELECT announced_at + make_interval(hours => p_upload_hours) AS d
              FROM sync_photos_expected e
             WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = e.sha256)) x
    UNION ALL
    SELECT 'sessions_expired', count(*) FILTER (WHERE expires_at < now()),
           min(expires_at) FILTER (WHERE expires_at >= now()), 0
      FROM sessions
$$;
