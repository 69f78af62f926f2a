-- The daily purge under one advisory lock (at most once in 20 hours unless
-- forced): callers' personal fields of requests closed more than
-- p_caller_days ago (audited), old sync batches, uploads never finished,
-- expired sessions and old GPS-fix partitions; recorded in retention_runs.
CREATE OR REPLACE FUNCTION retention_purge(p_caller_days int, p_fix_months int,
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
               AND request_state_closed(r.state)
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
