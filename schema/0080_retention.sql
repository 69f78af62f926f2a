-- Retention (issue 18): personal data is kept only as long as allowed.
--
-- A caller's personal fields (every column of callers but its bookkeeping)
-- are emptied N days after the request closed; the request, its history
-- (request_events) and everything counted from them stay, and audit_log
-- says whose data went, when and why. Finished sync batches, unfinished
-- photo uploads and expired console sessions are deleted after their own
-- periods; GPS fixes go by whole monthly partitions (0081).
--
-- retention_purge runs under a transaction-scoped advisory lock, so with
-- several patrold (and the timer's patrolctl) one purge runs at a time;
-- without p_force it does nothing when a purge finished in the last 20
-- hours, so the daily purge happens once a day however many servers ask.
-- Running it again removes nothing more: it is idempotent.

ALTER TABLE callers ADD COLUMN purged_at timestamptz;

CREATE TABLE retention_runs (
    id          bigserial PRIMARY KEY,
    finished_at timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    settings    jsonb NOT NULL,
    removed     jsonb NOT NULL
);

-- The states in which a request is closed (lifecycle.c's terminal states).
CREATE FUNCTION retention_closed_states() RETURNS text[]
    LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['done', 'unable', 'cancelled', 'merged']
$$;

-- The personal columns of callers: all but its bookkeeping, so that a
-- personal column added later is emptied too.
CREATE FUNCTION retention_caller_fields() RETURNS text[]
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(column_name::text ORDER BY ordinal_position),
                    '{}')
      FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'callers'
       AND column_name NOT IN ('id', 'request_id', 'created_at', 'purged_at')
$$;

-- GPS-fix partitions: made ahead and dropped when old, and the list of
-- them with the time each goes (0081 replaces both when it partitions).
CREATE FUNCTION retention_fix_partitions(p_fix_months int)
    RETURNS jsonb LANGUAGE sql AS $$
    SELECT '{"fix_partitions_dropped": 0}'::jsonb
$$;
CREATE FUNCTION retention_fix_partition_list(p_fix_months int)
    RETURNS TABLE (name text, month date, rows bigint, drop_at timestamptz)
    LANGUAGE sql STABLE AS $$
    SELECT NULL::text, NULL::date, NULL::bigint, NULL::timestamptz WHERE false
$$;

CREATE FUNCTION retention_purge(p_caller_days int, p_fix_months int,
        p_batch_days int, p_upload_hours int, p_actor text, p_force boolean)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_fields   text[] := retention_caller_fields();
    v_set      text;
    v_callers  bigint;
    v_requests bigint;
    v_batches  bigint;
    v_uploads  bigint;
    v_refs     bigint;
    v_sessions bigint;
    v_out      jsonb;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('patrol.retention')) THEN
        RETURN jsonb_build_object('skipped', 'another purge is running');
    END IF;
    IF NOT p_force AND EXISTS (SELECT 1 FROM retention_runs
                                WHERE finished_at > now() - interval '20 hours') THEN
        RETURN jsonb_build_object('skipped', 'purged within the last 20 hours');
    END IF;

    SELECT string_agg(format('%I = NULL', f), ', ') INTO v_set
      FROM unnest(v_fields) f;
    v_set := coalesce(v_set || ', ', '') || 'purged_at = now()';
    EXECUTE format($q$
        WITH due AS (
            SELECT c.id FROM callers c JOIN requests r ON r.id = c.request_id
             WHERE c.purged_at IS NULL
               AND r.state = ANY (retention_closed_states())
               AND r.state_changed_at < now() - make_interval(days => $1)
             FOR UPDATE OF c
        ), upd AS (
            UPDATE callers c SET %s FROM due WHERE c.id = due.id
            RETURNING c.request_id
        ), aud AS (
            INSERT INTO audit_log (actor, action, object_type, object_id, detail)
            SELECT $2, 'caller.purge', 'request', request_id::text,
                   jsonb_build_object('callers', count(*), 'fields', $3,
                       'reason', 'retention', 'caller_days', $1)
              FROM upd GROUP BY request_id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM aud)
        $q$, v_set)
      INTO v_callers, v_requests
      USING p_caller_days, p_actor, to_jsonb(v_fields);

    DELETE FROM sync_batches
     WHERE received_at < now() - make_interval(days => p_batch_days);
    GET DIAGNOSTICS v_batches = ROW_COUNT;

    -- Announced photos never uploaded in time, and the links that waited
    -- for them (a photo that did arrive keeps everything).
    WITH gone AS (
        DELETE FROM sync_photos_expected e
         WHERE announced_at < now() - make_interval(hours => p_upload_hours)
           AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = e.sha256)
        RETURNING sha256
    ), refs AS (
        DELETE FROM sync_photo_refs s
         WHERE s.linked_at IS NULL AND s.sha256 IN (SELECT sha256 FROM gone)
           AND NOT EXISTS (SELECT 1 FROM sync_photos_expected e
                            WHERE e.sha256 = s.sha256
                              AND e.announced_at >= now() - make_interval(hours => p_upload_hours))
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM refs)
      INTO v_uploads, v_refs;

    DELETE FROM sessions WHERE expires_at < now();
    GET DIAGNOSTICS v_sessions = ROW_COUNT;

    v_out := jsonb_build_object(
        'callers_purged', v_callers, 'requests_purged', v_requests,
        'sync_batches', v_batches, 'uploads_unfinished', v_uploads,
        'photo_links_unfinished', v_refs, 'sessions_expired', v_sessions)
        || retention_fix_partitions(p_fix_months);
    INSERT INTO retention_runs (actor, settings, removed)
    VALUES (p_actor, jsonb_build_object('caller_days', p_caller_days,
                'fix_months', p_fix_months, 'batch_days', p_batch_days,
                'upload_hours', p_upload_hours), v_out);
    RETURN v_out;
END $$;

-- What the purge would remove now, and when the next item of each kind
-- falls due (NULL: nothing waiting). One row per kind.
CREATE FUNCTION retention_status(p_caller_days int, p_fix_months int,
        p_batch_days int, p_upload_hours int)
    RETURNS TABLE (kind text, due_now bigint, next_due timestamptz,
                   kept bigint)
    LANGUAGE sql STABLE AS $$
    SELECT 'callers', count(*) FILTER (WHERE d < now()),
           min(d) FILTER (WHERE d >= now()),
           count(*) FILTER (WHERE d IS NULL)
      FROM (SELECT CASE WHEN r.state = ANY (retention_closed_states())
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
