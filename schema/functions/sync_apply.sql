-- One sync, in one transaction: the batch (once per batch id), then what
-- the device has not seen. The device is p_device, or when that is NULL
-- the one holding the token hash p_token (saving patrold a round trip
-- when it needs nothing else first). p_batch is built by patrold (sync.c)
-- from the decoded request: {batch_id, sha256, cursor, version, items:
-- [{kind, ...}] in the order the crew recorded them, photos: [{sha256,
-- bytes, type}]}; an item patrold refused has kind "refused" and its ack.
-- Returns {unauthorized} | {batch_conflict} | {device_id, crew, acks,
-- replayed, cursor, assignments, cancellations, plan, photos_wanted}.
-- Changed by 0090, 0101 (see the comments there).
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
    v_i        int;
    v_replayed boolean := false;
    v_cursor   bigint := coalesce((p_batch->>'cursor')::bigint, 0);
    v_now      bigint;
    v_wanted   jsonb := '[]';
BEGIN
    -- The new cursor: every event up to it has committed or never will
    -- (0090, 0420). Taken first: this sync's own events come after it and
    -- are sent back once: harmless. An answer this pool connection read up
    -- to 100 ms ago will do (0431): a job changed in those 100 ms is sent
    -- once more at the next sync, and pg_locks is not read at every sync.
    v_now := coalesce(request_events_safe_id(interval '100 milliseconds'),
                      v_cursor);
    -- Serialises the device's syncs and waits for a revocation in flight.
    -- Two plain statements, not one with coalesce(p_device, a sub-query):
    -- that one started its sub-plan in every sync.
    IF p_device IS NOT NULL THEN
        SELECT d.* INTO v_dev FROM devices d
        WHERE d.id = p_device AND d.revoked_at IS NULL FOR NO KEY UPDATE;
    ELSE
        SELECT d.* INTO v_dev FROM devices d
        WHERE d.token_sha256 = p_token AND d.revoked_at IS NULL
        FOR NO KEY UPDATE;
    END IF;
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
            -- By index: an expression, not a query to start at every sync.
            FOR v_i IN 0 .. v_n - 1 LOOP
                v_item := p_batch->'items'->v_i;
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
