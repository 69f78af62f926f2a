-- A device writes only on jobs it held (issue 10 finding 8). Before, a
-- device of crew B could send a step or a result for crew A's job and a
-- sync_conflict event, with B's note, was written on A's job. A step on a
-- job the device once held and lost (reassigned while it was offline) is
-- still kept as a conflict: the crew's work is never lost.
--
-- "Held": the job is its crew's now, or was sent to this device. device_jobs
-- forgets a job once the device has seen it go, so the sending is also
-- remembered here, for good (a trigger, so sync_outbound stays 0031's).
CREATE TABLE device_held_jobs (
    device_id  bigint NOT NULL REFERENCES devices ON DELETE CASCADE,
    request_id bigint NOT NULL REFERENCES requests ON DELETE CASCADE,
    first_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, request_id)
);

INSERT INTO device_held_jobs (device_id, request_id)
SELECT device_id, request_id FROM device_jobs
UNION SELECT device_id, request_id FROM sync_status_changes
UNION SELECT device_id, request_id FROM job_results
ON CONFLICT DO NOTHING;

CREATE FUNCTION device_jobs_remember() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO device_held_jobs (device_id, request_id)
    VALUES (NEW.device_id, NEW.request_id) ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;
CREATE TRIGGER device_jobs_held AFTER INSERT ON device_jobs
    FOR EACH ROW EXECUTE FUNCTION device_jobs_remember();

-- true when a status or result item names an existing job that is not the
-- device's crew's and was never sent to the device. An unknown request is
-- left to sync_apply_status/result ("no such request"); an item already
-- applied (its client_id recorded) to their duplicate answer.
CREATE FUNCTION sync_never_held(p_dev devices, p_item jsonb)
    RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM requests r
                   WHERE r.id = (p_item->>'request_id')::bigint
                     AND r.crew_id IS DISTINCT FROM p_dev.crew_id)
       AND NOT EXISTS (SELECT 1 FROM device_held_jobs j
                       WHERE j.device_id = p_dev.id
                         AND j.request_id = (p_item->>'request_id')::bigint)
       AND NOT EXISTS (SELECT 1 FROM sync_status_changes s
                       WHERE s.client_id = p_item->>'client_id'
                         AND s.device_id = p_dev.id)
       AND NOT EXISTS (SELECT 1 FROM job_results s
                       WHERE s.client_id = p_item->>'client_id'
                         AND s.device_id = p_dev.id)
$$;

-- 0090's sync_apply with the check above before each status and result.
CREATE OR REPLACE FUNCTION sync_apply(p_token text, p_device bigint, p_batch jsonb,
        p_rules jsonb)
    RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_dev      devices%ROWTYPE;
    v_crew     text;
    v_actor    text;
    v_n        int := jsonb_array_length(coalesce(p_batch->'items', '[]'));
    v_prev     sync_batches%ROWTYPE;
    v_acks     jsonb := '[]';
    v_item     jsonb;
    v_replayed boolean := false;
    v_cursor   bigint := coalesce((p_batch->>'cursor')::bigint, 0);
    v_now      bigint;
    v_wanted   jsonb := '[]';
BEGIN
    -- The new cursor: every event up to it has committed or never will
    -- (0090). Taken first, before this transaction writes anything (it
    -- waits for writers in flight, so it must not be one itself). This
    -- sync's own events come after it and are sent back once: harmless.
    v_now := coalesce(request_events_safe_id(), v_cursor);
    -- Serialises the device's syncs and waits for a revocation in flight.
    SELECT d.* INTO v_dev FROM devices d
    WHERE d.id = coalesce(p_device, (SELECT x.id FROM devices x
                                     WHERE x.token_sha256 = p_token))
      AND d.revoked_at IS NULL FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('unauthorized', true);
    END IF;
    SELECT code INTO v_crew FROM crews WHERE id = v_dev.crew_id;
    v_actor := 'crew:' || v_crew;
    IF v_n > 0 THEN
        SELECT * INTO v_prev FROM sync_batches
        WHERE device_id = v_dev.id AND batch_id = p_batch->>'batch_id';
        IF FOUND THEN
            IF v_prev.content_sha256 <> p_batch->>'sha256' THEN
                RETURN jsonb_build_object('batch_conflict', true,
                                          'device_id', v_dev.id);
            END IF;
            v_acks := v_prev.ack;
            v_replayed := true;
        ELSE
            FOR v_item IN SELECT value FROM jsonb_array_elements(p_batch->'items')
            LOOP
                v_acks := v_acks || CASE
                    WHEN v_item->>'kind' IN ('status', 'result')
                         AND sync_never_held(v_dev, v_item) THEN
                        sync_ack(v_item->>'client_id', 'rejected',
                            format('request %s was never this device''s job:'
                                   ' nothing was recorded on it',
                                   v_item->>'request_id'),
                            'request_id', (v_item->>'request_id')::bigint, NULL)
                    ELSE CASE v_item->>'kind'
                    WHEN 'status' THEN sync_apply_status(v_dev, v_actor, v_item, p_rules)
                    WHEN 'result' THEN sync_apply_result(v_dev, v_actor, v_item, p_rules)
                    WHEN 'finding' THEN sync_apply_finding(v_dev, v_actor, v_item)
                    WHEN 'patrol' THEN sync_apply_patrol(v_dev, v_item)
                    WHEN 'track' THEN sync_apply_track(v_dev, v_item)
                    ELSE v_item->'ack' -- refused by patrold's checks
                END END;
            END LOOP;
            INSERT INTO sync_batches (device_id, batch_id, content_sha256, items, ack)
            VALUES (v_dev.id, p_batch->>'batch_id', p_batch->>'sha256', v_n, v_acks);
        END IF;
    END IF;
    IF jsonb_array_length(coalesce(p_batch->'photos', '[]')) > 0 THEN
        INSERT INTO sync_photos_expected (device_id, sha256, bytes, content_type)
        SELECT v_dev.id, p->>'sha256', (p->>'bytes')::bigint, p->>'type'
        FROM jsonb_array_elements(p_batch->'photos') p
        ON CONFLICT (device_id, sha256) DO NOTHING;
        SELECT coalesce(jsonb_agg(p->>'sha256'), '[]') INTO v_wanted
        FROM jsonb_array_elements(p_batch->'photos') p
        WHERE NOT EXISTS (SELECT 1 FROM photos f WHERE f.sha256 = p->>'sha256');
    END IF;
    -- A minute's precision is enough for "last seen": fewer row versions.
    IF v_dev.last_sync_at IS NULL OR v_dev.last_sync_at < now() - interval '1 minute'
       OR v_dev.agent_version IS DISTINCT FROM
          coalesce(p_batch->>'version', v_dev.agent_version) THEN
        UPDATE devices SET last_sync_at = now(),
            agent_version = coalesce(p_batch->>'version', agent_version)
        WHERE id = v_dev.id;
    END IF;
    RETURN sync_outbound(v_dev, v_cursor, v_now) || jsonb_build_object(
        'device_id', v_dev.id, 'crew', v_crew, 'acks', v_acks,
        'replayed', v_replayed, 'cursor', v_now, 'photos_wanted', v_wanted);
END $$;
