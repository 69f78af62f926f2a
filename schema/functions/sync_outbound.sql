-- What the device has not seen: its crew's open jobs that are new to it or
-- changed since its cursor (with the callers' names and phones, audited),
-- the jobs it was sent but no longer holds, and its crew's day plan
-- (sync_plan). p_cursor is the device's, p_now the new cursor (read before
-- this, so nothing is missed).
--
-- Most syncs change nothing, and PostgreSQL starts every node of a
-- statement's plan, sub-plans included, even when its first scan finds
-- nothing. So one look first: does the crew hold an active job (then the
-- fresh jobs and the plan are looked for), and does the device hold a job
-- it was sent that is no longer the crew's active job, or one marked gone
-- (then those are marked, cleared and sent)? A change that commits after
-- the look is found by the next sync: its event comes after p_now.
-- Changed by 0031, 0150, 0250 (see the comments there).
CREATE OR REPLACE FUNCTION sync_outbound(p_dev devices, p_cursor bigint, p_now bigint)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_fresh  bigint[];
    v_assign jsonb := '[]';
    v_gone   jsonb := '[]';
    v_active boolean;
    v_stale  boolean;
BEGIN
    SELECT EXISTS (SELECT 1 FROM requests r WHERE r.crew_id = p_dev.crew_id
                   AND request_state_active(r.state)),
           EXISTS (SELECT 1 FROM device_jobs j WHERE j.device_id = p_dev.id
                   AND (j.gone_cursor IS NOT NULL
                        OR NOT EXISTS (SELECT 1 FROM requests r
                                       WHERE r.id = j.request_id
                                         AND r.crew_id = p_dev.crew_id
                                         AND request_state_active(r.state))))
    INTO v_active, v_stale;
    IF v_active THEN
        v_fresh := ARRAY(SELECT r.id FROM requests r
            WHERE r.crew_id = p_dev.crew_id
              AND request_state_active(r.state)
              AND (NOT EXISTS (SELECT 1 FROM device_jobs j
                               WHERE j.device_id = p_dev.id AND j.request_id = r.id
                                 AND j.gone_cursor IS NULL)
                   OR EXISTS (SELECT 1 FROM request_events e
                              WHERE e.request_id = r.id AND e.id > p_cursor)
                   OR EXISTS (SELECT 1 FROM request_events e
                              JOIN requests m ON m.id = e.request_id
                              WHERE m.parent_id = r.id AND e.id > p_cursor)));
        IF cardinality(v_fresh) > 0 THEN
            SELECT jsonb_agg(jsonb_build_object('request_id', r.id,
                'category', r.category, 'category_name', c.name_ja,
                'category_name_en', c.name_en,
                'state', r.state, 'lat', r.lat, 'lon', r.lon,
                'address', coalesce(nullif(btrim(r.address), ''),
                    addr_town_near(r.lat, r.lon)),
                'description', r.description || coalesce(sync_merged_text(r.id), ''),
                'priority', r.priority, 'due_make_safe', r.due_make_safe,
                'answers', r.answers, 'outcomes', c.outcomes,
                'callers', (SELECT coalesce(jsonb_agg(jsonb_build_object('name',
                    k.name, 'phone', k.phone) ORDER BY k.request_id <> r.id, k.id), '[]')
                    FROM callers k
                    WHERE k.request_id = r.id OR k.request_id IN
                        (SELECT m.id FROM requests m WHERE m.parent_id = r.id)))
                ORDER BY r.id)
            INTO v_assign
            FROM requests r JOIN categories c ON c.code = r.category
            WHERE r.id = ANY(v_fresh);
            INSERT INTO audit_log (actor, action, object_type, object_id)
            SELECT 'device:' || p_dev.id, 'callers.read', 'request', f.id
            FROM unnest(v_fresh) AS f(id)
            WHERE EXISTS (SELECT 1 FROM callers k WHERE k.request_id = f.id
                OR k.request_id IN (SELECT m.id FROM requests m WHERE m.parent_id = f.id));
            INSERT INTO device_jobs (device_id, request_id, sent_cursor)
            SELECT p_dev.id, f.id, p_now FROM unnest(v_fresh) AS f(id)
            ON CONFLICT (device_id, request_id)
            DO UPDATE SET sent_cursor = p_now, gone_cursor = NULL;
        END IF;
    END IF;
    IF v_stale THEN
        -- Gone: sent before, no longer held open by the crew.
        UPDATE device_jobs j SET gone_cursor = p_now
        WHERE j.device_id = p_dev.id AND j.gone_cursor IS NULL
          AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = j.request_id
              AND r.crew_id = p_dev.crew_id
              AND request_state_active(r.state));
        -- Seen once the device's cursor has passed the one it was sent with.
        DELETE FROM device_jobs
        WHERE device_id = p_dev.id AND gone_cursor < p_cursor;
        SELECT coalesce(jsonb_agg(jsonb_build_object('request_id', r.id,
            'state', r.state, 'reason', CASE WHEN r.crew_id IS DISTINCT FROM
            p_dev.crew_id AND request_state_open(r.state) THEN 'reassigned' END) ORDER BY r.id), '[]')
        INTO v_gone
        FROM device_jobs j JOIN requests r ON r.id = j.request_id
        WHERE j.device_id = p_dev.id AND j.gone_cursor IS NOT NULL;
    END IF;
    RETURN jsonb_build_object('assignments', v_assign, 'cancellations', v_gone,
        'plan', CASE WHEN v_active THEN sync_plan(p_dev.id) ELSE '[]' END);
END $$;
